//! The no-double-activation property over every fault kind, every resolver kind and
//! random operations: a group never holds resources on two servers at once, except
//! where the behaviour contract (§2) itself lets both sides survive.
//!
//! "Holds" = some resource of the group is Online or Offline Pending there (an Online
//! Pending group whose first resource is not yet Online holds nothing); hung servers
//! serve nothing and are left out until they resume (`Sim::group_active_servers`).
//!
//! The exception, computed here from ground truth and not from the engine's decision
//! (so a wrong decision cannot excuse itself): the two holders `a`, `b` have lost each
//! other, and when each declared the other down (heartbeat timeout) the resolution as
//! §2 states it let it survive:
//! - no resolver: the documented both-active case (one side losing the other is
//!   enough: a one-way cut leaves each side believing what it hears);
//! - ping: each side reached the target when it declared the other down (partitions
//!   here always place the target on a side, so this arises only from heartbeat-path
//!   faults that leave the target reachable from both);
//! - majority: each side heard a majority (or half with the master) then — a
//!   non-transitive cut from heartbeat-path faults or a one-way cut; a peer leaving in
//!   good order still sends heartbeats and counts.
//!
//! A declaration lasts for its episode: until the two count each other again (the
//! both-active detection then shuts both down) or the declaring server stops. So a
//! side that re-found the other before the other's `np_failover_wait` ended does not
//! end the exception: the other still activates, as the product would, and detects
//! the double activation when it hears the first again.
//!
//! One bounded window is the product's own: the loser's timeout can come later than
//! the winner's by more than `np_failover_wait` (one interval) covers, when the sides
//! stopped receiving each other's heartbeats at different times (a one-way cut, then a
//! path fault the other way; a hang, after which the resumed server's timers start
//! afresh; a heal shorter than one interval that let one heartbeat through one way).
//! So with a resolver the property also allows the overlap while the winner W has lost
//! L with a resolution that let it survive, L still counts W, and L's heartbeat
//! timeout for W has not run out (`Sim::heartbeat_deadline`: the physical time of the
//! last heartbeat L received from W, plus the timeout after the ratio) — at that
//! timeout L resolves and acts; on the first heartbeat it hears that W declared it
//! down and acts (`stop_when_declared_down`). For symmetric partitions the wait
//! closes the window; `src/sim/tests_partition.rs` checks that over 50 seeds (and
//! that without the wait it opens). A server that started its service while cut off
//! never counted the other and took no decision about it.
//!
//! The minimised counterexamples found while hunting with other seeds are kept as
//! deterministic regressions (`no_double_activation/counterexamples.rs`).
//!
//! Default 2,000 cases; `PROPTEST_CASES=N` for a deeper search.

use clustersim::sim::{CheckResult, EventKind, FaultKind, FaultSpec, Operation, Sim};
use clustersim::Model;
use proptest::prelude::*;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Resolver {
    None,
    Ping,
    Majority,
}

#[derive(Clone, Debug)]
struct Setup {
    servers: usize,
    paths: usize,
    resolver: Resolver,
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

fn setup() -> impl Strategy<Value = Setup> {
    (
        2usize..=5,
        1usize..=2,
        prop_oneof![
            Just(Resolver::None),
            Just(Resolver::Ping),
            Just(Resolver::Majority)
        ],
        1usize..=3,
        1u64..=3,
    )
        .prop_map(|(servers, paths, resolver, groups, interval_s)| Setup {
            servers,
            paths,
            resolver,
            groups,
            interval_s,
        })
}

/// One input: a fault (kinds 0-10) or an operation (11-17) at `at_ms`.
#[derive(Clone, Debug)]
struct Step {
    at_ms: u64,
    kind: u8,
    a: usize,
    b: usize,
    /// Partition shape: two bits per server pick its side; more bits place the target.
    shape: u32,
    duration_ms: u64,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            0u64..300_000,
            0u8..18,
            0usize..5,
            0usize..5,
            any::<u32>(),
            1u64..200_000,
        )
            .prop_map(|(at_ms, kind, a, b, shape, duration_ms)| Step {
                at_ms,
                kind,
                a,
                b,
                shape,
                duration_ms,
            }),
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
    let paths = ((st.shape >> 20) % 3 == 0 && s.paths > 1).then(|| vec!["hb0".to_string()]);
    FaultKind::Partition {
        sides,
        paths,
        oneway,
    }
}

fn fault_of(s: &Setup, st: &Step) -> Option<FaultKind> {
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
            server: (st.b % 2 == 0).then_some(b),
            result: CheckResult::Error,
        },
        7 => FaultKind::ActivationFailure {
            resource: format!("app{g}"),
            server: b,
            times: (st.shape % 3 != 0).then_some(st.shape % 3),
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

fn operation_of(s: &Setup, st: &Step) -> Operation {
    let a = format!("s{}", st.a % s.servers);
    let b = format!("s{}", st.b % s.servers);
    let g = format!("g{}", st.a % s.groups);
    match st.kind {
        11 => Operation::GroupMove {
            group: g,
            target: (st.shape % 2 == 0).then_some(b),
        },
        12 => Operation::GroupStart {
            group: Some(g),
            target: (st.shape % 2 == 0).then_some(b),
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

/// Whether §2's resolution lets x survive right now, from ground truth.
fn survives(sim: &Sim, s: &Setup, x: usize) -> bool {
    let n = s.servers;
    match s.resolver {
        Resolver::None => true,
        Resolver::Ping => sim.reaches_resolver_target(x, 0),
        Resolver::Majority => {
            // A peer that is leaving in good order still sends heartbeats and counts.
            let heard = |y: usize| y == x || sim.hears(x, y);
            let up = (0..n).filter(|&y| heard(y)).count();
            2 * up > n || 2 * up == n && heard(0)
        }
    }
}

/// `declared[x][y]`: x declared y down by heartbeat timeout, and whether §2's
/// resolution let x survive at that moment. An entry lasts for the episode: it is
/// cleared when x and y count each other again, or when x stops (a new life takes
/// decisions afresh).
type Declared = Vec<Vec<Option<bool>>>;

/// What the property tracks from ground truth as the run goes.
struct Knowledge {
    declared: Declared,
}

impl Knowledge {
    fn new(n: usize) -> Knowledge {
        Knowledge {
            declared: vec![vec![None; n]; n],
        }
    }
    fn after_step(&mut self, sim: &Sim, s: &Setup, from: usize) {
        let n = s.servers;
        for x in 0..n {
            for y in 0..n {
                let mutual = sim.counts_as_member(x, y) && sim.counts_as_member(y, x);
                if !sim.is_running(x) || x != y && mutual {
                    self.declared[x][y] = None;
                }
            }
        }
        note_declarations(sim, s, from, &mut self.declared);
    }
}

/// Records the server-down decisions logged since `from`.
fn note_declarations(sim: &Sim, s: &Setup, from: usize, declared: &mut Declared) {
    for e in &sim.events()[from..] {
        if e.kind != EventKind::ServerDown
            || !e.reason.as_deref().is_some_and(|r| r.contains("heartbeat"))
        {
            continue;
        }
        if let (Some(x), Some(y)) = (e.server, e.peer) {
            if sim.is_running(x) && !sim.counts_as_member(x, y) {
                declared[x][y] = Some(survives(sim, s, x));
            }
        }
    }
}

/// The documented both-active case for holders a and b (see the module docs).
fn both_active_allowed(sim: &Sim, s: &Setup, k: &Knowledge, a: usize, b: usize) -> bool {
    let declared = &k.declared;
    let lost = |x: usize, y: usize| !sim.counts_as_member(x, y);
    if s.resolver == Resolver::None {
        return lost(a, b) || lost(b, a);
    }
    // The late-loser window: W lost L (and was let survive); L still counts W and is
    // inside its own heartbeat timeout for W.
    let window = |w: usize, l: usize| {
        lost(w, l)
            && declared[w][l] != Some(false)
            && !lost(l, w)
            && sim.heartbeat_deadline(l, w).is_some_and(|d| sim.now() <= d)
    };
    if window(a, b) || window(b, a) {
        return true;
    }
    // Each side was let survive when it declared the other down, in this episode (the
    // overlap ends at both-active detection, when both hear each other again). A
    // server that never counted the other (it started its service while cut off) took
    // no decision about it.
    let won = |x: usize, y: usize| {
        declared[x][y] == Some(true) || lost(x, y) && declared[x][y] != Some(false)
    };
    won(a, b) && won(b, a)
}

const END_MS: u64 = 700_000;

fn check(s: &Setup, steps: &[Step], seed: u64) -> Result<(), TestCaseError> {
    let model = Arc::new(Model::from_yaml(&cluster_yaml(s), "prop.yaml").expect("valid"));
    let mut sim = Sim::new(model, seed);
    sim.set_check_invariants(true);
    let mut ops: Vec<(u64, Operation)> = Vec::new();
    for st in steps {
        match fault_of(s, st) {
            Some(kind) => {
                sim.inject(FaultSpec {
                    kind,
                    at_ms: Some(st.at_ms),
                    duration_ms: Some(st.duration_ms),
                })
                .map_err(|e| TestCaseError::fail(format!("fault refused: {e:?}")))?;
            }
            None => ops.push((st.at_ms, operation_of(s, st))),
        }
    }
    ops.sort_by_key(|(t, _)| *t);
    let mut ops = ops.into_iter().peekable();
    let mut k = Knowledge::new(s.servers);
    let mut seen = 0;
    loop {
        let next_ev = sim.next_event_time().filter(|&t| t <= END_MS);
        let next_op = ops.peek().map(|(t, _)| *t);
        match (next_ev, next_op) {
            (_, Some(t)) if next_ev.is_none_or(|e| t < e) => {
                sim.run_until(t);
                let (_, op) = ops.next().expect("peeked");
                let _ = sim.operate(op); // refusals are part of the game
            }
            (Some(_), _) => {
                sim.step();
            }
            (None, _) => break,
        }
        k.after_step(&sim, s, seen);
        seen = sim.events().len();
        for g in 0..s.groups {
            let on = sim.group_active_servers(g);
            for (i, &a) in on.iter().enumerate() {
                for &b in &on[i + 1..] {
                    prop_assert!(
                        both_active_allowed(&sim, s, &k, a, b),
                        "g{g} active on s{a} and s{b} at {} ms (seed {seed})",
                        sim.now()
                    );
                }
            }
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_group_runs_on_two_servers_beyond_the_documented_both_active_case(
        s in setup(), st in steps(), seed in any::<u64>()
    ) {
        check(&s, &st, seed)?;
    }
}

include!("no_double_activation/counterexamples.rs");

/// Every minimised counterexample found so far passes (see the notes in the file).
#[test]
fn the_minimised_counterexamples_stay_fixed() {
    for (what, s, st, seed) in counterexamples() {
        let r = std::panic::catch_unwind(|| check(&s, &st, seed));
        assert!(matches!(r, Ok(Ok(()))), "{what}: {r:?}");
    }
}

/// The property is not vacuous: without a resolver a total partition does show the
/// documented both-active window, and the exception is what lets it pass.
#[test]
fn the_both_active_exception_is_exercised_without_a_resolver() {
    let s = Setup {
        servers: 2,
        paths: 1,
        resolver: Resolver::None,
        groups: 2,
        interval_s: 3,
    };
    let model = Arc::new(Model::from_yaml(&cluster_yaml(&s), "prop.yaml").expect("valid"));
    let mut sim = Sim::new(model, 1);
    sim.inject(FaultSpec {
        kind: FaultKind::Partition {
            sides: vec![vec!["s0".into()], vec!["s1".into()]],
            paths: None,
            oneway: false,
        },
        at_ms: Some(10_000),
        duration_ms: None,
    })
    .unwrap();
    let mut seen = false;
    let mut k = Knowledge::new(2);
    while sim.next_event_time().is_some_and(|t| t <= 200_000) {
        let from = sim.events().len();
        sim.step();
        k.after_step(&sim, &s, from);
        if sim.group_active_servers(0).len() == 2 {
            assert!(both_active_allowed(&sim, &s, &k, 0, 1));
            seen = true;
        }
    }
    assert!(
        seen,
        "a total partition without a resolver runs g0 on both servers"
    );
}
