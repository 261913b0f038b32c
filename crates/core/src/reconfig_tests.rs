//! Live reconfiguration on the default cluster (running; heartbeat timeout 90 s):
//! joins, leaves, refusals, renumbering, determinism.

use super::super::*;
use crate::model::{Model, DEPARTED_BASE};
use std::sync::Arc;

const S: u64 = 1_000;

fn sim_with(hb: HeartbeatModel, seed: u64) -> Sim {
    let mut sim = Sim::with_heartbeat_model(Arc::new(Model::default_cluster()), seed, hb);
    sim.set_check_invariants(true);
    sim
}

fn sim() -> Sim {
    sim_with(HeartbeatModel::Lazy, 7)
}

fn op(sim: &mut Sim, op: Operation) -> Result<Applied, InputError> {
    sim.apply(Input::Operation(op))
}

fn add(name: &str, start: bool) -> Operation {
    Operation::ServerAdd {
        server: name.into(),
        ip: Some(format!(
            "127.0.1.{}",
            name.len() + name.bytes().last().unwrap_or(0) as usize
        )),
        priority: None,
        start,
    }
}

fn remove(name: &str) -> Operation {
    Operation::ServerRemove {
        server: name.into(),
    }
}

fn status(sim: &Sim, server: &str) -> Option<&'static str> {
    let v = sim.view();
    v.servers
        .iter()
        .find(|s| s.name == server)
        .map(|s| s.status)
}

fn refusal(r: Result<Applied, InputError>) -> String {
    match r {
        Err(e @ (InputError::Refused(_) | InputError::Unknown(_))) => e.message(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn log_json(sim: &Sim) -> Vec<String> {
    let m = sim.model().clone();
    sim.events()
        .iter()
        .map(|e| e.to_json(&m).to_string())
        .collect()
}

#[test]
fn an_added_server_is_offline_until_started_then_hears_and_is_heard() {
    let mut sim = sim();
    sim.advance(5 * S);
    op(&mut sim, add("server3", false)).unwrap();
    assert_eq!(sim.model().servers.len(), 3);
    assert_eq!(status(&sim, "server3"), Some(status::OFFLINE));
    assert_eq!(sim.config_applied_ms(), 5 * S);
    let added = sim.events().last().unwrap();
    assert_eq!(added.kind, EventKind::ServerAdded);
    assert_eq!(added.server, Some(2));
    sim.advance(10 * S);
    assert_eq!(status(&sim, "server3"), Some(status::OFFLINE));
    op(
        &mut sim,
        Operation::ServerStart {
            server: "server3".into(),
        },
    )
    .unwrap();
    sim.advance(10 * S);
    assert_eq!(status(&sim, "server3"), Some(status::ONLINE));
    // Both peers count it, and it counts them.
    for o in 0..3 {
        let v = sim.view_from(o);
        assert!(
            v.servers.iter().all(|s| s.status == status::ONLINE),
            "{v:?}"
        );
    }
    // Its heartbeats stop: peers notice by timeout, as for any member.
    op(
        &mut sim,
        Operation::Power {
            server: "server3".into(),
            action: PowerAction::Off,
        },
    )
    .unwrap();
    let before = sim.events().len();
    sim.advance(120 * S);
    let downs: Vec<_> = sim.events()[before..]
        .iter()
        .filter(|e| e.kind == EventKind::ServerDown && e.peer == Some(2))
        .map(|e| e.server)
        .collect();
    assert_eq!(downs, [Some(0), Some(1)]);
}

#[test]
fn start_true_starts_the_service_with_the_add() {
    let mut sim = sim();
    op(&mut sim, add("server3", true)).unwrap();
    sim.advance(10 * S);
    assert_eq!(status(&sim, "server3"), Some(status::ONLINE));
}

#[test]
fn removing_a_running_server_moves_its_groups_first_and_renumbers() {
    let mut sim = sim();
    op(&mut sim, add("server3", true)).unwrap();
    sim.advance(10 * S);
    let server2_events = sim.events().iter().filter(|e| e.server == Some(1)).count();
    assert!(server2_events > 0);
    // failover2 runs on server2; removing server2 fails it over to server1.
    op(&mut sim, remove("server2")).unwrap();
    assert_eq!(sim.removal_pending(), Some("server2"));
    sim.advance(60 * S);
    assert_eq!(sim.removal_pending(), None);
    let names: Vec<_> = sim.model().servers.iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, ["server1", "server3"]);
    let v = sim.view();
    assert_eq!(v.group("failover2").unwrap().current, "server1");
    assert_eq!(v.group("failover2").unwrap().status, status::ONLINE);
    assert_eq!(status(&sim, "server3"), Some(status::ONLINE));
    // server2's old entries now name it as departed and still render its name;
    // server3 moved from id 2 to id 1.
    let m = sim.model().clone();
    let departed = sim
        .events()
        .iter()
        .filter(|e| e.server == Some(DEPARTED_BASE))
        .count();
    assert!(departed > server2_events, "its stop was logged too");
    assert!(sim
        .events()
        .iter()
        .filter(|e| e.server == Some(DEPARTED_BASE))
        .all(|e| e.to_json(&m)["server"] == "server2"));
    // The removal completes when server2 has left; failover2's failover may still run.
    let last = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::ServerRemoved)
        .unwrap();
    assert_eq!(last.to_json(&m)["server"], "server2");
    let added = sim
        .events()
        .iter()
        .find(|e| e.kind == EventKind::ServerAdded)
        .unwrap();
    assert_eq!(added.to_json(&m)["server"], "server3");
    assert_eq!(sim.config_applied_ms(), last.t_ms);
    // The cluster keeps working in the new ids: server3 takes failover2 if server1 goes.
    op(
        &mut sim,
        Operation::Power {
            server: "server1".into(),
            action: PowerAction::Off,
        },
    )
    .unwrap();
    sim.advance(150 * S);
    assert_eq!(status(&sim, "server3"), Some(status::ONLINE));
    assert_eq!(status(&sim, "server1"), Some(status::OFFLINE));
}

#[test]
fn a_crashed_server_is_removed_after_its_peers_took_its_groups() {
    let mut sim = sim();
    sim.advance(5 * S);
    op(
        &mut sim,
        Operation::Power {
            server: "server1".into(),
            action: PowerAction::Off,
        },
    )
    .unwrap();
    op(&mut sim, remove("server1")).unwrap();
    sim.advance(30 * S);
    assert_eq!(
        sim.removal_pending(),
        Some("server1"),
        "peers still count it"
    );
    sim.advance(150 * S);
    assert_eq!(sim.removal_pending(), None);
    let v = sim.view();
    assert_eq!(v.servers.len(), 1);
    assert_eq!(v.group("failover1").unwrap().current, "server2");
}

#[test]
fn refusals_say_why() {
    let mut sim = sim();
    assert!(refusal(op(&mut sim, add("server2", false))).contains("already exists"));
    assert!(refusal(op(&mut sim, remove("nosuch"))).contains("unknown server"));
    // failover1 runs on server1 and its only other server is stopped.
    op(
        &mut sim,
        Operation::ServerStop {
            server: "server2".into(),
        },
    )
    .unwrap();
    sim.advance(60 * S);
    let why = refusal(op(&mut sim, remove("server1")));
    assert!(
        why.contains("Group failover1 is active on server server1"),
        "{why}"
    );
    // Busy: an operation in progress.
    op(
        &mut sim,
        Operation::ServerStart {
            server: "server2".into(),
        },
    )
    .unwrap();
    op(
        &mut sim,
        Operation::GroupMove {
            group: "failover1".into(),
            target: None,
        },
    )
    .unwrap();
    assert!(refusal(op(&mut sim, add("server3", false))).contains("in progress"));
    sim.advance(60 * S);
    // A fault that names the server.
    let f = sim
        .inject(FaultSpec {
            kind: FaultKind::ServerHang {
                server: "server2".into(),
            },
            at_ms: None,
            duration_ms: None,
        })
        .unwrap();
    assert!(refusal(op(&mut sim, remove("server2"))).contains("names server server2"));
    sim.heal(f).unwrap();
    sim.advance(60 * S);
    // The last server.
    op(&mut sim, remove("server1")).unwrap();
    sim.advance(200 * S);
    assert_eq!(sim.model().servers.len(), 1);
    assert!(refusal(op(&mut sim, remove("server2"))).contains("last server"));
    assert!(refusal(op(&mut sim, add("", false))).contains("reconfiguration"));
}

#[test]
fn only_startup_server_of_a_group_cannot_be_removed() {
    let yaml = crate::model::DEFAULT_CLUSTER_YAML
        .replace("servers: [server2, server1]", "servers: [server2]");
    let model = Model::from_yaml(&yaml, "t.yaml").unwrap();
    let mut sim = Sim::new(Arc::new(model), 1);
    let why = refusal(op(&mut sim, remove("server2")));
    assert!(
        why.contains("only startup server of group failover2"),
        "{why}"
    );
}

/// Adds, starts, crashes, heals and removes: the same inputs give the same log.
fn session(hb: HeartbeatModel, seed: u64) -> Vec<String> {
    let mut sim = sim_with(hb, seed);
    sim.advance(7 * S);
    op(&mut sim, add("server3", false)).unwrap();
    sim.advance(4 * S);
    op(
        &mut sim,
        Operation::ServerStart {
            server: "server3".into(),
        },
    )
    .unwrap();
    sim.advance(20 * S);
    op(&mut sim, add("server4", true)).unwrap();
    sim.advance(20 * S);
    op(
        &mut sim,
        Operation::Power {
            server: "server3".into(),
            action: PowerAction::Off,
        },
    )
    .unwrap();
    sim.advance(100 * S);
    op(&mut sim, remove("server2")).unwrap();
    sim.advance(60 * S);
    op(&mut sim, remove("server3")).unwrap();
    sim.advance(200 * S);
    assert_eq!(sim.removal_pending(), None);
    assert_eq!(sim.model().servers.len(), 2);
    log_json(&sim)
}

#[test]
fn same_inputs_same_log_and_lazy_equals_naive() {
    let a = session(HeartbeatModel::Lazy, 3);
    assert_eq!(a, session(HeartbeatModel::Lazy, 3));
    assert_eq!(a, session(HeartbeatModel::Naive, 3));
    assert!(a.iter().any(|e| e.contains("\"server-removed\"")));
}
