//! Schedules per second per core of `clustersim hunt` on the two-node cluster without
//! a resolver (`never both-active`, every fault kind, at most 2 faults, the CLI's
//! defaults): one thread, each schedule run as the hunt runs it.
//!
//! `cargo run --release --example hunt_speed [N]`

use clustersim::hunt::property::Property;
use clustersim::hunt::search::{Hunt, Mode};
use clustersim::hunt::vocab::{VocabSpec, Vocabulary};
use clustersim::model::Model;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/clusters/two-node-no-resolver.yaml"
    );
    let text = std::fs::read_to_string(path).expect("the cluster file");
    let model = Model::from_yaml(&text, path).expect("a valid cluster");
    let spec = VocabSpec {
        faults: 2,
        window: "10s..5m".into(),
        durations: "3s..5m,forever".into(),
        ..VocabSpec::default()
    };
    let vocab = Vocabulary::build(&model, &spec).expect("a vocabulary");
    let property = Property::parse("never both-active", &model).expect("a property");
    let hunt = Hunt::new(Arc::new(model), vec![property], vocab, Mode::Random, 1).expect("a hunt");
    let started = Instant::now();
    let mut broke = 0u64;
    for i in 0..n {
        let s = hunt.candidate(i).unwrap_or_default();
        broke += u64::from(hunt.run(&s).is_some());
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{n} schedules in {secs:.2} s on one thread: {:.0} schedules/s ({broke} broke the property)",
        n as f64 / secs
    );
}
