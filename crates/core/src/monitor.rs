//! Monitor resources: the check cycle per monitor per server, Error/Caution, the
//! recovery sequence (reactivation, failover, final action) with its counters, and
//! suspend/resume.
//!
//! Checks are lazy like heartbeats: a check that would find nothing wrong changes
//! nothing, so checks are scheduled only while something is wrong (a fault, a dummy
//! failure, a failed resource) or the status has not yet come back to Normal. The check
//! times stay on the monitor's own grid (`phase + k * interval`).

use super::engine::{Ev, Sim};
use super::event::{Arg, EventKind};
use super::group_state::RState;
use super::input::CheckResult;
use super::monitor_slots::Slots;
use super::view::status;
use crate::model::{MonitorTiming, RecoveryTarget, ServerId};

/// The monitor module's state.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(from = "MonitorsImage")]
pub(crate) struct Monitors {
    /// Per (monitor, server), stored where the monitor runs (`sim/monitor_slots.rs`).
    pub inst: Slots<MonitorInstance>,
    /// Per monitor: its recovery counters.
    pub counters: Vec<MonitorCounters>,
    /// Per (monitor, server): where its check grid starts.
    pub phase: Slots<u64>,
}

/// `Monitors` as saved: `monitor * n_servers + server` lists.
#[derive(serde::Deserialize)]
struct MonitorsImage {
    inst: Vec<MonitorInstance>,
    counters: Vec<MonitorCounters>,
    phase: Vec<u64>,
}

impl From<MonitorsImage> for Monitors {
    fn from(i: MonitorsImage) -> Monitors {
        let k = i.counters.len();
        Monitors {
            inst: super::monitor_slots::decoded(i.inst, k),
            phase: super::monitor_slots::decoded(i.phase, k),
            counters: i.counters,
        }
    }
}

impl Monitors {
    /// Every instance Offline, on the grid `phase(m, s)` (drawn from the seeded stream
    /// for every pair in order; kept where the monitor runs).
    pub fn new(
        model: &crate::model::Model,
        n: usize,
        phase: impl FnMut(usize, ServerId) -> u64,
    ) -> Monitors {
        let lists = Slots::<u64>::lists_of(model);
        Monitors {
            inst: Slots::new(lists.clone(), n, |_, _| MonitorInstance::default()),
            counters: vec![MonitorCounters::default(); model.monitors.len()],
            phase: Slots::new(lists, n, phase),
        }
    }

    /// Lays the tables out on `model`'s monitors (after a decode or a reconfiguration).
    pub fn compact(&mut self, model: &crate::model::Model) {
        self.inst.compact(model, true);
        // A check grid is read only where the monitor runs.
        self.phase.compact(model, false);
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum MStatus {
    #[default]
    Offline,
    Normal,
    Caution,
    Error,
}

/// One monitor on one server.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
    fn mi(&self, m: usize, s: ServerId) -> (usize, ServerId) {
        (m, s)
    }

    /// The status the product shows for monitor m on server s.
    pub(crate) fn mon_status(&self, m: usize, s: ServerId) -> &'static str {
        let inst = &self.monitors.inst[self.mi(m, s)];
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

    /// The status of a monitor on s that has no cell there (it does not run on s and
    /// no operator named s for it): what `mon_status` gives for a default instance.
    pub(crate) fn mon_status_elsewhere(&self, s: ServerId) -> &'static str {
        if !self.servers[s].running() {
            status::OFFLINE
        } else if self.suspended {
            status::SUSPEND
        } else {
            status::OFFLINE
        }
    }

    /// What a check of m on s finds now; None when all is well.
    fn mon_input(&self, m: usize, s: ServerId) -> Option<CheckResult> {
        let mut worst = self.env.faults.monitor_result(m, s);
        if self.monitors.inst[self.mi(m, s)].dummy || self.servers[s].dummy_failure {
            worst = Some(CheckResult::Error);
        }
        if let Some(r) = self.model.monitors[m].target {
            if self.env.faults.resource_failed(r, s) && self.rstate(r, s) == RState::Online {
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
        let model = self.model.clone();
        for &m in model.server_monitors(s) {
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
        let model = self.model.clone();
        for &m in model.watchers(r) {
            self.mon_refresh(m, s);
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
        let running = self.servers[s].running()
            && !self.suspended
            && !self.monitors.inst[i].suspended
            && target_active;
        if !running {
            if self.monitors.inst[i].running {
                let inst = &mut self.monitors.inst[i];
                inst.running = false;
                inst.gen += 1;
                inst.scheduled = false;
                inst.fails = 0;
            }
        } else {
            if !self.monitors.inst[i].running {
                let inst = &mut self.monitors.inst[i];
                inst.running = true;
                // An Error or Caution stands until a check finds the target healthy.
                if inst.status == MStatus::Offline {
                    inst.status = MStatus::Normal;
                }
                inst.fails = 0;
            }
            let due =
                self.mon_input(m, s).is_some() || self.monitors.inst[i].status != MStatus::Normal;
            if due && !self.monitors.inst[i].scheduled {
                self.mon_schedule(m, s, self.kernel.now());
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
        let ph = self.monitors.phase[self.mi(m, s)];
        let t = if from <= ph {
            ph
        } else {
            ph + (from - ph).div_ceil(iv) * iv
        };
        let i = self.mi(m, s);
        self.monitors.inst[i].scheduled = true;
        let gen = self.monitors.inst[i].gen;
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
        if self.monitors.inst[i].gen != gen || !self.monitors.inst[i].running {
            return;
        }
        self.monitors.inst[i].scheduled = false;
        if self.recovery_busy(m, s) {
            self.mon_schedule(m, s, self.kernel.now() + 1);
            return;
        }
        let before = self.mon_status(m, s);
        match self.mon_input(m, s) {
            None => {
                let was = self.monitors.inst[i].status;
                self.monitors.inst[i].status = MStatus::Normal;
                self.monitors.inst[i].fails = 0;
                self.monitors.counters[m] = Default::default();
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
                self.monitors.inst[i].fails = 0;
                if self.monitors.inst[i].status != MStatus::Caution {
                    self.monitors.inst[i].status = MStatus::Caution;
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
                let t = self.kernel.now() + self.scaled(self.model.monitors[m].timeout.0);
                self.monitors.inst[i].scheduled = true;
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
        if self.monitors.inst[i].running && !self.monitors.inst[i].scheduled {
            self.mon_schedule(m, s, self.kernel.now() + 1);
        }
    }

    pub(crate) fn mon_timeout(&mut self, m: usize, s: ServerId, gen: u64) {
        let i = self.mi(m, s);
        if self.monitors.inst[i].gen != gen || !self.monitors.inst[i].running {
            return;
        }
        self.monitors.inst[i].scheduled = false;
        let before = self.mon_status(m, s);
        self.mon_failed_check(m, s, true);
        self.mon_status_event(m, s, before);
        if self.monitors.inst[i].running && !self.monitors.inst[i].scheduled {
            self.mon_schedule(m, s, self.kernel.now() + 1);
        }
    }

    fn mon_failed_check(&mut self, m: usize, s: ServerId, timeout: bool) {
        let i = self.mi(m, s);
        let def = self.model.monitors[m].clone();
        self.monitors.inst[i].fails += 1;
        if self.monitors.inst[i].fails <= def.retry {
            return;
        }
        let checks = self.monitors.inst[i].fails;
        self.monitors.inst[i].fails = 0;
        self.monitors.inst[i].status = MStatus::Error;
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

    /// Suspends or resumes monitor m on s (`rm 29` / `rm 30`).
    pub(crate) fn mon_set_suspended(&mut self, m: usize, s: ServerId, suspended: bool) {
        let i = self.mi(m, s);
        if self.monitors.inst[i].suspended == suspended {
            return;
        }
        self.monitors.inst[i].suspended = suspended;
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
        self.monitors.inst[i].dummy = on;
        self.mon_refresh(m, s);
    }
}
