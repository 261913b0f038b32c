//! `clustersim hunt`: search fault schedules for one that breaks a stated property of a
//! cluster, shrink it to a minimal one, and write it as a scenario whose expectation
//! fails under `clustersim run`.
//!
//! - `property`: the property (short forms, or an expectation of the scenario language)
//! - `vocab`: the faults drawn from, the window, the durations, the decision points
//! - `search`: schedule `i` of a hunt, run as a scenario; the parallel search
//! - `shrink`: fewer faults, shorter, earlier; `write`: the scenario file
//! - `cli`, `merge`: the command and the join of shard parts

pub mod cli;
pub mod error;
mod faults;
mod merge;
pub mod property;
pub mod search;
pub mod shrink;
pub mod vocab;
pub mod write;

pub use cli::{run_cli, HuntArgs};
pub use error::HuntError;
