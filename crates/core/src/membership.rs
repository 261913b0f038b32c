//! Cluster membership as each server sees it, and what follows from it: network-partition
//! resolution, failover of a lost server's groups, both-active detection on reconnection,
//! automatic failback, server start/stop/crash, and cluster startup.

use super::engine::{Ev, Sim};
use super::event::{Arg, EventKind};
use super::group::TaskKind;
use crate::model::{AutoManual, NpAction, ResolverKind, ServerId};
use std::collections::BTreeMap;

/// The membership module's state: who counts whom.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Membership {
    /// `believes_up.get(o, j)`: server o counts server j as a cluster member.
    pub believes_up: super::pairs::PairBits,
    /// `declared_down.get(o, j)`: o declared j down by heartbeat timeout while j ran, and
    /// has not counted it since (its heartbeats tell j so once j hears them).
    pub declared_down: super::pairs::PairBits,
    /// (observer, lost peer) -> when the observer's `np_failover_wait` for it ends:
    /// until then it takes none of the peer's groups, whatever else it takes over.
    pub failover_waits: BTreeMap<(ServerId, ServerId), u64>,
    /// (observer, peer) -> the peer's statuses as the observer last heard them.
    pub known: BTreeMap<(ServerId, ServerId), super::knowledge::Shared>,
    /// Who is down and where groups live, indexed (`sim/reach.rs`; not saved).
    #[serde(skip)]
    pub reach: super::reach::Reach,
}

impl Membership {
    /// Nobody counts anybody yet.
    pub fn new(n: usize) -> Membership {
        Membership {
            believes_up: super::pairs::PairBits::new(n),
            declared_down: super::pairs::PairBits::new(n),
            failover_waits: BTreeMap::new(),
            known: BTreeMap::new(),
            reach: Default::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loss {
    /// Heartbeat timeout on every path.
    Heartbeat,
    /// The peer left in good order and said so.
    Graceful,
}

impl Sim {
    /// Server o stops counting server j as a member.
    pub(crate) fn peer_lost(&mut self, o: ServerId, j: ServerId, how: Loss) {
        if !self.members.believes_up.get(o, j) {
            return;
        }
        self.members.believes_up.set(o, j, false);
        self.members.declared_down.set(o, j, how == Loss::Heartbeat);
        self.unfreeze(o, j);
        self.alert(
            Some(o),
            EventKind::ServerDown,
            ("nm", 2),
            vec![Arg::Server(j)],
            |e| {
                e.peer = Some(j);
                e.status = Some(super::view::status::OFFLINE);
                e.reason = Some(match how {
                    Loss::Heartbeat => "heartbeat timeout on every path".into(),
                    Loss::Graceful => "the cluster service was stopped".into(),
                });
            },
        );
        let resolved = how == Loss::Heartbeat && !self.model.resolvers.is_empty();
        if resolved {
            if let Err(why) = self.np_resolve(o) {
                self.np_action(o, &why);
                return;
            }
            self.tell_declared_down(o, j);
        }
        if how == Loss::Graceful && self.servers[j].cluster_wide_stop {
            return;
        }
        if how == Loss::Graceful && !self.model.settings.server_stop_fails_over_groups {
            return;
        }
        let wait = self.np_failover_wait();
        if resolved && wait > 0 {
            let at = self.kernel.now() + wait;
            self.members.failover_waits.insert((o, j), at);
            self.schedule(
                at,
                Ev::FailoverWaitEnd {
                    server: o as u32,
                    lost: j as u32,
                },
            );
            return;
        }
        self.take_over_lost(o, j, how);
    }

    /// The surviving side fails the lost server's groups over.
    fn take_over_lost(&mut self, o: ServerId, j: ServerId, how: Loss) {
        let lost = &self.model.servers[j].name;
        let why = match how {
            Loss::Heartbeat => format!("server {lost} was lost (heartbeat timeout on every path)"),
            Loss::Graceful => format!("server {lost} stopped its cluster service"),
        };
        self.take_over_orphans(o, &why);
    }

    /// The wait after a resolved server-down is over: o fails j's groups over, unless o
    /// has stopped meanwhile (take_over_orphans checks the rest again).
    pub(crate) fn failover_wait_end(&mut self, o: ServerId, j: ServerId) {
        if self.members.failover_waits.get(&(o, j)) != Some(&self.kernel.now()) {
            return; // an earlier wait, superseded or cancelled
        }
        self.members.failover_waits.remove(&(o, j));
        if self.servers[o].running() && !self.members.believes_up.get(o, j) {
            self.take_over_lost(o, j, Loss::Heartbeat);
        }
    }

    /// `np_failover_wait`, or by default the longest heartbeat interval.
    fn np_failover_wait(&self) -> u64 {
        match self.model.settings.np_failover_wait {
            Some(w) => w.0,
            None => self
                .model
                .paths
                .iter()
                .map(|p| p.interval.0)
                .max()
                .unwrap_or(0),
        }
    }

    /// Whether heartbeats of s reach o right now on at least one path: what o hears at
    /// this moment, whether or not it has timed s out yet.
    pub(crate) fn hears_now(&self, o: ServerId, s: ServerId) -> bool {
        (0..self.model.paths.len()).any(|p| self.flows(o, s, p))
    }

    /// o survived resolution and declared j down; if j is still running and hears o
    /// (a one-way cut), o's heartbeats tell j, and j protects the data.
    fn tell_declared_down(&mut self, o: ServerId, j: ServerId) {
        if self.model.settings.stop_when_declared_down
            && self.servers[j].running()
            && self.members.believes_up.get(j, o)
            && self.hears_now(j, o)
        {
            let why = format!(
                "{} declared {} down and {} still hears it",
                self.model.servers[o].name, self.model.servers[j].name, self.model.servers[j].name
            );
            self.np_action(j, &why);
        }
    }

    /// r hears s again: if s declared r down while r still counted s (a one-sided
    /// loss), s's heartbeats say so and r, with a resolver, runs the NP action. When
    /// both declared each other down, both-active detection decides instead. Returns
    /// whether r acted.
    pub(crate) fn heard_declared_down(&mut self, r: ServerId, s: ServerId) -> bool {
        if !self.members.declared_down.get(s, r)
            || !self.members.believes_up.get(r, s)
            || self.model.resolvers.is_empty()
            || !self.model.settings.stop_when_declared_down
            || !self.servers[s].running()
        {
            return false;
        }
        let why = format!(
            "{} declared {} down and {} hears it again",
            self.model.servers[s].name, self.model.servers[r].name, self.model.servers[r].name
        );
        self.np_action(r, &why);
        true
    }

    /// s resumed from a hang. With a resolver (`stop_when_declared_down`) it does not
    /// rejoin with the resources it held if its peers have declared it down: after a
    /// hang longer than the heartbeat timeout they must have (whether or not s hears
    /// them now), and a running peer it hears may say so. It runs the NP action.
    pub(crate) fn check_declared_down(&mut self, s: ServerId) {
        if !self.servers[s].running()
            || self.model.resolvers.is_empty()
            || !self.model.settings.stop_when_declared_down
        {
            return;
        }
        let hung_for = self.kernel.now() - self.servers[s].hung_since;
        let timeout = self
            .model
            .paths
            .iter()
            .map(|p| self.scaled(p.timeout.0))
            .max()
            .unwrap_or(u64::MAX);
        let name = |x: ServerId| self.model.servers[x].name.clone();
        let why = if hung_for >= timeout {
            Some(format!(
                "{} hung for {} ms, longer than the heartbeat timeout: its peers have declared it down",
                name(s),
                hung_for
            ))
        } else {
            (0..self.n())
                .find(|&o| {
                    o != s
                        && self.servers[o].running()
                        && !self.members.believes_up.get(o, s)
                        && self.hears_now(s, o)
                })
                .map(|o| format!("{} declared {} down while it hung", name(o), name(s)))
        };
        if let Some(why) = why {
            self.np_action(s, &why);
        }
    }

    /// Network-partition resolution on o: Ok if o may survive, Err(reason) if it must act.
    fn np_resolve(&self, o: ServerId) -> Result<(), String> {
        let n = self.n();
        for (i, res) in self.model.resolvers.iter().enumerate() {
            match res.kind {
                ResolverKind::Pingnp => {
                    if !self.env.faults.resolver_reachable(i, o) {
                        return Err(format!(
                            "{} target {} does not answer from {}",
                            res.name,
                            res.target.as_deref().unwrap_or("?"),
                            self.model.servers[o].name
                        ));
                    }
                }
                ResolverKind::Majority => {
                    // Only the peers o hears at this moment count: one whose heartbeats
                    // stopped is not reachable, even before o's timeout for it.
                    let reach = |s: ServerId| {
                        s == o || self.members.believes_up.get(o, s) && self.hears_now(o, s)
                    };
                    let up = (0..n).filter(|&s| reach(s)).count();
                    let master = self.model.priority_order()[0];
                    let has_master = reach(master);
                    let wins = 2 * up > n
                        || (2 * up == n
                            && self.model.settings.majority_tie_master_wins
                            && has_master);
                    if !wins {
                        return Err(format!(
                            "{}: {} sees {up} of {n} servers, not a majority",
                            res.name, self.model.servers[o].name
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The losing side of a partition protects the data.
    fn np_action(&mut self, o: ServerId, why: &str) {
        let (id, power_off, reboot) = match self.model.settings.np_action {
            NpAction::ShutdownOs => (30, true, false),
            NpAction::StopClusterService => (40, false, false),
            NpAction::RebootOs => (42, true, true),
        };
        self.alert(
            Some(o),
            EventKind::NpAction,
            ("nm", id),
            vec![Arg::Server(o)],
            |e| {
                e.reason = Some(format!("network partition resolution: {why}"));
            },
        );
        self.abnormal_stop(o, power_off, reboot);
    }

    /// Server o starts the groups it finds running nowhere it can see, where the failover
    /// policy says o is the destination.
    pub(crate) fn take_over_orphans(&mut self, o: ServerId, why: &str) {
        if !self.servers[o].running() {
            return;
        }
        if self.suspended && self.model.settings.suspend_blocks_failover {
            return;
        }
        // A member o counts but cannot talk to now may have started a group since o
        // last heard it: o takes nothing over until it hears it again or declares it
        // down (then it looks again), and says so once (rc 77).
        let unreachable = self.first_unreachable(o);
        let mut blocked = false;
        let mut next = 0;
        while let Some(g) = self.next_orphan_candidate(o, next) {
            next = g + 1;
            let Some(h) = self.groups.home[g] else {
                continue;
            };
            if h == o
                || self.members.believes_up.get(o, h)
                || self.members.failover_waits.contains_key(&(o, h))
            {
                continue;
            }
            if self.groups.active_on[g]
                .iter()
                .any(|&s| s == o || self.members.believes_up.get(o, s))
            {
                continue;
            }
            if self.task_of_group(g).is_some() {
                continue;
            }
            if self.model.groups[g].failover == AutoManual::Manual {
                continue;
            }
            let (dest, explain) = self.choose_destination(o, g, &[h]);
            match dest {
                Some(d) if d == o && unreachable.is_some() => {
                    if !blocked {
                        blocked = true;
                        let x = unreachable.expect("checked");
                        let reason = format!(
                            "{why}; {} cannot communicate with {}, which it still counts as a member",
                            self.model.servers[o].name, self.model.servers[x].name
                        );
                        self.alert(
                            Some(o),
                            EventKind::FailoverBlocked,
                            ("rc", 77),
                            vec![],
                            |e| {
                                e.peer = Some(x);
                                e.reason = Some(reason);
                            },
                        );
                    }
                }
                Some(d) if d == o => {
                    let reason = format!("{why}; {explain}");
                    self.alert(
                        Some(o),
                        EventKind::DestinationChosen,
                        ("rc", 64),
                        vec![Arg::Server(o), Arg::Group(g), Arg::Text("failover".into())],
                        |e| {
                            e.group = Some(g);
                            e.reason = Some(reason.clone());
                        },
                    );
                    self.start_failover(g, None, o, reason);
                }
                Some(_) => {} // another server is the destination and acts itself
                None => {
                    // One alert per cluster: raised by the observer that would rank first.
                    if self.first_running_observer() == Some(o) {
                        let reason = format!("{why}; {explain}");
                        self.alert(
                            Some(o),
                            EventKind::NoDestination,
                            ("rc", 65),
                            vec![Arg::Group(g), Arg::Text("no server is available".into())],
                            |e| {
                                e.group = Some(g);
                                e.reason = Some(reason);
                            },
                        );
                    }
                }
            }
        }
    }

    /// The failover destination for g as o sees it: the first server of the policy that
    /// o counts as up, not in `exclude`, and allowed by the exclusive rule. The string
    /// says which entry was chosen and why each earlier one was skipped.
    pub(crate) fn choose_destination(
        &self,
        o: ServerId,
        g: usize,
        exclude: &[ServerId],
    ) -> (Option<ServerId>, String) {
        let policy = &self.model.groups[g].policy;
        let mut skipped = Vec::new();
        for (i, &s) in policy.iter().enumerate() {
            let name = &self.model.servers[s].name;
            let why_not = if exclude.contains(&s) {
                Some("the failed server")
            } else if !(s == o && self.servers[o].running()
                || s != o && self.members.believes_up.get(o, s))
            {
                Some("not running")
            } else if !self.exclusive_ok(g, s) {
                Some("already runs an exclusive group")
            } else if self.in_maintenance(s) {
                Some("in maintenance")
            } else {
                None
            };
            match why_not {
                Some(w) => skipped.push(format!("{name} excluded: {w}")),
                None => {
                    let mut text = format!(
                        "failover policy of {} chose {name} (entry {} of {})",
                        self.model.groups[g].name,
                        i + 1,
                        policy.len()
                    );
                    if !skipped.is_empty() {
                        text.push_str(&format!("; {}", skipped.join(", ")));
                    }
                    return (Some(s), text);
                }
            }
        }
        let text = if skipped.is_empty() {
            "the failover policy is empty".to_string()
        } else {
            format!("no destination: {}", skipped.join(", "))
        };
        (None, text)
    }

    /// The server whose view the API shows: the first running one by priority.
    pub(crate) fn first_running_observer(&self) -> Option<ServerId> {
        self.model
            .priority_order()
            .iter()
            .copied()
            .find(|&s| self.servers[s].running())
    }

    /// Server o hears server j again (or for the first time).
    pub(crate) fn peer_found(&mut self, o: ServerId, j: ServerId) {
        self.members.believes_up.set(o, j, true);
        self.members.declared_down.set(o, j, false);
        self.members.failover_waits.remove(&(o, j));
        self.unfreeze(o, j);
        self.alert(
            Some(o),
            EventKind::ServerUp,
            ("nm", 1),
            vec![Arg::Server(j)],
            |e| {
                e.peer = Some(j);
                e.status = Some(super::view::status::ONLINE);
            },
        );
        // Both-active: a group running on both sides of a healed partition.
        let both = self
            .members
            .reach
            .active_groups(o)
            .find(|&g| self.groups.active_on[g].contains(&j));
        if let Some(g) = both {
            let reason = format!(
                "{} runs on both {} and {} after the heartbeats came back; both servers shut down to protect the data",
                self.model.groups[g].name, self.model.servers[o].name, self.model.servers[j].name
            );
            self.alert(
                Some(o),
                EventKind::BothActive,
                ("rc", 92),
                vec![Arg::Group(g)],
                |e| {
                    e.group = Some(g);
                    e.peer = Some(j);
                    e.reason = Some(reason);
                },
            );
            for x in [o, j] {
                if self.servers[x].power {
                    self.abnormal_stop(x, true, false);
                }
            }
            return;
        }
        self.failback_to(o, j);
    }

    /// Automatic failback: groups running on o whose policy prefers a server that came back.
    fn failback_to(&mut self, o: ServerId, j: ServerId) {
        if self.suspended || !self.servers[o].running() {
            return;
        }
        // Only groups active on o can be active on o alone.
        let mut next = 0;
        while let Some(g) = self.next_active_on(o, next) {
            next = g + 1;
            let group = &self.model.groups[g];
            if group.failback != AutoManual::Auto || self.groups.active_on[g] != [o] {
                continue;
            }
            if self.task_of_group(g).is_some()
                || self.group_status_on(g, o) != super::view::status::ONLINE
            {
                continue;
            }
            let (dest, explain) = self.choose_destination(o, g, &[]);
            let Some(d) = dest else { continue };
            if d == o || d != j {
                continue;
            }
            let reason = format!(
                "failback is auto and {} came back; {explain}",
                self.model.servers[j].name
            );
            self.start_task(
                TaskKind::Failback,
                g,
                Some(o),
                Some(d),
                None,
                false,
                Some(reason),
            );
        }
    }
}
