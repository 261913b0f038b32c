//! The `Sim` struct: state, the event loop, the log, and the public API. Behaviour lives
//! in the sibling modules (heartbeat, membership, group, monitor, fault, ops), each an
//! `impl Sim` block over the state defined here.

use super::env::Env;
use super::event::{Arg, Event, EventKind};
use super::group_state::RState;
use super::heartbeat::Heartbeats;
use super::input::{FaultId, FaultSpec, Input, InputError, Operation};
use super::{Applied, FaultInfo, HeartbeatModel};
use crate::kernel::{Kernel, Phase};
use crate::model::{InitialState, Model, ServerId};
use rand::Rng;
use std::sync::Arc;

/// Internal engine events. Stale ones (superseded by a later state change) carry a
/// generation or id that no longer matches and are dropped when they fire.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) enum Ev {
    HbDeadline {
        recv: u32,
        send: u32,
        path: u16,
        id: u64,
    },
    HbResume {
        recv: u32,
        send: u32,
        path: u16,
        id: u64,
    },
    HbSend {
        send: u32,
        path: u16,
    },
    ResourceStep {
        task: u64,
        gen: u64,
    },
    MonitorCheck {
        monitor: u32,
        server: u32,
        gen: u64,
    },
    MonitorTimeout {
        monitor: u32,
        server: u32,
        gen: u64,
    },
    FaultStart {
        id: FaultId,
    },
    FaultEnd {
        id: FaultId,
    },
    BootDone {
        server: u32,
        gen: u64,
        autostart: bool,
    },
    StartupWaitEnd {
        gen: u64,
    },
    RatioExpire {
        gen: u64,
    },
    ScriptDone {
        server: u32,
        script: u32,
        timed_out: bool,
    },
    /// `np_failover_wait` after `server` declared `lost` down is over.
    FailoverWaitEnd {
        server: u32,
        lost: u32,
    },
    /// An operation `answering` attempted on `target`, which did not answer: the
    /// internal communication timeout is over (`ops/mod.rs`).
    NoAnswer {
        answering: u32,
        target: u32,
    },
    /// A rolling operation's poll (`sim/rolling.rs`).
    RollingTick {
        gen: u64,
    },
    /// A mirror recovery's copy is complete.
    MirrorCopyDone {
        mirror: u32,
        gen: u64,
    },
    /// A backup/restore action's script has run: its cluster effect follows.
    MirrorActionStep {
        gen: u64,
    },
    MirrorActionTimeout {
        gen: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Service {
    Stopped,
    Running,
    /// Stopping its groups before leaving the cluster.
    Stopping,
}

/// What happens once a stopping server has stopped its groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum AfterStop {
    Nothing,
    PowerOff,
    Reboot,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ServerState {
    pub power: bool,
    pub hung: bool,
    pub service: Service,
    /// The last stop was abnormal: automatic start is suppressed (`cl 18`).
    pub abnormal: bool,
    pub after_stop: AfterStop,
    /// The stop is part of a cluster-wide stop: peers take over nothing.
    pub cluster_wide_stop: bool,
    /// The stop (or reboot) is an operator operation still in progress.
    pub op_stop: bool,
    pub crash_faults: u32,
    pub hang_faults: u32,
    /// When the current hang began.
    pub hung_since: u64,
    pub dummy_failure: bool,
    pub boot_gen: u64,
}

impl ServerState {
    /// A powered-on machine whose cluster service has not started.
    pub fn new() -> ServerState {
        ServerState {
            power: true,
            hung: false,
            service: Service::Stopped,
            abnormal: false,
            after_stop: AfterStop::Nothing,
            cluster_wide_stop: false,
            op_stop: false,
            crash_faults: 0,
            hang_faults: 0,
            hung_since: 0,
            dummy_failure: false,
            boot_gen: 0,
        }
    }
    /// Sends heartbeats and does work.
    pub fn alive(&self) -> bool {
        self.power && !self.hung && self.service != Service::Stopped
    }
    /// A full cluster member: alive and not leaving.
    pub fn running(&self) -> bool {
        self.power && !self.hung && self.service == Service::Running
    }
}

/// The simulator: one cluster in virtual time. See the module docs of `sim`.
pub struct Sim {
    /// Clock, queue, log and seed: everything that knows nothing of the product.
    pub(crate) kernel: Kernel<Ev, Event>,
    pub(crate) model: Arc<Model>,
    pub(crate) hb_model: HeartbeatModel,
    pub(crate) servers: Vec<ServerState>,
    pub(crate) hb: Heartbeats,
    /// The server whose API received the operation being judged (`operate_from`).
    pub(crate) answering: Option<ServerId>,
    pub(crate) next_task: u64,
    /// Who counts whom (`sim/membership.rs`).
    pub(crate) members: super::membership::Membership,
    /// Resource states, groups' servers, tasks (`sim/group_state.rs`).
    pub(crate) groups: super::group_state::Groups,
    /// Monitor instances and their recovery counters (`sim/monitor.rs`).
    pub(crate) monitors: super::monitor::Monitors,
    /// Faults and the links they hold down (`sim/env/`).
    pub(crate) env: Env,
    pub(crate) toratio: u32,
    pub(crate) toratio_gen: u64,
    pub(crate) suspended: bool,
    /// Outstanding work of the operator operation in progress.
    pub(crate) op_pending: u32,
    pub(crate) startup_gen: u64,
    pub(crate) startup_waiting: bool,
    pub(crate) check_invariants: bool,
    /// Power operations and maintenance (`sim/power.rs`).
    pub(crate) power_ctl: super::power::PowerCtl,
    /// Live reconfiguration (`sim/reconfig.rs`).
    pub(crate) reconfig: super::reconfig::Reconfig,
    /// Rolling restart/upgrade/deploy (`sim/rolling.rs`).
    pub(crate) rolling: super::rolling::RollingCtl,
    /// Per mirror disk (`Model::mirrors`).
    pub(crate) mirror: Vec<super::mirror::MirrorState>,
    /// The last backup and restore actions.
    pub(crate) mirror_actions: super::mirror_action::Actions,
}

impl Sim {
    /// A simulation of `model` driven by `seed`, in the model's initial state at t=0.
    pub fn new(model: Arc<Model>, seed: u64) -> Sim {
        Sim::with_heartbeat_model(model, seed, HeartbeatModel::Lazy)
    }

    pub fn with_heartbeat_model(model: Arc<Model>, seed: u64, hb_model: HeartbeatModel) -> Sim {
        let n = model.servers.len();
        let kernel = Kernel::new(seed);
        let mut rng = kernel.rng();
        let jitter = model.settings.heartbeat_phase_jitter;
        // One draw per (server, path), then per (monitor, server), in index order.
        let mut hb_phase = Vec::with_capacity(n * model.paths.len());
        for _s in 0..n {
            for p in &model.paths {
                hb_phase.push(if jitter {
                    rng.gen_range(0..p.interval.0)
                } else {
                    0
                });
            }
        }
        let mon_phase = |m: usize, _s| rng.gen_range(0..model.monitors[m].interval.0);
        let servers = (0..n).map(|_| ServerState::new()).collect();
        let mut sim = Sim {
            hb: Heartbeats::new(hb_phase, model.paths.len()),
            answering: None,
            next_task: 1,
            members: super::membership::Membership::new(n),
            groups: super::group_state::Groups::new(&model, n),
            monitors: super::monitor::Monitors::new(&model, n, mon_phase),
            env: Env::new(n, model.paths.len()),
            toratio: 1,
            toratio_gen: 0,
            suspended: false,
            op_pending: 0,
            startup_gen: 0,
            startup_waiting: false,
            check_invariants: false,
            power_ctl: super::power::PowerCtl::new(n),
            reconfig: Default::default(),
            rolling: Default::default(),
            mirror: vec![super::mirror::MirrorState::new(n); model.mirrors.len()],
            mirror_actions: Default::default(),
            servers,
            model,
            hb_model,
            kernel,
        };
        sim.reach_rebuild();
        if sim.model.settings.initial_state == InitialState::Running {
            sim.boot_running();
        }
        sim.mirror_init();
        sim
    }

    /// The initial `running` state: every service up and every auto-start group Online
    /// on its first startup server, as if the cluster had been up for a while.
    fn boot_running(&mut self) {
        let n = self.n();
        for s in 0..n {
            self.server_set(s, |x| x.service = Service::Running);
            self.log_at(s, EventKind::ServiceStarted, |e| e.alert = Some(("pm", 1)));
        }
        for o in 0..n {
            for j in 0..n {
                self.members.believes_up.set(o, j, true);
            }
        }
        self.hb_init();
        let model = self.model.clone();
        for (g, group) in model.groups.iter().enumerate() {
            if group.startup != crate::model::AutoManual::Auto {
                continue;
            }
            let Some(s) = self.startup_server(g) else {
                continue;
            };
            for &r in &group.start_order {
                self.set_rstate(r, s, RState::Online);
            }
            self.set_home(g, Some(s));
            self.log_at(s, EventKind::GroupStarted, |e| {
                e.group = Some(g);
                e.status = Some(super::view::status::ONLINE);
            });
        }
        for m in 0..model.monitors.len() {
            for s in 0..n {
                self.mon_refresh(m, s);
            }
        }
    }

    pub(crate) fn n(&self) -> usize {
        self.servers.len()
    }

    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }
    pub fn seed(&self) -> u64 {
        self.kernel.seed()
    }
    /// Virtual time in ms.
    pub fn now(&self) -> u64 {
        self.kernel.now()
    }
    /// Engine events processed so far (heartbeat, activation, check ... steps).
    pub fn processed(&self) -> u64 {
        self.kernel.processed()
    }
    /// The timeout ratio in force (1 = none).
    pub fn timeout_ratio(&self) -> u32 {
        self.toratio
    }
    /// Check the engine's invariants after every step and panic on a violation (tests).
    pub fn set_check_invariants(&mut self, on: bool) {
        self.check_invariants = on;
    }

    /// Applies an input at the current virtual time.
    pub fn apply(&mut self, input: Input) -> Result<Applied, InputError> {
        match input {
            Input::Operation(op) => self.operate(op).map(|_| Applied::Operation),
            Input::Fault(f) => self.inject(f).map(Applied::Fault),
            Input::Heal { heal } => self.heal(heal).map(|_| Applied::Healed),
        }
    }

    /// An operator operation, now. Refused with a message when it cannot be done.
    pub fn operate(&mut self, op: Operation) -> Result<(), InputError> {
        let r = self.operation(op);
        self.mirror_refresh();
        r
    }

    /// Injects a fault (at `at_ms` if given and in the future, else now).
    pub fn inject(&mut self, fault: FaultSpec) -> Result<FaultId, InputError> {
        let r = self.fault_inject(fault);
        self.mirror_refresh();
        r
    }

    /// Heals an active fault, or cancels a scheduled one.
    pub fn heal(&mut self, id: FaultId) -> Result<(), InputError> {
        let r = self.fault_heal(id);
        self.mirror_refresh();
        r
    }

    /// Active and scheduled faults, by id.
    pub fn faults(&self) -> Vec<FaultInfo> {
        self.fault_list()
    }

    /// Processes every event with time <= `t_ms`, then sets the clock to `t_ms`.
    /// Returns the number of engine events processed.
    pub fn run_until(&mut self, t_ms: u64) -> u64 {
        let before = self.kernel.processed();
        while let Some(ev) = self.kernel.pop_until(t_ms) {
            self.process(ev);
        }
        self.kernel.advance_to(t_ms);
        self.kernel.processed() - before
    }

    /// Advances the clock by `ms`, processing everything due.
    pub fn advance(&mut self, ms: u64) -> u64 {
        self.run_until(self.kernel.now().saturating_add(ms))
    }

    /// Processes the next event, if any; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(ev) = self.kernel.pop() else {
            return false;
        };
        self.process(ev);
        true
    }

    /// One popped event and what follows every step.
    fn process(&mut self, ev: Ev) {
        self.dispatch(ev);
        self.reconfig_settle();
        self.mirror_refresh();
        if self.check_invariants {
            if let Err(e) = self.invariants() {
                panic!("invariant violated at t={} ms: {e}", self.kernel.now());
            }
        }
    }

    pub fn next_event_time(&self) -> Option<u64> {
        self.kernel.next_event_time()
    }

    /// The whole event log.
    pub fn events(&self) -> &[Event] {
        self.kernel.log()
    }

    /// Drops the oldest entries so at most `keep` remain (a host's retention); returns
    /// how many were dropped. Sequence numbers keep counting from the first entry.
    pub fn trim_log(&mut self, keep: usize) -> u64 {
        self.kernel.trim_log(keep)
    }

    /// Entries dropped by [`Sim::trim_log`] since t=0.
    pub fn events_dropped(&self) -> u64 {
        self.kernel.log_dropped()
    }

    /// Whether an operator operation is still in progress.
    pub fn busy(&self) -> bool {
        self.op_pending > 0
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::HbDeadline {
                recv,
                send,
                path,
                id,
            } => self.hb_deadline(recv as usize, send as usize, path as usize, id),
            Ev::HbResume {
                recv,
                send,
                path,
                id,
            } => self.hb_resume(recv as usize, send as usize, path as usize, id),
            Ev::HbSend { send, path } => self.hb_send(send as usize, path as usize),
            Ev::ResourceStep { task, gen } => self.task_step(task, gen),
            Ev::MonitorCheck {
                monitor,
                server,
                gen,
            } => self.mon_check(monitor as usize, server as usize, gen),
            Ev::MonitorTimeout {
                monitor,
                server,
                gen,
            } => self.mon_timeout(monitor as usize, server as usize, gen),
            Ev::FaultStart { id } => self.fault_start(id),
            Ev::FaultEnd { id } => {
                let _ = self.fault_end(id, true);
            }
            Ev::BootDone {
                server,
                gen,
                autostart,
            } => self.boot_done(server as usize, gen, autostart),
            Ev::StartupWaitEnd { gen } => self.startup_wait_end(gen),
            Ev::RatioExpire { gen } => self.ratio_expire(gen),
            Ev::ScriptDone {
                server,
                script,
                timed_out,
            } => self.script_done(server as usize, script as usize, timed_out),
            Ev::FailoverWaitEnd { server, lost } => {
                self.failover_wait_end(server as usize, lost as usize)
            }
            Ev::RollingTick { gen } => self.rolling_tick(gen),
            Ev::NoAnswer { answering, target } => {
                self.no_answer(answering as usize, target as usize)
            }
            Ev::MirrorCopyDone { mirror, gen } => self.mirror_copy_done(mirror as usize, gen),
            Ev::MirrorActionStep { gen } => self.mirror_action_step(gen),
            Ev::MirrorActionTimeout { gen } => self.mirror_action_timeout(gen),
        }
    }

    pub(crate) fn schedule(&mut self, at: u64, ev: Ev) {
        self.kernel.schedule(at, ev);
    }

    /// Heartbeat events: `phase` Deadline or Late, ordered among themselves by `key`.
    pub(crate) fn schedule_hb(&mut self, at: u64, phase: Phase, key: u64, ev: Ev) {
        self.kernel.schedule_keyed(at, phase, key, ev);
    }

    /// Appends an event at the current time; `fill` sets its fields.
    pub(crate) fn log(&mut self, kind: EventKind, fill: impl FnOnce(&mut Event)) {
        let mut e = Event::new(kind);
        fill(&mut e);
        self.kernel.append(e);
    }

    /// Appends an event raised on `server`.
    pub(crate) fn log_at(
        &mut self,
        server: ServerId,
        kind: EventKind,
        fill: impl FnOnce(&mut Event),
    ) {
        self.log(kind, |e| {
            e.server = Some(server);
            fill(e)
        });
    }

    /// Appends a product alert raised on `server`.
    pub(crate) fn alert(
        &mut self,
        server: Option<ServerId>,
        kind: EventKind,
        alert: (&'static str, u16),
        args: Vec<Arg>,
        fill: impl FnOnce(&mut Event),
    ) {
        self.log(kind, |e| {
            e.server = server;
            e.alert = Some(alert);
            e.args = args;
            fill(e)
        });
    }

    /// Timeout after the timeout ratio.
    pub(crate) fn scaled(&self, timeout_ms: u64) -> u64 {
        timeout_ms.saturating_mul(self.toratio as u64)
    }

    pub(crate) fn fresh_gen(&mut self) -> u64 {
        self.next_task += 1;
        self.next_task
    }

    /// Checks the engine's invariants; `Err` names the first violation.
    pub fn invariants(&self) -> Result<(), String> {
        let n = self.n();
        for (s, st) in self.servers.iter().enumerate() {
            if !st.power {
                for r in 0..self.model.resources.len() {
                    if self.groups.rstate[r * n + s] != RState::Offline {
                        return Err(format!(
                            "resource {} is {} on powered-off server {}",
                            self.model.resources[r].name,
                            self.groups.rstate[r * n + s].status(),
                            self.model.servers[s].name
                        ));
                    }
                }
            }
            if st.running() && !self.members.believes_up.get(s, s) {
                return Err(format!(
                    "server {} does not count itself",
                    self.model.servers[s].name
                ));
            }
        }
        for (g, on) in self.groups.active_on.iter().enumerate() {
            for &s in on {
                let any = self.model.groups[g]
                    .resources
                    .iter()
                    .any(|&r| self.groups.rstate[r * n + s] != RState::Offline);
                if !any {
                    return Err(format!(
                        "group {} listed active on an idle server",
                        self.model.groups[g].name
                    ));
                }
            }
        }
        for t in self.groups.tasks.values() {
            let s = t.server();
            if !self.servers[s].power {
                return Err(format!("task {} runs on powered-off server", t.id));
            }
        }
        Ok(())
    }
}
