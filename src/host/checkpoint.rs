//! Journal checkpoints and state snapshots (#13). Every `--checkpoint-every` inputs
//! the engine saves the sim's whole state (`Sim::save_state`) in place of the inputs
//! before it, so the in-memory journal stays bounded (replay, fork and panic restore
//! start from the checkpoint). With `--state DIR` the same state is also written as
//! `DIR/snapshot-<offset>.css` (`persist::snapshot`), and also every
//! `--snapshot-every` of virtual time when inputs are rare, so recovery restores it
//! and replays only the journal after it.
//!
//! Inputs before the checkpoint stay on disk with `--state` (the journal is
//! append-only): `GET /sim/v1/journal`, `/sim/v1/snapshot`, `record` and fork at an
//! earlier time read them from there. Without `--state` they are gone: fork before
//! the checkpoint and recording the session are refused with a message saying so;
//! `GET /sim/v1/snapshot` still works (it carries the checkpoint's state).

use super::journal::Journal;
use super::state::Durable;
use crate::sim::Sim;
use std::time::{Duration, Instant};

/// Default of `--checkpoint-every`: inputs between checkpoints (0: never).
pub const CHECKPOINT_EVERY_INPUTS: u64 = 1_000;
/// Default of `--snapshot-every`: virtual time between snapshots on disk when fewer
/// inputs than `--checkpoint-every` arrive meanwhile (0: only by inputs).
pub const SNAPSHOT_EVERY_MS: u64 = 3_600_000;
/// A time-triggered snapshot waits at least this long (wall time) after the last one,
/// so a fast realtime clock does not turn snapshots into the engine's main work.
pub const SNAPSHOT_MIN_GAP: Duration = Duration::from_secs(1);

/// When the next checkpoint is due.
#[derive(Debug)]
pub struct Cadence {
    pub every_inputs: u64,
    pub every_ms: u64,
    last_ms: u64,
    last_wall: Instant,
}

impl Cadence {
    pub fn new(every_inputs: u64, every_ms: u64, now_ms: u64) -> Cadence {
        super::memory::map_large_allocations();
        Cadence {
            every_inputs,
            every_ms,
            last_ms: now_ms,
            last_wall: Instant::now(),
        }
    }

    /// The clock was set back (reset, restore): count from there.
    pub fn restart(&mut self, now_ms: u64) {
        self.last_ms = now_ms;
    }

    fn due(&self, journal: &Journal, now_ms: u64, on_disk: bool) -> bool {
        let inputs = journal.entries.len() as u64;
        let by_inputs = self.every_inputs > 0 && inputs >= self.every_inputs;
        let by_time = on_disk
            && self.every_ms > 0
            && now_ms.saturating_sub(self.last_ms) >= self.every_ms
            && self.last_wall.elapsed() >= SNAPSHOT_MIN_GAP;
        by_inputs || by_time
    }

    /// Checkpoints `journal` at the sim's state if one is due; with `durable`, writes
    /// the snapshot too (a failure is named on stderr: the journal alone still
    /// recovers everything).
    pub fn maybe_take(
        &mut self,
        name: &str,
        sim: &Sim,
        journal: &mut Journal,
        durable: Option<&Durable>,
        speed: f64,
    ) {
        if !self.due(journal, sim.now(), durable.is_some()) {
            return;
        }
        journal.checkpoint(sim.now(), sim.save_state());
        self.last_ms = sim.now();
        self.last_wall = Instant::now();
        if let (Some(d), Some(cp)) = (durable, &journal.base) {
            if let Err(e) = d.snapshot(speed, cp) {
                eprintln!("clustersim: cluster {name:?}: state snapshot not written: {e}");
            }
        }
    }
}
