//! Monitor resources: the check cycle per monitor per server, Error/Caution, the
//! recovery sequence (reactivation, failover, final action) with its counters, and
//! suspend/resume.
//!
//! Checks are lazy like heartbeats: a check that would find nothing wrong changes
//! nothing, so checks are scheduled only while something is wrong (a fault, a dummy
//! failure, a failed resource) or the status has not yet come back to Normal. The check
//! times stay on the monitor's own grid (`phase + k * interval`).

use super::engine::{AfterStop, Ev, RState, Service, Sim};
use super::event::{Arg, EventKind};
use super::group::TaskKind;
use super::input::CheckResult;
use super::view::status;
use crate::model::{FinalAction, MonitorTiming, RecoveryTarget, ServerId};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum MStatus {
    #[default]
    Offline,
    Normal,
    Caution,
    Error,
}

/// One monitor on one server.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct MonitorInstance {
    pub status: MStatus,
    pub running: bool,
    pub suspended: bool,
    pub dummy: bool,
    /// Consecutive failed checks.
    pub fails: u32,
    pub gen: u64,
    pub scheduled: bool,
}

/// Recovery counters of one monitor, shared by its servers so that a failover does
/// not restart the count [infer]; reset when the monitor comes back to Normal.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct MonitorCounters {
    pub reactivations: u32,
    pub failovers: u32,
    pub final_done: bool,
    pub exhausted: bool,
}

impl Sim {
    fn mi(&self, m: usize, s: ServerId) -> usize {
        m * self.n() + s
    }

    /// The status the product shows for monitor m on server s.
    pub(crate) fn mon_status(&self, m: usize, s: ServerId) -> &'static str {
        let inst = &self.mon[self.mi(m, s)];
        if !self.servers[s].running() {
            return status::OFFLINE;
        }
        if inst.suspended || self.suspended {
            return status::SUSPEND;
        }
        if !inst.running {
            return status::OFFLINE;
        }
        match inst.status {
            MStatus::Offline => status::OFFLINE,
            MStatus::Normal => status::NORMAL,
            MStatus::Caution => status::CAUTION,
            MStatus::Error => status::ERROR,
        }
    }

    /// What a check of m on s finds now; None when all is well.
    fn mon_input(&self, m: usize, s: ServerId) -> Option<CheckResult> {
        let mut worst = self.faults.monitor_result(m, s);
        if self.mon[self.mi(m, s)].dummy || self.servers[s].dummy_failure {
            worst = Some(CheckResult::Error);
        }
        if let Some(r) = self.model.monitors[m].target {
            if self.faults.resource_failed(r, s) && self.rstate(r, s) == RState::Online {
                worst = Some(CheckResult::Error);
            }
        }
        match self.mirror_monitor_result(m, s) {
            Some(CheckResult::Error) => Some(CheckResult::Error),
            Some(c) if worst.is_none() => Some(c),
            _ => worst,
        }
    }

    pub(crate) fn mon_refresh_server(&mut self, s: ServerId) {
        for m in 0..self.model.monitors.len() {
            self.mon_refresh(m, s);
        }
    }

    pub(crate) fn mon_refresh_all(&mut self) {
        for s in 0..self.n() {
            self.mon_refresh_server(s);
        }
    }

    /// Monitors whose target is resource r, on server s.
    pub(crate) fn mon_refresh_target(&mut self, r: usize, s: ServerId) {
        for m in 0..self.model.monitors.len() {
            if self.model.monitors[m].target == Some(r) {
                self.mon_refresh(m, s);
            }
        }
    }

    /// Reconciles monitor m on s with everything that decides whether it runs and
    /// whether a check is due.
    pub(crate) fn mon_refresh(&mut self, m: usize, s: ServerId) {
        let def = &self.model.monitors[m];
        if !def.on_server[s] {
            return;
        }
        let target_active = match (def.timing, def.target) {
            (MonitorTiming::Active, Some(r)) => self.rstate(r, s) == RState::Online,
            _ => true,
        };
        let i = self.mi(m, s);
        let before = self.mon_status(m, s);
        let running =
            self.servers[s].running() && !self.suspended && !self.mon[i].suspended && target_active;
        if !running {
            if self.mon[i].running {
                let inst = &mut self.mon[i];
                inst.running = false;
                inst.gen += 1;
                inst.scheduled = false;
                inst.fails = 0;
            }
        } else {
            if !self.mon[i].running {
                let inst = &mut self.mon[i];
                inst.running = true;
                // An Error or Caution stands until a check finds the target healthy.
                if inst.status == MStatus::Offline {
                    inst.status = MStatus::Normal;
                }
                inst.fails = 0;
            }
            let due = self.mon_input(m, s).is_some() || self.mon[i].status != MStatus::Normal;
            if due && !self.mon[i].scheduled {
                self.mon_schedule(m, s, self.now);
            }
        }
        self.mon_status_event(m, s, before);
    }

    /// Logs a status change of m on s unless it is only the monitor starting or stopping
    /// with its target (Offline <-> Normal), which would flood the log.
    fn mon_status_event(&mut self, m: usize, s: ServerId, before: &'static str) {
        let after = self.mon_status(m, s);
        let quiet = [status::OFFLINE, status::NORMAL];
        if before != after && !(quiet.contains(&before) && quiet.contains(&after)) {
            self.log_at(s, EventKind::MonitorStatus, |e| {
                e.monitor = Some(m);
                e.status = Some(after);
            });
        }
    }

    fn mon_schedule(&mut self, m: usize, s: ServerId, from: u64) {
        let iv = self.model.monitors[m].interval.0;
        let ph = self.mon_phase[self.mi(m, s)];
        let t = if from <= ph {
            ph
        } else {
            ph + (from - ph).div_ceil(iv) * iv
        };
        let i = self.mi(m, s);
        self.mon[i].scheduled = true;
        let gen = self.mon[i].gen;
        self.schedule(
            t,
            Ev::MonitorCheck {
                monitor: m as u32,
                server: s as u32,
                gen,
            },
        );
    }

    /// Whether the monitor's recovery target is being recovered (checks pause meanwhile).
    fn recovery_busy(&self, m: usize, s: ServerId) -> bool {
        let g = match self.model.monitors[m].recovery {
            RecoveryTarget::Resource(r) => self.model.resources[r].group,
            RecoveryTarget::Group(g) => g,
            RecoveryTarget::LocalServer => return false,
        };
        self.task_of_group_on(g, s).is_some()
    }

    pub(crate) fn mon_check(&mut self, m: usize, s: ServerId, gen: u64) {
        let i = self.mi(m, s);
        if self.mon[i].gen != gen || !self.mon[i].running {
            return;
        }
        self.mon[i].scheduled = false;
        if self.recovery_busy(m, s) {
            self.mon_schedule(m, s, self.now + 1);
            return;
        }
        let before = self.mon_status(m, s);
        match self.mon_input(m, s) {
            None => {
                let was = self.mon[i].status;
                self.mon[i].status = MStatus::Normal;
                self.mon[i].fails = 0;
                self.mon_counters[m] = Default::default();
                let id = match was {
                    MStatus::Error => Some(26),
                    MStatus::Caution => Some(49),
                    _ => None,
                };
                if let Some(id) = id {
                    self.alert(
                        Some(s),
                        EventKind::MonitorNormal,
                        ("rm", id),
                        vec![Arg::Monitor(m)],
                        |e| {
                            e.monitor = Some(m);
                            e.status = Some(status::NORMAL);
                        },
                    );
                }
                self.mon_status_event(m, s, before);
                return; // all is well: no further checks until something changes
            }
            Some(CheckResult::Caution) => {
                self.mon[i].fails = 0;
                if self.mon[i].status != MStatus::Caution {
                    self.mon[i].status = MStatus::Caution;
                    self.alert(
                        Some(s),
                        EventKind::MonitorCaution,
                        ("rm", 4),
                        vec![Arg::Monitor(m), Arg::Int(1), Arg::Text("warning".into())],
                        |e| {
                            e.monitor = Some(m);
                            e.status = Some(status::CAUTION);
                        },
                    );
                }
            }
            Some(CheckResult::Timeout) => {
                // The check itself runs until its timeout (stretched by the ratio).
                let t = self.now + self.scaled(self.model.monitors[m].timeout.0);
                self.mon[i].scheduled = true;
                self.schedule(
                    t,
                    Ev::MonitorTimeout {
                        monitor: m as u32,
                        server: s as u32,
                        gen,
                    },
                );
                return;
            }
            Some(CheckResult::Error) => self.mon_failed_check(m, s, false),
        }
        self.mon_status_event(m, s, before);
        if self.mon[i].running && !self.mon[i].scheduled {
            self.mon_schedule(m, s, self.now + 1);
        }
    }

    pub(crate) fn mon_timeout(&mut self, m: usize, s: ServerId, gen: u64) {
        let i = self.mi(m, s);
        if self.mon[i].gen != gen || !self.mon[i].running {
            return;
        }
        self.mon[i].scheduled = false;
        let before = self.mon_status(m, s);
        self.mon_failed_check(m, s, true);
        self.mon_status_event(m, s, before);
        if self.mon[i].running && !self.mon[i].scheduled {
            self.mon_schedule(m, s, self.now + 1);
        }
    }

    fn mon_failed_check(&mut self, m: usize, s: ServerId, timeout: bool) {
        let i = self.mi(m, s);
        let def = self.model.monitors[m].clone();
        self.mon[i].fails += 1;
        if self.mon[i].fails <= def.retry {
            return;
        }
        let checks = self.mon[i].fails;
        self.mon[i].fails = 0;
        self.mon[i].status = MStatus::Error;
        let detail = if timeout {
            "timeout"
        } else {
            "monitor check failed"
        };
        self.alert(
            Some(s),
            EventKind::MonitorError,
            ("rm", 9),
            vec![
                Arg::Monitor(m),
                Arg::Int(if timeout { 2 } else { 1 }),
                Arg::Text(detail.into()),
            ],
            |e| {
                e.monitor = Some(m);
                e.status = Some(status::ERROR);
                e.reason = Some(format!(
                    "{checks} consecutive failed checks (retry count {})",
                    def.retry
                ));
            },
        );
        if timeout && def.ignore_timeout {
            self.alert(
                Some(s),
                EventKind::RecoverySkipped,
                ("rm", 193),
                vec![Arg::Monitor(m)],
                |e| {
                    e.monitor = Some(m);
                },
            );
            return;
        }
        self.mon_recover(m, s);
    }

    fn target_name(&self, t: RecoveryTarget) -> String {
        match t {
            RecoveryTarget::Resource(r) => self.model.resources[r].name.clone(),
            RecoveryTarget::Group(g) => self.model.groups[g].name.clone(),
            RecoveryTarget::LocalServer => "LocalServer".into(),
        }
    }

    /// The recovery sequence after an Error: reactivate, then fail over, then the final
    /// action, then nothing more (`rm 100`).
    fn mon_recover(&mut self, m: usize, s: ServerId) {
        let def = self.model.monitors[m].clone();
        let target = def.recovery;
        let tname = self.target_name(target);
        let group = match target {
            RecoveryTarget::Resource(r) => Some(self.model.resources[r].group),
            RecoveryTarget::Group(g) => Some(g),
            RecoveryTarget::LocalServer => None,
        };
        let here = self.model.servers[s].name.clone();
        if let Some(g) = group {
            let active = match target {
                RecoveryTarget::Resource(r) => {
                    matches!(self.rstate(r, s), RState::Online | RState::OnlineFailure)
                }
                _ => self.active_on[g].contains(&s),
            };
            if !active {
                self.alert(
                    Some(s),
                    EventKind::RecoverySkipped,
                    ("rm", 25),
                    vec![Arg::Text(tname)],
                    |e| {
                        e.monitor = Some(m);
                        e.group = Some(g);
                    },
                );
                return;
            }
            let c = &self.mon_counters[m];
            if c.reactivations < def.max_reactivation {
                let n = c.reactivations + 1;
                self.mon_counters[m].reactivations = n;
                let reason = format!(
                    "monitor {} detected an error on {here}; reactivation {n} of {} of {tname}",
                    def.name, def.max_reactivation
                );
                self.alert(
                    Some(s),
                    EventKind::RecoveryRestart,
                    ("rm", 13),
                    vec![Arg::Text(tname), Arg::Monitor(m)],
                    |e| {
                        e.monitor = Some(m);
                        e.group = Some(g);
                        e.reason = Some(reason.clone());
                    },
                );
                let (kind, only) = match target {
                    RecoveryTarget::Resource(r) => {
                        (TaskKind::RestartResource, Some(self.with_dependents(r)))
                    }
                    _ => (TaskKind::RestartGroup, None),
                };
                self.start_task(kind, g, Some(s), Some(s), only, false, Some(reason));
                return;
            }
            if c.failovers < def.max_failover {
                let n = c.failovers + 1;
                self.mon_counters[m].failovers = n;
                let (dest, explain) = self.choose_destination(s, g, &[s]);
                let reason = format!(
                    "monitor {} detected an error on {here}; reactivations used ({} of {}); failover {n} of {}; {explain}",
                    def.name, def.max_reactivation, def.max_reactivation, def.max_failover
                );
                match dest {
                    Some(d) => {
                        self.alert(
                            Some(s),
                            EventKind::RecoveryFailover,
                            ("rm", 14),
                            vec![Arg::Text(tname), Arg::Monitor(m)],
                            |e| {
                                e.monitor = Some(m);
                                e.group = Some(g);
                                e.peer = Some(d);
                                e.reason = Some(reason.clone());
                            },
                        );
                        self.start_task(
                            TaskKind::Failover,
                            g,
                            Some(s),
                            Some(d),
                            None,
                            false,
                            Some(reason),
                        );
                    }
                    None => {
                        self.alert(
                            Some(s),
                            EventKind::NoDestination,
                            ("rm", 20),
                            vec![Arg::Text(tname), Arg::Monitor(m)],
                            |e| {
                                e.monitor = Some(m);
                                e.group = Some(g);
                                e.reason = Some(reason);
                            },
                        );
                    }
                }
                return;
            }
        }
        self.mon_final_action(m, s, group);
    }

    fn mon_final_action(&mut self, m: usize, s: ServerId, group: Option<usize>) {
        let def = self.model.monitors[m].clone();
        let fa = def.final_action;
        let counters_text = format!(
            "reactivations {} of {}, failovers {} of {} used",
            self.mon_counters[m].reactivations,
            def.max_reactivation,
            self.mon_counters[m].failovers,
            def.max_failover
        );
        let no_op = matches!(
            fa,
            FinalAction::NoOperation | FinalAction::NoOperationContinue
        );
        if no_op || self.mon_counters[m].final_done {
            if !self.mon_counters[m].exhausted {
                self.mon_counters[m].exhausted = true;
                self.alert(
                    Some(s),
                    EventKind::RecoveryExhausted,
                    ("rm", 100),
                    vec![Arg::Int(def.max_reactivation as i64), Arg::Monitor(m)],
                    |e| {
                        e.monitor = Some(m);
                        e.reason = Some(format!(
                            "monitor {}: {counters_text}; final action: {}",
                            def.name,
                            fa.describe()
                        ));
                    },
                );
            }
            return;
        }
        let others_running = (0..self.n()).any(|x| x != s && self.servers[x].running());
        if fa.leaves_cluster() && !others_running {
            self.alert(
                Some(s),
                EventKind::FinalActionSuppressed,
                ("rm", 200),
                vec![Arg::Text(fa.describe().into()), Arg::Monitor(m)],
                |e| {
                    e.monitor = Some(m);
                    e.reason = Some("no other server is running normally".into());
                },
            );
            return;
        }
        self.mon_counters[m].final_done = true;
        let reason = format!(
            "monitor {}: {counters_text}; final action: {}",
            def.name,
            fa.describe()
        );
        let (id, args) = match fa {
            FinalAction::StopGroup => (
                12,
                vec![
                    Arg::Text(
                        group
                            .map(|g| self.model.groups[g].name.clone())
                            .unwrap_or_default(),
                    ),
                    Arg::Monitor(m),
                ],
            ),
            FinalAction::StopClusterService => (15, vec![Arg::Monitor(m)]),
            FinalAction::ShutdownOs => (16, vec![Arg::Monitor(m)]),
            _ => (17, vec![Arg::Monitor(m)]),
        };
        self.alert(
            Some(s),
            EventKind::RecoveryFinalAction,
            ("rm", id),
            args,
            |e| {
                e.monitor = Some(m);
                e.group = group;
                e.reason = Some(reason);
            },
        );
        match fa {
            FinalAction::StopGroup => {
                if let Some(g) = group {
                    if self.active_on[g].contains(&s) && self.task_of_group(g).is_none() {
                        self.start_task(TaskKind::Stop, g, Some(s), None, None, false, None);
                    }
                }
            }
            FinalAction::StopClusterService if self.servers[s].service == Service::Running => {
                self.graceful_stop(s, AfterStop::Nothing, false, false);
                self.servers[s].abnormal = true;
            }
            FinalAction::ShutdownOs | FinalAction::RebootOs
                if self.servers[s].service == Service::Running =>
            {
                let after = if fa == FinalAction::RebootOs {
                    AfterStop::Reboot
                } else {
                    AfterStop::PowerOff
                };
                self.graceful_stop(s, after, false, false);
                self.servers[s].abnormal = true;
            }
            _ => {}
        }
    }

    /// Suspends or resumes monitor m on s (`rm 29` / `rm 30`).
    pub(crate) fn mon_set_suspended(&mut self, m: usize, s: ServerId, suspended: bool) {
        let i = self.mi(m, s);
        if self.mon[i].suspended == suspended {
            return;
        }
        self.mon[i].suspended = suspended;
        let (kind, id) = if suspended {
            (EventKind::MonitorSuspended, 29)
        } else {
            (EventKind::MonitorResumed, 30)
        };
        self.alert(Some(s), kind, ("rm", id), vec![Arg::Monitor(m)], |e| {
            e.monitor = Some(m);
        });
        self.mon_refresh(m, s);
    }

    pub(crate) fn mon_set_dummy(&mut self, m: usize, s: ServerId, on: bool) {
        let i = self.mi(m, s);
        self.mon[i].dummy = on;
        self.mon_refresh(m, s);
    }
}
