//! Behaviour tests of monitors, cluster and server operations, and fault timing
//! (helpers in `tests.rs`).

use super::tests::*;
use super::tests_groups::op;
use super::*;
use crate::model::Model;

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
        "cluster: {name: c}\nservers: [{name: a}, {name: b}]\nheartbeats: [{name: h, type: lankhb}]\n\
         mirror_connects: [{name: mdc1}]\ngroups: [{name: g, resources: [{name: md1, type: md}]}]\n\
         monitors: [{name: m, type: mdw, target: md1}, {name: u, type: userw}]\n",
        "t.yaml",
    )
    .unwrap();
    assert_eq!(m.monitors[0].timeout.0, 999_000);
    assert_eq!(m.monitors[1].timeout.0, 120_000);
}
