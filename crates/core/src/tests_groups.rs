//! Behaviour tests of operator operations, groups and resources (helpers in `tests.rs`).

use super::tests::*;
use super::*;

pub(super) fn op(sim: &mut Sim, json: &str) -> Result<(), InputError> {
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
    assert_eq!(e, InputError::Refused(Refusal::Busy));
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

/// Planning decides without acting: a refused plan, and a plan that is not executed,
/// leave the log and the state as they were; executing it does the operation.
#[test]
fn a_plan_changes_nothing_until_it_is_executed() {
    let mut sim = default_sim();
    let before = sim.events().len();
    let stop: Operation =
        serde_json::from_str(r#"{"op":"group-stop","group":"failover1"}"#).unwrap();
    let refused = sim.plan(
        serde_json::from_str(r#"{"op":"group-move","group":"failover1","target":"server1"}"#)
            .unwrap(),
    );
    assert!(matches!(
        refused,
        Err(InputError::Refused(Refusal::GroupAlreadyStarted { .. }))
    ));
    let plan = sim.plan(stop.clone()).unwrap();
    assert_eq!(sim.events().len(), before);
    assert!(!sim.busy());
    sim.execute(plan);
    assert!(sim.busy());
    assert!(sim.events()[before..]
        .iter()
        .any(|e| e.kind == EventKind::OperationRequested));
    sim.run_until(30 * S);
    assert_eq!(group(&sim, "failover1").0, "Offline");
}
