//! Recovery time of a `serve --state` directory whose journal holds N inputs, with the
//! snapshots `serve` writes (`--checkpoint-every`, default 1,000 inputs), against
//! replaying the same journal from zero.
//!
//! ```sh
//! cargo run --release --example recovery_bench                 # 1,000,000 inputs, every 1,000
//! cargo run --release --example recovery_bench -- 200000 1000
//! ```
//!
//! The directory is written as the engine writes it: each input appended to the
//! journal in the on-disk format, the in-memory log trimmed to the default retention,
//! and every K inputs the sim's state saved as a snapshot. The snapshots are placed so
//! the newest is followed by K-1 inputs (the worst case). Recovery is `Store::open`
//! (read the journal, check the newest snapshot against it, decode the records after
//! it) plus `replay` (restore the state, apply those records): what `serve` does at
//! start.

use clustersim::host::journal::{replay, Journal};
use clustersim::host::limits::EVENT_LOG_RETENTION;
use clustersim::persist::{FsyncPolicy, Record, Store};
use clustersim::sim::{Input, Operation, Sim};
use clustersim::Model;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let every = args.get(1).copied().unwrap_or(1_000).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let model = Arc::new(Model::default_cluster());
    let header = Record::Header {
        model: Box::new(model.source.clone()),
        seed: 1,
        clock: "manual".into(),
        speed: 1.0,
    };
    let t = Instant::now();
    let mut store = Store::write_new(
        dir.path(),
        std::slice::from_ref(&header),
        FsyncPolicy::Batch(1 << 20),
    )
    .expect("journal");
    let mut sim = Sim::new(model.clone(), 1);
    let mut journal = Journal::new(1);
    let mut snapshots = 0;
    for i in 0..n {
        let op = if i % 2 == 0 {
            Operation::ClusterSuspend
        } else {
            Operation::ClusterResume
        };
        let at_ms = i * 1_000;
        sim.run_until(at_ms);
        let input = Input::Operation(op);
        let r = Record::Input {
            at_ms,
            input: input.clone(),
            from: None,
        };
        store.append(&r, true).expect("append");
        journal.record(at_ms, input.clone());
        let _ = sim.apply(input);
        sim.trim_log(EVENT_LOG_RETENTION);
        if i % every == 0 {
            journal.checkpoint(sim.now(), sim.save_state());
            store
                .snapshot(1.0, journal.base.as_ref().expect("checkpoint"))
                .expect("snapshot");
            snapshots += 1;
        }
    }
    let now = n * 1_000;
    store
        .append(&Record::Clock { now_ms: now }, true)
        .expect("clock");
    drop(store);
    let written = t.elapsed();
    let path = dir.path().join(clustersim::persist::JOURNAL_FILE);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let snap_size = clustersim::persist::snapshot::list(dir.path())
        .first()
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or(0, |m| m.len());

    let t = Instant::now();
    let opened = Store::open(dir.path(), &header, FsyncPolicy::EveryInput).expect("open");
    let rec = opened.recovered.expect("recovered");
    let read = t.elapsed();
    let t = Instant::now();
    let back = replay(model.clone(), &rec.state.journal, rec.state.now_ms);
    let replayed = t.elapsed();
    assert!(rec.snapshot.is_some(), "recovery used a snapshot");
    assert_eq!(back.now(), now);
    assert_eq!(back.events().last(), sim.events().last(), "same log end");
    println!(
        "journal of {n} inputs ({:.1} MB, {snapshots} snapshots of {:.2} MB, written in {:.1} s): \
         with snapshots: open (read + check + decode {} records after the snapshot) {:.3} s, \
         restore + replay {:.3} s, recovery total {:.3} s",
        size as f64 / 1e6,
        snap_size as f64 / 1e6,
        written.as_secs_f64(),
        rec.records - 1,
        read.as_secs_f64(),
        replayed.as_secs_f64(),
        (read + replayed).as_secs_f64()
    );

    let t = Instant::now();
    let whole = clustersim::persist::read_dir(dir.path()).expect("read");
    let read0 = t.elapsed();
    let t = Instant::now();
    let zero = replay(model, &whole.state.journal, whole.state.now_ms);
    let replayed0 = t.elapsed();
    assert_eq!(zero.events().last(), back.events().last());
    println!(
        "the same journal from zero: read + decode {:.3} s, replay {:.3} s, total {:.3} s",
        read0.as_secs_f64(),
        replayed0.as_secs_f64(),
        (read0 + replayed0).as_secs_f64()
    );
}
