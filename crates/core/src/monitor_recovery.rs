//! A monitor's recovery sequence once its check has failed often enough: reactivation
//! of the recovery target, then failover, then the final action, with the counters
//! that bound each.

use super::engine::{AfterStop, Service, Sim};
use super::event::{Arg, EventKind};
use super::group::TaskKind;
use super::group_state::RState;
use crate::model::{FinalAction, RecoveryTarget, ServerId};

impl Sim {
    fn target_name(&self, t: RecoveryTarget) -> String {
        match t {
            RecoveryTarget::Resource(r) => self.model.resources[r].name.clone(),
            RecoveryTarget::Group(g) => self.model.groups[g].name.clone(),
            RecoveryTarget::LocalServer => "LocalServer".into(),
        }
    }

    /// The recovery sequence after an Error: reactivate, then fail over, then the final
    /// action, then nothing more (`rm 100`). (Over 100 lines: the sequence and its
    /// counters in the order the manual gives them.)
    pub(super) fn mon_recover(&mut self, m: usize, s: ServerId) {
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
                _ => self.groups.active_on[g].contains(&s),
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
            let c = &self.monitors.counters[m];
            if c.reactivations < def.max_reactivation {
                let n = c.reactivations + 1;
                self.monitors.counters[m].reactivations = n;
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
                self.monitors.counters[m].failovers = n;
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
                        self.start_failover(g, Some(s), d, reason);
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

    /// The monitor's final action. (Over 100 lines: one arm per `FinalAction`.)
    fn mon_final_action(&mut self, m: usize, s: ServerId, group: Option<usize>) {
        let def = self.model.monitors[m].clone();
        let fa = def.final_action;
        let counters_text = format!(
            "reactivations {} of {}, failovers {} of {} used",
            self.monitors.counters[m].reactivations,
            def.max_reactivation,
            self.monitors.counters[m].failovers,
            def.max_failover
        );
        let no_op = matches!(
            fa,
            FinalAction::NoOperation | FinalAction::NoOperationContinue
        );
        if no_op || self.monitors.counters[m].final_done {
            if !self.monitors.counters[m].exhausted {
                self.monitors.counters[m].exhausted = true;
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
        self.monitors.counters[m].final_done = true;
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
                    if self.groups.active_on[g].contains(&s) && self.task_of_group(g).is_none() {
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
}
