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
