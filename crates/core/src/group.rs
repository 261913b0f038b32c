//! Group and resource activation: a `Task` walks a group's resources in dependency order
//! (deactivation in reverse) on one server, or deactivates on one server and activates
//! on another (move, failover, failback). Activation and deactivation failures follow
//! the product's sequence: retry, then failover (activation only), then final action.

use super::engine::{Ev, Sim};
use super::event::{Arg, EventKind};
use super::group_state::RState;
use crate::model::{ResourceId, ServerId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum TaskKind {
    Start,
    Stop,
    Move,
    Failover,
    Failback,
    RestartGroup,
    RestartResource,
    ResourceStart,
    ResourceStop,
    /// The group stops because its server's cluster service is stopping.
    Leave,
}

impl TaskKind {
    /// (started, completed, failed) alert ids of module rc.
    fn alerts(self) -> (u16, u16, u16) {
        match self {
            TaskKind::Start => (10, 11, 12),
            TaskKind::Stop | TaskKind::Leave => (20, 21, 22),
            TaskKind::Move => (50, 51, 52),
            TaskKind::Failover => (60, 61, 62),
            TaskKind::Failback => (74, 75, 76),
            TaskKind::RestartGroup => (70, 71, 72),
            TaskKind::RestartResource => (80, 81, 82),
            TaskKind::ResourceStart => (83, 84, 85),
            TaskKind::ResourceStop => (87, 88, 89),
        }
    }
    fn events(self) -> (EventKind, EventKind, EventKind) {
        use EventKind::*;
        match self {
            TaskKind::Start | TaskKind::RestartGroup => {
                (GroupStarting, GroupStarted, GroupStartFailed)
            }
            TaskKind::Stop | TaskKind::Leave => (GroupStopping, GroupStopped, GroupStopFailed),
            TaskKind::Move => (GroupMoving, GroupMoved, GroupMoveFailed),
            TaskKind::Failover => (FailoverStarting, FailoverDone, FailoverFailed),
            TaskKind::Failback => (FailbackStarting, FailbackDone, FailbackFailed),
            TaskKind::RestartResource | TaskKind::ResourceStart => (
                SingleResourceStarting,
                SingleResourceStarted,
                GroupStartFailed,
            ),
            TaskKind::ResourceStop => (
                SingleResourceStopping,
                SingleResourceStopped,
                GroupStopFailed,
            ),
        }
    }
    /// Alerts about a single resource name the resource, not the group.
    fn names_resource(self) -> bool {
        matches!(
            self,
            TaskKind::RestartResource | TaskKind::ResourceStart | TaskKind::ResourceStop
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Stage {
    Deactivate,
    Activate,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Task {
    pub id: u64,
    pub group: usize,
    pub kind: TaskKind,
    pub from: Option<ServerId>,
    pub to: Option<ServerId>,
    pub stage: Stage,
    /// Resources still to do in this stage, next last (popped from the end).
    pub todo: Vec<ResourceId>,
    pub current: Option<ResourceId>,
    pub attempt: u32,
    pub gen: u64,
    pub operator: bool,
    pub failed: bool,
    /// The subset of the group's resources this task handles (all when None).
    pub only: Option<Vec<ResourceId>>,
    pub reason: Option<String>,
}

impl Task {
    /// The server the current stage runs on.
    pub fn server(&self) -> ServerId {
        match self.stage {
            Stage::Deactivate => self.from.expect("deactivation has a source"),
            Stage::Activate => self.to.expect("activation has a target"),
        }
    }
    fn subject(&self) -> Arg {
        match (&self.only, self.kind.names_resource()) {
            (Some(only), true) => Arg::Resource(*only.first().expect("subset")),
            _ => Arg::Group(self.group),
        }
    }
}

impl Sim {
    pub(crate) fn task_of_group(&self, g: usize) -> Option<u64> {
        self.groups
            .tasks
            .values()
            .find(|t| t.group == g)
            .map(|t| t.id)
    }

    pub(crate) fn task_of_group_on(&self, g: usize, s: ServerId) -> Option<u64> {
        self.groups
            .tasks
            .values()
            .find(|t| t.group == g && (t.from == Some(s) || t.to == Some(s)))
            .map(|t| t.id)
    }

    /// A failover of g to `to` (from `from`, if it still runs there), for `reason`.
    pub(crate) fn start_failover(
        &mut self,
        g: usize,
        from: Option<ServerId>,
        to: ServerId,
        reason: String,
    ) {
        let kind = TaskKind::Failover;
        self.start_task(kind, g, from, Some(to), None, false, Some(reason));
    }

    /// Starts a task. `only` limits it to some resources (single-resource operations and
    /// resource restarts); `operator` tasks keep the cluster busy until they end.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start_task(
        &mut self,
        kind: TaskKind,
        g: usize,
        from: Option<ServerId>,
        to: Option<ServerId>,
        only: Option<Vec<ResourceId>>,
        operator: bool,
        reason: Option<String>,
    ) -> u64 {
        let id = self.fresh_gen();
        let stage = if from.is_some() {
            Stage::Deactivate
        } else {
            Stage::Activate
        };
        let mut task = Task {
            id,
            group: g,
            kind,
            from,
            to,
            stage,
            todo: Vec::new(),
            current: None,
            attempt: 0,
            gen: 0,
            operator,
            failed: false,
            only,
            reason: reason.clone(),
        };
        task.todo = self.stage_todo(&task);
        let (started, _, _) = kind.alerts();
        let (ev, _, _) = kind.events();
        let at = task.from.or(task.to).expect("a task has a server");
        let subject = task.subject();
        let peer = if from.is_some() { to } else { None };
        self.alert(Some(at), ev, ("rc", started), vec![subject], |e| {
            e.group = Some(g);
            e.peer = peer;
            e.reason = reason;
        });
        match kind {
            TaskKind::Start | TaskKind::Move | TaskKind::Failover | TaskKind::Failback => {
                self.set_home(g, to)
            }
            TaskKind::Stop => self.set_home(g, None),
            _ => {}
        }
        if operator {
            self.op_pending += 1;
        }
        self.groups.tasks.insert(id, task);
        self.task_next(id);
        id
    }

    /// The resources of the task's current stage, in the order they will be done.
    pub(super) fn stage_todo(&self, t: &Task) -> Vec<ResourceId> {
        let order = &self.model.groups[t.group].start_order;
        let wanted = |r: &ResourceId| t.only.as_ref().is_none_or(|o| o.contains(r));
        match t.stage {
            // Deactivation runs in reverse start order; popping from the end of the start
            // order yields exactly that.
            Stage::Deactivate => order.iter().copied().filter(wanted).collect(),
            Stage::Activate => order.iter().rev().copied().filter(wanted).collect(),
        }
    }

    /// Begins the next resource of the task, or moves to the next stage, or finishes.
    pub(super) fn task_next(&mut self, id: u64) {
        loop {
            let Some(t) = self.groups.tasks.get_mut(&id) else {
                return;
            };
            let stage = t.stage;
            let s = t.server();
            let Some(r) = t.todo.pop() else {
                if let (Stage::Deactivate, Some(to)) = (stage, t.to) {
                    let (g, from) = (t.group, s);
                    let before = self.group_status_on(g, from);
                    let t = self.groups.tasks.get_mut(&id).expect("task");
                    t.stage = Stage::Activate;
                    self.note_group_status(g, from, before);
                    // The target must still run, and the source must still count it
                    // and hear it both ways (it hands the group over by a request
                    // and its answer; it cannot to a server it lost or cannot reach).
                    if !self.servers[to].running() || to != from && !self.can_hand_over(from, to) {
                        self.task_redirect(id);
                        continue;
                    }
                    if let Some(x) = self.known_elsewhere(to, g, from) {
                        self.task_refused_by_target(id, x);
                        continue;
                    }
                    let t = self.groups.tasks.get(&id).expect("task");
                    let todo = self.stage_todo(t);
                    self.groups.tasks.get_mut(&id).expect("task").todo = todo;
                    continue;
                }
                self.task_finish(id);
                return;
            };
            let st = self.groups.rstate[r * self.servers.len() + s];
            let (skip, next, dur, alert) = match stage {
                Stage::Deactivate => (
                    st == RState::Offline,
                    RState::OfflinePending,
                    self.model.resources[r].deactivation_duration.0,
                    40,
                ),
                Stage::Activate => (
                    st == RState::Online,
                    RState::OnlinePending,
                    self.model.resources[r].activation_duration.0,
                    30,
                ),
            };
            if skip {
                continue;
            }
            t.current = Some(r);
            t.gen += 1;
            let gen = t.gen;
            self.set_rstate(r, s, next);
            self.resource_alert(s, r, alert, next);
            self.schedule(self.kernel.now() + dur, Ev::ResourceStep { task: id, gen });
            return;
        }
    }

    fn resource_alert(&mut self, s: ServerId, r: ResourceId, id: u16, st: RState) {
        let kind = match id {
            30 => EventKind::ResourceActivating,
            31 => EventKind::ResourceActivated,
            40 => EventKind::ResourceDeactivating,
            _ => EventKind::ResourceDeactivated,
        };
        self.alert(Some(s), kind, ("rc", id), vec![Arg::Resource(r)], |e| {
            e.resource = Some(r);
            e.status = Some(st.status());
        });
    }

    /// Whether `from` can hand a group over to `to`: it counts it, and heartbeats flow
    /// both ways now (the request and its answer travel on the same paths).
    pub(crate) fn can_hand_over(&self, from: ServerId, to: ServerId) -> bool {
        self.members.believes_up.get(from, to)
            && self.hears_now(from, to)
            && self.hears_now(to, from)
    }

    /// A server other than `to` and the handing-over `from` where `to` knows group g
    /// holds resources (behaviour §0): `to` does not start a group it knows runs there.
    pub(crate) fn known_elsewhere(
        &self,
        to: ServerId,
        g: usize,
        from: ServerId,
    ) -> Option<ServerId> {
        self.first_known_active(to, g, &[to, from])
    }

    /// The target knows the group runs on x: the hand-over fails, the group stays
    /// stopped on the source, and x keeps it.
    fn task_refused_by_target(&mut self, id: u64, x: ServerId) {
        let t = self.groups.tasks.get_mut(&id).expect("task");
        let to = t.to.take().expect("target");
        t.failed = true;
        t.todo.clear();
        t.stage = Stage::Deactivate;
        t.reason = Some(format!(
            "{} knows {} is active on {}",
            self.model.servers[to].name,
            self.model.groups[t.group].name,
            self.model.servers[x].name
        ));
        let g = t.group;
        self.set_home(g, Some(x));
    }

    /// The move/failover target went away before activation: pick another or give up.
    fn task_redirect(&mut self, id: u64) {
        let t = self.groups.tasks.get(&id).expect("task");
        let (g, from, to) = (t.group, t.from.expect("source"), t.to.expect("target"));
        // A server the source still counts but that is down, or cannot reach, cannot
        // take the group.
        let mut exclude = vec![from, to];
        exclude.extend(
            (0..self.n()).filter(|&x| !self.servers[x].running() || !self.can_hand_over(from, x)),
        );
        let (dest, explain) = self.choose_destination(from, g, &exclude);
        match dest {
            Some(d) => {
                let t = self.groups.tasks.get_mut(&id).expect("task");
                t.to = Some(d);
                t.reason = Some(format!(
                    "{} stopped before activation; {explain}",
                    self.model.servers[to].name
                ));
                self.set_home(g, Some(d));
                // The new target refuses, as the first would have, a group it knows
                // runs elsewhere.
                if let Some(x) = self.known_elsewhere(d, g, from) {
                    self.task_refused_by_target(id, x);
                    return;
                }
                let t = self.groups.tasks.get(&id).expect("task");
                let todo = self.stage_todo(t);
                self.groups.tasks.get_mut(&id).expect("task").todo = todo;
            }
            None => {
                let t = self.groups.tasks.get_mut(&id).expect("task");
                t.failed = true;
                t.todo.clear();
                t.to = None;
                t.stage = Stage::Deactivate;
                self.set_home(g, Some(to));
            }
        }
    }

    /// A resource finished activating or deactivating (or failed to).
    pub(crate) fn task_step(&mut self, id: u64, gen: u64) {
        let Some(t) = self.groups.tasks.get(&id) else {
            return;
        };
        if t.gen != gen {
            return;
        }
        let s = t.server();
        let r = t.current.expect("a step has a resource");
        if self.servers[s].hung {
            // A hung server makes no progress; look again in a second.
            self.schedule(
                self.kernel.now() + 1_000,
                Ev::ResourceStep { task: id, gen },
            );
            return;
        }
        match t.stage {
            Stage::Activate => {
                if self.env.faults.take_activation_failure(r, s) || self.mirror_refuses(r, s) {
                    self.step_failed(id, r, s, true);
                } else {
                    self.set_rstate(r, s, RState::Online);
                    self.resource_alert(s, r, 31, RState::Online);
                    self.groups.tasks.get_mut(&id).expect("task").attempt = 0;
                    self.task_next(id);
                }
            }
            Stage::Deactivate => {
                if self.env.faults.take_deactivation_failure(r, s) {
                    self.step_failed(id, r, s, false);
                } else {
                    self.set_rstate(r, s, RState::Offline);
                    self.resource_alert(s, r, 41, RState::Offline);
                    self.groups.tasks.get_mut(&id).expect("task").attempt = 0;
                    self.task_next(id);
                }
            }
        }
    }

    /// Removes a task, logging the group's status where the removal changes it.
    pub(super) fn take_task(&mut self, id: u64) -> Option<Task> {
        let t = self.groups.tasks.get(&id)?;
        let (g, s) = (t.group, t.server());
        let before = self.group_status_on(g, s);
        let t = self.groups.tasks.remove(&id);
        self.note_group_status(g, s, before);
        t
    }

    pub(super) fn task_finish(&mut self, id: u64) {
        let Some(t) = self.take_task(id) else {
            return;
        };
        let (_, done, failed) = t.kind.alerts();
        let (_, ev_done, ev_failed) = t.kind.events();
        let at = if t.failed {
            t.server()
        } else {
            t.to.or(t.from).expect("a task has a server")
        };
        if t.failed && t.stage == Stage::Deactivate && t.to.is_some() {
            // It never got to its destination: peers must look for it where it was.
            self.set_home(t.group, t.from);
        }
        let subject = t.subject();
        let g = t.group;
        if t.failed {
            self.alert(Some(at), ev_failed, ("rc", failed), vec![subject], |e| {
                e.group = Some(g);
                e.reason = t.reason.clone();
            });
        } else {
            self.alert(Some(at), ev_done, ("rc", done), vec![subject], |e| {
                e.group = Some(g);
                e.status = Some(self_status(t.to.is_some()));
            });
            if t.to.is_some() {
                for &r in &self.model.groups[g].resources {
                    self.groups.act_failovers[r] = 0;
                }
            }
        }
        if t.operator {
            self.op_done();
        }
        if let Some(f) = t.from {
            self.maybe_finish_leave(f);
        }
    }

    /// Drops a task without completing it (its server went away).
    pub(crate) fn abort_task(&mut self, id: u64) {
        if let Some(t) = self.take_task(id) {
            if t.operator {
                self.op_done();
            }
            // Peers must find the group where it really was.
            if t.stage == Stage::Deactivate {
                self.set_home(t.group, t.from);
            }
        }
    }

    pub(crate) fn abort_tasks_on(&mut self, s: ServerId) {
        let ids: Vec<u64> = self
            .groups
            .tasks
            .values()
            .filter(|t| t.server() == s)
            .map(|t| t.id)
            .collect();
        for id in ids {
            self.abort_task(id);
        }
    }

    /// Resources that depend on r, directly or not, r included, in start order.
    pub(crate) fn with_dependents(&self, r: ResourceId) -> Vec<ResourceId> {
        let g = self.model.resources[r].group;
        let mut set = vec![r];
        for &x in &self.model.groups[g].start_order {
            if self.model.resources[x]
                .depends_on
                .iter()
                .any(|d| set.contains(d))
                && !set.contains(&x)
            {
                set.push(x);
            }
        }
        set
    }

    /// Resources r depends on, directly or not, r included.
    pub(crate) fn with_dependencies(&self, r: ResourceId) -> Vec<ResourceId> {
        let mut set = vec![r];
        let mut i = 0;
        while i < set.len() {
            for &d in &self.model.resources[set[i]].depends_on {
                if !set.contains(&d) {
                    set.push(d);
                }
            }
            i += 1;
        }
        set
    }
}

fn self_status(activated: bool) -> &'static str {
    if activated {
        super::view::status::ONLINE
    } else {
        super::view::status::OFFLINE
    }
}
