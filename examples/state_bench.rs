//! `serve --state` overhead and recovery time.
//!
//! ```sh
//! cargo run --release --example state_bench            # 3,000 ops, 1,000,000-input journal, 32 clients
//! cargo run --release --example state_bench -- 3000 200000 16
//! ```
//!
//! 1. Operations/s over HTTP against a manual-clock server without `--state`, with
//!    `--state` and fsync per input (group commit), and `batch:64`: first one
//!    sequential keep-alive client, then N concurrent ones.
//! 2. Recovery of a journal of N inputs written with the on-disk format: reading and
//!    checking the file, and replaying it into a `Sim` (what `serve --state` does at start).

use clustersim::host::journal::{replay, Journal};
use clustersim::host::{Running, ServeArgs};
use clustersim::persist::{FsyncPolicy, Record, Store};
use clustersim::sim::{Input, Operation};
use clustersim::Model;
use std::sync::Arc;
use std::time::Instant;

/// Operations/s of `clients` keep-alive clients, each posting `n / clients`
/// suspend/resume pairs one after the other, all at the same time.
fn ops_per_sec(extra: &[&str], n: usize, clients: usize) -> f64 {
    let mut flags = vec!["--clock", "manual", "--listen", "127.0.0.1:0"];
    flags.extend_from_slice(extra);
    let run = Running::start(ServeArgs::from_flags(flags).expect("flags")).expect("starts");
    let base = format!("http://{}", run.addr());
    use base64::Engine as _;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("user:password")
    );
    let per = n / clients;
    let t = Instant::now();
    std::thread::scope(|s| {
        for c in 0..clients {
            let (base, auth) = (&base, &auth);
            s.spawn(move || {
                let agent = ureq::agent();
                for i in 0..per {
                    let op = if i % 2 == 0 { "suspend" } else { "resume" };
                    // A refusal (the other clients' suspend came first) is an answered,
                    // journaled input too.
                    match agent
                        .post(&format!("{base}/api/v1/cluster/{op}"))
                        .set("Authorization", auth)
                        .call()
                    {
                        Ok(_) | Err(ureq::Error::Status(..)) => {}
                        Err(e) => panic!("client {c} request {i}: {e}"),
                    }
                }
            });
        }
    });
    (per * clients) as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_ops = args.first().copied().unwrap_or(3_000);
    let n_journal = args.get(1).copied().unwrap_or(1_000_000);
    let clients = args.get(2).copied().unwrap_or(32).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let d = |name: &str| dir.path().join(name).display().to_string();

    for clients in [1, clients] {
        let plain = ops_per_sec(&[], n_ops, clients);
        let every = ops_per_sec(&["--state", &d(&format!("every{clients}"))], n_ops, clients);
        let batch = ops_per_sec(
            &[
                "--state",
                &d(&format!("batch{clients}")),
                "--state-fsync",
                "batch:64",
            ],
            n_ops,
            clients,
        );
        println!("operations/s ({n_ops} POSTs, {clients} concurrent clients): no --state {plain:.0}, --state every-input {every:.0}, --state batch:64 {batch:.0}");
    }

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
