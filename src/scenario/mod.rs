//! Scripted fault scenarios: a YAML timeline of operations, faults, heals and triggers
//! in virtual time, with expectations checked against the engine's views and event log.
//!
//! - `file`: the format and its checks (a broken file is one line naming file, step, field)
//! - `timeline` / `runner`: the steps and the run of one scenario on a `Sim`
//! - `expect` / `pattern`: expectations and event patterns
//! - `explain`, `report`, `junit`: what a run says to people and to CI
//! - `cli`: `clustersim run PATH...`

pub mod cli;
mod error;
pub mod expect;
pub mod explain;
pub mod file;
mod fold;
mod jobs;
pub mod junit;
pub mod pattern;
pub mod report;
mod report_page;
pub mod runner;
pub mod timeline;

pub use cli::{run_cli, run_to, RunArgs};
pub use error::ScenarioError;
pub use file::{load, parse, Scenario};
pub use runner::{run, run_judged, run_kept, Failure, Keep, Outcome, Verdict};
