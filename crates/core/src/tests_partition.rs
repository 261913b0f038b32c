//! Network-partition resolution: the minority counts only the peers it hears, the
//! winner waits for the loser's NP action, and a server declared down stops.

use super::*;
use crate::model::Model;
use std::sync::Arc;

const MAJORITY3: &str =
    include_str!("../../../scenarios/clusters/three-node-majority-three-groups.yaml");

fn partition(sides: &[&[&str]], oneway: bool) -> FaultSpec {
    FaultSpec {
        kind: FaultKind::Partition {
            sides: sides
                .iter()
                .map(|s| s.iter().map(|x| x.to_string()).collect())
                .collect(),
            paths: None,
            oneway,
        },
        at_ms: None,
        duration_ms: None,
    }
}

/// Runs the three-node majority cluster through a partition at 10 s; returns the sim.
fn split(seed: u64, sides: &[&[&str]]) -> Sim {
    let model = Arc::new(Model::from_yaml(MAJORITY3, "majority3.yaml").expect("valid"));
    let mut sim = Sim::new(model, seed);
    sim.set_check_invariants(true);
    sim.run_until(10_000);
    sim.inject(partition(sides, false)).expect("applies");
    let groups = sim.model().groups.len();
    while sim.next_event_time().is_some_and(|t| t <= 300_000) {
        sim.step();
        for g in 0..groups {
            let on = sim.group_active_servers(g);
            assert!(
                on.len() <= 1,
                "seed {seed}: group {g} active on {on:?} at {}",
                sim.now()
            );
        }
    }
    sim
}

fn count(sim: &Sim, kind: EventKind, server: Option<&str>) -> usize {
    let m = sim.model().clone();
    sim.events()
        .iter()
        .filter(|e| e.kind == kind)
        .filter(|e| server.is_none_or(|s| e.server == m.server_id(s)))
        .count()
}

#[test]
fn one_against_two_the_minority_acts_at_its_first_timeout_and_takes_nothing_over() {
    for seed in 1..=50 {
        let sim = split(seed, &[&["server1"], &["server2", "server3"]]);
        assert_eq!(count(&sim, EventKind::NpAction, None), 1, "seed {seed}");
        assert_eq!(
            count(&sim, EventKind::NpAction, Some("server1")),
            1,
            "seed {seed}"
        );
        assert_eq!(
            count(&sim, EventKind::FailoverStarting, Some("server1")),
            0,
            "seed {seed}"
        );
        // server1 acted at its first timeout: it declared at most one peer down.
        assert_eq!(
            count(&sim, EventKind::ServerDown, Some("server1")),
            1,
            "seed {seed}"
        );
        let v = sim.view();
        assert_eq!(
            v.group("failover1").unwrap().current,
            "server2",
            "seed {seed}"
        );
    }
}

#[test]
fn a_three_way_split_stops_every_server_and_fails_nothing_over() {
    for seed in 1..=50 {
        let sim = split(seed, &[&["server1"], &["server2"], &["server3"]]);
        assert_eq!(count(&sim, EventKind::NpAction, None), 3, "seed {seed}");
        assert_eq!(
            count(&sim, EventKind::FailoverStarting, None),
            0,
            "seed {seed}"
        );
    }
}

#[test]
fn without_the_wait_the_winner_can_activate_before_the_loser_acts() {
    // The reason np_failover_wait exists: with 0 s, some seed shows a double activation.
    let yaml = MAJORITY3.replace("resolvers:", "settings: {np_failover_wait: 0s}\nresolvers:");
    let model = Arc::new(Model::from_yaml(&yaml, "majority3.yaml").expect("valid"));
    let overlap = (1..=50).any(|seed| {
        let mut sim = Sim::new(model.clone(), seed);
        sim.run_until(10_000);
        sim.inject(partition(&[&["server1"], &["server2", "server3"]], false))
            .unwrap();
        let mut seen = false;
        while sim.next_event_time().is_some_and(|t| t <= 200_000) {
            sim.step();
            seen |= (0..3).any(|g| sim.group_active_servers(g).len() > 1);
        }
        seen
    });
    assert!(
        overlap,
        "expected a double activation for some seed without the wait"
    );
}

#[test]
fn a_one_way_cut_stops_the_server_declared_down_before_the_takeover() {
    let model = Arc::new(Model::default_cluster());
    for seed in 1..=20 {
        let mut sim = Sim::new(model.clone(), seed);
        sim.run_until(10_000);
        sim.inject(partition(&[&["server1"], &["server2", "pingnp1"]], true))
            .unwrap();
        while sim.next_event_time().is_some_and(|t| t <= 200_000) {
            sim.step();
            for g in 0..2 {
                assert!(sim.group_active_servers(g).len() <= 1, "seed {seed}");
            }
        }
        assert_eq!(count(&sim, EventKind::NpAction, Some("server1")), 1);
        assert_eq!(sim.view().group("failover1").unwrap().current, "server2");
    }
}

#[test]
fn before_detection_the_answering_server_still_sees_the_crashed_server_run_its_group() {
    let mut sim = Sim::new(Arc::new(Model::default_cluster()), 3);
    sim.run_until(60_000);
    sim.inject(FaultSpec {
        kind: FaultKind::ServerCrash {
            server: "server1".into(),
        },
        at_ms: None,
        duration_ms: None,
    })
    .unwrap();
    sim.run_until(90_000);
    let v = sim.view_from(1);
    let g = v.group("failover1").unwrap();
    assert_eq!((g.status, g.current.as_str()), ("Online", "server1"));
    assert_eq!(v.servers[0].status, "Online");
    let start = Operation::GroupStart {
        group: Some("failover1".into()),
        target: Some("server2".into()),
    };
    let err = sim.operate_from(1, start.clone()).unwrap_err();
    assert_eq!(
        err.message(),
        "Group failover1 is already started on server server1."
    );
    // After the heartbeat timeout the failover proceeds as before.
    sim.run_until(200_000);
    let g = sim.view_from(1).group("failover1").unwrap().clone();
    assert_eq!((g.status, g.current.as_str()), ("Online", "server2"));
}
