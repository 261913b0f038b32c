//! Cluster membership as each server sees it, and what follows from it: network-partition
//! resolution, failover of a lost server's groups, both-active detection on reconnection,
//! automatic failback, server start/stop/crash, and cluster startup.

use super::engine::{AfterStop, Ev, Service, Sim};
use super::event::{Arg, EventKind};
use super::group::TaskKind;
use super::group_state::RState;
use crate::model::{AutoManual, NpAction, ResolverKind, ServerId};
use std::collections::BTreeMap;

/// The membership module's state: who counts whom.
pub(crate) struct Membership {
    /// `believes_up[o][j]`: server o counts server j as a cluster member.
    pub believes_up: Vec<Vec<bool>>,
    /// `declared_down[o][j]`: o declared j down by heartbeat timeout while j ran, and
    /// has not counted it since (its heartbeats tell j so once j hears them).
    pub declared_down: Vec<Vec<bool>>,
    /// (observer, lost peer) -> when the observer's `np_failover_wait` for it ends:
    /// until then it takes none of the peer's groups, whatever else it takes over.
    pub failover_waits: BTreeMap<(ServerId, ServerId), u64>,
    /// (observer, peer) -> the peer's statuses as the observer last heard them.
    pub known: BTreeMap<(ServerId, ServerId), super::knowledge::Frozen>,
}

impl Membership {
    /// Nobody counts anybody yet.
    pub fn new(n: usize) -> Membership {
        Membership {
            believes_up: vec![vec![false; n]; n],
            declared_down: vec![vec![false; n]; n],
            failover_waits: BTreeMap::new(),
            known: BTreeMap::new(),
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
        if !self.members.believes_up[o][j] {
            return;
        }
        self.members.believes_up[o][j] = false;
        self.members.declared_down[o][j] = how == Loss::Heartbeat;
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
        if self.servers[o].running() && !self.members.believes_up[o][j] {
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
            && self.members.believes_up[j][o]
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
        if !self.members.declared_down[s][r]
            || !self.members.believes_up[r][s]
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
                        && !self.members.believes_up[o][s]
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
                        s == o || self.members.believes_up[o][s] && self.hears_now(o, s)
                    };
                    let up = (0..n).filter(|&s| reach(s)).count();
                    let master = self.model.servers_by_priority()[0];
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
        let unreachable = (0..self.n())
            .find(|&x| x != o && self.members.believes_up[o][x] && !self.can_hand_over(o, x));
        let mut blocked = false;
        for g in 0..self.model.groups.len() {
            let Some(h) = self.groups.home[g] else {
                continue;
            };
            if h == o
                || self.members.believes_up[o][h]
                || self.members.failover_waits.contains_key(&(o, h))
            {
                continue;
            }
            if self.groups.active_on[g]
                .iter()
                .any(|&s| s == o || self.members.believes_up[o][s])
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
                    self.start_task(
                        TaskKind::Failover,
                        g,
                        None,
                        Some(o),
                        None,
                        false,
                        Some(reason),
                    );
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
                || s != o && self.members.believes_up[o][s])
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
            .servers_by_priority()
            .into_iter()
            .find(|&s| self.servers[s].running())
    }

    /// Server o hears server j again (or for the first time).
    pub(crate) fn peer_found(&mut self, o: ServerId, j: ServerId) {
        self.members.believes_up[o][j] = true;
        self.members.declared_down[o][j] = false;
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
        let both = (0..self.model.groups.len()).find(|&g| {
            self.groups.active_on[g].contains(&o) && self.groups.active_on[g].contains(&j)
        });
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
        for g in 0..self.model.groups.len() {
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

    /// A stop that is not the cluster's own doing: crash, NP action, final action.
    /// Everything on the server is gone at once; peers notice by heartbeat timeout.
    pub(crate) fn abnormal_stop(&mut self, s: ServerId, power_off: bool, reboot: bool) {
        self.freeze_all_of(s);
        self.forget_all(s);
        self.abort_tasks_on(s);
        if self.servers[s].op_stop {
            self.servers[s].op_stop = false;
            self.op_done();
        }
        self.servers[s].after_stop = AfterStop::Nothing;
        for r in 0..self.model.resources.len() {
            if self.rstate(r, s) != RState::Offline {
                self.set_rstate(r, s, RState::Offline);
            }
        }
        let was_alive = self.servers[s].service != Service::Stopped;
        self.servers[s].service = Service::Stopped;
        self.servers[s].abnormal = true;
        self.servers[s].cluster_wide_stop = false;
        for j in 0..self.n() {
            self.members.believes_up[s][j] = false;
            self.members.declared_down[s][j] = false;
        }
        if was_alive {
            self.log_at(s, EventKind::ServiceStopped, |e| {
                e.status = Some(super::view::status::OFFLINE);
            });
        }
        if power_off && self.servers[s].power {
            self.servers[s].power = false;
            self.log_at(s, EventKind::ServerPoweredOff, |e| {
                e.status = Some(super::view::status::OFFLINE)
            });
        }
        self.hb_refresh_server(s);
        self.mon_refresh_server(s);
        if reboot {
            self.schedule_boot(s, true);
        }
    }

    /// Powers off a server whose cluster service is not running (shutdown or reboot by
    /// the operator): whatever a failed stop left active goes with the power.
    pub(crate) fn power_off_stopped(&mut self, s: ServerId, reboot: bool) {
        self.abort_tasks_on(s);
        for r in 0..self.model.resources.len() {
            if self.rstate(r, s) != RState::Offline {
                self.set_rstate(r, s, RState::Offline);
            }
        }
        self.servers[s].power = false;
        self.log_at(s, EventKind::ServerPoweredOff, |_| {});
        if reboot {
            self.schedule_boot(s, true);
        }
    }

    pub(crate) fn schedule_boot(&mut self, s: ServerId, autostart: bool) {
        self.servers[s].boot_gen += 1;
        let gen = self.servers[s].boot_gen;
        let at = self.kernel.now() + self.model.settings.boot_duration.0;
        self.schedule(
            at,
            Ev::BootDone {
                server: s as u32,
                gen,
                autostart,
            },
        );
    }

    /// The OS is up again after a reboot or a power-on.
    pub(crate) fn boot_done(&mut self, s: ServerId, gen: u64, autostart: bool) {
        if gen != self.servers[s].boot_gen || self.servers[s].crash_faults > 0 {
            return;
        }
        let rebooting_for_op = self.servers[s].op_stop;
        self.servers[s].op_stop = false;
        self.servers[s].after_stop = AfterStop::Nothing;
        if !self.servers[s].power {
            self.servers[s].power = true;
            self.log_at(s, EventKind::ServerPoweredOn, |_| {});
        }
        if rebooting_for_op {
            self.op_done();
        }
        if !autostart || self.servers[s].hung {
            return;
        }
        if self.servers[s].abnormal && !self.model.settings.auto_start_after_abnormal_stop {
            self.alert(
                Some(s),
                EventKind::AutoStartSuppressed,
                ("cl", 18),
                vec![],
                |_| {},
            );
            return;
        }
        self.service_start(s);
    }

    /// Starts the cluster service on s.
    pub(crate) fn service_start(&mut self, s: ServerId) {
        let first = !self.servers.iter().any(|x| x.running());
        self.servers[s].service = Service::Running;
        self.servers[s].abnormal = false;
        self.servers[s].cluster_wide_stop = false;
        self.log_at(s, EventKind::ServiceStarted, |e| {
            e.alert = Some(("pm", 1));
            e.status = Some(super::view::status::ONLINE);
        });
        let n = self.n();
        for o in 0..n {
            self.members.declared_down[o][s] = false;
            self.members.failover_waits.remove(&(s, o));
        }
        self.forget_all(s);
        for j in 0..n {
            let hears = j == s
                || self.servers[j].running()
                    && (0..self.model.paths.len()).any(|p| self.flows(s, j, p));
            self.members.believes_up[s][j] = hears;
        }
        self.reset_links_into(s);
        self.hb_refresh_server(s);
        self.mon_refresh_server(s);
        // The running peers hear the newcomer within one interval; count it at once so
        // that startup and failback decisions see a consistent membership.
        for j in 0..n {
            if j != s
                && self.servers[j].running()
                && !self.members.believes_up[j][s]
                && (0..self.model.paths.len()).any(|p| self.flows(j, s, p))
            {
                self.reset_link_pair(j, s);
                self.peer_found(j, s);
            }
        }
        if first {
            self.startup_waiting = true;
            self.startup_gen += 1;
            let gen = self.startup_gen;
            self.log_at(s, EventKind::StartupWait, |e| e.alert = Some(("nm", 5)));
            self.schedule(
                self.kernel.now() + self.model.settings.startup_wait.0,
                Ev::StartupWaitEnd { gen },
            );
        }
        if self.startup_waiting && self.servers.iter().all(|x| x.running()) {
            self.startup_waiting = false;
            self.log_at(s, EventKind::StartupComplete, |e| e.alert = Some(("nm", 6)));
            self.start_auto_groups();
        }
    }

    pub(crate) fn startup_wait_end(&mut self, gen: u64) {
        if gen != self.startup_gen || !self.startup_waiting {
            return;
        }
        self.startup_waiting = false;
        let Some(o) = self.first_running_observer() else {
            return;
        };
        self.log_at(o, EventKind::StartupTimeout, |e| e.alert = Some(("nm", 7)));
        self.start_auto_groups();
    }

    /// Cluster startup: every auto-start group on its first startup server.
    fn start_auto_groups(&mut self) {
        for g in 0..self.model.groups.len() {
            if self.model.groups[g].startup != AutoManual::Auto
                || !self.groups.active_on[g].is_empty()
                || self.task_of_group(g).is_some()
            {
                continue;
            }
            if let Some(s) = self.startup_server(g) {
                self.start_task(TaskKind::Start, g, None, Some(s), None, true, None);
            }
        }
    }

    /// Stops the cluster service on s in good order: its groups stop first, then it
    /// tells its peers and leaves (they take its groups over unless the whole cluster
    /// is stopping).
    pub(crate) fn graceful_stop(
        &mut self,
        s: ServerId,
        after: AfterStop,
        cluster_wide: bool,
        operator: bool,
    ) {
        self.servers[s].service = Service::Stopping;
        self.servers[s].after_stop = after;
        self.servers[s].cluster_wide_stop = cluster_wide;
        if operator {
            self.op_pending += 1;
            self.servers[s].op_stop = true;
        }
        self.log_at(s, EventKind::ServiceStopped, |e| {
            e.alert = Some(("pm", 2));
            e.status = Some(super::view::status::OFFLINE_PENDING);
        });
        self.mon_refresh_server(s);
        for g in 0..self.model.groups.len() {
            if self.groups.active_on[g].contains(&s) {
                if let Some(t) = self.task_of_group_on(g, s) {
                    self.abort_task(t);
                }
                self.start_task(TaskKind::Leave, g, Some(s), None, None, false, None);
            }
        }
        self.maybe_finish_leave(s);
    }

    /// A stopping server whose groups are all stopped leaves the cluster.
    pub(crate) fn maybe_finish_leave(&mut self, s: ServerId) {
        if self.servers[s].service != Service::Stopping
            || self.groups.tasks.values().any(|t| t.server() == s)
        {
            return;
        }
        self.servers[s].service = Service::Stopped;
        for j in 0..self.n() {
            self.members.believes_up[s][j] = false;
        }
        self.hb_refresh_server(s);
        self.silence_links_from(s);
        self.mon_refresh_server(s);
        for o in 0..self.n() {
            if o != s && self.servers[o].running() && self.members.believes_up[o][s] {
                self.peer_lost(o, s, Loss::Graceful);
            }
        }
        let op = self.servers[s].op_stop;
        if self.servers[s].after_stop != AfterStop::Nothing {
            // Powering off releases what a failed stop left behind.
            for r in 0..self.model.resources.len() {
                if self.rstate(r, s) != RState::Offline {
                    self.set_rstate(r, s, RState::Offline);
                }
            }
        }
        match self.servers[s].after_stop {
            AfterStop::Nothing => {
                if op {
                    self.servers[s].op_stop = false;
                    self.op_done();
                }
            }
            AfterStop::PowerOff => {
                self.servers[s].power = false;
                self.servers[s].after_stop = AfterStop::Nothing;
                self.log_at(s, EventKind::ServerPoweredOff, |e| {
                    e.status = Some(super::view::status::OFFLINE)
                });
                if op {
                    self.servers[s].op_stop = false;
                    self.op_done();
                }
            }
            AfterStop::Reboot => {
                self.servers[s].power = false;
                self.log_at(s, EventKind::ServerPoweredOff, |e| {
                    e.status = Some(super::view::status::OFFLINE)
                });
                self.schedule_boot(s, true);
            }
        }
    }

    /// One piece of the operator operation in progress has finished.
    pub(crate) fn op_done(&mut self) {
        self.op_pending = self.op_pending.saturating_sub(1);
    }
}
