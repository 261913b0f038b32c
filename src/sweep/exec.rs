//! Runs a plan's runs on worker threads and hands the rows back in run order. Workers
//! claim runs from a shared counter; a run more than [`WINDOW`] ahead of the next row to
//! emit waits, so the reorder buffer (and memory) stays bounded whatever the number of
//! runs. Each worker keeps the variant of the last point it ran (runs of a point are
//! consecutive), so a point's cluster is built about once per worker.

use super::plan::{Plan, Variant};
use super::row::{run_one, RunRow};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Condvar, Mutex};

/// Rows that may be finished ahead of the next one emitted.
pub const WINDOW: u64 = 4096;
/// Runs a worker claims at once.
const CHUNK: u64 = 8;

/// Which runs of the plan to do: `count` runs `first + k * step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    pub first: u64,
    pub step: u64,
    pub count: u64,
}

impl Slice {
    /// Shard `i` of `n` of `runs` runs: every `n`-th run from `i` (strided, so that each
    /// shard gets its share of every point).
    pub fn shard(i: u64, n: u64, runs: u64) -> Slice {
        let count = if i < runs { (runs - i).div_ceil(n) } else { 0 };
        Slice {
            first: i,
            step: n,
            count,
        }
    }
    pub fn run(&self, k: u64) -> u64 {
        self.first + k * self.step
    }
}

/// Runs `slice` on `threads` threads; `emit` gets every row in order. Stops at the first
/// point that cannot be built, or when `emit` fails.
pub fn execute(
    plan: &Plan,
    slice: Slice,
    threads: usize,
    mut emit: impl FnMut(RunRow) -> Result<(), String>,
) -> Result<(), String> {
    let threads = threads.clamp(1, slice.count.clamp(1, 1024) as usize);
    let next = AtomicU64::new(0);
    let abort = AtomicBool::new(false);
    let gate = (Mutex::new(0u64), Condvar::new());
    let (tx, rx) = sync_channel::<(u64, Result<RunRow, String>)>(WINDOW as usize);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, abort, gate) = (&next, &abort, &gate);
            scope.spawn(move || worker(plan, slice, next, abort, gate, tx));
        }
        drop(tx);
        let mut pending: BTreeMap<u64, Result<RunRow, String>> = BTreeMap::new();
        let mut written = 0u64;
        let mut result = Ok(());
        while written < slice.count {
            let Ok((k, row)) = rx.recv() else { break };
            pending.insert(k, row);
            while let Some(row) = pending.remove(&written) {
                result = row.and_then(&mut emit);
                written += 1;
                if result.is_err() {
                    break;
                }
            }
            if result.is_err() {
                break;
            }
            *gate.0.lock().unwrap_or_else(|p| p.into_inner()) = written;
            gate.1.notify_all();
        }
        if result.is_ok() && written < slice.count {
            result = Err("a worker stopped before the sweep was done".into());
        }
        {
            // Under the lock, so that no worker misses the wake-up.
            let _held = gate.0.lock().unwrap_or_else(|p| p.into_inner());
            abort.store(true, Ordering::Relaxed);
        }
        gate.1.notify_all();
        drop(rx);
        result
    })
}

fn worker(
    plan: &Plan,
    slice: Slice,
    next: &AtomicU64,
    abort: &AtomicBool,
    gate: &(Mutex<u64>, Condvar),
    tx: std::sync::mpsc::SyncSender<(u64, Result<RunRow, String>)>,
) {
    let mut cache: Option<(u64, Arc<Variant>)> = None;
    loop {
        let from = next.fetch_add(CHUNK, Ordering::Relaxed);
        if from >= slice.count {
            return;
        }
        for k in from..(from + CHUNK).min(slice.count) {
            {
                let mut written = gate.0.lock().unwrap_or_else(|p| p.into_inner());
                while k >= *written + WINDOW && !abort.load(Ordering::Relaxed) {
                    written = gate.1.wait(written).unwrap_or_else(|p| p.into_inner());
                }
            }
            if abort.load(Ordering::Relaxed) {
                return;
            }
            let r = slice.run(k);
            let (point, _) = plan.locate(r);
            let variant = match &cache {
                Some((p, v)) if *p == point => Ok(v.clone()),
                _ => plan.variant(point).map(Arc::new),
            };
            let row = variant.map(|v| {
                cache = Some((point, v.clone()));
                run_one(plan, &v, r)
            });
            if tx.send((k, row)).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_runs() {
        let runs = 10;
        let mut all: Vec<u64> = (0..4)
            .flat_map(|i| {
                let s = Slice::shard(i, 4, runs);
                (0..s.count).map(move |k| s.run(k))
            })
            .collect();
        all.sort();
        assert_eq!(all, (0..runs).collect::<Vec<_>>());
        assert_eq!(Slice::shard(5, 8, 3).count, 0);
    }
}
