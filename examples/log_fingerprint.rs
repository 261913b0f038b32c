//! Log fingerprints: runs N random small clusters under random faults and operations
//! (the shapes of `tests/no_double_activation.rs` and `tests/properties.rs`, plus
//! every operation kind, operations judged by random answering servers, and the lazy
//! and naive heartbeat models) and prints one hash per case of everything the core
//! says: each event as JSON, each input's answer (refusal messages included) and the
//! final view from every server.
//!
//! A refactoring of `crates/core` that must not change behaviour is checked by diffing
//! this output before and after:
//! `cargo run --release --example log_fingerprint -- 3000 > before.txt`.
//! Deterministic: the cases come from a ChaCha8 stream seeded by the case number.

use clustersim::model::Millis;
use clustersim::sim::{
    CheckResult, FaultKind, FaultSpec, HeartbeatModel, Input, InputError, Operation, PowerAction,
    Sim,
};
use clustersim::synth::{drive, FaultLoad, SynthSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

// The random clusters of the property tests: one generator, so the fingerprints
// cover the clusters the properties check.
#[path = "../tests/support/mod.rs"]
mod support;
use support::{Resolver, Setup};

fn partition(s: &Setup, rng: &mut ChaCha8Rng, oneway: bool) -> FaultKind {
    let k = rng.gen_range(2..=3);
    let mut sides = vec![Vec::new(); k];
    for i in 0..s.servers {
        sides[rng.gen_range(0..k)].push(format!("s{i}"));
    }
    sides.retain(|x| !x.is_empty());
    if sides.len() < 2 {
        let moved = sides[0].pop().expect("two or more servers");
        sides.push(vec![moved]);
    }
    if s.resolver == Resolver::Ping {
        let at = rng.gen_range(0..sides.len());
        sides[at].push("np".into());
    }
    let paths = (rng.gen_range(0..3) == 0 && s.paths > 1).then(|| vec!["hb0".to_string()]);
    FaultKind::Partition {
        sides,
        paths,
        oneway,
    }
}

fn fault(s: &Setup, rng: &mut ChaCha8Rng) -> FaultKind {
    let a = format!("s{}", rng.gen_range(0..s.servers));
    let b = format!("s{}", rng.gen_range(0..s.servers));
    let g = rng.gen_range(0..s.groups);
    match rng.gen_range(0..11) {
        0 => FaultKind::ServerCrash { server: a },
        1 => FaultKind::ServerHang { server: a },
        2 => FaultKind::HeartbeatPathDown {
            server: a,
            path: format!("hb{}", rng.gen_range(0..s.paths)),
        },
        3 => partition(s, rng, false),
        4 => partition(s, rng, true),
        5 if s.resolver == Resolver::Ping => FaultKind::ResolverTargetDown {
            resolver: "np".into(),
        },
        5 => FaultKind::ServerCrash { server: b },
        6 => FaultKind::MonitorResult {
            monitor: format!("mon{g}"),
            server: rng.gen_bool(0.5).then_some(b),
            result: if rng.gen_bool(0.8) {
                CheckResult::Error
            } else {
                CheckResult::Caution
            },
        },
        7 => FaultKind::ActivationFailure {
            resource: format!("app{g}"),
            server: b,
            times: rng.gen_bool(0.6).then(|| rng.gen_range(1..3)),
        },
        8 => FaultKind::DeactivationFailure {
            resource: format!("app{g}"),
            server: a,
            times: Some(1),
        },
        9 => FaultKind::ResourceFailure {
            resource: format!("ip{g}"),
            server: a,
        },
        _ => FaultKind::ActivationFailure {
            resource: format!("ip{g}"),
            server: a,
            times: None,
        },
    }
}

/// Any operation, with names that are sometimes wrong, so refusals are exercised.
fn operation(s: &Setup, rng: &mut ChaCha8Rng) -> Operation {
    let name = |rng: &mut ChaCha8Rng, p: &str, n: usize| {
        if rng.gen_range(0..20) == 0 {
            format!("{p}x")
        } else {
            format!("{p}{}", rng.gen_range(0..n))
        }
    };
    let a = name(rng, "s", s.servers);
    let g = name(rng, "g", s.groups);
    let opt = |rng: &mut ChaCha8Rng, v: String| rng.gen_bool(0.5).then_some(v);
    let t = name(rng, "s", s.servers);
    let t = opt(rng, t);
    match rng.gen_range(0..26) {
        0 => Operation::ClusterStart,
        1 => Operation::ClusterStop,
        2 => Operation::ClusterReboot,
        3 => Operation::ClusterSuspend,
        4 => Operation::ClusterResume,
        5 => Operation::ServerStart { server: a },
        6 => Operation::ServerStop { server: a },
        7 => Operation::ServerReboot { server: a },
        8 => Operation::ServerShutdown { server: a },
        9 | 10 => Operation::GroupStart {
            group: opt(rng, g),
            target: t,
        },
        11 => Operation::GroupStop {
            group: opt(rng, g),
            target: t,
        },
        12 | 13 => Operation::GroupMove {
            group: g,
            target: t,
        },
        14 => Operation::ResourceStart {
            resource: name(rng, "app", s.groups),
            target: t,
        },
        15 => Operation::ResourceStop {
            resource: name(rng, "ip", s.groups),
        },
        16 => Operation::MonitorSuspend {
            monitor: name(rng, "mon", s.groups),
            target: t,
        },
        17 => Operation::MonitorResume {
            monitor: name(rng, "mon", s.groups),
            target: t,
        },
        18 => Operation::SetTimeoutRatio {
            ratio: rng.gen_range(1..4),
            duration_ms: rng.gen_bool(0.8).then(|| rng.gen_range(1_000..100_000)),
        },
        19 => Operation::ResetTimeoutRatio,
        20 => Operation::ServerDummyFailureStart { server: a },
        21 => Operation::ServerDummyFailureStop { server: a },
        22 => Operation::MonitorDummyFailureStart {
            monitor: name(rng, "mon", s.groups),
            target: t,
        },
        23 => Operation::MonitorDummyFailureStop {
            monitor: name(rng, "mon", s.groups),
            target: t,
        },
        24 => Operation::Power {
            server: a,
            action: [
                PowerAction::On,
                PowerAction::Off,
                PowerAction::Softoff,
                PowerAction::Reset,
                PowerAction::Cycle,
                PowerAction::Boot,
            ][rng.gen_range(0..6)],
        },
        _ => Operation::Maintenance {
            server: a,
            on: rng.gen_bool(0.5),
        },
    }
}

const END_MS: u64 = 700_000;

/// An input's answer as text: a refusal by its message (its reason's words, whatever
/// type carries them), anything else as `Debug` shows it.
fn answer<T: std::fmt::Debug>(r: &Result<T, InputError>) -> String {
    match r {
        Err(InputError::Refused(why)) => format!("Err(Refused({:?}))", why.to_string()),
        other => format!("{other:?}"),
    }
}

/// One case: its hash over events, answers and final views, and its event count.
fn case(i: u64) -> (u64, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(i);
    let s = Setup {
        servers: rng.gen_range(2..=5),
        paths: rng.gen_range(1..=2),
        resolver: [Resolver::None, Resolver::Ping, Resolver::Majority]
            [rng.gen_range(0..3u8) as usize],
        groups: rng.gen_range(1..=3),
        interval_s: rng.gen_range(1..=3),
    };
    let model = s.model();
    let hb = if i % 7 == 3 {
        HeartbeatModel::Naive
    } else {
        HeartbeatModel::Lazy
    };
    let mut sim = Sim::with_heartbeat_model(model.clone(), rng.gen(), hb);
    sim.set_check_invariants(true);
    let mut h = DefaultHasher::new();
    let mut ops: Vec<(u64, Option<usize>, Input)> = Vec::new();
    for _ in 0..rng.gen_range(0..10) {
        let at = rng.gen_range(0..300_000);
        if rng.gen_bool(0.5) {
            let spec = FaultSpec {
                kind: fault(&s, &mut rng),
                at_ms: Some(at),
                duration_ms: rng.gen_bool(0.9).then(|| rng.gen_range(1..200_000)),
            };
            answer(&sim.inject(spec)).hash(&mut h);
        } else {
            let from = rng.gen_bool(0.5).then(|| rng.gen_range(0..s.servers));
            let input = match rng.gen_range(0..10) {
                0 => Input::Heal {
                    heal: rng.gen_range(1..4),
                },
                _ => Input::Operation(operation(&s, &mut rng)),
            };
            ops.push((at, from, input));
        }
    }
    ops.sort_by_key(|(t, _, _)| *t);
    for (t, from, input) in ops {
        sim.run_until(t);
        let r = match (from, input) {
            (Some(f), Input::Operation(op)) => answer(&sim.operate_from(f, op)),
            (_, input) => answer(&sim.apply(input)),
        };
        (t, r).hash(&mut h);
    }
    sim.run_until(END_MS);
    for e in sim.events() {
        e.to_json(&model).to_string().hash(&mut h);
    }
    format!("{:?}", sim.faults()).hash(&mut h);
    for v in 0..s.servers {
        serde_json::to_string(&sim.view_from(v))
            .expect("view serializes")
            .hash(&mut h);
    }
    (sim.events().len(), sim.processed()).hash(&mut h);
    (h.finish(), sim.events().len())
}

/// A synthetic cluster under the seeded fault load (crashes, hangs, power cycles,
/// partitions and the load's own healing operations).
fn synth_case(k: u64) -> (u64, usize) {
    let spec = SynthSpec {
        servers: 3 + (k % 6) as usize,
        groups: 2 + (k % 4) as usize,
        policy_width: 3,
        ..SynthSpec::default()
    };
    let model = Arc::new(spec.model().expect("valid synthetic cluster"));
    let mut sim = Sim::new(model.clone(), k);
    sim.set_check_invariants(true);
    let mut load = FaultLoad::new(k, Millis::secs(20), &model);
    drive(&mut sim, &mut load, 3_600_000);
    let mut h = DefaultHasher::new();
    for e in sim.events() {
        e.to_json(&model).to_string().hash(&mut h);
    }
    serde_json::to_string(&sim.view())
        .expect("view serializes")
        .hash(&mut h);
    (h.finish(), sim.events().len())
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let mut all = DefaultHasher::new();
    let mut events = 0;
    for i in 0..n {
        let (h, e) = case(i);
        h.hash(&mut all);
        events += e;
        println!("{i} {h:016x}");
    }
    for k in 0..n / 50 {
        let (h, e) = synth_case(k);
        h.hash(&mut all);
        events += e;
        println!("synth {k} {h:016x}");
    }
    println!("all {:016x} over {events} events", all.finish());
}
