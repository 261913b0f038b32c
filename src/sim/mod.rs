//! The simulation core: a single-threaded, deterministic discrete-event engine that
//! plays the EXPRESSCLUSTER X behaviour over a [`Model`].
//!
//! It reads no wall clock, draws randomness only from one seeded ChaCha generator, and
//! keeps all state in vectors and ordered maps, so the same model, seed and inputs give
//! the same event log byte for byte. It knows nothing of HTTP, tokio or files.

pub mod alert;
pub mod event;
pub mod input;
pub mod queue;
pub mod view;

pub use event::{Arg, Event, EventKind};
pub use input::{CheckResult, FaultId, FaultKind, FaultSpec, Input, InputError, Operation};
pub use view::{status, ClusterView};

use crate::model::Model;
use std::sync::Arc;

/// How heartbeats are simulated. `Lazy` costs events only when connectivity changes;
/// `Naive` sends every heartbeat as an event and exists to check `Lazy` against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeartbeatModel {
    #[default]
    Lazy,
    Naive,
}

/// A fault as listed by `GET /sim/v1/faults`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FaultInfo {
    pub id: FaultId,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// `scheduled` or `active`.
    pub state: &'static str,
    pub start_ms: u64,
    pub end_ms: Option<u64>,
}

/// What `Sim::apply` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Operation,
    Fault(FaultId),
    Healed,
}

mod api_skeleton {
    use super::*;

    /// The simulator. See the module docs.
    pub struct Sim {
        pub(crate) model: Arc<Model>,
        pub(crate) seed: u64,
    }

    impl Sim {
        /// A simulation of `model` driven by `seed`, in the model's initial state at t=0.
        pub fn new(model: Arc<Model>, seed: u64) -> Sim {
            Sim::with_heartbeat_model(model, seed, HeartbeatModel::Lazy)
        }
        pub fn with_heartbeat_model(model: Arc<Model>, seed: u64, _hb: HeartbeatModel) -> Sim {
            Sim { model, seed }
        }
        pub fn model(&self) -> &Arc<Model> {
            &self.model
        }
        pub fn seed(&self) -> u64 {
            self.seed
        }
        /// Virtual time in ms.
        pub fn now(&self) -> u64 {
            todo!()
        }
        /// Applies an input at the current virtual time.
        pub fn apply(&mut self, _input: Input) -> Result<Applied, InputError> {
            todo!()
        }
        /// An operator operation, now. Refused with a message when it cannot be done.
        pub fn operate(&mut self, _op: Operation) -> Result<(), InputError> {
            todo!()
        }
        /// Injects a fault (at `at_ms` if given and in the future, else now).
        pub fn inject(&mut self, _fault: FaultSpec) -> Result<FaultId, InputError> {
            todo!()
        }
        /// Heals an active fault, or cancels a scheduled one.
        pub fn heal(&mut self, _id: FaultId) -> Result<(), InputError> {
            todo!()
        }
        /// Active and scheduled faults, by id.
        pub fn faults(&self) -> Vec<FaultInfo> {
            todo!()
        }
        /// Processes every event with time <= `t_ms`, then sets the clock to `t_ms`.
        /// Returns the number of engine events processed.
        pub fn run_until(&mut self, _t_ms: u64) -> u64 {
            todo!()
        }
        /// Processes the next event, if any; false when the queue is empty.
        pub fn step(&mut self) -> bool {
            todo!()
        }
        pub fn next_event_time(&self) -> Option<u64> {
            todo!()
        }
        /// The whole event log.
        pub fn events(&self) -> &[Event] {
            todo!()
        }
        /// The cluster as the first running server (by priority) sees it.
        pub fn view(&self) -> ClusterView {
            todo!()
        }
        /// The cluster as `server` sees it.
        pub fn view_from(&self, _server: usize) -> ClusterView {
            todo!()
        }
        /// Whether an operator operation is still in progress.
        pub fn busy(&self) -> bool {
            todo!()
        }
    }
}
pub use api_skeleton::Sim;
