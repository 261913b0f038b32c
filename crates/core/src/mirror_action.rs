//! Mirror operations: clpmdctrl's mirror recovery, and clpbackup.sh / clprestore.sh
//! (`--pre` / `--post` with their options), which the X 5.x REST API runs
//! asynchronously under `/api/v1/mirrors/...`.
//!
//! An action first runs its script (`mirror_action_duration`), then its cluster effect
//! (stop, shutdown, reboot, start: the ordinary cluster operations); it is `running`
//! until that effect is done, then its completion message stands until the next one.

use super::engine::{Ev, Sim};
use super::event::EventKind;
use super::input::{InputError, MirrorActionKind, MirrorStage, Operation};
use super::mirror::Mode;
use super::refusal::Refusal;

/// The completion message of an action that did what it was asked [infer: the
/// scripts end with the clp commands' success line].
pub const DONE: &str = "Command succeeded.";
/// The completion message of an action still not done after its `timeout` [assume].
pub const TIMED_OUT: &str = "Timeout.";
/// The refusal on a cluster without mirror disks [assume: the scripts find no mirror
/// disk resource or hybrid disk resource to act on].
pub const NO_MIRROR: &str = "There is no mirror disk resource or hybrid disk resource.";

/// One action's progress, as its status endpoint reports it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ActionState {
    pub op: Operation,
    pub running: bool,
    /// The script has run and the cluster effect was started.
    pub stepped: bool,
    pub message: String,
    pub gen: u64,
    /// An offline pre-action sets its mode once the cluster has stopped, so nothing
    /// is written on one side after the other stopped following.
    pub mode_when_done: Option<Mode>,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Actions {
    pub backup: Option<ActionState>,
    pub restore: Option<ActionState>,
    gen: u64,
}

impl Actions {
    fn slot(&mut self, kind: MirrorActionKind) -> &mut Option<ActionState> {
        match kind {
            MirrorActionKind::Backup => &mut self.backup,
            MirrorActionKind::Restore => &mut self.restore,
        }
    }
    fn running(&mut self) -> Option<&mut ActionState> {
        [&mut self.backup, &mut self.restore]
            .into_iter()
            .flatten()
            .find(|a| a.running)
    }
}

fn refused(r: Refusal) -> InputError {
    InputError::Refused(r)
}

impl Sim {
    /// What `GET /api/v1/mirrors/{backup|restore}/status` shows: `running`, the last
    /// completion message, or "" when no such action has run.
    pub fn mirror_action_status(&self, kind: MirrorActionKind) -> String {
        let a = match kind {
            MirrorActionKind::Backup => &self.mirror_actions.backup,
            MirrorActionKind::Restore => &self.mirror_actions.restore,
        };
        match a {
            Some(a) if a.running => "running".into(),
            Some(a) => a.message.clone(),
            None => String::new(),
        }
    }

    pub(crate) fn check_mirror_op(&self, op: &Operation) -> Result<(), InputError> {
        if self.model.mirrors.is_empty() {
            return Err(refused(Refusal::NoMirror));
        }
        match op {
            Operation::MirrorRecover { resource, full } => {
                let k = self
                    .model
                    .resource_id(resource)
                    .and_then(|r| self.model.resources[r].mirror)
                    .ok_or(refused(Refusal::NoMirror))?;
                let st = &self.mirror[k];
                if st.recovery.is_some() {
                    return Err(refused(Refusal::MirrorRecoveryInProgress(resource.clone())));
                }
                if !st.connected {
                    return Err(refused(Refusal::MirrorConnectDown(resource.clone())));
                }
                if st.latest == [false, false] {
                    return Err(refused(Refusal::NoLatestData(resource.clone())));
                }
                if st.latest == [true, true] && !full {
                    return Err(refused(Refusal::MirrorNormal(resource.clone())));
                }
            }
            Operation::MirrorAction {
                action,
                only_shutdown,
                only_reboot,
                skip_copy,
                timeout_s,
                ..
            } => {
                if *only_shutdown && *only_reboot {
                    return Err(InputError::Invalid(
                        "only-shutdown and only-reboot cannot be given together".into(),
                    ));
                }
                if *skip_copy && *action == MirrorActionKind::Backup {
                    return Err(InputError::Invalid(
                        "skip-copy is an option of the restore actions".into(),
                    ));
                }
                if *timeout_s == 0 {
                    return Err(InputError::Invalid("timeout must be positive".into()));
                }
                if !self.servers.iter().any(|s| s.power && !s.hung) {
                    return Err(refused(Refusal::NoServerUp));
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn perform_mirror_op(&mut self, op: Operation) {
        match op {
            Operation::MirrorRecover { resource, full } => {
                let r = self.model.resource_id(&resource).expect("checked");
                let k = self.model.resources[r].mirror.expect("checked");
                let d = self.model.mirrors[k].clone();
                let active = d
                    .servers
                    .iter()
                    .position(|&s| self.rstate(r, s) != super::group_state::RState::Offline);
                let from = match self.mirror[k].latest {
                    [true, false] => 0,
                    [false, true] => 1,
                    _ => active.unwrap_or(0),
                };
                if full {
                    self.mirror[k].full_needed[1 - from] = true;
                }
                self.mirror_start_copy(k, from, 1 - from);
            }
            Operation::MirrorAction {
                action, timeout_s, ..
            } => {
                self.mirror_actions.gen += 1;
                let gen = self.mirror_actions.gen;
                *self.mirror_actions.slot(action) = Some(ActionState {
                    op: op.clone(),
                    running: true,
                    stepped: false,
                    message: String::new(),
                    gen,
                    mode_when_done: None,
                });
                self.op_pending += 1;
                let o = self.first_running_observer();
                self.log(EventKind::MirrorActionStarted, |e| {
                    e.server = o;
                    e.reason = Some(serde_json::to_string(&op).unwrap_or_default());
                });
                let d = self.model.settings.mirror_action_duration.0;
                self.schedule(self.kernel.now() + d, Ev::MirrorActionStep { gen });
                let t = self
                    .kernel
                    .now()
                    .saturating_add(timeout_s.saturating_mul(1000));
                self.schedule(t, Ev::MirrorActionTimeout { gen });
            }
            _ => {}
        }
    }

    /// The script has run: set the mirror mode, then start the cluster effect.
    pub(crate) fn mirror_action_step(&mut self, gen: u64) {
        let Some(a) = self.mirror_actions.running() else {
            return;
        };
        if a.gen != gen || a.stepped {
            return;
        }
        a.stepped = true;
        let op = a.op.clone();
        self.op_done();
        let Operation::MirrorAction {
            action,
            stage,
            no_shutdown,
            no_reboot,
            only_shutdown,
            only_reboot,
            online,
            skip_copy,
            ..
        } = op
        else {
            return;
        };
        let effect = if only_shutdown {
            Some(Operation::ClusterShutdown)
        } else if only_reboot {
            Some(Operation::ClusterReboot)
        } else if stage == MirrorStage::Pre {
            if online {
                for st in self.mirror.iter_mut() {
                    st.mode = Some(Mode::Isolated);
                }
            } else if let Some(a) = self.mirror_actions.running() {
                a.mode_when_done = Some(Mode::Offline);
            }
            match (online, no_shutdown) {
                (true, _) => None,
                (false, true) => Some(Operation::ClusterStop),
                (false, false) => Some(Operation::ClusterShutdown),
            }
        } else {
            self.mirror_leave_mode(action == MirrorActionKind::Restore, skip_copy);
            match (online, no_reboot) {
                (true, _) => None,
                (false, true) => Some(Operation::ClusterStart),
                (false, false) => Some(Operation::ClusterReboot),
            }
        };
        if let Some(e) = effect {
            // An effect with nothing to do (the cluster already stopped) is skipped.
            if let Ok(step) = self.plan_cluster(&e) {
                self.execute_step(e, step);
            }
        }
    }

    /// A post-action: the mirror disks leave backup/restore mode. After a restore the
    /// primary server's restored data is copied in full to the other, unless
    /// `skip_copy` says both servers were restored.
    fn mirror_leave_mode(&mut self, restore: bool, skip_copy: bool) {
        let now = self.kernel.now();
        for st in self.mirror.iter_mut() {
            st.mode = None;
            if !restore {
                continue;
            }
            if skip_copy {
                st.latest = [true, true];
                st.full_needed = [false, false];
                st.last_update = [None, None];
                st.changed_kib = 0;
            } else {
                st.latest = [true, false];
                st.full_needed[1] = true;
                st.last_update[1] = Some(now);
                st.force_recovery = true;
            }
        }
    }

    pub(crate) fn mirror_action_timeout(&mut self, gen: u64) {
        let Some(a) = self.mirror_actions.running() else {
            return;
        };
        if a.gen != gen {
            return;
        }
        a.running = false;
        a.message = TIMED_OUT.into();
        if !a.stepped {
            // The script never got to its cluster effect: the operation ends here.
            self.op_done();
        }
        self.log(EventKind::MirrorActionDone, |e| {
            e.reason = Some(TIMED_OUT.into());
        });
    }

    /// Ends the running action once its cluster effect is done.
    pub(crate) fn mirror_action_poll(&mut self) {
        let busy = self.busy();
        let Some(a) = self.mirror_actions.running() else {
            return;
        };
        let single = !a.stepped;
        if single || busy {
            return;
        }
        a.running = false;
        a.message = DONE.into();
        if let Some(mode) = a.mode_when_done.take() {
            for st in self.mirror.iter_mut() {
                st.mode = Some(mode);
            }
        }
        let o = self.first_running_observer();
        self.log(EventKind::MirrorActionDone, |e| {
            e.server = o;
            e.reason = Some(DONE.into());
        });
    }
}
