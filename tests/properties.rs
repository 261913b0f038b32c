//! Properties of the simulation core, checked on random small clusters and random
//! fault sequences: determinism, lazy heartbeats = naive heartbeats, no double
//! activation unless heartbeats are lost without a resolver, and faults with a
//! duration heal.

use clustersim::sim::{CheckResult, FaultKind, FaultSpec, HeartbeatModel, Sim};
use clustersim::Model;
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Clone, Debug)]
struct Setup {
    servers: usize,
    paths: usize,
    resolver: bool,
    groups: usize,
    interval_s: u64,
}

fn cluster_yaml(s: &Setup) -> String {
    let mut y = String::from("cluster: {name: prop}\nservers:\n");
    for i in 0..s.servers {
        y += &format!("  - {{name: s{i}}}\n");
    }
    y += "heartbeats:\n";
    for p in 0..s.paths {
        y += &format!(
            "  - {{name: hb{p}, type: lankhb, interval: {}s, timeout: {}s}}\n",
            s.interval_s,
            s.interval_s * 10
        );
    }
    if s.resolver {
        y += "resolvers: [{name: ping, type: pingnp, target: 10.0.0.254}]\n";
    }
    y += "groups:\n";
    for g in 0..s.groups {
        let mut order: Vec<String> = (0..s.servers)
            .map(|i| format!("s{}", (i + g) % s.servers))
            .collect();
        order.truncate(3);
        y += &format!(
            "  - name: g{g}\n    servers: [{}]\n    resources: [{{name: ip{g}, type: fip}}, {{name: app{g}, type: exec}}]\n",
            order.join(", ")
        );
    }
    y += "monitors:\n";
    for g in 0..s.groups {
        y += &format!(
            "  - {{name: mon{g}, type: fipw, target: ip{g}, timing: active, interval: 10s}}\n"
        );
    }
    y
}

fn setup() -> impl Strategy<Value = Setup> {
    (2usize..=4, 1usize..=2, any::<bool>(), 1usize..=3, 1u64..=3).prop_map(
        |(servers, paths, resolver, groups, interval_s)| Setup {
            servers,
            paths,
            resolver,
            groups,
            interval_s,
        },
    )
}

#[derive(Clone, Debug)]
struct Step {
    at_ms: u64,
    kind: u8,
    a: usize,
    b: usize,
    duration_ms: u64,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (0u64..400_000, 0u8..8, 0usize..4, 0usize..4, 1u64..200_000).prop_map(
            |(at_ms, kind, a, b, duration_ms)| Step {
                at_ms,
                kind,
                a,
                b,
                duration_ms,
            },
        ),
        0..6,
    )
}

fn fault_of(s: &Setup, st: &Step) -> FaultSpec {
    let a = format!("s{}", st.a % s.servers);
    let b = format!("s{}", st.b % s.servers);
    let g = st.a % s.groups;
    let kind = match st.kind {
        0 => FaultKind::ServerCrash { server: a },
        1 => FaultKind::ServerHang { server: a },
        2 => FaultKind::HeartbeatPathDown {
            server: a,
            path: format!("hb{}", st.b % s.paths),
        },
        3 if a != b => FaultKind::Partition {
            sides: vec![vec![a], vec![b]],
            paths: None,
            oneway: st.b % 2 == 0,
        },
        3 => FaultKind::Partition {
            sides: vec![
                vec![a.clone()],
                (0..s.servers)
                    .map(|i| format!("s{i}"))
                    .filter(|x| *x != a)
                    .collect(),
            ],
            paths: None,
            oneway: false,
        },
        4 => FaultKind::MonitorResult {
            monitor: format!("mon{g}"),
            server: None,
            result: CheckResult::Error,
        },
        5 => FaultKind::ActivationFailure {
            resource: format!("app{g}"),
            server: b,
            times: Some(2),
        },
        6 => FaultKind::ResourceFailure {
            resource: format!("ip{g}"),
            server: a,
        },
        _ => FaultKind::DeactivationFailure {
            resource: format!("app{g}"),
            server: a,
            times: None,
        },
    };
    FaultSpec {
        kind,
        at_ms: Some(st.at_ms),
        duration_ms: Some(st.duration_ms),
    }
}

/// Runs a setup and returns the event log as JSON lines.
fn run(
    s: &Setup,
    steps: &[Step],
    seed: u64,
    hb: HeartbeatModel,
    end_ms: u64,
) -> (Vec<String>, Sim) {
    let model = Arc::new(Model::from_yaml(&cluster_yaml(s), "prop.yaml").expect("valid"));
    let mut sim = Sim::with_heartbeat_model(model, seed, hb);
    sim.set_check_invariants(true);
    for st in steps {
        sim.inject(fault_of(s, st)).expect("fault applies");
    }
    sim.run_until(end_ms);
    let m = sim.model().clone();
    let log = sim
        .events()
        .iter()
        .map(|e| e.to_json(&m).to_string())
        .collect();
    (log, sim)
}

/// 64 cases by default; `PROPTEST_CASES=N` for a deeper search.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn same_seed_same_log(s in setup(), st in steps(), seed in any::<u64>()) {
        let (a, _) = run(&s, &st, seed, HeartbeatModel::Lazy, 900_000);
        let (b, _) = run(&s, &st, seed, HeartbeatModel::Lazy, 900_000);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn lazy_heartbeats_equal_naive_heartbeats(s in setup(), st in steps(), seed in any::<u64>()) {
        let (lazy, _) = run(&s, &st, seed, HeartbeatModel::Lazy, 900_000);
        let (naive, _) = run(&s, &st, seed, HeartbeatModel::Naive, 900_000);
        for (i, (l, n)) in lazy.iter().zip(naive.iter()).enumerate() {
            prop_assert_eq!(l, n, "first difference at event {}", i);
        }
        prop_assert_eq!(lazy.len(), naive.len());
    }

    #[test]
    fn faults_with_a_duration_heal(s in setup(), st in steps(), seed in any::<u64>()) {
        let (_, sim) = run(&s, &st, seed, HeartbeatModel::Lazy, 900_000);
        prop_assert!(sim.faults().is_empty(), "still active: {:?}", sim.faults());
    }

    /// With a resolver and faults that keep every heartbeat path intact between running
    /// servers, a group is never active on two servers at once.
    #[test]
    fn no_double_activation_with_a_resolver(s in setup(), st in steps(), seed in any::<u64>()) {
        let mut s = s;
        s.resolver = true;
        let model = Arc::new(Model::from_yaml(&cluster_yaml(&s), "prop.yaml").expect("valid"));
        let mut sim = Sim::new(model, seed);
        for step in &st {
            let f = fault_of(&s, step);
            // Crashes, hangs and monitor/resource faults only: a resolver cannot help
            // a server that is cut off but still sees the ping target.
            if matches!(f.kind, FaultKind::ServerCrash { .. } | FaultKind::MonitorResult { .. }
                | FaultKind::ActivationFailure { .. } | FaultKind::ResourceFailure { .. }) {
                sim.inject(f).expect("fault applies");
            }
        }
        while sim.next_event_time().is_some_and(|t| t <= 900_000) {
            sim.step();
            for g in &sim.model().groups.clone() {
                let online: Vec<String> = (0..sim.model().servers.len())
                    .filter(|&x| sim.view_from(x).group(&g.name).is_some_and(|v| v.status == "Online" && v.current == sim.model().servers[x].name))
                    .map(|x| sim.model().servers[x].name.clone())
                    .collect();
                prop_assert!(online.len() <= 1, "{} Online on {:?} at {}", g.name, online, sim.now());
            }
        }
    }
}

#[test]
fn different_seeds_give_different_heartbeat_phases() {
    let s = Setup {
        servers: 3,
        paths: 1,
        resolver: false,
        groups: 1,
        interval_s: 3,
    };
    let crash = [Step {
        at_ms: 100_000,
        kind: 0,
        a: 0,
        b: 0,
        duration_ms: 500_000,
    }];
    let (a, _) = run(&s, &crash, 1, HeartbeatModel::Lazy, 300_000);
    let (b, _) = run(&s, &crash, 2, HeartbeatModel::Lazy, 300_000);
    assert_ne!(
        a, b,
        "the seed drives the heartbeat phases, hence detection times"
    );
}
