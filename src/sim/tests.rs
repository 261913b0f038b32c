//! Behaviour tests of the core: each drives a small cluster through one documented
//! behaviour and asserts the event sequence and the final statuses.

use super::*;
use crate::model::Model;
use std::sync::Arc;

const S: u64 = 1_000;

fn default_sim() -> Sim {
    let mut sim = Sim::new(Arc::new(Model::default_cluster()), 7);
    sim.set_check_invariants(true);
    sim
}

fn sim_from(yaml: &str) -> Sim {
    let model = Model::from_yaml(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e:?}"));
    let mut sim = Sim::new(Arc::new(model), 7);
    sim.set_check_invariants(true);
    sim
}

fn crash(server: &str) -> FaultSpec {
    FaultSpec {
        kind: FaultKind::ServerCrash {
            server: server.into(),
        },
        at_ms: None,
        duration_ms: None,
    }
}

fn fault(kind: FaultKind) -> FaultSpec {
    FaultSpec {
        kind,
        at_ms: None,
        duration_ms: None,
    }
}

/// (kind, server, message) of every event that carries an alert, from `since`.
fn alerts(sim: &Sim, since: usize) -> Vec<(String, String, String)> {
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

fn messages(sim: &Sim, since: usize) -> Vec<String> {
    alerts(sim, since)
        .into_iter()
        .map(|(_, s, m)| format!("{s}: {m}"))
        .collect()
}

fn group(sim: &Sim, g: &str) -> (String, String) {
    let v = sim.view();
    let g = v.group(g).unwrap();
    (g.status.to_string(), g.current.clone())
}

fn assert_subsequence(all: &[String], want: &[&str]) {
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

const TWO_NO_RESOLVER: &str = "
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

fn partition(sides: &[&[&str]]) -> FaultSpec {
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

fn op(sim: &mut Sim, json: &str) -> Result<(), InputError> {
    sim.operate(serde_json::from_str(json).unwrap())
}

#[test]
fn group_move_deactivates_in_reverse_then_activates_in_order() {
    let mut sim = default_sim();
    let mark = sim.events().len();
    op(
        &mut sim,
        r#"{"op":"group-move","group":"failover1","target":"server2"}"#,
    )
    .unwrap();
    assert!(sim.busy());
    sim.run_until(S);
    assert_eq!(group(&sim, "failover1").0, "Offline Pending");
    // A second operation while the first runs is refused.
    let e = op(&mut sim, r#"{"op":"group-stop","group":"failover2"}"#).unwrap_err();
    assert!(e.message().contains("Another operation is in progress"));
    sim.run_until(30 * S);
    assert!(!sim.busy());
    assert_eq!(
        messages(&sim, mark),
        [
            "server1: Moving group failover1 has started.",
            "server1: Stopping script1 resource has started.",
            "server1: Stopping script1 resource has completed.",
            "server1: Stopping fip1 resource has started.",
            "server1: Stopping fip1 resource has completed.",
            "server2: Activating fip1 resource has started.",
            "server2: Activating fip1 resource has completed.",
            "server2: Activating script1 resource has started.",
            "server2: Activating script1 resource has completed.",
            "server2: Moving group failover1 has completed.",
        ]
    );
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
}

#[test]
fn group_stop_and_start_and_their_refusals() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"group-stop","group":"failover1"}"#).unwrap();
    sim.run_until(20 * S);
    assert_eq!(group(&sim, "failover1"), ("Offline".into(), "None".into()));
    let e = op(&mut sim, r#"{"op":"group-stop","group":"failover1"}"#).unwrap_err();
    assert_eq!(e.message(), "Group failover1 is already stopped.");
    op(
        &mut sim,
        r#"{"op":"group-start","group":"failover1","target":"server2"}"#,
    )
    .unwrap();
    sim.run_until(40 * S);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
    let e = op(&mut sim, r#"{"op":"group-start","group":"failover1"}"#).unwrap_err();
    assert_eq!(
        e.message(),
        "Group failover1 is already started on server server2."
    );
    let e = op(&mut sim, r#"{"op":"group-start","group":"nope"}"#).unwrap_err();
    assert_eq!(
        e.message(),
        "unknown group `nope`; valid: failover1, failover2"
    );
}

#[test]
fn stop_all_groups_on_a_server_then_start_all_that_can_start_there() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"group-stop","target":"server2"}"#).unwrap();
    sim.run_until(20 * S);
    assert_eq!(group(&sim, "failover2").0, "Offline");
    assert_eq!(group(&sim, "failover1").0, "Online");
    op(&mut sim, r#"{"op":"group-start","target":"server2"}"#).unwrap();
    sim.run_until(40 * S);
    assert_eq!(
        group(&sim, "failover2"),
        ("Online".into(), "server2".into())
    );
}

#[test]
fn move_without_target_follows_the_policy() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"group-move","group":"failover2"}"#).unwrap();
    sim.run_until(30 * S);
    assert_eq!(
        group(&sim, "failover2"),
        ("Online".into(), "server1".into())
    );
    let ev = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::GroupMoving)
        .unwrap();
    assert!(ev
        .reason
        .as_ref()
        .unwrap()
        .contains("chose server1 (entry 2 of 2)"));
}

#[test]
fn single_resource_start_starts_its_stopped_dependencies_and_stop_stops_dependents() {
    let mut sim = default_sim();
    let mark = sim.events().len();
    op(&mut sim, r#"{"op":"resource-stop","resource":"fip1"}"#).unwrap();
    sim.run_until(10 * S);
    let v = sim.view();
    assert_eq!(v.resource("fip1").unwrap().status, "Offline");
    assert_eq!(v.resource("script1").unwrap().status, "Offline");
    assert_subsequence(
        &messages(&sim, mark),
        &[
            "server1: Stopping a single resource fip1.",
            "server1: Stopping script1 resource has completed.",
            "server1: Stopping fip1 resource has completed.",
            "server1: A single resource fip1 has been stopped.",
        ],
    );
    let mark = sim.events().len();
    op(
        &mut sim,
        r#"{"op":"resource-start","resource":"script1","target":"server1"}"#,
    )
    .unwrap();
    sim.run_until(20 * S);
    assert_eq!(
        messages(&sim, mark),
        [
            "server1: Starting a single resource script1.",
            "server1: Activating fip1 resource has started.",
            "server1: Activating fip1 resource has completed.",
            "server1: Activating script1 resource has started.",
            "server1: Activating script1 resource has completed.",
            "server1: A single resource script1 has been started.",
        ]
    );
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
}

#[test]
fn activation_failure_retries_then_fails_over_then_final_action() {
    let mut sim = sim_from(
        "
cluster: {name: c}
servers: [{name: s1}, {name: s2}]
heartbeats: [{name: hb, type: lankhb}]
settings: {initial_state: stopped}
groups:
  - name: g
    servers: [s1, s2]
    resources:
      - {name: ip, type: fip, activation: {retry: 1, failover_threshold: 1}}
",
    );
    sim.inject(fault(FaultKind::ActivationFailure {
        resource: "ip".into(),
        server: "s1".into(),
        times: Some(0),
    }))
    .unwrap();
    sim.inject(fault(FaultKind::ActivationFailure {
        resource: "ip".into(),
        server: "s2".into(),
        times: Some(0),
    }))
    .unwrap();
    op(&mut sim, r#"{"op":"cluster-start"}"#).unwrap();
    sim.run_until(60 * S);
    let log = messages(&sim, 0);
    assert_subsequence(
        &log,
        &[
            "s2: All servers have started.",
            "s1: Activating group g has started.",
            "s1: Activating ip resource has failed.(1 : activation failed)",
            "s1: Resource(ip) will be reactivated since activating resource(ip) failed.",
            "s1: Activating ip resource has failed.(1 : activation failed)",
            "s1: Group(g) will be moved to server(s2) since activating  resource(ip) failed.",
            "s1: Failover group g has started.",
            "s2: Activating ip resource has failed.(1 : activation failed)",
            "s2: Resource(ip) will be reactivated since activating resource(ip) failed.",
            "s2: Activating ip resource has failed.(1 : activation failed)",
            "s2: Failover group g has failed.",
        ],
    );
    // Final action "no operation (not activate next resource)": the group stays failed.
    assert_eq!(group(&sim, "g"), ("Online Failure".into(), "s2".into()));
    assert!(!sim.busy());
}

#[test]
fn activation_final_action_stop_group() {
    let mut sim = sim_from(
        "
cluster: {name: c}
servers: [{name: s1}]
settings: {initial_state: stopped}
groups:
  - name: g
    resources:
      - {name: ip, type: fip}
      - {name: app, type: exec, activation: {failover_threshold: 0, final_action: stop-group}}
",
    );
    sim.inject(fault(FaultKind::ActivationFailure {
        resource: "app".into(),
        server: "s1".into(),
        times: None,
    }))
    .unwrap();
    op(&mut sim, r#"{"op":"cluster-start"}"#).unwrap();
    sim.run_until(60 * S);
    assert_subsequence(
        &messages(&sim, 0),
        &[
            "s1: Activating app resource has failed.(1 : activation failed)",
            "s1: Group(g) will be stopped since activating  resource(app) failed.",
            "s1: Stopping ip resource has completed.",
            "s1: Activating group g has failed.",
        ],
    );
    assert_eq!(group(&sim, "g").0, "Offline");
}

#[test]
fn deactivation_failure_default_final_action_shuts_down_and_peer_takes_over() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::DeactivationFailure {
        resource: "script1".into(),
        server: "server1".into(),
        times: None,
    }))
    .unwrap();
    op(
        &mut sim,
        r#"{"op":"group-move","group":"failover1","target":"server2"}"#,
    )
    .unwrap();
    sim.run_until(200 * S);
    assert_subsequence(
        &messages(&sim, 0),
        &[
            "server1: Stopping script1 resource has failed.(1 : deactivation failed)",
            "server1: System will be halted since stopping resource(script1) failed.",
            "server2: Server server1 has been stopped.",
            "server2: Failover group failover1 has started.",
            "server2: Failover group failover1 has completed.",
        ],
    );
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
    assert!(
        !sim.busy(),
        "the aborted move no longer holds the operation lock"
    );
}

fn monitor_error(m: &str, s: Option<&str>) -> FaultSpec {
    fault(FaultKind::MonitorResult {
        monitor: m.into(),
        server: s.map(Into::into),
        result: CheckResult::Error,
    })
}

#[test]
fn monitor_error_reactivates_three_times_then_fails_over_then_gives_up() {
    let mut sim = default_sim();
    sim.inject(monitor_error("fipw1", None)).unwrap();
    sim.run_until(30 * 60 * S);
    let log = messages(&sim, 0);
    let restarts = log.iter().filter(|m| m.ends_with("Recovery target failover1 has restarted because an error was detected in monitoring fipw1.")).count();
    assert_eq!(restarts, 3, "{log:#?}");
    assert_subsequence(&log, &[
        "server1: Detected an error in monitoring fipw1. (1 : monitor check failed)",
        "server1: Recovery target failover1 has restarted because an error was detected in monitoring fipw1.",
        "server1: Restarting group failover1 has started.",
        "server1: Restarting group failover1 has completed.",
        "server1: Recovery target failover1 failed over because an error was detected in monitoring fipw1.",
        "server2: Failover group failover1 has completed.",
        "server2: Detected an error in monitoring fipw1. (1 : monitor check failed)",
        "server2: Restart count exceeded the maximum of 3. Final action of monitoring fipw1 will not be executed.",
    ]);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Error");
}

#[test]
fn monitor_detects_after_retry_plus_one_failed_checks() {
    let mut sim = default_sim();
    sim.inject(monitor_error("userw", Some("server2"))).unwrap();
    sim.run_until(10 * 60 * S);
    let checks: Vec<u64> = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::MonitorError)
        .map(|e| e.t_ms)
        .collect();
    assert!(!checks.is_empty());
    // retry 1: the error is declared on the second failed check, 60 s after the first.
    let first = checks[0];
    assert!((60 * S..120 * S).contains(&first), "{first}");
}

#[test]
fn monitor_recovers_to_normal_and_counters_reset() {
    let mut sim = default_sim();
    let id = sim.inject(monitor_error("userw", Some("server2"))).unwrap();
    sim.run_until(5 * 60 * S);
    assert_eq!(sim.view().monitor("userw").unwrap().status, "Error");
    sim.heal(id).unwrap();
    sim.run_until(7 * 60 * S);
    assert_eq!(sim.view().monitor("userw").unwrap().status, "Normal");
    assert!(messages(&sim, 0)
        .contains(&"server2: userw status changed from error to normal.".to_string()));
}

#[test]
fn caution_result_shows_caution_without_recovery() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::MonitorResult {
        monitor: "fipw1".into(),
        server: Some("server1".into()),
        result: CheckResult::Caution,
    }))
    .unwrap();
    sim.run_until(5 * 60 * S);
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Caution");
    assert!(
        messages(&sim, 0).contains(&"server1: Warn monitoring fipw1. (1 : warning)".to_string())
    );
    assert!(sim
        .events()
        .iter()
        .all(|e| e.kind != EventKind::RecoveryRestart));
}

#[test]
fn suspended_monitor_neither_checks_nor_recovers() {
    let mut sim = default_sim();
    op(
        &mut sim,
        r#"{"op":"monitor-suspend","monitor":"fipw1","target":"server1"}"#,
    )
    .unwrap();
    sim.inject(monitor_error("fipw1", Some("server1"))).unwrap();
    sim.run_until(10 * 60 * S);
    let v = sim.view();
    assert_eq!(v.monitor("fipw1").unwrap().servers[0].status, "Suspend");
    assert!(sim
        .events()
        .iter()
        .all(|e| e.kind != EventKind::MonitorError));
    assert!(messages(&sim, 0).contains(&"server1: Monitoring fipw1 was suspended.".to_string()));
    op(
        &mut sim,
        r#"{"op":"monitor-resume","monitor":"fipw1","target":"server1"}"#,
    )
    .unwrap();
    sim.run_until(15 * 60 * S);
    assert!(sim
        .events()
        .iter()
        .any(|e| e.kind == EventKind::MonitorError));
}

#[test]
fn timing_active_monitor_is_offline_where_its_target_is_not_active() {
    let sim = default_sim();
    let v = sim.view();
    let fipw1 = v.monitor("fipw1").unwrap();
    assert_eq!(fipw1.servers[0].status, "Normal");
    assert_eq!(fipw1.servers[1].status, "Offline");
    assert_eq!(fipw1.status, "Normal");
}

#[test]
fn resource_failure_is_detected_and_fixed_by_one_restart() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::ResourceFailure {
        resource: "fip1".into(),
        server: "server1".into(),
    }))
    .unwrap();
    sim.run_until(10 * 60 * S);
    let restarts = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::RecoveryRestart)
        .count();
    assert_eq!(restarts, 1);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Normal");
}

#[test]
fn cluster_stop_stops_everything_without_failover_and_start_brings_groups_back() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"cluster-stop"}"#).unwrap();
    sim.run_until(30 * S);
    let v = sim.view();
    assert_eq!(v.status, "Offline");
    assert!(v
        .groups
        .iter()
        .all(|g| g.status == "Offline" && g.current == "None"));
    assert!(v.servers.iter().all(|s| s.status == "Offline"));
    assert!(sim
        .events()
        .iter()
        .all(|e| e.kind != EventKind::FailoverStarting));
    assert!(!sim.busy());
    op(&mut sim, r#"{"op":"cluster-start"}"#).unwrap();
    sim.run_until(60 * S);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
    assert_eq!(
        group(&sim, "failover2"),
        ("Online".into(), "server2".into())
    );
    assert_eq!(sim.view().status, "Normal");
}

#[test]
fn cluster_start_waits_for_missing_servers_then_times_out() {
    let mut sim = sim_from(&TWO_NO_RESOLVER.replace(
        "cluster: {name: c}",
        "cluster: {name: c}\nsettings: {initial_state: stopped}",
    ));
    sim.inject(crash("s2")).unwrap();
    op(&mut sim, r#"{"op":"cluster-start"}"#).unwrap();
    sim.run_until(299 * S);
    assert_eq!(group(&sim, "g1").0, "Offline");
    sim.run_until(320 * S);
    assert_subsequence(
        &messages(&sim, 0),
        &[
            "s1: Waiting for all servers to start.",
            "s1: Timeout occurred during the wait for startup of all servers.",
            "s1: Activating group g1 has started.",
        ],
    );
    assert_eq!(group(&sim, "g1"), ("Online".into(), "s1".into()));
    assert_eq!(group(&sim, "g2"), ("Online".into(), "s1".into()));
}

#[test]
fn cluster_suspend_refuses_group_operations_and_stops_monitors_until_resume() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"cluster-suspend"}"#).unwrap();
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Suspend");
    let e = op(&mut sim, r#"{"op":"group-move","group":"failover1"}"#).unwrap_err();
    assert_eq!(
        e.message(),
        "The cluster is suspended. Resume the cluster first."
    );
    sim.inject(crash("server1")).unwrap();
    sim.run_until(200 * S);
    assert_eq!(
        group(&sim, "failover1").0,
        "Offline",
        "no failover while suspended"
    );
    op(&mut sim, r#"{"op":"cluster-resume"}"#).unwrap();
    assert_eq!(sim.view().monitor("fipw2").unwrap().status, "Normal");
    assert!(messages(&sim, 0).contains(&"server1: All monitors were suspended.".to_string()));
}

#[test]
fn server_stop_fails_its_groups_over_at_once() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"server-stop","server":"server1"}"#).unwrap();
    sim.run_until(30 * S);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server2".into())
    );
    assert_eq!(sim.view().server("server1").unwrap().status, "Offline");
    assert!(!sim.busy());
    // Manual failback: starting server1 again does not move failover1 back.
    op(&mut sim, r#"{"op":"server-start","server":"server1"}"#).unwrap();
    sim.run_until(60 * S);
    assert_eq!(group(&sim, "failover1").1, "server2");
    assert_eq!(sim.view().server("server1").unwrap().status, "Online");
}

#[test]
fn auto_failback_moves_the_group_home_when_its_server_returns() {
    let yaml = Model::default_cluster()
        .to_yaml()
        .replacen("failback: manual", "failback: auto", 1);
    let mut sim = sim_from(&yaml);
    op(&mut sim, r#"{"op":"server-stop","server":"server1"}"#).unwrap();
    sim.run_until(30 * S);
    assert_eq!(group(&sim, "failover1").1, "server2");
    op(&mut sim, r#"{"op":"server-start","server":"server1"}"#).unwrap();
    sim.run_until(60 * S);
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
    assert!(
        messages(&sim, 0).contains(&"server2: Failback group failover1 has started.".to_string())
    );
}

#[test]
fn server_reboot_and_shutdown() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"server-reboot","server":"server2"}"#).unwrap();
    sim.run_until(10 * S);
    assert_eq!(group(&sim, "failover2").1, "server1");
    assert!(sim.busy(), "the reboot is in progress");
    sim.run_until(120 * S);
    assert!(!sim.busy());
    assert_eq!(sim.view().server("server2").unwrap().status, "Online");
    op(&mut sim, r#"{"op":"server-shutdown","server":"server2"}"#).unwrap();
    sim.run_until(200 * S);
    assert!(!sim.view().server("server2").unwrap().reachable);
    let e = op(&mut sim, r#"{"op":"server-start","server":"server2"}"#).unwrap_err();
    assert_eq!(e.message(), "Server server2 is down.");
}

#[test]
fn crashed_server_comes_back_with_auto_start_suppressed() {
    let mut sim = default_sim();
    let mut f = crash("server2");
    f.duration_ms = Some(100 * S);
    sim.inject(f).unwrap();
    sim.run_until(300 * S);
    assert!(sim.view().server("server2").unwrap().reachable);
    assert_eq!(sim.view().server("server2").unwrap().status, "Offline");
    assert!(messages(&sim, 0).contains(&"server2: Automatic start is suspended because the cluster service was not stopped according to the normal procedure.".to_string()));
    op(&mut sim, r#"{"op":"server-start","server":"server2"}"#).unwrap();
    sim.run_until(310 * S);
    assert_eq!(sim.view().server("server2").unwrap().status, "Online");
}

#[test]
fn policy_skips_a_down_server() {
    let mut sim = sim_from(
        "
cluster: {name: c}
servers: [{name: a}, {name: b}, {name: c}]
heartbeats: [{name: hb, type: lankhb}]
groups:
  - {name: g, servers: [a, b, c], resources: [{name: ip, type: fip}]}
",
    );
    op(&mut sim, r#"{"op":"server-stop","server":"b"}"#).unwrap();
    sim.run_until(10 * S);
    sim.inject(crash("a")).unwrap();
    sim.run_until(200 * S);
    assert_eq!(group(&sim, "g"), ("Online".into(), "c".into()));
    let reason = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::FailoverStarting)
        .unwrap()
        .reason
        .clone()
        .unwrap();
    assert!(
        reason.contains(
            "chose c (entry 3 of 3); a excluded: the failed server, b excluded: not running"
        ),
        "{reason}"
    );
}

#[test]
fn exclusive_groups_never_share_a_server() {
    let mut sim = sim_from(
        "
cluster: {name: c}
servers: [{name: a}, {name: b}, {name: c}]
heartbeats: [{name: hb, type: lankhb}]
groups:
  - {name: g1, exclusive: true, servers: [a, c], resources: [{name: ip1, type: fip}]}
  - {name: g2, exclusive: true, servers: [b, c, a], resources: [{name: ip2, type: fip}]}
",
    );
    sim.inject(crash("b")).unwrap();
    sim.run_until(200 * S);
    assert_eq!(group(&sim, "g2"), ("Online".into(), "c".into()));
    sim.inject(crash("a")).unwrap();
    sim.run_until(400 * S);
    assert_eq!(
        group(&sim, "g1").0,
        "Offline",
        "c already runs an exclusive group"
    );
    assert!(messages(&sim, 0)
        .iter()
        .any(|m| m.contains("There is no appropriate destination for the group g1")));
}

#[test]
fn timeout_ratio_stretches_detection_and_expires() {
    let mut sim = default_sim();
    op(
        &mut sim,
        r#"{"op":"set-timeout-ratio","ratio":2,"duration_ms":600000}"#,
    )
    .unwrap();
    assert_eq!(sim.timeout_ratio(), 2);
    sim.inject(crash("server1")).unwrap();
    sim.run_until(170 * S);
    assert!(
        sim.events().iter().all(|e| e.kind != EventKind::ServerDown),
        "not detected before 180 s"
    );
    sim.run_until(185 * S);
    assert!(sim.events().iter().any(|e| e.kind == EventKind::ServerDown));
    sim.run_until(601 * S);
    assert_eq!(sim.timeout_ratio(), 1);
    let e = op(
        &mut sim,
        r#"{"op":"set-timeout-ratio","ratio":1,"duration_ms":60000}"#,
    )
    .unwrap_err();
    assert_eq!(e.message(), "time cannot be given with ratio 1");
    let e = op(
        &mut sim,
        r#"{"op":"set-timeout-ratio","ratio":10001,"duration_ms":60000}"#,
    )
    .unwrap_err();
    assert!(e.message().contains("out of range"));
}

#[test]
fn script_run_reports_its_exit_code() {
    let mut sim = default_sim();
    op(
        &mut sim,
        r#"{"op":"script-run","script":"script.sh","target":"127.0.0.12"}"#,
    )
    .unwrap();
    sim.run_until(5 * S);
    let done = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::ScriptFinished)
        .unwrap();
    assert_eq!(done.server, Some(1));
    assert_eq!(done.t_ms, 2 * S);
    assert_eq!(
        done.reason.as_deref(),
        Some("script script.sh: exit code 0")
    );
    let e = op(
        &mut sim,
        r#"{"op":"script-run","script":"x.sh","target":"127.0.0.12"}"#,
    )
    .unwrap_err();
    assert!(e.message().starts_with("unknown script `x.sh`"));
}

#[test]
fn hung_server_is_detected_and_both_active_resolved_when_it_returns() {
    let mut sim = sim_from(TWO_NO_RESOLVER);
    let mut f = fault(FaultKind::ServerHang {
        server: "s1".into(),
    });
    f.duration_ms = Some(200 * S);
    sim.inject(f).unwrap();
    sim.run_until(150 * S);
    assert_eq!(sim.view_from(1).group("g1").unwrap().current, "s2");
    sim.run_until(300 * S);
    assert!(messages(&sim, 0)
        .iter()
        .any(|m| m.ends_with("Group g1 has started on more than one server.")));
}

#[test]
fn dummy_failure_on_a_monitor_drives_recovery_like_a_real_error() {
    let mut sim = default_sim();
    op(
        &mut sim,
        r#"{"op":"monitor-dummy-failure-start","monitor":"fipw2"}"#,
    )
    .unwrap();
    sim.run_until(5 * 60 * S);
    assert!(sim
        .events()
        .iter()
        .any(|e| e.kind == EventKind::RecoveryRestart));
    assert!(messages(&sim, 0)
        .contains(&"server2: Dummy Failure of monitor resource fipw2 is enabled.".to_string()));
}

#[test]
fn unknown_names_in_faults_list_the_valid_ones() {
    let mut sim = default_sim();
    let e = sim.inject(crash("server9")).unwrap_err();
    assert_eq!(
        e.message(),
        "unknown server `server9`; valid: server1, server2"
    );
    let e = sim.heal(42).unwrap_err();
    assert_eq!(
        e.message(),
        "no fault with id 42; active and scheduled: none"
    );
}

#[test]
fn scheduled_fault_starts_and_heals_on_time() {
    let mut sim = default_sim();
    let id = sim
        .inject(FaultSpec {
            kind: FaultKind::HeartbeatPathDown {
                server: "server1".into(),
                path: "lankhb2".into(),
            },
            at_ms: Some(50 * S),
            duration_ms: Some(20 * S),
        })
        .unwrap();
    assert_eq!(sim.faults()[0].state, "scheduled");
    sim.run_until(55 * S);
    assert_eq!(sim.faults()[0].state, "active");
    sim.run_until(71 * S);
    assert!(sim.faults().is_empty());
    let times: Vec<u64> = sim
        .events()
        .iter()
        .filter(|e| e.fault == Some(id))
        .map(|e| e.t_ms)
        .collect();
    assert_eq!(times, [50 * S, 70 * S]);
}

#[test]
fn cluster_reboot_brings_everything_back_and_shutdown_leaves_it_off() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"cluster-reboot"}"#).unwrap();
    sim.run_until(10 * S);
    assert_eq!(
        sim.view().observer,
        None,
        "no server runs the cluster service while rebooting"
    );
    sim.run_until(120 * S);
    assert!(!sim.busy());
    assert_eq!(
        group(&sim, "failover1"),
        ("Online".into(), "server1".into())
    );
    assert_eq!(
        group(&sim, "failover2"),
        ("Online".into(), "server2".into())
    );
    assert!(sim
        .events()
        .iter()
        .all(|e| e.kind != EventKind::FailoverStarting));
    op(&mut sim, r#"{"op":"cluster-shutdown"}"#).unwrap();
    sim.run_until(300 * S);
    let v = sim.view();
    assert!(v.servers.iter().all(|s| !s.reachable));
    assert_eq!(v.status, "Offline", "stopped in good order everywhere");
}

#[test]
fn mirror_disk_monitors_default_to_a_999_second_timeout() {
    let m = Model::from_yaml(
        "cluster: {name: c}\nservers: [{name: a}]\nmonitors: [{name: m, type: mdw}, {name: u, type: userw}]\n",
        "t.yaml",
    )
    .unwrap();
    assert_eq!(m.monitors[0].timeout.0, 999_000);
    assert_eq!(m.monitors[1].timeout.0, 120_000);
}
