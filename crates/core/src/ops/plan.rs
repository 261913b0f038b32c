//! Planning an operation: every check it needs, judged on the answering server's
//! knowledge (§0), without changing any state. The order of the checks is the order
//! in which the refusals are reported.

use super::{Plan, Step};
use crate::engine::{AfterStop, Service, Sim};
use crate::group_state::RState;
use crate::input::{InputError, Operation};
use crate::model::ServerId;
use crate::names::{lookup, script_target, Kind};
use crate::refusal::Refusal;
use crate::rolling::RollingKind;

const MAX_RATIO_MS: u64 = 30 * 86_400_000;

fn refused(r: Refusal) -> InputError {
    InputError::Refused(r)
}

fn invalid(m: &str) -> InputError {
    InputError::Invalid(m.into())
}

impl Sim {
    fn op_server(&self, name: &str) -> Result<ServerId, InputError> {
        lookup(&self.model, Kind::Server, name)
    }
    fn op_group(&self, name: &str) -> Result<usize, InputError> {
        lookup(&self.model, Kind::Group, name)
    }
    fn op_resource(&self, name: &str) -> Result<usize, InputError> {
        lookup(&self.model, Kind::Resource, name)
    }
    fn op_monitor(&self, name: &str) -> Result<usize, InputError> {
        lookup(&self.model, Kind::Monitor, name)
    }

    fn sname(&self, s: ServerId) -> String {
        self.model.servers[s].name.clone()
    }
    fn gname(&self, g: usize) -> String {
        self.model.groups[g].name.clone()
    }

    /// Running, and counted as a member by the answering server (§0), which must also
    /// reach it: the request travels on the heartbeat paths, both ways (nm 80 is the
    /// product's word for a member it cannot talk to).
    fn need_running(&self, s: ServerId) -> Result<(), InputError> {
        let answering = self.answering();
        let known = answering.is_none_or(|o| o == s || self.members.believes_up.get(o, s));
        // Believed up but silent (crashed, powered off, hung): the answering server
        // cannot know yet, so it tries and waits (§0); `operation` logs the attempt.
        let st = &self.servers[s];
        if known && answering.is_some_and(|o| o != s) && (!st.power || st.hung) {
            let wait = self.model.settings.internal_communication_timeout.0;
            return Err(refused(Refusal::NoAnswer {
                server: self.sname(s),
                answer_at_ms: self.now().saturating_add(wait),
            }));
        }
        if !self.servers[s].running() || !known {
            return Err(refused(Refusal::ServerNotRunning(self.sname(s))));
        }
        match answering {
            Some(o) if o != s && !self.can_hand_over(o, s) => {
                Err(refused(Refusal::Unreachable(self.sname(s))))
            }
            _ => Ok(()),
        }
    }

    fn not_suspended(&self) -> Result<(), InputError> {
        if self.suspended {
            Err(refused(Refusal::Suspended))
        } else {
            Ok(())
        }
    }

    fn group_idle(&self, g: usize) -> Result<(), InputError> {
        match self.task_of_group(g) {
            Some(_) => Err(refused(Refusal::GroupBusy(self.gname(g)))),
            None => Ok(()),
        }
    }

    /// The group's current server as the answering server knows it (§0); where it is
    /// active (the first, by index) when no server runs.
    pub(super) fn current_of(&self, g: usize) -> Option<ServerId> {
        match self.answering() {
            Some(o) => self.known_current(o, g),
            None => self.groups.active_on[g].first().copied(),
        }
    }

    /// Checks `op` and decides what it does. Power, maintenance, reconfiguration and
    /// rolling operations are not held back by an operation in progress (the hardware's
    /// and the configuration's own rules apply); everything else is.
    pub(crate) fn plan(&self, op: Operation) -> Result<Plan, InputError> {
        use Operation::*;
        let step = match &op {
            Power { server, action } => Step::Power {
                server: self.power_check(server, *action)?,
                action: *action,
            },
            Maintenance { server, on } => Step::Maintenance {
                server: self.power_server(server)?,
                on: *on,
            },
            ServerAdd {
                server,
                ip,
                priority,
                start,
            } => self.plan_server_add(server, ip, *priority, *start)?,
            ServerRemove { server } => self.plan_server_remove(server)?,
            RollingRestart => self.plan_rolling(RollingKind::Restart, None)?,
            RollingUpgrade => self.plan_rolling(RollingKind::Upgrade, None)?,
            RollingDeploy { version } => {
                self.plan_rolling(RollingKind::Deploy, Some(version.clone()))?
            }
            _ if self.busy() => return Err(refused(Refusal::Busy)),
            ClusterStart | ClusterStop | ClusterReboot | ClusterShutdown | ClusterSuspend
            | ClusterResume => self.plan_cluster(&op)?,
            ServerStart { server }
            | ServerStop { server }
            | ServerReboot { server }
            | ServerShutdown { server } => self.plan_server(&op, server)?,
            GroupStart { group, target } => self.plan_group_start(group, target)?,
            GroupStop { group, target } => self.plan_group_stop(group, target)?,
            GroupMove { group, target } => self.plan_group_move(group, target)?,
            ResourceStart { resource, target } => {
                self.not_suspended()?;
                let r = self.op_resource(resource)?;
                let s = self.resource_start_server(r, target.as_deref())?;
                Step::ResourceStart {
                    resource: r,
                    server: s,
                }
            }
            ResourceStop { resource } => self.plan_resource_stop(resource)?,
            MonitorSuspend { monitor, target }
            | MonitorResume { monitor, target }
            | MonitorDummyFailureStart { monitor, target }
            | MonitorDummyFailureStop { monitor, target } => {
                self.plan_monitor(&op, monitor, target)?
            }
            SetTimeoutRatio { ratio, duration_ms } => plan_ratio(*ratio, *duration_ms)?,
            ResetTimeoutRatio => Step::TimeoutRatio {
                ratio: 1,
                duration_ms: None,
            },
            ScriptRun {
                script,
                target,
                timeout_s,
                ..
            } => self.plan_script(script, target, *timeout_s)?,
            ServerDummyFailureStart { server } | ServerDummyFailureStop { server } => {
                let s = self.op_server(server)?;
                self.need_running(s)?;
                Step::ServerDummyFailure {
                    server: s,
                    on: matches!(&op, ServerDummyFailureStart { .. }),
                }
            }
            MirrorRecover { .. } | MirrorAction { .. } => {
                self.check_mirror_op(&op)?;
                Step::Mirror
            }
        };
        Ok(Plan { op, step })
    }

    fn plan_group_move(&self, group: &str, target: &Option<String>) -> Result<Step, InputError> {
        self.not_suspended()?;
        let g = self.op_group(group)?;
        let Some(cur) = self.current_of(g) else {
            return Err(refused(Refusal::GroupNotStarted(group.into())));
        };
        self.group_idle(g)?;
        self.need_running(cur)?;
        let (to, reason) = self.move_target(g, cur, target.as_deref())?;
        Ok(Step::GroupMove {
            group: g,
            from: cur,
            to,
            reason,
        })
    }

    /// Stops the resource (and what depends on it) where it is not Offline.
    fn plan_resource_stop(&self, resource: &str) -> Result<Step, InputError> {
        self.not_suspended()?;
        let r = self.op_resource(resource)?;
        let g = self.model.resources[r].group;
        self.group_idle(g)?;
        let mut on = self.groups.active_on[g].iter();
        let Some(&s) = on.find(|&&s| self.rstate(r, s) != RState::Offline) else {
            return Err(refused(Refusal::ResourceAlreadyStopped(resource.into())));
        };
        Ok(Step::ResourceStop {
            resource: r,
            server: s,
        })
    }

    fn plan_script(&self, script: &str, target: &str, timeout_s: u64) -> Result<Step, InputError> {
        let sc = lookup(&self.model, Kind::Script, script)?;
        let s = script_target(&self.model, target)?;
        if timeout_s == 0 {
            return Err(invalid("timeout must be positive"));
        }
        self.need_running(s)?;
        Ok(Step::ScriptRun {
            server: s,
            script: sc,
            timeout_ms: timeout_s * 1000,
        })
    }

    /// A server's start, stop, reboot or shutdown (`op`, naming `server`).
    fn plan_server(&self, op: &Operation, server: &str) -> Result<Step, InputError> {
        use Operation::*;
        let s = self.op_server(server)?;
        let st = &self.servers[s];
        if !st.power || st.hung {
            return Err(refused(Refusal::ServerDown(server.into())));
        }
        Ok(match op {
            ServerStart { .. } => {
                if st.running() {
                    return Err(refused(Refusal::ServerAlreadyStarted(server.into())));
                }
                if st.service != Service::Stopped {
                    return Err(refused(Refusal::ServerStopping(server.into())));
                }
                Step::ServerStart(s)
            }
            ServerStop { .. } => {
                self.need_running(s)?;
                Step::ServerStop(s)
            }
            ServerReboot { .. } => Step::ServerLeave(s, AfterStop::Reboot),
            _ => Step::ServerLeave(s, AfterStop::PowerOff),
        })
    }

    /// A monitor's suspend or resume, or its dummy failure (`op`, naming `monitor`).
    fn plan_monitor(
        &self,
        op: &Operation,
        monitor: &str,
        target: &Option<String>,
    ) -> Result<Step, InputError> {
        use Operation::*;
        let m = self.op_monitor(monitor)?;
        let suspend = matches!(op, MonitorSuspend { .. });
        if !suspend && !matches!(op, MonitorResume { .. }) {
            let server = match target {
                Some(t) => Some(self.op_server(t)?),
                None => None,
            };
            let on = matches!(op, MonitorDummyFailureStart { .. });
            return Ok(Step::MonitorDummyFailure {
                monitor: m,
                server,
                on,
            });
        }
        let server = match target {
            Some(t) => {
                let s = self.op_server(t)?;
                if !self.model.monitors[m].on_server[s] {
                    return Err(refused(Refusal::MonitorNotOn {
                        monitor: monitor.into(),
                        server: t.clone(),
                    }));
                }
                self.need_running(s)?;
                Some(s)
            }
            None => None,
        };
        Ok(Step::MonitorSuspend {
            monitor: m,
            server,
            suspend,
        })
    }

    /// The cluster's start, stop, reboot, shutdown, suspend or resume.
    pub(crate) fn plan_cluster(&self, op: &Operation) -> Result<Step, InputError> {
        use Operation::*;
        let any = |f: fn(&crate::engine::ServerState) -> bool| self.servers.iter().any(f);
        Ok(match op {
            ClusterStart => {
                if !any(|s| s.power && !s.hung && !s.running()) {
                    return Err(refused(Refusal::ClusterAlreadyStarted));
                }
                Step::ClusterStart
            }
            ClusterSuspend => {
                if self.suspended {
                    return Err(refused(Refusal::ClusterAlreadySuspended));
                }
                if !any(|s| s.running()) {
                    return Err(refused(Refusal::ClusterNotRunning));
                }
                Step::Suspend(true)
            }
            ClusterResume => {
                if !self.suspended {
                    return Err(refused(Refusal::ClusterNotSuspended));
                }
                Step::Suspend(false)
            }
            _ => {
                if !any(|s| s.running()) && *op == ClusterStop {
                    return Err(refused(Refusal::ClusterAlreadyStopped));
                }
                if !any(|s| s.power && !s.hung) {
                    return Err(refused(Refusal::NoServerUp));
                }
                Step::ClusterStop(match op {
                    ClusterStop => AfterStop::Nothing,
                    ClusterReboot => AfterStop::Reboot,
                    _ => AfterStop::PowerOff,
                })
            }
        })
    }

    /// `group` absent: every group that can start on `target`, which is then required.
    fn plan_group_start(
        &self,
        group: &Option<String>,
        target: &Option<String>,
    ) -> Result<Step, InputError> {
        self.not_suspended()?;
        match group {
            Some(g) => {
                let g = self.op_group(g)?;
                let s = self.startable(g, target.as_deref())?;
                Ok(Step::GroupStart {
                    group: g,
                    server: s,
                })
            }
            None => Ok(Step::GroupStartAll(self.every_group_on(target)?)),
        }
    }

    /// `group` absent: every group active on `target`, which is then required.
    fn plan_group_stop(
        &self,
        group: &Option<String>,
        target: &Option<String>,
    ) -> Result<Step, InputError> {
        self.not_suspended()?;
        let Some(name) = group else {
            return Ok(Step::GroupStopAll(self.every_group_on(target)?));
        };
        let g = self.op_group(name)?;
        let Some(cur) = self.current_of(g) else {
            return Err(refused(Refusal::GroupAlreadyStopped(name.clone())));
        };
        if let Some(t) = target {
            let s = self.op_server(t)?;
            if !self.groups.active_on[g].contains(&s) {
                return Err(refused(Refusal::GroupNotStartedOn {
                    group: name.clone(),
                    server: t.clone(),
                }));
            }
        }
        self.group_idle(g)?;
        self.need_running(cur)?;
        Ok(Step::GroupStop {
            group: g,
            server: cur,
        })
    }

    /// The running server an operation on every group names.
    fn every_group_on(&self, target: &Option<String>) -> Result<ServerId, InputError> {
        let Some(t) = target else {
            return Err(invalid("target is required when no group is named"));
        };
        let s = self.op_server(t)?;
        self.need_running(s)?;
        Ok(s)
    }

    /// Where a group-start starts g: the target, or the first startup server.
    fn startable(&self, g: usize, target: Option<&str>) -> Result<ServerId, InputError> {
        let name = self.gname(g);
        let started_on = |cur| {
            refused(Refusal::GroupAlreadyStarted {
                group: name.clone(),
                server: self.sname(cur),
            })
        };
        if let Some(cur) = self.current_of(g) {
            return Err(started_on(cur));
        }
        self.group_idle(g)?;
        let s = match target {
            Some(t) => self.op_server(t)?,
            None => self
                .startup_server(g)
                .ok_or_else(|| refused(Refusal::NoServerForGroup(name.clone())))?,
        };
        self.need_running(s)?;
        // The target starts it only if it, too, knows the group runs nowhere.
        if let Some(cur) = self.known_current(s, g) {
            return Err(started_on(cur));
        }
        self.may_run(g, s)?;
        Ok(s)
    }

    /// In g's policy, and no exclusive group in the way.
    fn may_run(&self, g: usize, s: ServerId) -> Result<(), InputError> {
        if !self.model.groups[g].policy.contains(&s) {
            return Err(refused(Refusal::NotStartupServer {
                server: self.sname(s),
                group: self.gname(g),
            }));
        }
        if !self.exclusive_ok(g, s) {
            return Err(refused(Refusal::ExclusiveTaken(self.sname(s))));
        }
        Ok(())
    }

    /// Where a group-move takes g from `cur`, and the reason the log gives.
    fn move_target(
        &self,
        g: usize,
        cur: ServerId,
        target: Option<&str>,
    ) -> Result<(ServerId, String), InputError> {
        let name = self.gname(g);
        match target {
            Some(t) => {
                let s = self.op_server(t)?;
                if s == cur {
                    return Err(refused(Refusal::GroupAlreadyStarted {
                        group: name,
                        server: t.to_string(),
                    }));
                }
                self.need_running(s)?;
                if let Some(c) = self.known_current(s, g).filter(|&c| c != cur) {
                    return Err(refused(Refusal::GroupAlreadyStarted {
                        group: name,
                        server: self.sname(c),
                    }));
                }
                self.may_run(g, s)?;
                Ok((s, format!("operator moved {name} to {t}")))
            }
            None => {
                let (d, explain) = self.choose_destination(cur, g, &[cur]);
                match d {
                    Some(d) => Ok((
                        d,
                        format!("operator moved {name} by failover policy; {explain}"),
                    )),
                    None => Err(refused(Refusal::NoMoveDestination(name))),
                }
            }
        }
    }

    /// Where a resource-start starts r: the target, the group's server, or the first
    /// startup server.
    fn resource_start_server(
        &self,
        r: usize,
        target: Option<&str>,
    ) -> Result<ServerId, InputError> {
        let g = self.model.resources[r].group;
        let rname = &self.model.resources[r].name;
        self.group_idle(g)?;
        let s = match (target, self.current_of(g)) {
            (Some(t), cur) => {
                let s = self.op_server(t)?;
                if cur.is_some_and(|c| c != s) {
                    return Err(refused(Refusal::GroupStartedElsewhere(self.gname(g))));
                }
                s
            }
            (None, Some(c)) => c,
            (None, None) => self
                .startup_server(g)
                .ok_or_else(|| refused(Refusal::NoServerForResource(rname.clone())))?,
        };
        self.need_running(s)?;
        if self.rstate(r, s) == RState::Online {
            return Err(refused(Refusal::ResourceAlreadyStarted(rname.clone())));
        }
        Ok(s)
    }
}

/// clptoratio's limits: 1 to 10000; a time (1 minute to 30 days) unless the ratio is 1.
fn plan_ratio(ratio: u32, duration_ms: Option<u64>) -> Result<Step, InputError> {
    if !(1..=10_000).contains(&ratio) {
        return Err(InputError::Invalid(format!(
            "ratio {ratio} is out of range (1 to 10000)"
        )));
    }
    match (ratio, duration_ms) {
        (1, Some(_)) => Err(invalid("time cannot be given with ratio 1")),
        (1, None) => Ok(Step::TimeoutRatio {
            ratio: 1,
            duration_ms: None,
        }),
        (_, None) => Err(invalid("time is required (e.g. 2m, 3h, 4d)")),
        (_, Some(d)) if !(60_000..=MAX_RATIO_MS).contains(&d) => {
            Err(invalid("time must be between 1m and 30d"))
        }
        (_, Some(d)) => Ok(Step::TimeoutRatio {
            ratio,
            duration_ms: Some(d),
        }),
    }
}
