//! Heartbeats and server-down detection.
//!
//! A link is (receiver, sender, path). The lazy model keeps state only for links that
//! are not healthy: when a link stops flowing it computes when the last heartbeat got
//! through and schedules one deadline; when it flows again it schedules one delivery at
//! the sender's next tick. Cost follows changes, not n² per interval. The naive model
//! sends every heartbeat as an event; both share the consequences (`path_lost`,
//! `delivered`), and a property test checks they give the same log.
//!
//! Timing: server s sends on path p at `phase(s,p) + k * interval`, in `Phase::Late` of
//! that millisecond, after every other event of it. A receiver loses a path to a peer
//! when nothing arrived for `timeout * ratio`, and the peer when every shared path is lost.

use super::engine::{Ev, Sim};
use super::event::{Arg, EventKind};
use super::HeartbeatModel;
use crate::kernel::Phase;
use std::collections::BTreeMap;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Link {
    /// Lazy model: the link flows again and a delivery is scheduled.
    pub flowing: bool,
    pub last_heard: u64,
    pub timed_out: bool,
    pub deadline: Option<u64>,
    pub id: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Heartbeats {
    /// Indexed `server * n_paths + path`.
    phase: Vec<u64>,
    n_paths: usize,
    pub links: BTreeMap<(u32, u32, u16), Link>,
    next_id: u64,
}

impl Heartbeats {
    pub fn new(phase: Vec<u64>, n_paths: usize) -> Heartbeats {
        Heartbeats {
            phase,
            n_paths,
            links: BTreeMap::new(),
            next_id: 0,
        }
    }
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
    /// Live reconfiguration: a server joins with these phases, one per path.
    pub fn join(&mut self, phases: Vec<u64>) {
        debug_assert_eq!(phases.len(), self.n_paths);
        self.phase.extend(phases);
    }

    /// Live reconfiguration: server `x` leaves; ids above it move down by one.
    pub fn remove_server(&mut self, x: usize) {
        let np = self.n_paths;
        self.phase.drain(x * np..(x + 1) * np);
        let x = x as u32;
        let old = std::mem::take(&mut self.links);
        let down = |s: u32| if s > x { s - 1 } else { s };
        self.links = old
            .into_iter()
            .filter(|((r, s, _), _)| *r != x && *s != x)
            .map(|((r, s, p), l)| ((down(r), down(s), p), l))
            .collect();
    }

    pub fn timed_out(&self, recv: usize, send: usize, path: usize) -> bool {
        self.links
            .get(&(recv as u32, send as u32, path as u16))
            .is_some_and(|l| l.timed_out)
    }
}

fn key(r: usize, s: usize, p: usize) -> (u32, u32, u16) {
    (r as u32, s as u32, p as u16)
}

/// Orders simultaneous timeouts by (receiver, sender, path).
pub(crate) fn link_key(r: usize, s: usize, p: usize) -> u64 {
    ((r as u64) << 40) | ((s as u64) << 16) | p as u64
}

/// Orders simultaneous transmissions by (sender, path) and then receiver; the naive
/// model's one transmission per (sender, path) has receiver 0 and delivers to
/// receivers in index order, so both models deliver in the same order.
pub(crate) fn send_key(s: usize, p: usize, r: usize) -> u64 {
    ((s as u64) << 40) | ((p as u64) << 24) | r as u64
}

impl Sim {
    fn hb_phase(&self, s: usize, p: usize) -> u64 {
        self.hb.phase[s * self.hb.n_paths + p]
    }

    /// The first tick of s on p at or after t.
    pub(crate) fn next_tick(&self, s: usize, p: usize, t: u64) -> u64 {
        let ph = self.hb_phase(s, p);
        let iv = self.model.paths[p].interval.0;
        if t <= ph {
            ph
        } else {
            ph + (t - ph).div_ceil(iv) * iv
        }
    }

    /// Whether s's heartbeat on p of this very millisecond has already reached r.
    fn sent_now(&self, s: usize, p: usize, r: usize) -> bool {
        self.kernel.cursor().0 == Phase::Late
            && send_key(s, p, r) < self.kernel.cursor().1
            && self.next_tick(s, p, self.kernel.now()) == self.kernel.now()
    }

    /// The last heartbeat of s on p that r can have received by now.
    fn last_sent(&self, s: usize, p: usize, r: usize) -> u64 {
        if self.sent_now(s, p, r) {
            self.kernel.now()
        } else {
            self.last_tick_before(s, p, self.kernel.now())
        }
    }

    /// The next heartbeat of s on p that r has not yet been sent.
    fn next_unsent(&self, s: usize, p: usize, r: usize) -> u64 {
        if self.sent_now(s, p, r) {
            self.kernel.now() + self.model.paths[p].interval.0
        } else {
            self.next_tick(s, p, self.kernel.now())
        }
    }

    /// The last tick of s on p strictly before t (0 if none: the start of time).
    fn last_tick_before(&self, s: usize, p: usize, t: u64) -> u64 {
        let ph = self.hb_phase(s, p);
        let iv = self.model.paths[p].interval.0;
        if t <= ph {
            0
        } else {
            ph + (t - 1 - ph) / iv * iv
        }
    }

    fn hb_timeout(&self, p: usize) -> u64 {
        self.scaled(self.model.paths[p].timeout.0)
    }

    /// Whether heartbeats of `send` reach `recv` on path `p` right now.
    pub(crate) fn flows(&self, recv: usize, send: usize, p: usize) -> bool {
        self.servers[send].alive()
            && self.servers[recv].alive()
            && self.env.carries(&self.model, send, recv, p)
    }

    /// Ground truth, for properties: when `recv` times `send` out on its last shared
    /// path if nothing more arrives (the latest of the paths' deadlines, after the
    /// timeout ratio); None when every shared path has already timed out or none is
    /// shared. A path that flows without stored state delivers every tick.
    pub fn heartbeat_deadline(&self, recv: usize, send: usize) -> Option<u64> {
        (0..self.model.paths.len())
            .filter(|&p| self.model.paths[p].on_server[recv] && self.model.paths[p].on_server[send])
            .filter_map(|p| {
                let last = match self.hb.links.get(&key(recv, send, p)) {
                    Some(l) if l.timed_out => return None,
                    Some(l) => l.last_heard,
                    None => self.last_tick_before(send, p, self.kernel.now() + 1),
                };
                Some(last + self.hb_timeout(p))
            })
            .max()
    }

    /// Sets up the heartbeat model at t=0.
    pub(crate) fn hb_init(&mut self) {
        if self.hb_model != HeartbeatModel::Naive {
            return;
        }
        let n = self.n();
        for p in 0..self.model.paths.len() {
            for s in 0..n {
                if !self.model.paths[p].on_server[s] {
                    continue;
                }
                let t = self.next_tick(s, p, 0);
                self.schedule_hb(
                    t,
                    Phase::Late,
                    send_key(s, p, 0),
                    Ev::HbSend {
                        send: s as u32,
                        path: p as u16,
                    },
                );
                for r in 0..n {
                    if r != s && self.model.paths[p].on_server[r] {
                        self.arm_link(r, s, p, true, 0);
                    }
                }
            }
        }
    }

    /// A server that joined the running cluster (live reconfiguration): the naive model
    /// starts its transmissions and arms its links as `hb_init` does at t=0; the lazy
    /// model needs nothing until the server's service starts.
    pub(crate) fn hb_join(&mut self, x: usize) {
        if self.hb_model != HeartbeatModel::Naive {
            return;
        }
        for p in 0..self.model.paths.len() {
            if !self.model.paths[p].on_server[x] {
                continue;
            }
            let t = self.next_tick(x, p, self.kernel.now());
            let ev = Ev::HbSend {
                send: x as u32,
                path: p as u16,
            };
            self.schedule_hb(t, Phase::Late, send_key(x, p, 0), ev);
            for r in 0..self.n() {
                if r != x && self.model.paths[p].on_server[r] {
                    self.arm_link(r, x, p, true, self.kernel.now());
                    self.arm_link(x, r, p, true, self.kernel.now());
                }
            }
        }
    }

    /// Stores a link that last heard its sender at `last_heard` and schedules its
    /// timeout; returns the link's id.
    fn arm_link(&mut self, r: usize, s: usize, p: usize, flowing: bool, last_heard: u64) -> u64 {
        let id = self.hb.id();
        let d = last_heard + self.hb_timeout(p);
        let link = Link {
            flowing,
            last_heard,
            timed_out: false,
            deadline: Some(d),
            id,
        };
        self.hb.links.insert(key(r, s, p), link);
        let ev = Ev::HbDeadline {
            recv: r as u32,
            send: s as u32,
            path: p as u16,
            id,
        };
        self.schedule_hb(d, Phase::Deadline, link_key(r, s, p), ev);
        id
    }

    /// Re-evaluates every link to and from `x` after a change of x's state.
    pub(crate) fn hb_refresh_server(&mut self, x: usize) {
        for p in 0..self.model.paths.len() {
            self.hb_refresh_server_path(x, p);
        }
    }

    pub(crate) fn hb_refresh_server_path(&mut self, x: usize, p: usize) {
        let all: Vec<usize> = (0..self.n()).collect();
        self.freeze_unheard(&[x], &all);
        if self.hb_model == HeartbeatModel::Naive || !self.model.paths[p].on_server[x] {
            return;
        }
        for y in 0..self.n() {
            if y != x && self.model.paths[p].on_server[y] {
                self.hb_refresh_link(x, y, p);
                self.hb_refresh_link(y, x, p);
            }
        }
    }

    /// Re-evaluates the links between two sets of servers (a partition's sides).
    pub(crate) fn hb_refresh_between(&mut self, a: &[usize], b: &[usize]) {
        self.freeze_unheard(a, b);
        if self.hb_model == HeartbeatModel::Naive {
            return;
        }
        for p in 0..self.model.paths.len() {
            for &x in a {
                for &y in b {
                    if x != y
                        && self.model.paths[p].on_server[x]
                        && self.model.paths[p].on_server[y]
                    {
                        self.hb_refresh_link(x, y, p);
                        self.hb_refresh_link(y, x, p);
                    }
                }
            }
        }
    }

    /// Lazy model: r's next heartbeat from s on p arrives at `at` on the flowing link
    /// `id` (one place builds the event every resumption schedules).
    fn schedule_resume(&mut self, r: usize, s: usize, p: usize, id: u64, at: u64) {
        let ev = Ev::HbResume {
            recv: r as u32,
            send: s as u32,
            path: p as u16,
            id,
        };
        self.schedule_hb(at, Phase::Late, send_key(s, p, r), ev);
    }

    /// Lazy model: reconcile one link's stored state with whether it flows now.
    fn hb_refresh_link(&mut self, r: usize, s: usize, p: usize) {
        if !self.servers[r].alive() {
            // A receiver that is down tracks nothing; it starts afresh (reset_links_into).
            self.hb.links.remove(&key(r, s, p));
            return;
        }
        let f = self.flows(r, s, p);
        match self.hb.links.get(&key(r, s, p)).map(|l| l.flowing) {
            None if f => {}
            None => {
                let last = self.last_sent(s, p, r);
                self.arm_link(r, s, p, false, last);
            }
            Some(was) if was == f => {}
            Some(_) if f => {
                let l = self.hb.links.get_mut(&key(r, s, p)).expect("link");
                l.flowing = true;
                let id = l.id;
                let t = self.next_unsent(s, p, r);
                self.schedule_resume(r, s, p, id, t);
            }
            Some(_) => {
                self.hb.links.get_mut(&key(r, s, p)).expect("link").flowing = false;
            }
        }
    }

    /// Lazy model: the first heartbeat after a link came back.
    pub(crate) fn hb_resume(&mut self, r: usize, s: usize, p: usize, id: u64) {
        let Some(l) = self.hb.links.get(&key(r, s, p)) else {
            return;
        };
        if l.id != id || !l.flowing || !self.flows(r, s, p) {
            return;
        }
        let was = l.timed_out;
        self.hb.links.remove(&key(r, s, p));
        self.delivered(r, s, p, was);
    }

    /// Naive model: s sends on p to everyone.
    pub(crate) fn hb_send(&mut self, s: usize, p: usize) {
        let iv = self.model.paths[p].interval.0;
        self.schedule_hb(
            self.kernel.now() + iv,
            Phase::Late,
            send_key(s, p, 0),
            Ev::HbSend {
                send: s as u32,
                path: p as u16,
            },
        );
        if !self.servers[s].alive() {
            return;
        }
        for r in 0..self.n() {
            if r == s || !self.flows(r, s, p) {
                continue;
            }
            let d = self.kernel.now() + self.hb_timeout(p);
            let l = self
                .hb
                .links
                .get_mut(&key(r, s, p))
                .expect("naive links exist for all pairs");
            let was = l.timed_out;
            l.last_heard = self.kernel.now();
            l.timed_out = false;
            l.deadline = Some(d);
            let id = l.id;
            self.schedule_hb(
                d,
                Phase::Deadline,
                link_key(r, s, p),
                Ev::HbDeadline {
                    recv: r as u32,
                    send: s as u32,
                    path: p as u16,
                    id,
                },
            );
            self.delivered(r, s, p, was);
        }
    }

    pub(crate) fn hb_deadline(&mut self, r: usize, s: usize, p: usize, id: u64) {
        let now = self.kernel.now();
        let Some(l) = self.hb.links.get_mut(&key(r, s, p)) else {
            return;
        };
        if l.id != id || l.deadline != Some(now) || l.timed_out {
            return;
        }
        l.deadline = None;
        l.timed_out = true;
        if self.servers[r].running() {
            self.path_lost(r, s, p);
        }
    }

    /// A heartbeat from s reached r on p.
    fn delivered(&mut self, r: usize, s: usize, p: usize, was_timed_out: bool) {
        if !self.servers[r].running() {
            return;
        }
        self.unfreeze(r, s);
        if was_timed_out {
            self.alert(
                Some(r),
                EventKind::PathUp,
                ("nm", 3),
                vec![Arg::Path(p), Arg::Server(s)],
                |e| {
                    e.peer = Some(s);
                    e.path = Some(p);
                    e.status = Some(super::view::status::NORMAL);
                },
            );
        }
        if self.heard_declared_down(r, s) {
            return;
        }
        if !self.members.believes_up.get(r, s) && self.servers[s].running() {
            self.peer_found(r, s);
            self.redeliver_while_declared_down(r, s, p);
        }
    }

    /// Lazy model: r has just counted s again, but s still declares r down (s does not
    /// hear r: a one-way cut). Every heartbeat of s says so, and the naive model acts on
    /// the next one (`heard_declared_down`); the lazy model delivers that next
    /// heartbeat too, on every path where s's heartbeats reach r without stored state.
    fn redeliver_while_declared_down(&mut self, r: usize, s: usize, p: usize) {
        if self.hb_model != HeartbeatModel::Lazy
            || !self.members.declared_down.get(s, r)
            || !self.servers[r].running()
            || self.model.resolvers.is_empty()
            || !self.model.settings.stop_when_declared_down
        {
            return;
        }
        for q in 0..self.model.paths.len() {
            if !self.flows(r, s, q) || self.hb.links.contains_key(&key(r, s, q)) {
                continue;
            }
            let (last, next) = if q == p {
                (
                    self.kernel.now(),
                    self.next_tick(s, q, self.kernel.now() + 1),
                )
            } else {
                (self.last_sent(s, q, r), self.next_unsent(s, q, r))
            };
            let id = self.arm_link(r, s, q, true, last);
            self.schedule_resume(r, s, q, id, next);
        }
    }

    /// r stopped hearing s on p; if that was the last path, s is lost to r.
    fn path_lost(&mut self, r: usize, s: usize, p: usize) {
        if !self.members.believes_up.get(r, s) {
            return; // a peer already gone: its paths go quiet without alerts
        }
        self.alert(
            Some(r),
            EventKind::PathDown,
            ("nm", 4),
            vec![Arg::Path(p), Arg::Server(s)],
            |e| {
                e.peer = Some(s);
                e.path = Some(p);
                e.status = Some(super::view::status::ERROR);
            },
        );
        if self.all_paths_lost(r, s) {
            self.peer_lost(r, s, super::membership::Loss::Heartbeat);
        }
    }

    pub(crate) fn all_paths_lost(&self, r: usize, s: usize) -> bool {
        let mut shared = false;
        for (p, path) in self.model.paths.iter().enumerate() {
            if path.on_server[r] && path.on_server[s] {
                shared = true;
                if !self.hb.timed_out(r, s, p) {
                    return false;
                }
            }
        }
        shared
    }

    /// A receiver (re)starts listening: every link into it starts from `now`.
    pub(crate) fn reset_links_into(&mut self, o: usize) {
        for s in 0..self.n() {
            if s != o {
                self.reset_link_pair(o, s);
            }
        }
    }

    /// o starts counting s afresh (s's service started): o's links from s start from
    /// `now`, so o times s out if s's heartbeats stop before the first one arrives.
    pub(crate) fn reset_link_pair(&mut self, o: usize, s: usize) {
        let now = self.kernel.now();
        for p in 0..self.model.paths.len() {
            if !self.model.paths[p].on_server[o] || !self.model.paths[p].on_server[s] {
                continue;
            }
            let flowing = self.hb_model == HeartbeatModel::Lazy && self.flows(o, s, p);
            let id = self.arm_link(o, s, p, flowing, now);
            if flowing {
                let t = self.next_unsent(s, p, o);
                self.schedule_resume(o, s, p, id, t);
            }
        }
    }

    /// A server left the cluster in good order: its peers stop expecting it, silently.
    pub(crate) fn silence_links_from(&mut self, s: usize) {
        for o in 0..self.n() {
            for p in 0..self.model.paths.len() {
                if let Some(l) = self.hb.links.get_mut(&key(o, s, p)) {
                    l.timed_out = true;
                    l.deadline = None;
                    l.flowing = false;
                }
            }
        }
    }

    /// The timeout ratio changed: move every pending deadline.
    pub(crate) fn hb_rescale(&mut self) {
        let mut moved = Vec::new();
        let ratio = self.toratio as u64;
        for (&(r, s, p), l) in self.hb.links.iter_mut() {
            if l.timed_out || l.deadline.is_none() {
                continue;
            }
            let d = (l.last_heard + self.model.paths[p as usize].timeout.0 * ratio)
                .max(self.kernel.now());
            l.deadline = Some(d);
            moved.push((d, r, s, p, l.id));
        }
        for (d, recv, send, path, id) in moved {
            let k = link_key(recv as usize, send as usize, path as usize);
            self.schedule_hb(
                d,
                Phase::Deadline,
                k,
                Ev::HbDeadline {
                    recv,
                    send,
                    path,
                    id,
                },
            );
        }
    }
}
