//! Issue #12: no sequence of inputs the control API accepts makes the engine run
//! unboundedly or overflow time. Inputs go through the same checks as
//! `/sim/v1` (`parse_fault`, `limits::check_advance`), then drive a `Sim` the way the
//! engine task does (bounded slices toward a capped target).

use clustersim::host::control::parse_fault;
use clustersim::host::limits::{check_advance, MAX_TIME_MS, SLICE_EVENTS};
use clustersim::sim::{Input, Sim};
use clustersim::Model;
use proptest::prelude::*;
use serde_json::json;
use std::sync::Arc;

#[derive(Clone, Debug)]
enum Step {
    Fault {
        kind: u8,
        at: Option<u64>,
        duration: Option<u64>,
    },
    Advance(u64),
}

fn time() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..200_000,
        Just(u64::MAX),
        (u64::MAX - 1000)..=u64::MAX,
        (MAX_TIME_MS - 10)..(MAX_TIME_MS + 10),
        any::<u64>(),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            0u8..3,
            proptest::option::of(time()),
            proptest::option::of(time())
        )
            .prop_map(|(kind, at, duration)| Step::Fault { kind, at, duration }),
        prop_oneof![
            0u64..600_000,
            Just(u64::MAX),
            any::<u64>(),
            Just(86_400_000 * 30)
        ]
        .prop_map(Step::Advance),
    ]
}

fn fault_body(kind: u8, at: Option<u64>, duration: Option<u64>) -> serde_json::Value {
    let mut f = match kind {
        0 => json!({"kind": "monitor-result", "monitor": "fipw1", "result": "error"}),
        1 => json!({"kind": "server-crash", "server": "server2"}),
        _ => json!({"kind": "heartbeat-path-down", "server": "server1", "path": "lankhb1"}),
    };
    if let Some(at) = at {
        f["at_ms"] = json!(at);
    }
    if let Some(d) = duration {
        f["duration_ms"] = json!(d);
    }
    f
}

/// Events per virtual second no cluster of this size comes near (monitors, heartbeats
/// and recoveries of the default cluster produce a few).
const EVENTS_PER_VIRTUAL_S: u64 = 200;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn accepted_inputs_keep_time_and_work_bounded(steps in proptest::collection::vec(step(), 1..8)) {
        let mut sim = Sim::new(Arc::new(Model::default_cluster()), 7);
        for st in steps {
            match st {
                Step::Fault { kind, at, duration } => {
                    let Ok(spec) = parse_fault(fault_body(kind, at, duration)) else { continue };
                    let _ = sim.apply(Input::Fault(spec));
                    for f in sim.faults() {
                        prop_assert!(f.end_ms.is_none_or(|e| e >= f.start_ms), "wrapped: {f:?}");
                        prop_assert!(f.start_ms <= MAX_TIME_MS + MAX_TIME_MS, "{f:?}");
                    }
                }
                Step::Advance(ms) => {
                    let Ok(ms) = check_advance(ms) else { continue };
                    let before = sim.now();
                    let target = before.saturating_add(ms).min(MAX_TIME_MS.max(before));
                    let start = sim.processed();
                    let bound = (target - before) / 1000 * EVENTS_PER_VIRTUAL_S + SLICE_EVENTS;
                    while sim.next_event_time().is_some_and(|t| t <= target) {
                        sim.step();
                        prop_assert!(sim.processed() - start <= bound, "unbounded work advancing {ms} ms");
                    }
                    sim.run_until(target);
                    prop_assert_eq!(sim.now(), target);
                    prop_assert!(sim.now() >= before);
                }
            }
        }
    }
}
