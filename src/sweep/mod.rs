//! Failover-policy experiments at scale: a sweep file names a base (a scenario or a
//! synthetic cluster under a fault load), factors (settings varied over lists or
//! ranges) and seeds; `clustersim sweep` runs every point under every seed across the
//! cores and streams one row per run, in run order, with constant memory.
//!
//! - `file`: the format; `plan`: run index -> point, seed, overrides; `hash`: the sweep id
//! - `metrics`: what a row measures; `row`: one run and its line
//! - `exec`: worker threads and the bounded reorder buffer; `stats`/`summary`: statistics
//! - `merge`: shard outputs into one file; `report`/`figures`/`bootstrap`: the HTML page
//! - `cli`: `clustersim sweep ...`

pub mod bootstrap;
pub mod cli;
pub mod double;
pub mod exec;
mod figures;
pub mod file;
pub mod hash;
pub mod merge;
pub mod metrics;
mod page;
pub mod plan;
pub mod replay;
pub mod report;
pub mod row;
pub mod stats;
pub mod summary;

pub use cli::{run_cli, SweepArgs};
pub use plan::Plan;

/// The JSON Schema of sweep files, generated from [`file::SweepFile`].
pub fn schema() -> String {
    let schema = schemars::schema_for!(file::SweepFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_schema_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweep.schema.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            committed.trim_end(),
            super::schema(),
            "scenarios/sweep.schema.json is stale: run `clustersim sweep schema > scenarios/sweep.schema.json`"
        );
    }
}
