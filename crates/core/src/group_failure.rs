//! Activation and deactivation failures: the product's sequence of retries, then
//! failover (activation only), then the resource's final action.

use super::engine::{AfterStop, Ev, Sim};
use super::event::{Arg, EventKind};
use super::group::Stage;
use super::group_state::RState;
use crate::model::{FinalAction, ResourceId, ServerId};

impl Sim {
    /// A resource failed to activate (`activating`) or deactivate on s: retry up to its
    /// retry threshold, then (activation only) fail the group over up to the failover
    /// threshold, then take the final action. (Over 100 lines: the product's sequence
    /// reads top to bottom as its manual states it; its arms share the task's state.)
    pub(super) fn step_failed(&mut self, id: u64, r: ResourceId, s: ServerId, activating: bool) {
        let res = self.model.resources[r].clone();
        let g = res.group;
        let (retries, duration, fail_id, retry_id, pending, failure, fail_kind, retry_kind, what) =
            if activating {
                (
                    res.activation_retry,
                    res.activation_duration.0,
                    32,
                    200,
                    RState::OnlinePending,
                    RState::OnlineFailure,
                    EventKind::ResourceActivationFailed,
                    EventKind::ActivationRetry,
                    "activation",
                )
            } else {
                (
                    res.deactivation_retry,
                    res.deactivation_duration.0,
                    42,
                    220,
                    RState::OfflinePending,
                    RState::OfflineFailure,
                    EventKind::ResourceDeactivationFailed,
                    EventKind::DeactivationRetry,
                    "deactivation",
                )
            };
        let fail_args = vec![
            Arg::Resource(r),
            Arg::Int(1),
            Arg::Text(format!("{what} failed")),
        ];
        let t = self.groups.tasks.get_mut(&id).expect("task");
        let attempt = t.attempt;
        if attempt < retries {
            t.attempt += 1;
            t.gen += 1;
            let gen = t.gen;
            self.alert(Some(s), fail_kind, ("rc", fail_id), fail_args, |e| {
                e.resource = Some(r);
                e.status = Some(pending.status());
            });
            let reason = format!("{what} retry {} of {retries}", attempt + 1);
            self.alert(
                Some(s),
                retry_kind,
                ("rc", retry_id),
                vec![Arg::Resource(r), Arg::Resource(r)],
                |e| {
                    e.resource = Some(r);
                    e.reason = Some(reason);
                },
            );
            self.schedule(
                self.kernel.now() + duration,
                Ev::ResourceStep { task: id, gen },
            );
            return;
        }
        self.set_rstate(r, s, failure);
        self.alert(Some(s), fail_kind, ("rc", fail_id), fail_args, |e| {
            e.resource = Some(r);
            e.status = Some(failure.status());
        });
        if activating && self.groups.act_failovers[r] < res.failover_threshold {
            let (dest, explain) = self.choose_destination(s, g, &[s]);
            if let Some(d) = dest {
                self.groups.act_failovers[r] += 1;
                let reason = format!(
                    "activation of {} failed on {} (retries used: {retries}); failover {} of {}; {explain}",
                    res.name, self.model.servers[s].name, self.groups.act_failovers[r], res.failover_threshold
                );
                self.alert(
                    Some(s),
                    EventKind::ActivationFailover,
                    ("rc", 201),
                    vec![Arg::Group(g), Arg::Server(d), Arg::Resource(r)],
                    |e| {
                        e.group = Some(g);
                        e.resource = Some(r);
                        e.peer = Some(d);
                        e.reason = Some(reason.clone());
                    },
                );
                // The task becomes a failover: stop what started here, start on d.
                if self.take_task(id).is_some_and(|t| t.operator) {
                    self.op_done();
                }
                self.start_failover(g, Some(s), d, reason);
                return;
            }
        }
        let fa = if activating {
            res.activation_final_action
        } else {
            res.deactivation_final_action
        };
        self.resource_final_action(id, r, s, fa, activating);
    }

    /// The final action after activation (`activating`) or deactivation failed for good.
    /// (Over 100 lines: one arm per `FinalAction`, each the product's documented step.)
    fn resource_final_action(
        &mut self,
        id: u64,
        r: ResourceId,
        s: ServerId,
        fa: FinalAction,
        activating: bool,
    ) {
        let g = self.model.resources[r].group;
        let others_running = (0..self.n()).any(|x| x != s && self.servers[x].running());
        let reason = format!(
            "{} of {} failed on {} after {} retries; final action: {}",
            if activating {
                "activation"
            } else {
                "deactivation"
            },
            self.model.resources[r].name,
            self.model.servers[s].name,
            if activating {
                self.model.resources[r].activation_retry
            } else {
                self.model.resources[r].deactivation_retry
            },
            fa.describe()
        );
        if fa.leaves_cluster() && !others_running {
            let id_ = if activating { 500 } else { 501 };
            self.alert(
                Some(s),
                EventKind::FinalActionSuppressed,
                ("rc", id_),
                vec![Arg::Resource(r)],
                |e| {
                    e.resource = Some(r);
                    e.reason = Some(format!("{reason}; suppressed: no other server is running"));
                },
            );
            let t = self.groups.tasks.get_mut(&id).expect("task");
            t.failed = true;
            self.task_finish(id);
            return;
        }
        let alert_id = match (fa, activating) {
            (FinalAction::StopGroup, true) => Some(202),
            (FinalAction::StopClusterService, true) => Some(203),
            (FinalAction::ShutdownOs, true) => Some(204),
            (FinalAction::RebootOs, true) => Some(205),
            (FinalAction::StopGroup, false) => Some(222),
            (FinalAction::StopClusterService, false) => Some(223),
            (FinalAction::ShutdownOs, false) => Some(224),
            (FinalAction::RebootOs, false) => Some(225),
            _ => None,
        };
        let args = if fa == FinalAction::StopGroup {
            vec![Arg::Group(g), Arg::Resource(r)]
        } else {
            vec![Arg::Resource(r)]
        };
        match alert_id {
            Some(a) => self.alert(Some(s), EventKind::FinalAction, ("rc", a), args, |e| {
                e.resource = Some(r);
                e.group = Some(g);
                e.reason = Some(reason);
            }),
            None => self.log_at(s, EventKind::FinalAction, |e| {
                e.resource = Some(r);
                e.group = Some(g);
                e.reason = Some(reason);
            }),
        }
        let t = self.groups.tasks.get_mut(&id).expect("task");
        t.failed = true;
        match fa {
            FinalAction::NoOperationContinue => self.task_next(id),
            FinalAction::NoOperation => self.task_finish(id),
            FinalAction::StopGroup => {
                if activating {
                    // Turn the activation into a stop of the group on s.
                    t.stage = Stage::Deactivate;
                    t.from = Some(s);
                    t.to = None;
                    let t = self.groups.tasks.get(&id).expect("task");
                    let todo = self.stage_todo(t);
                    self.groups.tasks.get_mut(&id).expect("task").todo = todo;
                    self.set_home(g, None);
                }
                self.task_next(id);
            }
            FinalAction::StopClusterService => {
                self.task_finish(id);
                if activating {
                    self.graceful_stop(s, AfterStop::Nothing, false, false);
                    self.servers[s].abnormal = true;
                } else {
                    self.abnormal_stop(s, false, false);
                }
            }
            FinalAction::ShutdownOs | FinalAction::RebootOs => {
                self.task_finish(id);
                let reboot = fa == FinalAction::RebootOs;
                if activating {
                    self.graceful_stop(
                        s,
                        if reboot {
                            AfterStop::Reboot
                        } else {
                            AfterStop::PowerOff
                        },
                        false,
                        false,
                    );
                    self.servers[s].abnormal = true;
                } else {
                    self.abnormal_stop(s, true, reboot);
                }
            }
        }
    }
}
