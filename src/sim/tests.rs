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
        sides: sides.iter().map(|s| s.iter().map(|x| x.to_string()).collect()).collect(),
        paths: None,
        oneway: false,
    })
}

#[test]
fn losing_one_path_is_caution_and_fails_nothing_over() {
    let mut sim = default_sim();
    let mark = sim.events().len();
    sim.inject(fault(FaultKind::HeartbeatPathDown { server: "server2".into(), path: "lankhb1".into() })).unwrap();
    sim.run_until(200 * S);
    let v = sim.view();
    assert_eq!(v.server("server2").unwrap().status, "Caution");
    assert_eq!(v.heartbeats[0].status, "Error");
    assert_eq!(v.heartbeats[1].status, "Normal");
    assert_eq!(v.status, "Caution");
    assert!(sim.events()[mark..].iter().all(|e| e.kind != EventKind::ServerDown && e.kind != EventKind::FailoverStarting));
    // The path is down on server2, so both directions of lankhb1 are lost.
    assert_eq!(messages(&sim, mark), [
        "server2: Resource lankhb1 of server server1 has stopped.",
        "server1: Resource lankhb1 of server server2 has stopped.",
    ]);
}

#[test]
fn path_recovery_clears_caution() {
    let mut sim = default_sim();
    let id = sim.inject(fault(FaultKind::HeartbeatPathDown { server: "server2".into(), path: "lankhb1".into() })).unwrap();
    sim.run_until(200 * S);
    sim.heal(id).unwrap();
    sim.run_until(210 * S);
    assert_eq!(sim.view().server("server2").unwrap().status, "Online");
    assert!(messages(&sim, 0).contains(&"server1: Resource lankhb1 of server server2 has started.".to_string()));
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
    assert!(log.iter().any(|m| m.ends_with("Group g1 has started on more than one server.")
        || m.ends_with("Group g2 has started on more than one server.")), "{log:#?}");
    let v = sim.view();
    assert!(v.servers.iter().all(|s| !s.reachable), "both servers shut down");
    assert_eq!(v.status, "Error");
}

#[test]
fn partition_with_ping_resolver_shuts_down_the_side_without_the_target() {
    let mut sim = default_sim();
    sim.inject(partition(&[&["server1"], &["server2", "pingnp1"]])).unwrap();
    sim.run_until(200 * S);
    let log = messages(&sim, 0);
    assert_subsequence(&log, &[
        "server1: Server server2 has been stopped.",
        "server1: Network partition was detected. Shut down the server server1 to protect data.",
    ]);
    assert!(!sim.view().server("server1").unwrap().reachable);
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server2".into()));
    assert_eq!(group(&sim, "failover2"), ("Online".into(), "server2".into()));
    let np = sim.events().iter().find(|e| e.kind == EventKind::NpAction).unwrap();
    assert!(np.reason.as_ref().unwrap().contains("pingnp1 target 192.168.0.254 does not answer"));
}

#[test]
fn resolver_target_loss_alone_changes_nothing_but_its_status() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::ResolverTargetDown { resolver: "pingnp1".into() })).unwrap();
    sim.run_until(100 * S);
    assert_eq!(sim.view().resolvers[0].status, "Error");
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server1".into()));
    assert!(messages(&sim, 0).contains(&"server1: The network partition pingnp1 of the server server1 has an error.".to_string()));
}

#[test]
fn crash_while_resolver_target_down_shuts_down_the_survivor_too() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::ResolverTargetDown { resolver: "pingnp1".into() })).unwrap();
    sim.inject(crash("server1")).unwrap();
    sim.run_until(200 * S);
    assert!(messages(&sim, 0).contains(&"server2: Network partition was detected. Shut down the server server2 to protect data.".to_string()));
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
    let downs: Vec<_> = sim.events().iter().filter(|e| e.kind == EventKind::ServerDown).map(|e| (e.server, e.peer)).collect();
    assert_eq!(downs, [(Some(1), Some(0))]);
    assert_eq!(sim.view_from(1).group("g1").unwrap().current, "s2");
}

#[test]
fn majority_resolver_keeps_the_larger_side() {
    let mut sim = sim_from("
cluster: {name: c}
servers: [{name: a}, {name: b}, {name: c}]
heartbeats: [{name: hb, type: lankhb}]
resolvers: [{name: maj, type: majority}]
groups:
  - {name: g, servers: [a, b, c], resources: [{name: ip, type: fip}]}
");
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
    op(&mut sim, r#"{"op":"group-move","group":"failover1","target":"server2"}"#).unwrap();
    assert!(sim.busy());
    sim.run_until(1 * S);
    assert_eq!(group(&sim, "failover1").0, "Offline Pending");
    // A second operation while the first runs is refused.
    let e = op(&mut sim, r#"{"op":"group-stop","group":"failover2"}"#).unwrap_err();
    assert!(e.message().contains("Another operation is in progress"));
    sim.run_until(30 * S);
    assert!(!sim.busy());
    assert_eq!(messages(&sim, mark), [
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
    ]);
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server2".into()));
}

#[test]
fn group_stop_and_start_and_their_refusals() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"group-stop","group":"failover1"}"#).unwrap();
    sim.run_until(20 * S);
    assert_eq!(group(&sim, "failover1"), ("Offline".into(), "None".into()));
    let e = op(&mut sim, r#"{"op":"group-stop","group":"failover1"}"#).unwrap_err();
    assert_eq!(e.message(), "Group failover1 is already stopped.");
    op(&mut sim, r#"{"op":"group-start","group":"failover1","target":"server2"}"#).unwrap();
    sim.run_until(40 * S);
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server2".into()));
    let e = op(&mut sim, r#"{"op":"group-start","group":"failover1"}"#).unwrap_err();
    assert_eq!(e.message(), "Group failover1 is already started on server server2.");
    let e = op(&mut sim, r#"{"op":"group-start","group":"nope"}"#).unwrap_err();
    assert_eq!(e.message(), "unknown group `nope`; valid: failover1, failover2");
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
    assert_eq!(group(&sim, "failover2"), ("Online".into(), "server2".into()));
}

#[test]
fn move_without_target_follows_the_policy() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"group-move","group":"failover2"}"#).unwrap();
    sim.run_until(30 * S);
    assert_eq!(group(&sim, "failover2"), ("Online".into(), "server1".into()));
    let ev = sim.events().iter().find(|e| e.kind == EventKind::GroupMoving).unwrap();
    assert!(ev.reason.as_ref().unwrap().contains("chose server1 (entry 2 of 2)"));
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
    assert_subsequence(&messages(&sim, mark), &[
        "server1: Stopping a single resource fip1.",
        "server1: Stopping script1 resource has completed.",
        "server1: Stopping fip1 resource has completed.",
        "server1: A single resource fip1 has been stopped.",
    ]);
    let mark = sim.events().len();
    op(&mut sim, r#"{"op":"resource-start","resource":"script1","target":"server1"}"#).unwrap();
    sim.run_until(20 * S);
    assert_eq!(messages(&sim, mark), [
        "server1: Starting a single resource script1.",
        "server1: Activating fip1 resource has started.",
        "server1: Activating fip1 resource has completed.",
        "server1: Activating script1 resource has started.",
        "server1: Activating script1 resource has completed.",
        "server1: A single resource script1 has been started.",
    ]);
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server1".into()));
}

#[test]
fn activation_failure_retries_then_fails_over_then_final_action() {
    let mut sim = sim_from("
cluster: {name: c}
servers: [{name: s1}, {name: s2}]
heartbeats: [{name: hb, type: lankhb}]
settings: {initial_state: stopped}
groups:
  - name: g
    servers: [s1, s2]
    resources:
      - {name: ip, type: fip, activation: {retry: 1, failover_threshold: 1}}
");
    sim.inject(fault(FaultKind::ActivationFailure { resource: "ip".into(), server: "s1".into(), times: Some(0) })).unwrap();
    sim.inject(fault(FaultKind::ActivationFailure { resource: "ip".into(), server: "s2".into(), times: Some(0) })).unwrap();
    op(&mut sim, r#"{"op":"cluster-start"}"#).unwrap();
    sim.run_until(60 * S);
    let log = messages(&sim, 0);
    assert_subsequence(&log, &[
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
    ]);
    // Final action "no operation (not activate next resource)": the group stays failed.
    assert_eq!(group(&sim, "g"), ("Online Failure".into(), "s2".into()));
    assert!(!sim.busy());
}

#[test]
fn activation_final_action_stop_group() {
    let mut sim = sim_from("
cluster: {name: c}
servers: [{name: s1}]
settings: {initial_state: stopped}
groups:
  - name: g
    resources:
      - {name: ip, type: fip}
      - {name: app, type: exec, activation: {failover_threshold: 0, final_action: stop-group}}
");
    sim.inject(fault(FaultKind::ActivationFailure { resource: "app".into(), server: "s1".into(), times: None })).unwrap();
    op(&mut sim, r#"{"op":"cluster-start"}"#).unwrap();
    sim.run_until(60 * S);
    assert_subsequence(&messages(&sim, 0), &[
        "s1: Activating app resource has failed.(1 : activation failed)",
        "s1: Group(g) will be stopped since activating  resource(app) failed.",
        "s1: Stopping ip resource has completed.",
        "s1: Activating group g has failed.",
    ]);
    assert_eq!(group(&sim, "g").0, "Offline");
}

#[test]
fn deactivation_failure_default_final_action_shuts_down_and_peer_takes_over() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::DeactivationFailure { resource: "script1".into(), server: "server1".into(), times: None })).unwrap();
    op(&mut sim, r#"{"op":"group-move","group":"failover1","target":"server2"}"#).unwrap();
    sim.run_until(200 * S);
    assert_subsequence(&messages(&sim, 0), &[
        "server1: Stopping script1 resource has failed.(1 : deactivation failed)",
        "server1: System will be halted since stopping resource(script1) failed.",
        "server2: Server server1 has been stopped.",
        "server2: Failover group failover1 has started.",
        "server2: Failover group failover1 has completed.",
    ]);
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server2".into()));
    assert!(!sim.busy(), "the aborted move no longer holds the operation lock");
}

fn monitor_error(m: &str, s: Option<&str>) -> FaultSpec {
    fault(FaultKind::MonitorResult { monitor: m.into(), server: s.map(Into::into), result: CheckResult::Error })
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
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server2".into()));
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Error");
}

#[test]
fn monitor_detects_after_retry_plus_one_failed_checks() {
    let mut sim = default_sim();
    sim.inject(monitor_error("userw", Some("server2"))).unwrap();
    sim.run_until(10 * 60 * S);
    let checks: Vec<u64> = sim.events().iter().filter(|e| e.kind == EventKind::MonitorError).map(|e| e.t_ms).collect();
    assert!(!checks.is_empty());
    // retry 1: the error is declared on the second failed check, 60 s after the first.
    let first = checks[0];
    assert!(first >= 60 * S && first < 120 * S, "{first}");
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
    assert!(messages(&sim, 0).contains(&"server2: userw status changed from error to normal.".to_string()));
}

#[test]
fn caution_result_shows_caution_without_recovery() {
    let mut sim = default_sim();
    sim.inject(fault(FaultKind::MonitorResult { monitor: "fipw1".into(), server: Some("server1".into()), result: CheckResult::Caution })).unwrap();
    sim.run_until(5 * 60 * S);
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Caution");
    assert!(messages(&sim, 0).contains(&"server1: Warn monitoring fipw1. (1 : warning)".to_string()));
    assert!(sim.events().iter().all(|e| e.kind != EventKind::RecoveryRestart));
}

#[test]
fn suspended_monitor_neither_checks_nor_recovers() {
    let mut sim = default_sim();
    op(&mut sim, r#"{"op":"monitor-suspend","monitor":"fipw1","target":"server1"}"#).unwrap();
    sim.inject(monitor_error("fipw1", Some("server1"))).unwrap();
    sim.run_until(10 * 60 * S);
    let v = sim.view();
    assert_eq!(v.monitor("fipw1").unwrap().servers[0].status, "Suspend");
    assert!(sim.events().iter().all(|e| e.kind != EventKind::MonitorError));
    assert!(messages(&sim, 0).contains(&"server1: Monitoring fipw1 was suspended.".to_string()));
    op(&mut sim, r#"{"op":"monitor-resume","monitor":"fipw1","target":"server1"}"#).unwrap();
    sim.run_until(15 * 60 * S);
    assert!(sim.events().iter().any(|e| e.kind == EventKind::MonitorError));
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
    sim.inject(fault(FaultKind::ResourceFailure { resource: "fip1".into(), server: "server1".into() })).unwrap();
    sim.run_until(10 * 60 * S);
    let restarts = sim.events().iter().filter(|e| e.kind == EventKind::RecoveryRestart).count();
    assert_eq!(restarts, 1);
    assert_eq!(group(&sim, "failover1"), ("Online".into(), "server1".into()));
    assert_eq!(sim.view().monitor("fipw1").unwrap().status, "Normal");
}
