//! `from: snapshot.json`: a scenario that starts where a live session was. The file
//! is one `GET /sim/v1/snapshot` answered (cluster file, seed, journal, virtual time);
//! the run replays it (or restores its checkpoint) and goes on with the scenario's
//! steps, whose times are absolute virtual times and so must not lie before it.
//! Expectations judge the whole log, the snapshot's history included.

use crate::host::journal::Journal;
use crate::host::state_api::{check_snapshot, SnapshotFile};
use crate::model::{Millis, Model};
use crate::scenario::error::ScenarioError;
use crate::scenario::timeline::{Step, Timing};
use std::path::Path;
use std::sync::Arc;

/// A snapshot read for a scenario.
#[derive(Debug)]
pub struct FromSnapshot {
    /// The path as resolved (relative to the scenario's directory).
    pub file: String,
    pub model: Arc<Model>,
    pub journal: Journal,
    pub now_ms: u64,
}

/// Reads `path` (relative to `dir`, the scenario's directory) as a snapshot file.
pub fn load(path: &str, file: &str, dir: &Path) -> Result<FromSnapshot, ScenarioError> {
    let full = dir.join(path);
    let bad = |m: String| ScenarioError::new(file, "from", format!("{}: {m}", full.display()));
    let text = std::fs::read_to_string(&full).map_err(|e| bad(format!("cannot read: {e}")))?;
    crate::model::limits::check_size(&text).map_err(|e| bad(e.problem))?;
    let snap: SnapshotFile =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a snapshot file: {e}")))?;
    check_snapshot(&snap).map_err(bad)?;
    let origin = full.display().to_string();
    let model = Model::from_file(snap.cluster, &origin).map_err(|errs| {
        let v: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        bad(format!("its cluster file: {}", v.join("; ")))
    })?;
    Ok(FromSnapshot {
        file: origin,
        model: Arc::new(model),
        journal: snap.journal,
        now_ms: snap.now_ms,
    })
}

/// Steps at fixed times and `end` must not lie before the snapshot's time.
pub fn check_times(
    f: &FromSnapshot,
    steps: &[Step],
    end: Option<Millis>,
) -> Result<(), (String, String)> {
    let before = |t: u64| {
        format!(
            "{t} ms is before the snapshot's virtual time ({} ms); times are absolute",
            f.now_ms
        )
    };
    for (i, s) in steps.iter().enumerate() {
        if let Timing::At(t) = s.timing {
            if t < f.now_ms {
                return Err((format!("steps[{i}].at"), before(t)));
            }
        }
    }
    match end {
        Some(Millis(t)) if t < f.now_ms => Err(("end".into(), before(t))),
        _ => Ok(()),
    }
}
