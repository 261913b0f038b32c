//! Executing a planned operation: the decisions are made, so nothing here refuses.

use super::{Plan, Step};
use crate::engine::{AfterStop, Ev, Service, Sim};
use crate::event::{Arg, EventKind};
use crate::group::TaskKind;
use crate::input::Operation;
use crate::model::ServerId;

impl Sim {
    /// Logs the request, then does what the plan decided.
    pub(crate) fn execute(&mut self, plan: Plan) {
        let Plan { op, step } = plan;
        self.log(EventKind::OperationRequested, |e| {
            e.reason = Some(serde_json::to_string(&op).unwrap_or_default());
        });
        self.execute_step(op, step);
    }

    /// Does what a plan decided, unlogged (a backup action's cluster effect, too).
    pub(crate) fn execute_step(&mut self, op: Operation, step: Step) {
        match step {
            Step::ClusterStart => {
                for s in 0..self.n() {
                    let st = &self.servers[s];
                    if st.power && !st.hung && st.service == Service::Stopped {
                        self.service_start(s);
                    }
                }
            }
            Step::ClusterStop(after) => self.cluster_stop(after),
            Step::Suspend(on) => self.set_suspended(on),
            Step::ServerStart(s) => self.service_start(s),
            Step::ServerStop(s) => self.graceful_stop(s, AfterStop::Nothing, false, true),
            Step::ServerLeave(s, after) => {
                if self.servers[s].running() {
                    self.graceful_stop(s, after, false, true);
                } else {
                    self.power_off_stopped(s, after == AfterStop::Reboot);
                }
            }
            Step::GroupStart { group, server } => {
                self.start_task(TaskKind::Start, group, None, Some(server), None, true, None);
            }
            Step::GroupStartAll(s) => self.start_every_group_on(s),
            Step::GroupStop { group, server } => {
                self.start_task(TaskKind::Stop, group, Some(server), None, None, true, None);
            }
            Step::GroupStopAll(s) => self.stop_every_group_on(s),
            Step::GroupMove {
                group,
                from,
                to,
                reason,
            } => {
                let (from, to) = (Some(from), Some(to));
                self.start_task(TaskKind::Move, group, from, to, None, true, Some(reason));
            }
            Step::ResourceStart { resource, server } => {
                let g = self.model.resources[resource].group;
                let mut only = self.with_dependencies(resource);
                only.sort_by_key(|&x| if x == resource { 0 } else { 1 });
                let kind = TaskKind::ResourceStart;
                self.start_task(kind, g, None, Some(server), Some(only), true, None);
            }
            Step::ResourceStop { resource, server } => {
                let g = self.model.resources[resource].group;
                let only = self.with_dependents(resource);
                let kind = TaskKind::ResourceStop;
                self.start_task(kind, g, Some(server), None, Some(only), true, None);
            }
            Step::MonitorSuspend {
                monitor,
                server,
                suspend,
            } => self.monitor_suspend(monitor, server, suspend),
            Step::TimeoutRatio { ratio, duration_ms } => self.set_ratio(ratio, duration_ms),
            Step::ScriptRun {
                server,
                script,
                timeout_ms,
            } => self.script_start(server, script, timeout_ms),
            Step::ServerDummyFailure { server, on } => {
                self.servers[server].dummy_failure = on;
                let (kind, id) = if on {
                    (EventKind::DummyFailureStarted, 182)
                } else {
                    (EventKind::DummyFailureStopped, 183)
                };
                self.alert(Some(server), kind, ("rm", id), vec![], |_| {});
                self.mon_refresh_server(server);
            }
            Step::MonitorDummyFailure {
                monitor,
                server,
                on,
            } => self.monitor_dummy_failure(monitor, server, on),
            Step::Power { server, action } => self.power_perform(server, action),
            Step::Maintenance { server, on } => self.power_ctl.maintenance[server] = on,
            Step::ServerAdd { model, name, start } => self.exec_server_add(model, &name, start),
            Step::ServerRemove {
                server,
                model,
                running,
            } => self.exec_server_remove(server, model, running),
            Step::Rolling { kind, version } => self.exec_rolling(kind, version),
            Step::Mirror => self.perform_mirror_op(op),
        }
    }

    fn cluster_stop(&mut self, after: AfterStop) {
        for s in 0..self.n() {
            let st = &self.servers[s];
            if !st.power || st.hung {
                continue;
            }
            if st.running() {
                self.graceful_stop(s, after, true, true);
            } else if after != AfterStop::Nothing {
                self.power_off_stopped(s, after == AfterStop::Reboot);
            }
        }
    }

    fn set_suspended(&mut self, on: bool) {
        self.suspended = on;
        let (kind, id) = if on {
            (EventKind::ClusterSuspended, 31)
        } else {
            (EventKind::ClusterResumed, 32)
        };
        if let Some(o) = self.first_running_observer() {
            self.alert(Some(o), kind, ("rm", id), vec![], |_| {});
        }
        self.mon_refresh_all();
    }

    /// Every group that runs nowhere (as far as the answering server and `s` know), is
    /// idle, and may run on `s`.
    fn start_every_group_on(&mut self, s: ServerId) {
        for g in 0..self.model.groups.len() {
            if self.current_of(g).is_none()
                && self.known_current(s, g).is_none()
                && self.task_of_group(g).is_none()
                && self.model.groups[g].policy.contains(&s)
                && self.exclusive_ok(g, s)
            {
                self.start_task(TaskKind::Start, g, None, Some(s), None, true, None);
            }
        }
    }

    fn stop_every_group_on(&mut self, s: ServerId) {
        for g in 0..self.model.groups.len() {
            if self.groups.active_on[g].contains(&s) && self.task_of_group(g).is_none() {
                self.start_task(TaskKind::Stop, g, Some(s), None, None, true, None);
            }
        }
    }

    /// On one server, or on every running server of the monitor.
    fn monitor_suspend(&mut self, m: usize, server: Option<ServerId>, suspend: bool) {
        let on = &self.model.monitors[m].on_server;
        let servers: Vec<ServerId> = match server {
            Some(s) => vec![s],
            None => (0..self.n())
                .filter(|&s| on[s] && self.servers[s].running())
                .collect(),
        };
        for s in servers {
            self.mon_set_suspended(m, s, suspend);
        }
    }

    fn monitor_dummy_failure(&mut self, m: usize, server: Option<ServerId>, on: bool) {
        let servers: Vec<ServerId> = match server {
            Some(s) => vec![s],
            None => (0..self.n())
                .filter(|&s| self.model.monitors[m].on_server[s])
                .collect(),
        };
        let (kind, id) = if on {
            (EventKind::DummyFailureStarted, 180)
        } else {
            (EventKind::DummyFailureStopped, 181)
        };
        for s in servers {
            self.alert(Some(s), kind, ("rm", id), vec![Arg::Monitor(m)], |e| {
                e.monitor = Some(m)
            });
            self.mon_set_dummy(m, s, on);
        }
    }

    fn script_start(&mut self, s: ServerId, sc: usize, timeout_ms: u64) {
        let script = &self.model.scripts[sc];
        let (name, dur) = (script.name.clone(), script.duration.0);
        let timed_out = dur > timeout_ms;
        let at = self.kernel.now() + dur.min(timeout_ms);
        self.log_at(s, EventKind::ScriptStarted, |e| {
            e.reason = Some(format!("script {name}"))
        });
        self.schedule(
            at,
            Ev::ScriptDone {
                server: s as u32,
                script: sc as u32,
                timed_out,
            },
        );
    }

    fn set_ratio(&mut self, ratio: u32, duration_ms: Option<u64>) {
        self.toratio = ratio;
        self.toratio_gen += 1;
        if ratio == 1 {
            self.log(EventKind::TimeoutRatioReset, |_| {});
        } else {
            self.log(EventKind::TimeoutRatioSet, |e| {
                e.reason = Some(format!(
                    "timeout ratio {ratio} for {} ms",
                    duration_ms.unwrap_or(0)
                ));
            });
            if let Some(d) = duration_ms {
                let gen = self.toratio_gen;
                self.schedule(self.kernel.now() + d, Ev::RatioExpire { gen });
            }
        }
        self.hb_rescale();
    }

    pub(crate) fn ratio_expire(&mut self, gen: u64) {
        if gen == self.toratio_gen && self.toratio != 1 {
            self.set_ratio(1, None);
        }
    }

    pub(crate) fn script_done(&mut self, s: ServerId, script: usize, timed_out: bool) {
        let sc = self.model.scripts[script].clone();
        let alive = self.servers[s].running();
        self.log_at(s, EventKind::ScriptFinished, |e| {
            e.status = Some(if !alive || timed_out {
                "Error"
            } else if sc.exit_code == 0 {
                "Normal"
            } else {
                "Error"
            });
            e.reason = Some(if !alive {
                format!("script {}: the server stopped", sc.name)
            } else if timed_out {
                format!("script {}: timed out", sc.name)
            } else {
                format!("script {}: exit code {}", sc.name, sc.exit_code)
            });
        });
    }
}
