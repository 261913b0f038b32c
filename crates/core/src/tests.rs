//! Behaviour tests of the core: each drives a small cluster through one documented
//! behaviour and asserts the event sequence and the final statuses. This file holds the
//! shared helpers and the heartbeat, partition and resolver tests; `tests_groups.rs`
//! (operations, groups, resources) and `tests_monitors.rs` (monitors, cluster and server
//! operations, faults) use its helpers.

use super::*;
use crate::model::Model;
use std::sync::Arc;

pub(super) const S: u64 = 1_000;

pub(super) fn default_sim() -> Sim {
    let mut sim = Sim::new(Arc::new(Model::default_cluster()), 7);
    sim.set_check_invariants(true);
    sim
}

pub(super) fn sim_from(yaml: &str) -> Sim {
    let model = Model::from_yaml(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e:?}"));
    let mut sim = Sim::new(Arc::new(model), 7);
    sim.set_check_invariants(true);
    sim
}

pub(super) fn crash(server: &str) -> FaultSpec {
    FaultSpec {
        kind: FaultKind::ServerCrash {
            server: server.into(),
        },
        at_ms: None,
        duration_ms: None,
    }
}

pub(super) fn fault(kind: FaultKind) -> FaultSpec {
    FaultSpec {
        kind,
        at_ms: None,
        duration_ms: None,
    }
}

/// (kind, server, message) of every event that carries an alert, from `since`.
pub(super) fn alerts(sim: &Sim, since: usize) -> Vec<(String, String, String)> {
    let m = sim.model().clone();
    sim.events()[since..]
        .iter()
        .filter(|e| e.alert.is_some())
        .map(|e| {
            (
                e.kind.as_str().to_string(),
                e.server
                    .map(|s| m.servers[s].name.clone())
                    .unwrap_or_default(),
                e.message(&m).unwrap(),
            )
        })
        .collect()
}

pub(super) fn messages(sim: &Sim, since: usize) -> Vec<String> {
    alerts(sim, since)
        .into_iter()
        .map(|(_, s, m)| format!("{s}: {m}"))
        .collect()
}

pub(super) fn group(sim: &Sim, g: &str) -> (String, String) {
    let v = sim.view();
    let g = v.group(g).unwrap();
    (g.status.to_string(), g.current.clone())
}

pub(super) fn assert_subsequence(all: &[String], want: &[&str]) {
    let mut i = 0;
    for m in all {
        if i < want.len() && m == want[i] {
            i += 1;
        }
    }
    assert!(
        i == want.len(),
        "missing {:?} in order; log:\n{}",
        want.get(i),
        all.join("\n")
    );
}

#[test]
fn initial_state_is_running_with_groups_on_their_first_server() {
    let sim = default_sim();
    let v = sim.view();
    assert_eq!(v.status, "Normal");
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
    assert_eq!(
        group(&sim, "failover2"),
        ("Online".into(), "server2".into())
    );
    assert_eq!(v.server("server2").unwrap().status, "Online");
    assert_eq!(v.monitor("fipw1").unwrap().status, "Normal");
}

#[test]
fn crash_with_resolver_fails_over_after_heartbeat_timeout() {
    let mut sim = default_sim();
    sim.run_until(10 * S);
    let mark = sim.events().len();
    sim.inject(crash("server1")).unwrap();
    sim.run_until(10 * S + 80 * S);
    assert_eq!(
        sim.view().server("server1").unwrap().status,
        "Online",
        "not yet detected"
    );
    sim.run_until(10 * S + 95 * S);
    let log = messages(&sim, mark);
    assert_subsequence(&log, &[
        "server2: Resource lankhb1 of server server1 has stopped.",
        "server2: Server server1 has been stopped.",
        "server2: Server server2 has been set as the destination for the group failover1 (reason: failover).",
        "server2: Failover group failover1 has started.",
        "server2: Activating fip1 resource has started.",
    ]);
    sim.run_until(120 * S);
    let log = messages(&sim, mark);
    assert_subsequence(
        &log,
        &[
            "server2: Activating fip1 resource has completed.",
            "server2: Activating script1 resource has completed.",
            "server2: Failover group failover1 has completed.",
        ],
    );
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
    assert_eq!(sim.view().server("server1").unwrap().status, "Offline");
    let reason = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::FailoverStarting)
        .unwrap()
        .reason
        .clone()
        .unwrap();
    assert!(reason.contains("server server1 was lost"), "{reason}");
    assert!(reason.contains("chose server2 (entry 2 of 2)"), "{reason}");
}

#[test]
fn detection_time_is_last_heartbeat_plus_timeout() {
    let mut sim = default_sim();
    sim.inject(crash("server1")).unwrap();
    sim.run_until(200 * S);
    let down = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::ServerDown)
        .unwrap();
    // Crash at t=0: the last heartbeat counted is the start of time.
    assert_eq!(down.t_ms, 90 * S);
}

pub(super) const TWO_NO_RESOLVER: &str = "
cluster: {name: c}
servers: [{name: s1}, {name: s2}]
heartbeats: [{name: hb1, type: lankhb}, {name: hb2, type: lanhb}]
groups:
  - name: g1
    servers: [s1, s2]
    resources: [{name: ip1, type: fip}, {name: app1, type: exec}]
  - name: g2
    servers: [s2, s1]
    resources: [{name: ip2, type: fip}]
";

pub(super) fn partition(sides: &[&[&str]]) -> FaultSpec {
    fault(FaultKind::Partition {
        sides: sides
            .iter()
            .map(|s| s.iter().map(|x| x.to_string()).collect())
            .collect(),
        paths: None,
        oneway: false,
    })
}

#[test]
fn losing_one_path_is_caution_and_fails_nothing_over() {
    let mut sim = default_sim();
    let mark = sim.events().len();
    sim.inject(fault(FaultKind::HeartbeatPathDown {
        server: "server2".into(),
        path: "lankhb1".into(),
    }))
    .unwrap();
    sim.run_until(200 * S);
    let v = sim.view();
    assert_eq!(v.server("server2").unwrap().status, "Caution");
    assert_eq!(v.heartbeats[0].status, "Error");
    assert_eq!(v.heartbeats[1].status, "Normal");
    assert_eq!(v.status, "Caution");
    assert!(sim.events()[mark..]
        .iter()
        .all(|e| e.kind != EventKind::ServerDown && e.kind != EventKind::FailoverStarting));
    // The path is down on server2, so both directions of lankhb1 are lost.
    assert_eq!(
        messages(&sim, mark),
        [
            "server1: Resource lankhb1 of server server2 has stopped.",
            "server2: Resource lankhb1 of server server1 has stopped.",
        ]
    );
}

#[test]
fn path_recovery_clears_caution() {
    let mut sim = default_sim();
    let id = sim
        .inject(fault(FaultKind::HeartbeatPathDown {
            server: "server2".into(),
            path: "lankhb1".into(),
        }))
        .unwrap();
    sim.run_until(200 * S);
    sim.heal(id).unwrap();
    sim.run_until(210 * S);
    assert_eq!(sim.view().server("server2").unwrap().status, "Online");
    assert!(messages(&sim, 0)
        .contains(&"server1: Resource lankhb1 of server server2 has started.".to_string()));
}

#[test]
fn partition_without_resolver_is_both_active_then_both_shut_down_on_reconnection() {
    let mut sim = sim_from(TWO_NO_RESOLVER);
    let id = sim.inject(partition(&[&["s1"], &["s2"]])).unwrap();
    sim.run_until(150 * S);
    // Each side took over the other's group.
    assert_eq!(sim.view_from(0).group("g2").unwrap().current, "s1");
    assert_eq!(sim.view_from(1).group("g1").unwrap().current, "s2");
    sim.heal(id).unwrap();
    sim.run_until(160 * S);
    let log = messages(&sim, 0);
    assert!(
        log.iter().any(
            |m| m.ends_with("Group g1 has started on more than one server.")
                || m.ends_with("Group g2 has started on more than one server.")
        ),
        "{log:#?}"
    );
    let v = sim.view();
    assert!(
        v.servers.iter().all(|s| !s.reachable),
        "both servers shut down"
    );
    assert_eq!(v.status, "Error");
}

#[test]
fn partition_with_ping_resolver_shuts_down_the_side_without_the_target() {
    let mut sim = default_sim();
    sim.inject(partition(&[&["server1"], &["server2", "pingnp1"]]))
        .unwrap();
    sim.run_until(200 * S);
    let log = messages(&sim, 0);
    assert_subsequence(&log, &[
        "server1: Server server2 has been stopped.",
        "server1: Network partition was detected. Shut down the server server1 to protect data.",
    ]);
    assert!(!sim.view().server("server1").unwrap().reachable);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
    assert_eq!(
        group(&sim, "failover2"),
        ("Online".into(), "server2".into())
    );
    let np = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::NpAction)
        .unwrap();
    assert!(np
        .reason
        .as_ref()
        .unwrap()
        .contains("pingnp1 target 192.168.0.254 does not answer"));
}

#[test]
fn resolver_target_loss_alone_changes_nothing_but_its_status() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::ResolverTargetDown {
        resolver: "pingnp1".into(),
    }))
    .unwrap();
    sim.run_until(100 * S);
    assert_eq!(sim.view().resolvers[0].status, "Error");
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
    assert!(messages(&sim, 0).contains(
        &"server1: The network partition pingnp1 of the server server1 has an error.".to_string()
    ));
}

#[test]
fn crash_while_resolver_target_down_shuts_down_the_survivor_too() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::ResolverTargetDown {
        resolver: "pingnp1".into(),
    }))
    .unwrap();
    sim.inject(crash("server1")).unwrap();
    sim.run_until(200 * S);
    assert!(messages(&sim, 0).contains(
        &"server2: Network partition was detected. Shut down the server server2 to protect data."
            .to_string()
    ));
    assert_eq!(sim.view().status, "Error");
}

#[test]
fn one_way_partition_loses_only_one_direction() {
    let mut sim = sim_from(TWO_NO_RESOLVER);
    sim.inject(fault(FaultKind::Partition {
        sides: vec![vec!["s1".into()], vec!["s2".into()]],
        paths: None,
        oneway: true,
    }))
    .unwrap();
    sim.run_until(150 * S);
    // s2 stops hearing s1 and takes g1; s1 still hears s2.
    let downs: Vec<_> = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::ServerDown)
        .map(|e| (e.server, e.peer))
        .collect();
    assert_eq!(downs, [(Some(1), Some(0))]);
    assert_eq!(sim.view_from(1).group("g1").unwrap().current, "s2");
}

#[test]
fn majority_resolver_keeps_the_larger_side() {
    let mut sim = sim_from(
        "
cluster: {name: c}
servers: [{name: a}, {name: b}, {name: c}]
heartbeats: [{name: hb, type: lankhb}]
resolvers: [{name: maj, type: majority}]
groups:
  - {name: g, servers: [a, b, c], resources: [{name: ip, type: fip}]}
",
    );
    sim.inject(partition(&[&["a"], &["b", "c"]])).unwrap();
    sim.run_until(200 * S);
    let v = sim.view();
    assert!(!v.server("a").unwrap().reachable, "minority shut down");
    assert_eq!(v.group("g").unwrap().current, "b");
    assert_eq!(v.group("g").unwrap().status, "Online");
}
