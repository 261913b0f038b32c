//! Operator operations: what the REST surface and scenarios can ask of the cluster.
//! Each is checked against the current state first; a refusal says why, in words the
//! API returns as `result.message`.

use super::engine::{AfterStop, Ev, Sim};
use super::event::{Arg, EventKind};
use super::group::TaskKind;
use super::group_state::RState;
use super::input::{InputError, Operation};
use super::names::{lookup, script_target, Kind};
use crate::model::ServerId;

const MAX_RATIO_MS: u64 = 30 * 86_400_000;

fn refused(msg: impl Into<String>) -> InputError {
    InputError::Refused(msg.into())
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

    fn sname(&self, s: ServerId) -> &str {
        &self.model.servers[s].name
    }

    /// Running, and counted as a member by the answering server (§0), which must also
    /// reach it: the request travels on the heartbeat paths, both ways (nm 80 is the
    /// product's word for a member it cannot talk to).
    fn need_running(&self, s: ServerId) -> Result<(), InputError> {
        let answering = self.answering();
        let known = answering.is_none_or(|o| o == s || self.members.believes_up[o][s]);
        if !self.servers[s].running() || !known {
            return Err(refused(format!("Server {} is not running.", self.sname(s))));
        }
        match answering {
            Some(o) if o != s && !self.can_hand_over(o, s) => Err(refused(format!(
                "Cannot communicate with server {}.",
                self.sname(s)
            ))),
            _ => Ok(()),
        }
    }

    fn not_suspended(&self) -> Result<(), InputError> {
        if self.suspended {
            Err(refused(
                "The cluster is suspended. Resume the cluster first.",
            ))
        } else {
            Ok(())
        }
    }

    /// The group's current server as the answering server knows it (§0); where it is
    /// active (the first, by index) when no server runs.
    fn current_of(&self, g: usize) -> Option<ServerId> {
        match self.answering() {
            Some(o) => self.known_current(o, g),
            None => self.groups.active_on[g].first().copied(),
        }
    }

    pub(crate) fn operation(&mut self, op: Operation) -> Result<(), InputError> {
        if let Some(done) = self.power_operation(&op) {
            return done;
        }
        if let Some(done) = self.reconfig_operation(&op) {
            return done;
        }
        if let Some(done) = self.rolling_operation(&op) {
            return done;
        }
        if self.busy() {
            return Err(refused(
                "Another operation is in progress. Perform the next operation after it completes.",
            ));
        }
        self.check_operation(&op)?;
        self.log(EventKind::OperationRequested, |e| {
            e.reason = Some(serde_json::to_string(&op).unwrap_or_default());
        });
        self.perform(op);
        Ok(())
    }

    /// Everything that can refuse an operation, without changing any state.
    pub(crate) fn check_operation(&self, op: &Operation) -> Result<(), InputError> {
        use Operation::*;
        match op {
            ClusterStart => {
                if !self
                    .servers
                    .iter()
                    .any(|s| s.power && !s.hung && !s.running())
                {
                    return Err(refused("The cluster is already started."));
                }
            }
            ClusterStop | ClusterReboot | ClusterShutdown => {
                if !self.servers.iter().any(|s| s.running()) && *op == ClusterStop {
                    return Err(refused("The cluster is already stopped."));
                }
                if !self.servers.iter().any(|s| s.power && !s.hung) {
                    return Err(refused("No server of the cluster is up."));
                }
            }
            ClusterSuspend => {
                if self.suspended {
                    return Err(refused("The cluster is already suspended."));
                }
                if !self.servers.iter().any(|s| s.running()) {
                    return Err(refused("The cluster is not running."));
                }
            }
            ClusterResume => {
                if !self.suspended {
                    return Err(refused("The cluster is not suspended."));
                }
            }
            ServerStart { server } => {
                let s = self.op_server(server)?;
                let st = &self.servers[s];
                if !st.power || st.hung {
                    return Err(refused(format!("Server {server} is down.")));
                }
                if st.running() {
                    return Err(refused(format!("Server {server} is already started.")));
                }
                if st.service != super::engine::Service::Stopped {
                    return Err(refused(format!("Server {server} is stopping.")));
                }
            }
            ServerStop { server } | ServerReboot { server } | ServerShutdown { server } => {
                let s = self.op_server(server)?;
                let st = &self.servers[s];
                if !st.power || st.hung {
                    return Err(refused(format!("Server {server} is down.")));
                }
                if matches!(op, ServerStop { .. }) {
                    self.need_running(s)?;
                }
            }
            GroupStart { group, target } => {
                self.not_suspended()?;
                match group {
                    Some(g) => {
                        let g = self.op_group(g)?;
                        self.startable(g, target.as_deref())?;
                    }
                    None => {
                        let Some(t) = target else {
                            return Err(InputError::Invalid(
                                "target is required when no group is named".into(),
                            ));
                        };
                        let s = self.op_server(t)?;
                        self.need_running(s)?;
                    }
                }
            }
            GroupStop { group, target } => {
                self.not_suspended()?;
                match group {
                    Some(name) => {
                        let g = self.op_group(name)?;
                        let Some(cur) = self.current_of(g) else {
                            return Err(refused(format!("Group {name} is already stopped.")));
                        };
                        if let Some(t) = target {
                            let s = self.op_server(t)?;
                            if !self.groups.active_on[g].contains(&s) {
                                return Err(refused(format!(
                                    "Group {name} is not started on server {t}."
                                )));
                            }
                        }
                        if self.task_of_group(g).is_some() {
                            return Err(refused(format!("Group {name} is being operated on.")));
                        }
                        self.need_running(cur)?;
                    }
                    None => {
                        let Some(t) = target else {
                            return Err(InputError::Invalid(
                                "target is required when no group is named".into(),
                            ));
                        };
                        let s = self.op_server(t)?;
                        self.need_running(s)?;
                    }
                }
            }
            GroupMove { group, target } => {
                self.not_suspended()?;
                let g = self.op_group(group)?;
                let Some(cur) = self.current_of(g) else {
                    return Err(refused(format!("Group {group} is not started.")));
                };
                if self.task_of_group(g).is_some() {
                    return Err(refused(format!("Group {group} is being operated on.")));
                }
                self.need_running(cur)?;
                self.move_target(g, cur, target.as_deref())?;
            }
            ResourceStart { resource, target } => {
                self.not_suspended()?;
                let r = self.op_resource(resource)?;
                self.resource_start_server(r, target.as_deref())?;
            }
            ResourceStop { resource } => {
                self.not_suspended()?;
                let r = self.op_resource(resource)?;
                let g = self.model.resources[r].group;
                if self.task_of_group(g).is_some() {
                    return Err(refused(format!(
                        "Group {} is being operated on.",
                        self.model.groups[g].name
                    )));
                }
                if !self.groups.active_on[g]
                    .iter()
                    .any(|&s| self.rstate(r, s) != RState::Offline)
                {
                    return Err(refused(format!("Resource {resource} is already stopped.")));
                }
            }
            MonitorSuspend { monitor, target } | MonitorResume { monitor, target } => {
                let m = self.op_monitor(monitor)?;
                if let Some(t) = target {
                    let s = self.op_server(t)?;
                    if !self.model.monitors[m].on_server[s] {
                        return Err(refused(format!(
                            "Monitor {monitor} does not run on server {t}."
                        )));
                    }
                    self.need_running(s)?;
                }
            }
            SetTimeoutRatio { ratio, duration_ms } => {
                if !(1..=10_000).contains(ratio) {
                    return Err(InputError::Invalid(format!(
                        "ratio {ratio} is out of range (1 to 10000)"
                    )));
                }
                match (ratio, duration_ms) {
                    (1, Some(_)) => {
                        return Err(InputError::Invalid(
                            "time cannot be given with ratio 1".into(),
                        ))
                    }
                    (1, None) => {}
                    (_, None) => {
                        return Err(InputError::Invalid(
                            "time is required (e.g. 2m, 3h, 4d)".into(),
                        ))
                    }
                    (_, Some(d)) if *d < 60_000 || *d > MAX_RATIO_MS => {
                        return Err(InputError::Invalid(
                            "time must be between 1m and 30d".into(),
                        ))
                    }
                    _ => {}
                }
            }
            ResetTimeoutRatio => {}
            ScriptRun {
                script,
                target,
                timeout_s,
                ..
            } => {
                lookup(&self.model, Kind::Script, script)?;
                let s = script_target(&self.model, target)?;
                if *timeout_s == 0 {
                    return Err(InputError::Invalid("timeout must be positive".into()));
                }
                self.need_running(s)?;
            }
            ServerDummyFailureStart { server } | ServerDummyFailureStop { server } => {
                let s = self.op_server(server)?;
                self.need_running(s)?;
            }
            MonitorDummyFailureStart { monitor, target }
            | MonitorDummyFailureStop { monitor, target } => {
                self.op_monitor(monitor)?;
                if let Some(t) = target {
                    self.op_server(t)?;
                }
            }
            Power { .. } | Maintenance { .. } => {} // sim/power.rs, before this
            ServerAdd { .. } | ServerRemove { .. } => {} // sim/reconfig.rs, before this
            RollingRestart | RollingUpgrade | RollingDeploy { .. } => {} // sim/rolling.rs
            MirrorRecover { .. } | MirrorAction { .. } => self.check_mirror_op(op)?,
        }
        Ok(())
    }

    fn startable(&self, g: usize, target: Option<&str>) -> Result<ServerId, InputError> {
        let name = &self.model.groups[g].name;
        if let Some(cur) = self.current_of(g) {
            return Err(refused(format!(
                "Group {name} is already started on server {}.",
                self.sname(cur)
            )));
        }
        if self.task_of_group(g).is_some() {
            return Err(refused(format!("Group {name} is being operated on.")));
        }
        let s = match target {
            Some(t) => self.op_server(t)?,
            None => self
                .startup_server(g)
                .ok_or_else(|| refused(format!("No server can start group {name}.")))?,
        };
        self.need_running(s)?;
        // The target starts it only if it, too, knows the group runs nowhere.
        if let Some(cur) = self.known_current(s, g) {
            return Err(refused(format!(
                "Group {name} is already started on server {}.",
                self.sname(cur)
            )));
        }
        if !self.model.groups[g].policy.contains(&s) {
            return Err(refused(format!(
                "Server {} is not a startup server of group {name}.",
                self.sname(s)
            )));
        }
        if !self.exclusive_ok(g, s) {
            return Err(refused(format!(
                "Server {} already runs an exclusive group.",
                self.sname(s)
            )));
        }
        Ok(s)
    }

    fn move_target(
        &self,
        g: usize,
        cur: ServerId,
        target: Option<&str>,
    ) -> Result<(ServerId, String), InputError> {
        let name = &self.model.groups[g].name;
        match target {
            Some(t) => {
                let s = self.op_server(t)?;
                if s == cur {
                    return Err(refused(format!(
                        "Group {name} is already started on server {t}."
                    )));
                }
                self.need_running(s)?;
                if let Some(c) = self.known_current(s, g).filter(|&c| c != cur) {
                    return Err(refused(format!(
                        "Group {name} is already started on server {}.",
                        self.sname(c)
                    )));
                }
                if !self.model.groups[g].policy.contains(&s) {
                    return Err(refused(format!(
                        "Server {t} is not a startup server of group {name}."
                    )));
                }
                if !self.exclusive_ok(g, s) {
                    return Err(refused(format!(
                        "Server {t} already runs an exclusive group."
                    )));
                }
                Ok((s, format!("operator moved {name} to {t}")))
            }
            None => {
                let (d, explain) = self.choose_destination(cur, g, &[cur]);
                d.map(|d| {
                    (
                        d,
                        format!("operator moved {name} by failover policy; {explain}"),
                    )
                })
                .ok_or_else(|| refused(format!("There is no server to move group {name} to.")))
            }
        }
    }

    fn resource_start_server(
        &self,
        r: usize,
        target: Option<&str>,
    ) -> Result<ServerId, InputError> {
        let g = self.model.resources[r].group;
        let rname = &self.model.resources[r].name;
        if self.task_of_group(g).is_some() {
            return Err(refused(format!(
                "Group {} is being operated on.",
                self.model.groups[g].name
            )));
        }
        let s = match (target, self.current_of(g)) {
            (Some(t), cur) => {
                let s = self.op_server(t)?;
                if cur.is_some_and(|c| c != s) {
                    return Err(refused(format!(
                        "Group {} is started on another server.",
                        self.model.groups[g].name
                    )));
                }
                s
            }
            (None, Some(c)) => c,
            (None, None) => self
                .startup_server(g)
                .ok_or_else(|| refused(format!("No server can start resource {rname}.")))?,
        };
        self.need_running(s)?;
        if self.rstate(r, s) == RState::Online {
            return Err(refused(format!("Resource {rname} is already started.")));
        }
        Ok(s)
    }

    pub(crate) fn perform(&mut self, op: Operation) {
        use Operation::*;
        match op.clone() {
            ClusterStart => {
                for s in 0..self.n() {
                    let st = &self.servers[s];
                    if st.power && !st.hung && st.service == super::engine::Service::Stopped {
                        self.service_start(s);
                    }
                }
            }
            ClusterStop | ClusterReboot | ClusterShutdown => {
                let after = match op {
                    ClusterStop => AfterStop::Nothing,
                    ClusterReboot => AfterStop::Reboot,
                    _ => AfterStop::PowerOff,
                };
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
            ClusterSuspend => {
                self.suspended = true;
                if let Some(o) = self.first_running_observer() {
                    self.alert(
                        Some(o),
                        EventKind::ClusterSuspended,
                        ("rm", 31),
                        vec![],
                        |_| {},
                    );
                }
                self.mon_refresh_all();
            }
            ClusterResume => {
                self.suspended = false;
                if let Some(o) = self.first_running_observer() {
                    self.alert(
                        Some(o),
                        EventKind::ClusterResumed,
                        ("rm", 32),
                        vec![],
                        |_| {},
                    );
                }
                self.mon_refresh_all();
            }
            ServerStart { server } => {
                let s = self.model.server_id(&server).expect("checked");
                self.service_start(s);
            }
            ServerStop { server } => {
                let s = self.model.server_id(&server).expect("checked");
                self.graceful_stop(s, AfterStop::Nothing, false, true);
            }
            ServerReboot { server } | ServerShutdown { server } => {
                let s = self.model.server_id(&server).expect("checked");
                let after = if matches!(op, ServerReboot { .. }) {
                    AfterStop::Reboot
                } else {
                    AfterStop::PowerOff
                };
                if self.servers[s].running() {
                    self.graceful_stop(s, after, false, true);
                } else {
                    self.power_off_stopped(s, after == AfterStop::Reboot);
                }
            }
            GroupStart {
                group: Some(g),
                target,
            } => {
                let g = self.model.group_id(&g).expect("checked");
                let s = self.startable(g, target.as_deref()).expect("checked");
                self.start_task(TaskKind::Start, g, None, Some(s), None, true, None);
            }
            GroupStart {
                group: None,
                target,
            } => {
                let s = self
                    .model
                    .server_id(target.as_deref().expect("checked"))
                    .expect("checked");
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
            GroupStop {
                group: Some(g),
                target: _,
            } => {
                let g = self.model.group_id(&g).expect("checked");
                let cur = self.current_of(g).expect("checked");
                self.start_task(TaskKind::Stop, g, Some(cur), None, None, true, None);
            }
            GroupStop {
                group: None,
                target,
            } => {
                let s = self
                    .model
                    .server_id(target.as_deref().expect("checked"))
                    .expect("checked");
                for g in 0..self.model.groups.len() {
                    if self.groups.active_on[g].contains(&s) && self.task_of_group(g).is_none() {
                        self.start_task(TaskKind::Stop, g, Some(s), None, None, true, None);
                    }
                }
            }
            GroupMove { group, target } => {
                let g = self.model.group_id(&group).expect("checked");
                let cur = self.current_of(g).expect("checked");
                let (d, reason) = self
                    .move_target(g, cur, target.as_deref())
                    .expect("checked");
                self.start_task(
                    TaskKind::Move,
                    g,
                    Some(cur),
                    Some(d),
                    None,
                    true,
                    Some(reason),
                );
            }
            ResourceStart { resource, target } => {
                let r = self.model.resource_id(&resource).expect("checked");
                let s = self
                    .resource_start_server(r, target.as_deref())
                    .expect("checked");
                let g = self.model.resources[r].group;
                let mut only = self.with_dependencies(r);
                only.sort_by_key(|&x| if x == r { 0 } else { 1 });
                self.start_task(
                    TaskKind::ResourceStart,
                    g,
                    None,
                    Some(s),
                    Some(only),
                    true,
                    None,
                );
            }
            ResourceStop { resource } => {
                let r = self.model.resource_id(&resource).expect("checked");
                let g = self.model.resources[r].group;
                let s = *self.groups.active_on[g]
                    .iter()
                    .find(|&&s| self.rstate(r, s) != RState::Offline)
                    .expect("checked");
                let only = self.with_dependents(r);
                self.start_task(
                    TaskKind::ResourceStop,
                    g,
                    Some(s),
                    None,
                    Some(only),
                    true,
                    None,
                );
            }
            MonitorSuspend { monitor, target } | MonitorResume { monitor, target } => {
                let suspend = matches!(op, MonitorSuspend { .. });
                let m = self.model.monitor_id(&monitor).expect("checked");
                let servers: Vec<ServerId> = match target {
                    Some(t) => vec![self.model.server_id(&t).expect("checked")],
                    None => (0..self.n())
                        .filter(|&s| {
                            self.model.monitors[m].on_server[s] && self.servers[s].running()
                        })
                        .collect(),
                };
                for s in servers {
                    self.mon_set_suspended(m, s, suspend);
                }
            }
            SetTimeoutRatio { ratio: 1, .. } | ResetTimeoutRatio => self.set_ratio(1, None),
            SetTimeoutRatio { ratio, duration_ms } => self.set_ratio(ratio, duration_ms),
            ScriptRun {
                script,
                target,
                timeout_s,
                ..
            } => {
                let s = self.model.server_by_ip(&target).expect("checked");
                let sc = self.model.script_id(&script).expect("checked");
                let dur = self.model.scripts[sc].duration.0;
                let timed_out = dur > timeout_s * 1000;
                let at = self.kernel.now() + dur.min(timeout_s * 1000);
                self.log_at(s, EventKind::ScriptStarted, |e| {
                    e.reason = Some(format!("script {script}"))
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
            ServerDummyFailureStart { server } | ServerDummyFailureStop { server } => {
                let on = matches!(op, ServerDummyFailureStart { .. });
                let s = self.model.server_id(&server).expect("checked");
                self.servers[s].dummy_failure = on;
                let (kind, id) = if on {
                    (EventKind::DummyFailureStarted, 182)
                } else {
                    (EventKind::DummyFailureStopped, 183)
                };
                self.alert(Some(s), kind, ("rm", id), vec![], |_| {});
                self.mon_refresh_server(s);
            }
            MonitorDummyFailureStart { monitor, target }
            | MonitorDummyFailureStop { monitor, target } => {
                let on = matches!(op, MonitorDummyFailureStart { .. });
                let m = self.model.monitor_id(&monitor).expect("checked");
                let servers: Vec<ServerId> = match target {
                    Some(t) => vec![self.model.server_id(&t).expect("checked")],
                    None => (0..self.n())
                        .filter(|&s| self.model.monitors[m].on_server[s])
                        .collect(),
                };
                for s in servers {
                    let (kind, id) = if on {
                        (EventKind::DummyFailureStarted, 180)
                    } else {
                        (EventKind::DummyFailureStopped, 181)
                    };
                    self.alert(Some(s), kind, ("rm", id), vec![Arg::Monitor(m)], |e| {
                        e.monitor = Some(m)
                    });
                    self.mon_set_dummy(m, s, on);
                }
            }
            Power { .. } | Maintenance { .. } => {} // sim/power.rs
            ServerAdd { .. } | ServerRemove { .. } => {} // sim/reconfig.rs
            RollingRestart | RollingUpgrade | RollingDeploy { .. } => {} // sim/rolling.rs
            MirrorRecover { .. } | MirrorAction { .. } => self.perform_mirror_op(op),
        }
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
