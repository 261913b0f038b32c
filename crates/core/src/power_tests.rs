//! Power and maintenance operations: asserted event sequences on the default cluster
//! (heartbeat timeout 90 s, boot 60 s).

use super::super::*;
use crate::model::{Model, DEFAULT_CLUSTER_YAML};
use std::sync::Arc;

const S: u64 = 1_000;

fn sim(auto_start_after_crash: bool) -> Sim {
    let yaml = format!(
        "{DEFAULT_CLUSTER_YAML}\nsettings:\n  auto_start_after_abnormal_stop: {auto_start_after_crash}\n"
    );
    let model = Model::from_yaml(&yaml, "test.yaml").unwrap_or_else(|e| panic!("{e:?}"));
    let mut sim = Sim::new(Arc::new(model), 7);
    sim.set_check_invariants(true);
    sim
}

fn power(sim: &mut Sim, server: &str, action: PowerAction) -> Result<Applied, InputError> {
    sim.apply(Input::Operation(Operation::Power {
        server: server.into(),
        action,
    }))
}

/// "kind server" of the power, service, membership and failover events from `since`.
fn trace(sim: &Sim, since: usize) -> Vec<String> {
    let m = sim.model().clone();
    sim.events()[since..]
        .iter()
        .filter(|e| {
            matches!(
                e.kind.as_str(),
                "server-powered-off"
                    | "server-powered-on"
                    | "service-started"
                    | "service-stopped"
                    | "server-down"
                    | "server-up"
                    | "failover-starting"
                    | "group-started"
                    | "auto-start-suppressed"
                    | "group-stopped"
            )
        })
        .map(|e| {
            let s = e.server.map(|s| m.servers[s].name.as_str()).unwrap_or("-");
            format!("{} {s}", e.kind.as_str())
        })
        .collect()
}

fn current(sim: &Sim, g: &str) -> String {
    let v = sim.view();
    let g = v.group(g).unwrap();
    format!("{} {}", g.status, g.current)
}

#[test]
fn power_off_is_a_crash_found_by_heartbeat_timeout_and_on_rejoins() {
    let mut sim = sim(true);
    sim.advance(5 * S);
    let start = sim.events().len();
    power(&mut sim, "server1", PowerAction::Off).unwrap();
    assert!(!sim.power_states()[0].on);
    // Peers notice only by heartbeat timeout (90 s): until then the answering server
    // (server2) still knows failover1 Online on server1.
    sim.advance(80 * S);
    assert_eq!(current(&sim, "failover1"), "Online server1");
    sim.advance(40 * S);
    assert_eq!(current(&sim, "failover1"), "Online server2");
    let down = sim
        .events()
        .iter()
        .find(|e| e.kind.as_str() == "server-down")
        .unwrap();
    // 90 s after the last heartbeat heard (sent at most one 3 s interval before).
    assert!(down.t_ms >= 5 * S + 87 * S, "detected at {}", down.t_ms);
    let mid = sim.events().len();
    power(&mut sim, "server1", PowerAction::On).unwrap();
    assert!(sim.power_states()[0].booting);
    sim.advance(59 * S);
    assert!(!sim.power_states()[0].on, "still booting");
    sim.advance(10 * S);
    let p = sim.power_states()[0];
    assert!(p.on && p.service_running && !p.booting);
    assert_eq!(
        trace(&sim, start),
        [
            "service-stopped server1",
            "server-powered-off server1",
            "server-down server2",
            "failover-starting server2",
            "server-powered-on server1",
            "service-started server1",
            "server-up server2",
        ]
    );
    assert_eq!(sim.view().server("server1").unwrap().status, "Online");
    assert!(trace(&sim, mid)[0].starts_with("server-powered-on"));
}

#[test]
fn power_on_after_a_crash_honours_the_auto_start_setting() {
    let mut sim = sim(false);
    power(&mut sim, "server2", PowerAction::Off).unwrap();
    sim.advance(100 * S);
    power(&mut sim, "server2", PowerAction::On).unwrap();
    let mid = sim.events().len();
    sim.advance(61 * S);
    assert_eq!(
        trace(&sim, mid),
        ["server-powered-on server2", "auto-start-suppressed server2"]
    );
    let p = sim.power_states()[1];
    assert!(p.on && !p.service_running);
}

#[test]
fn softoff_moves_groups_first_and_peers_take_them_at_once() {
    let mut sim = sim(false);
    let start = sim.events().len();
    power(&mut sim, "server1", PowerAction::Softoff).unwrap();
    sim.advance(30 * S);
    assert_eq!(current(&sim, "failover1"), "Online server2");
    let t = trace(&sim, start);
    // Groups stop, the peer is told (no heartbeat timeout) and takes over, then the
    // power goes off.
    assert_eq!(
        t,
        [
            "service-stopped server1",
            "group-stopped server1",
            "server-down server2",
            "failover-starting server2",
            "server-powered-off server1",
        ]
    );
    // An orderly shutdown is not abnormal: power on starts the service again.
    power(&mut sim, "server1", PowerAction::On).unwrap();
    sim.advance(61 * S);
    assert!(sim.power_states()[0].service_running);
}

#[test]
fn reset_cycle_and_boot_crash_and_boot_again() {
    for action in [PowerAction::Reset, PowerAction::Cycle, PowerAction::Boot] {
        let mut sim = sim(true);
        let start = sim.events().len();
        power(&mut sim, "server2", action).unwrap();
        assert!(sim.power_states()[1].booting, "{action:?}");
        sim.advance(61 * S);
        assert_eq!(
            &trace(&sim, start)[..4],
            [
                "service-stopped server2",
                "server-powered-off server2",
                "server-powered-on server2",
                "service-started server2",
            ],
            "{action:?}"
        );
    }
    // From off: cycle and boot just power on; reset is refused.
    let mut sim = sim(true);
    power(&mut sim, "server2", PowerAction::Off).unwrap();
    let refused = power(&mut sim, "server2", PowerAction::Reset).unwrap_err();
    assert_eq!(refused.message(), "Server server2 is powered off.");
    power(&mut sim, "server2", PowerAction::Cycle).unwrap();
    let again = power(&mut sim, "server2", PowerAction::Boot).unwrap_err();
    assert_eq!(again.message(), "Server server2 is already booting.");
}

#[test]
fn refusals_name_the_problem_and_change_nothing() {
    let mut sim = sim(true);
    let before = sim.events().len();
    let e = power(&mut sim, "server9", PowerAction::Off).unwrap_err();
    assert_eq!(
        e.message(),
        "unknown server `server9`; valid: server1, server2"
    );
    let e = power(&mut sim, "server1", PowerAction::On).unwrap_err();
    assert_eq!(e.message(), "Server server1 is already powered on.");
    assert_eq!(sim.events().len(), before);
    // A crash fault holds the power off until healed.
    let id = match sim
        .apply(Input::Fault(FaultSpec {
            kind: FaultKind::ServerCrash {
                server: "server1".into(),
            },
            at_ms: None,
            duration_ms: None,
        }))
        .unwrap()
    {
        Applied::Fault(id) => id,
        other => panic!("{other:?}"),
    };
    let e = power(&mut sim, "server1", PowerAction::On).unwrap_err();
    assert!(e.message().contains("server-crash fault"), "{e}");
    sim.heal(id).unwrap();
}

#[test]
fn a_server_in_maintenance_is_no_failover_destination() {
    let mut sim = sim(true);
    let maint = |on| {
        Input::Operation(Operation::Maintenance {
            server: "server2".into(),
            on,
        })
    };
    sim.apply(maint(true)).unwrap();
    assert!(sim.power_states()[1].maintenance);
    power(&mut sim, "server1", PowerAction::Off).unwrap();
    sim.advance(120 * S);
    assert_eq!(current(&sim, "failover1"), "Offline None");
    let no_dest = sim
        .events()
        .iter()
        .find(|e| e.kind.as_str() == "no-destination")
        .expect("no destination alert");
    assert!(no_dest
        .reason
        .as_deref()
        .unwrap()
        .contains("server2 excluded: in maintenance"));
    // Cleared: the next failover may choose it.
    sim.apply(maint(false)).unwrap();
    assert!(!sim.power_states()[1].maintenance);
}

#[test]
fn power_runs_are_deterministic() {
    let run = || {
        let mut sim = sim(true);
        power(&mut sim, "server1", PowerAction::Off).unwrap();
        sim.advance(100 * S);
        power(&mut sim, "server1", PowerAction::Cycle).unwrap();
        sim.advance(100 * S);
        power(&mut sim, "server2", PowerAction::Softoff).unwrap();
        sim.advance(100 * S);
        format!("{:?}", sim.events())
    };
    assert_eq!(run(), run());
}

#[test]
fn power_operations_round_trip_as_json() {
    let op: Operation =
        serde_json::from_str(r#"{"op":"power","server":"server1","action":"softoff"}"#).unwrap();
    assert_eq!(
        op,
        Operation::Power {
            server: "server1".into(),
            action: PowerAction::Softoff
        }
    );
    assert!(
        serde_json::from_str::<Operation>(r#"{"op":"power","server":"s","action":"x"}"#).is_err()
    );
}
