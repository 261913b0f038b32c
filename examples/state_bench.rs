//! `serve --state` overhead and recovery time.
//!
//! ```sh
//! cargo run --release --example state_bench            # 3,000 ops, 1,000,000-input journal
//! cargo run --release --example state_bench -- 3000 200000
//! ```
//!
//! 1. Operations/s over HTTP (one keep-alive client, sequential) against a manual-clock
//!    server without `--state`, with `--state` and fsync per input, and `batch:64`.
//! 2. Recovery of a journal of N inputs written with the on-disk format: reading and
//!    checking the file, and replaying it into a `Sim` (what `serve --state` does at start).

use clustersim::host::journal::{replay, Journal};
use clustersim::host::{Running, ServeArgs};
use clustersim::persist::{FsyncPolicy, Record, Store};
use clustersim::sim::{Input, Operation};
use clustersim::Model;
use std::sync::Arc;
use std::time::Instant;

fn ops_per_sec(extra: &[&str], n: usize) -> f64 {
    let mut flags = vec!["--clock", "manual", "--listen", "127.0.0.1:0"];
    flags.extend_from_slice(extra);
    let run = Running::start(ServeArgs::from_flags(flags).expect("flags")).expect("starts");
    let base = format!("http://{}", run.addr());
    let agent = ureq::agent();
    use base64::Engine as _;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("user:password")
    );
    let t = Instant::now();
    for i in 0..n {
        let op = if i % 2 == 0 { "suspend" } else { "resume" };
        let r = agent
            .post(&format!("{base}/api/v1/cluster/{op}"))
            .set("Authorization", &auth)
            .call();
        if let Err(e) = r {
            panic!("request {i}: {e}");
        }
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_ops = args.first().copied().unwrap_or(3_000);
    let n_journal = args.get(1).copied().unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let d = |name: &str| dir.path().join(name).display().to_string();

    let plain = ops_per_sec(&[], n_ops);
    let every = ops_per_sec(&["--state", &d("every")], n_ops);
    let batch = ops_per_sec(
        &["--state", &d("batch"), "--state-fsync", "batch:64"],
        n_ops,
    );
    println!("operations/s ({n_ops} sequential POSTs): no --state {plain:.0}, --state every-input {every:.0}, --state batch:64 {batch:.0}");

    // The disk's own bound: appending ~80 bytes and fsyncing, in a loop.
    let raw = {
        use std::io::Write;
        let mut f = std::fs::File::create(dir.path().join("raw")).expect("file");
        let t = Instant::now();
        for _ in 0..200 {
            f.write_all(&[0u8; 80]).expect("write");
            f.sync_data().expect("fsync");
        }
        200.0 / t.elapsed().as_secs_f64()
    };
    println!("raw write+fsync/s on this disk: {raw:.0}");

    let model = Arc::new(Model::default_cluster());
    let header = Record::Header {
        model: Box::new(model.source.clone()),
        seed: 1,
        clock: "manual".into(),
        speed: 1.0,
    };
    let mut journal = Journal::new(1);
    for i in 0..n_journal as u64 {
        let op = if i % 2 == 0 {
            Operation::ClusterSuspend
        } else {
            Operation::ClusterResume
        };
        journal.record(i * 1_000, Input::Operation(op));
    }
    let big = dir.path().join("big");
    std::fs::create_dir_all(&big).expect("dir");
    let now = n_journal as u64 * 1_000;
    let records = clustersim::persist::records_of(header.clone(), &journal, now);
    let t = Instant::now();
    drop(Store::write_new(&big, &records, FsyncPolicy::EveryInput).expect("write"));
    let write = t.elapsed();
    let size = std::fs::metadata(big.join(clustersim::persist::JOURNAL_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    let t = Instant::now();
    let opened = Store::open(&big, &header, FsyncPolicy::EveryInput).expect("open");
    let state = opened.recovered.expect("recovered").state;
    let read = t.elapsed();
    let t = Instant::now();
    let sim = replay(model, &state.journal, state.now_ms);
    let replayed = t.elapsed();
    println!(
        "journal of {n_journal} inputs ({:.1} MB, written in {:.2} s): read+check {:.2} s, replay {:.2} s ({} events), recovery total {:.2} s",
        size as f64 / 1e6,
        write.as_secs_f64(),
        read.as_secs_f64(),
        replayed.as_secs_f64(),
        sim.events().len(),
        (read + replayed).as_secs_f64()
    );
}
