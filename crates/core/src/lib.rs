//! The simulation core: a single-threaded, deterministic discrete-event engine that
//! plays the EXPRESSCLUSTER X behaviour over a [`Model`]. It runs on the product-neutral
//! kernel (`crate::kernel`: clock, queue, log), asks the environment (`env`: faults and
//! the links they hold down) what the world does, and keeps the product's state in one
//! struct per behaviour module (membership, groups, monitors, ...).
//!
//! It reads no wall clock, draws randomness only from one seeded ChaCha generator, and
//! keeps all state in vectors and ordered maps, so the same model, seed and inputs give
//! the same event log byte for byte. It knows nothing of HTTP, tokio or files.
//! It depends on the `clustersim-kernel` and `clustersim-model` crates only.

// The lower crates under the module names the core's files use (`crate::model::...`).
pub(crate) use clustersim_kernel as kernel;
pub use clustersim_model as model;

pub mod alert;
mod engine;
mod env;
pub mod event;
mod fault;
mod group;
mod group_failure;
mod group_state;
mod heartbeat;
pub mod input;
mod knowledge;
mod lifecycle;
mod membership;
pub mod mirror;
mod mirror_action;
mod monitor;
mod monitor_recovery;
mod monitor_slots;
pub mod names;
mod ops;
mod pairs;
mod power;
mod reach;
mod reconfig;
pub mod refusal;
pub mod rolling;
mod snapshot;
pub mod state_codec;
pub mod view;

pub use engine::Sim;
pub use event::{Arg, Event, EventKind};
pub use input::{
    CheckResult, FaultId, FaultKind, FaultSpec, Input, InputError, Operation, PowerAction,
};
pub use power::PowerState;
pub use refusal::Refusal;
pub use rolling::{RollingKind, RollingRecord, RollingStatus};
pub use view::{status, ClusterView};

/// How heartbeats are simulated. `Lazy` costs events only when connectivity changes;
/// `Naive` sends every heartbeat as an event and exists to check `Lazy` against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HeartbeatModel {
    #[default]
    Lazy,
    Naive,
}

/// A fault as listed by `GET /sim/v1/faults`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FaultInfo {
    pub id: FaultId,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// `scheduled`, `active` or `ended`.
    #[schemars(with = "FaultState")]
    pub state: &'static str,
    pub start_ms: u64,
    pub end_ms: Option<u64>,
    /// Why an `ended` fault ended: `healed`, `cancelled` (healed before it started),
    /// `expired` (its duration) or `fired` (a one-shot failure that has happened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<&'static str>,
}

/// Whether a listed fault is waiting for its `at_ms`, in effect, or over (healed,
/// expired, or a one-shot failure that fired).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum FaultState {
    Scheduled,
    Active,
    Ended,
}

/// What `Sim::apply` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Operation,
    Fault(FaultId),
    Healed,
}

#[cfg(test)]
mod rolling_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_monitors;
#[cfg(test)]
mod tests_partition;
