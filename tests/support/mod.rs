//! Random small clusters and random inputs, shared by the property tests
//! (`tests/no_double_activation.rs`, `tests/properties.rs`): one generator, so every
//! property runs over the same clusters, faults and operations.
#![allow(dead_code)]

use clustersim::sim::{CheckResult, FaultKind, FaultSpec, Operation};
use clustersim::Model;
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolver {
    None,
    Ping,
    Majority,
}

/// A random cluster: `servers` servers, `paths` LAN heartbeat paths (path p's interval
/// is `interval_s + p`, its timeout ten intervals), one resolver or none, and `groups`
/// groups of a floating IP and an application that depends on it, each watched by an
/// active fipw monitor; group g prefers server g (mod n).
#[derive(Clone, Debug)]
pub struct Setup {
    pub servers: usize,
    pub paths: usize,
    pub resolver: Resolver,
    pub groups: usize,
    pub interval_s: u64,
}

impl Setup {
    pub fn new(
        servers: usize,
        paths: usize,
        resolver: Resolver,
        groups: usize,
        interval_s: u64,
    ) -> Setup {
        Setup {
            servers,
            paths,
            resolver,
            groups,
            interval_s,
        }
    }

    pub fn model(&self) -> Arc<Model> {
        Arc::new(Model::from_yaml(&cluster_yaml(self), "prop.yaml").expect("valid"))
    }
}

pub fn cluster_yaml(s: &Setup) -> String {
    let mut y = String::from("cluster: {name: prop}\nservers:\n");
    for i in 0..s.servers {
        y += &format!("  - {{name: s{i}}}\n");
    }
    y += "heartbeats:\n";
    for p in 0..s.paths {
        let iv = s.interval_s + p as u64;
        y += &format!(
            "  - {{name: hb{p}, type: lankhb, interval: {iv}s, timeout: {}s}}\n",
            iv * 10
        );
    }
    match s.resolver {
        Resolver::None => {}
        Resolver::Ping => y += "resolvers: [{name: np, type: pingnp, target: 10.0.0.254}]\n",
        Resolver::Majority => y += "resolvers: [{name: np, type: majority}]\n",
    }
    y += "groups:\n";
    for g in 0..s.groups {
        let order: Vec<String> = (0..s.servers)
            .map(|i| format!("s{}", (i + g) % s.servers))
            .collect();
        y += &format!(
            "  - name: g{g}\n    servers: [{}]\n    resources: [{{name: ip{g}, type: fip}}, {{name: app{g}, type: exec, depends_on: [ip{g}]}}]\n",
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

/// 2 to `max_servers` servers, 1-2 paths, any resolver kind (or none), 1-3 groups.
pub fn setup(max_servers: usize) -> impl Strategy<Value = Setup> {
    (
        2usize..=max_servers,
        1usize..=2,
        prop_oneof![
            Just(Resolver::None),
            Just(Resolver::Ping),
            Just(Resolver::Majority)
        ],
        1usize..=3,
        1u64..=3,
    )
        .prop_map(|(servers, paths, resolver, groups, interval_s)| {
            Setup::new(servers, paths, resolver, groups, interval_s)
        })
}

/// One input: a fault (kinds 0-10) or an operation (11-17) at `at_ms`.
#[derive(Clone, Debug)]
pub struct Step {
    pub at_ms: u64,
    pub kind: u8,
    pub a: usize,
    pub b: usize,
    /// Partition shape: two bits per server pick its side; more bits place the target.
    pub shape: u32,
    pub duration_ms: u64,
}

impl Step {
    /// A step from its fields in declaration order (for the regression tables).
    pub fn of((at_ms, kind, a, b, shape, duration_ms): (u64, u8, usize, usize, u32, u64)) -> Step {
        Step {
            at_ms,
            kind,
            a,
            b,
            shape,
            duration_ms,
        }
    }
}

/// Up to 7 inputs in the first `within_ms` of the run.
pub fn steps(within_ms: u64) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            0u64..within_ms,
            0u8..18,
            0usize..5,
            0usize..5,
            any::<u32>(),
            1u64..200_000,
        )
            .prop_map(Step::of),
        0..8,
    )
}

/// A partition of random shape: every server on one of 2 or 3 sides (at least two
/// non-empty), the ping target on one of them, sometimes only some paths.
fn partition(s: &Setup, st: &Step, oneway: bool) -> FaultKind {
    let k = 2 + (st.shape >> 30) as usize % 2;
    let mut sides = vec![Vec::new(); k];
    for i in 0..s.servers {
        sides[(st.shape >> (2 * i)) as usize % k].push(format!("s{i}"));
    }
    sides.retain(|x| !x.is_empty());
    if sides.len() < 2 {
        let moved = sides[0].pop().expect("two or more servers");
        sides.push(vec![moved]);
    }
    if s.resolver == Resolver::Ping {
        let at = (st.shape >> 12) as usize % sides.len();
        sides[at].push("np".into());
    }
    let paths =
        ((st.shape >> 20).is_multiple_of(3) && s.paths > 1).then(|| vec!["hb0".to_string()]);
    FaultKind::Partition {
        sides,
        paths,
        oneway,
    }
}

/// The fault of a step (kinds 0-10), or None for an operation.
pub fn fault_of(s: &Setup, st: &Step) -> Option<FaultKind> {
    let a = format!("s{}", st.a % s.servers);
    let b = format!("s{}", st.b % s.servers);
    let g = st.a % s.groups;
    Some(match st.kind {
        0 => FaultKind::ServerCrash { server: a },
        1 => FaultKind::ServerHang { server: a },
        2 => FaultKind::HeartbeatPathDown {
            server: a,
            path: format!("hb{}", st.b % s.paths),
        },
        3 => partition(s, st, false),
        4 => partition(s, st, true),
        5 if s.resolver == Resolver::Ping => FaultKind::ResolverTargetDown {
            resolver: "np".into(),
        },
        5 => FaultKind::ServerCrash { server: b },
        6 => FaultKind::MonitorResult {
            monitor: format!("mon{g}"),
            server: st.b.is_multiple_of(2).then_some(b),
            result: CheckResult::Error,
        },
        7 => FaultKind::ActivationFailure {
            resource: format!("app{g}"),
            server: b,
            times: (!st.shape.is_multiple_of(3)).then_some(st.shape % 3),
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
        10 => FaultKind::ActivationFailure {
            resource: format!("ip{g}"),
            server: a,
            times: None,
        },
        _ => return None,
    })
}

/// The fault of a step as injected: at its time, for its duration.
pub fn fault_spec(s: &Setup, st: &Step) -> Option<FaultSpec> {
    fault_of(s, st).map(|kind| FaultSpec {
        kind,
        at_ms: Some(st.at_ms),
        duration_ms: Some(st.duration_ms),
    })
}

/// The operation of a step (kinds 11-17).
pub fn operation_of(s: &Setup, st: &Step) -> Operation {
    let a = format!("s{}", st.a % s.servers);
    let b = format!("s{}", st.b % s.servers);
    let g = format!("g{}", st.a % s.groups);
    match st.kind {
        11 => Operation::GroupMove {
            group: g,
            target: st.shape.is_multiple_of(2).then_some(b),
        },
        12 => Operation::GroupStart {
            group: Some(g),
            target: st.shape.is_multiple_of(2).then_some(b),
        },
        13 => Operation::GroupStop {
            group: Some(g),
            target: None,
        },
        14 => Operation::ServerStop { server: a },
        15 => Operation::ServerStart { server: a },
        16 => Operation::ServerReboot { server: a },
        _ => Operation::GroupStart {
            group: None,
            target: Some(a),
        },
    }
}

/// `default` cases, or `PROPTEST_CASES=N` for a deeper search.
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}
