//! `GET /sim/v1/history`: how the cluster's statuses changed as the answering server
//! knew them (the server `/api/v1` answers from, `Sim::view`), for the dashboard's
//! timeline. The event log is ground truth: after a crash it says at once that the
//! crashed server's groups are gone, while the answering server still shows them Online
//! until its heartbeat timeout. The timeline must show the latter, as `/api/v1` does.
//!
//! The engine calls [`History::observe`] after every step that logged something (a
//! state change always logs) and after every command; only the objects whose status
//! (or current server) differs from the previous observation are recorded. Entries
//! carry their own `seq`, bounded like the event log (`--event-retention`). A reset or
//! a restore starts the history again from the state at that moment.

use super::control::{engine_error, events_query, Target};
use crate::faces::expresscluster::errors::{json_response, ApiError};
use crate::model::calendar::date_at;
use crate::sim::ClusterView;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::VecDeque;

/// One status change as the answering server knew it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub seq: u64,
    pub t_ms: u64,
    /// `server`, `group`, `resource` or `monitor`.
    pub object: &'static str,
    pub name: String,
    pub status: &'static str,
    /// Groups and resources: the server it is (or was last) on, or `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// The answering server whose knowledge this is (absent: no server is running).
    pub observer: Option<String>,
}

/// The last observed status of one object: (object, name, status, current).
type Seen = (&'static str, String, &'static str, Option<String>);

/// The bounded list of changes, and the last observation to diff against.
#[derive(Debug)]
pub struct History {
    entries: VecDeque<Change>,
    next_seq: u64,
    last: Vec<Seen>,
    /// Log entries written when last observed: a step that logged nothing changed no
    /// status, so it is not looked at.
    logged_at: Option<u64>,
    cap: usize,
}

impl History {
    pub fn new(cap: usize) -> History {
        History {
            entries: VecDeque::new(),
            next_seq: 0,
            last: Vec::new(),
            logged_at: None,
            cap: cap.max(1),
        }
    }

    /// Starts again (reset, restore): the next observation records every status.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.next_seq = 0;
        self.last.clear();
        self.logged_at = None;
    }

    /// Changes written so far (the next seq), for rolling back a panicked command.
    pub fn mark(&self) -> u64 {
        self.next_seq
    }

    /// Drops the changes recorded after `mark` (their run was rolled back); the next
    /// observation diffs against the state again.
    pub fn roll_back(&mut self, mark: u64) {
        while self.entries.back().is_some_and(|c| c.seq >= mark) {
            self.entries.pop_back();
        }
        self.next_seq = mark.min(self.next_seq);
        self.last.clear();
        self.logged_at = None;
    }

    /// Whether the log grew since the last observation (`logged`: entries ever written).
    pub fn stale(&self, logged: u64) -> bool {
        self.logged_at != Some(logged)
    }

    /// Records what changed in `view` (the answering server's) at virtual time `t_ms`.
    pub fn observe(&mut self, t_ms: u64, logged: u64, view: &ClusterView) {
        self.logged_at = Some(logged);
        let observer = view.observer.clone();
        for (i, seen) in seen_in(view).enumerate() {
            // Views list objects in a stable order: look at the same place first.
            let at = |s: &Seen| s.0 == seen.0 && s.1 == seen.1;
            let known = match self.last.get(i) {
                Some(s) if at(s) => Some(i),
                _ => self.last.iter().position(at),
            };
            if known.is_some_and(|i| self.last[i].2 == seen.2 && self.last[i].3 == seen.3) {
                continue;
            }
            self.entries.push_back(Change {
                seq: self.next_seq,
                t_ms,
                object: seen.0,
                name: seen.1.clone(),
                status: seen.2,
                current: seen.3.clone(),
                observer: observer.clone(),
            });
            self.next_seq += 1;
            match known {
                Some(i) => self.last[i] = seen,
                None => self.last.push(seen),
            }
        }
        while self.entries.len() > self.cap {
            self.entries.pop_front();
        }
    }

    /// Changes with `seq >= since`, oldest first, at most `limit`.
    pub fn since(&self, since: u64, limit: usize) -> Vec<Change> {
        let start = self.entries.partition_point(|c| c.seq < since);
        self.entries.range(start..).take(limit).cloned().collect()
    }
}

/// Every object's status in `view`, in view order.
fn seen_in(view: &ClusterView) -> impl Iterator<Item = Seen> + '_ {
    let servers = view
        .servers
        .iter()
        .map(|s| ("server", s.name.clone(), s.status, None));
    let groups = view
        .groups
        .iter()
        .map(|g| ("group", g.name.clone(), g.status, Some(g.current.clone())));
    let resources = view.resources.iter().map(|r| {
        (
            "resource",
            r.name.clone(),
            r.status,
            Some(r.current.clone()),
        )
    });
    let monitors = view
        .monitors
        .iter()
        .map(|m| ("monitor", m.name.clone(), m.status, None));
    servers.chain(groups).chain(resources).chain(monitors)
}

/// One change as JSON, with its date on the cluster's calendar beside `t_ms`.
fn change_json(epoch: &str, c: &Change) -> Value {
    let mut v = json!(c);
    v["time"] = json!(date_at(epoch, c.t_ms));
    v
}

/// `GET /sim/v1/history?since=SEQ&limit=N`: the answering server's status changes.
pub async fn get_history(Target(app): Target, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (since, limit) = events_query(q.as_deref(), &HeaderMap::new())?;
    let list = app
        .engine
        .history(since, limit)
        .await
        .map_err(engine_error)?;
    let epoch = &app.engine.model().settings.epoch;
    let body: Vec<Value> = list.iter().map(|c| change_json(epoch, c)).collect();
    Ok(json_response(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::sim::{FaultKind, FaultSpec, Input, Sim};
    use std::sync::Arc;

    fn crash(server: &str) -> Input {
        Input::Fault(FaultSpec {
            kind: FaultKind::ServerCrash {
                server: server.into(),
            },
            at_ms: None,
            duration_ms: None,
        })
    }

    fn observe(sim: &Sim, h: &mut History) {
        let logged = sim.events_dropped() + sim.events().len() as u64;
        if h.stale(logged) {
            h.observe(sim.now(), logged, &sim.view());
        }
    }

    /// Steps `sim` to `until`, observing as the engine does.
    fn run(sim: &mut Sim, h: &mut History, until: u64) {
        while sim.next_event_time().is_some_and(|t| t <= until) {
            sim.step();
            observe(sim, h);
        }
        sim.run_until(until);
    }

    fn group_changes(h: &History, name: &str) -> Vec<(u64, &'static str, Option<String>)> {
        h.since(0, usize::MAX)
            .into_iter()
            .filter(|c| c.object == "group" && c.name == name)
            .map(|c| (c.t_ms, c.status, c.current))
            .collect()
    }

    #[test]
    fn a_crashed_servers_group_stays_online_until_the_answering_server_notices() {
        let model = Arc::new(Model::default_cluster());
        // server2 declares server1 down `timeout` after the last heartbeat it heard,
        // which left server1 at most one interval before the crash.
        let detection = model.settings.heartbeat_timeout.0 - model.settings.heartbeat_interval.0;
        let mut sim = Sim::new(model, 1);
        let mut h = History::new(10_000);
        observe(&sim, &mut h);
        run(&mut sim, &mut h, 60_000);
        let online: Vec<_> = group_changes(&h, "failover1");
        assert_eq!(
            online.last().map(|c| (c.1, c.2.clone())),
            Some(("Online", Some("server1".into())))
        );
        let before = h.mark();
        sim.apply(crash("server1")).unwrap();
        observe(&sim, &mut h);
        run(&mut sim, &mut h, 240_000);
        let after: Vec<_> = group_changes(&h, "failover1")
            .into_iter()
            .filter(|c| c.0 >= 60_000)
            .collect();
        // The first change after the crash comes at the heartbeat timeout, not at it.
        let first = after.first().expect("failover1 changed after the crash");
        assert!(first.0 >= 60_000 + detection, "changed at {} ms", first.0);
        assert_eq!(after.last().unwrap().2.as_deref(), Some("server2"));
        let server1: Vec<_> = h
            .since(before, usize::MAX)
            .into_iter()
            .filter(|c| c.object == "server" && c.name == "server1")
            .collect();
        // Unchanged until server2's heartbeats time out (Caution first, as a path goes).
        assert!(server1[0].t_ms >= 60_000 + detection, "{:?}", server1[0]);
        assert_eq!(server1.last().map(|c| c.status), Some("Offline"));
        assert!(server1
            .iter()
            .all(|c| c.observer.as_deref() == Some("server2")));
    }

    #[test]
    fn the_history_is_bounded_and_pages_by_seq() {
        let model = Arc::new(Model::default_cluster());
        let mut sim = Sim::new(model, 1);
        let mut h = History::new(5);
        observe(&sim, &mut h);
        run(&mut sim, &mut h, 60_000);
        let all = h.since(0, usize::MAX);
        assert_eq!(all.len(), 5);
        assert_eq!(all[4].seq + 1, h.mark());
        let page = h.since(all[1].seq, 2);
        assert_eq!(page, all[1..3].to_vec());
        h.roll_back(all[3].seq);
        assert_eq!(h.since(0, usize::MAX).len(), 3);
        assert!(h.stale(0));
    }
}
