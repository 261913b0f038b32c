//! Operator operations: what the REST surface and scenarios can ask of the cluster.
//! An operation is first planned (`plan.rs`: every check, on the answering server's
//! knowledge, without changing any state; a refusal is a typed [`Refusal`]), then
//! executed (`execute.rs`: the decided ids and targets, no checks left). One match
//! over [`Operation`] decides; one match over [`Step`] acts.
//!
//! [`Refusal`]: super::refusal::Refusal

mod execute;
mod plan;

use super::engine::{AfterStop, Ev, Sim};
use super::event::EventKind;
use super::input::{InputError, Operation, PowerAction};
use super::refusal::Refusal;
use super::rolling::RollingKind;
use crate::model::{Model, ServerId};
use std::sync::Arc;

/// A checked operation: what it will do, with every name resolved and every choice
/// (destination, server) made.
pub(crate) struct Plan {
    /// As requested: logged as `operation-requested`.
    pub op: Operation,
    pub step: Step,
}

/// What a planned operation does.
pub(crate) enum Step {
    ClusterStart,
    /// Stop every running server (then nothing, reboot or power off).
    ClusterStop(AfterStop),
    /// Suspend (`true`) or resume the cluster.
    Suspend(bool),
    ServerStart(ServerId),
    ServerStop(ServerId),
    /// Reboot or shut down one server.
    ServerLeave(ServerId, AfterStop),
    GroupStart {
        group: usize,
        server: ServerId,
    },
    /// Every group that can start on the server.
    GroupStartAll(ServerId),
    GroupStop {
        group: usize,
        server: ServerId,
    },
    /// Every group active on the server.
    GroupStopAll(ServerId),
    GroupMove {
        group: usize,
        from: ServerId,
        to: ServerId,
        reason: String,
    },
    ResourceStart {
        resource: usize,
        server: ServerId,
    },
    ResourceStop {
        resource: usize,
        server: ServerId,
    },
    /// Suspend (`true`) or resume a monitor on one server, or on every running one.
    MonitorSuspend {
        monitor: usize,
        server: Option<ServerId>,
        suspend: bool,
    },
    TimeoutRatio {
        ratio: u32,
        duration_ms: Option<u64>,
    },
    ScriptRun {
        server: ServerId,
        script: usize,
        timeout_ms: u64,
    },
    ServerDummyFailure {
        server: ServerId,
        on: bool,
    },
    /// On one server, or on every server of the monitor.
    MonitorDummyFailure {
        monitor: usize,
        server: Option<ServerId>,
        on: bool,
    },
    Power {
        server: ServerId,
        action: PowerAction,
    },
    Maintenance {
        server: ServerId,
        on: bool,
    },
    ServerAdd {
        model: Arc<Model>,
        name: String,
        start: bool,
    },
    ServerRemove {
        server: ServerId,
        model: Arc<Model>,
        running: bool,
    },
    Rolling {
        kind: RollingKind,
        version: Option<String>,
    },
    /// Mirror recovery and backup/restore actions (`sim/mirror_action.rs`).
    Mirror,
}

impl Sim {
    /// Plans, then executes, an operation. Refused with a reason when it cannot be done.
    pub(crate) fn operation(&mut self, op: Operation) -> Result<(), InputError> {
        match self.plan(op.clone()) {
            Ok(plan) => {
                self.execute(plan);
                Ok(())
            }
            Err(InputError::Refused(Refusal::NoAnswer {
                server,
                answer_at_ms,
            })) => {
                self.attempt_unanswered(op, &server, answer_at_ms);
                Err(InputError::Refused(Refusal::NoAnswer {
                    server,
                    answer_at_ms,
                }))
            }
            Err(e) => Err(e),
        }
    }

    /// The answering server sends the request to a peer that does not answer: the
    /// request is logged now, its failure when the internal communication timeout is
    /// over (`operation-failed`, on the answering server, naming the peer).
    fn attempt_unanswered(&mut self, op: Operation, target: &str, answer_at_ms: u64) {
        let (Some(answering), Some(target)) = (self.answering(), self.model.server_id(target))
        else {
            return;
        };
        self.log_at(answering, EventKind::OperationRequested, |e| {
            e.reason = Some(serde_json::to_string(&op).unwrap_or_default());
        });
        let ev = Ev::NoAnswer {
            answering: answering as u32,
            target: target as u32,
        };
        self.schedule(answer_at_ms, ev);
    }

    /// The wait for a silent peer is over: the operation failed.
    pub(crate) fn no_answer(&mut self, answering: ServerId, target: ServerId) {
        let message = Refusal::NoAnswer {
            server: self.model.servers[target].name.clone(),
            answer_at_ms: self.now(),
        }
        .to_string();
        self.log_at(answering, EventKind::OperationFailed, |e| {
            e.peer = Some(target);
            e.reason = Some(message);
        });
    }
}
