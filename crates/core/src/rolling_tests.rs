//! Rolling restart/upgrade/deploy on four servers with four groups (boot 60 s, host
//! timeout 200 s).

use super::*;
use crate::model::Model;
use std::sync::Arc;

const S: u64 = 1_000;
const LAB: &str = include_str!("../../../scenarios/clusters/four-node-four-groups.yaml");

fn lab() -> Sim {
    let model = Model::from_yaml(LAB, "four-node-four-groups.yaml").unwrap();
    let mut sim = Sim::new(Arc::new(model), 3);
    sim.set_check_invariants(true);
    sim
}

fn op(sim: &mut Sim, op: Operation) -> Result<Applied, InputError> {
    sim.apply(Input::Operation(op))
}

/// Advances in 100 ms steps, failing if any group is ever Offline on every server.
fn run_checking_groups(sim: &mut Sim, until: u64) {
    while sim.now() < until {
        sim.advance(100);
        for g in &sim.view().groups {
            assert_ne!(
                g.status,
                status::OFFLINE,
                "{} Offline at {}",
                g.name,
                sim.now()
            );
        }
    }
}

#[test]
fn restart_goes_through_every_server_without_a_group_offline() {
    let mut sim = lab();
    sim.advance(5 * S);
    op(&mut sim, Operation::RollingRestart).unwrap();
    let r = sim.rolling_record(RollingKind::Restart).unwrap();
    assert_eq!(r.status, RollingStatus::InProcess);
    assert_eq!(r.in_process, ["server1"]);
    assert_eq!(r.started_ms, 5 * S);
    run_checking_groups(&mut sim, 900 * S);
    let r = sim.rolling_record(RollingKind::Restart).unwrap();
    assert_eq!(r.status, RollingStatus::Finished, "{r:?}");
    assert_eq!(r.done, ["server1", "server2", "server3", "server4"]);
    assert!(r.in_process.is_empty());
    let fin = r.finished_ms.unwrap();
    // Four reboots of at least the boot duration, one after the other.
    assert!(fin > 5 * S + 4 * 60 * S, "finished at {fin}");
    let reboots = sim
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::OperationRequested)
        .filter(|e| e.reason.as_deref().unwrap_or("").contains("server-reboot"))
        .count();
    assert_eq!(reboots, 4);
    assert!(sim
        .view()
        .servers
        .iter()
        .all(|s| s.status == status::ONLINE));
}

#[test]
fn a_crash_of_the_next_server_fails_the_job_on_it() {
    let mut sim = lab();
    op(&mut sim, Operation::RollingRestart).unwrap();
    sim.advance(30 * S);
    // server1 is rebooting; server2, next, crashes and stays down.
    let kind = FaultKind::ServerCrash {
        server: "server2".into(),
    };
    sim.apply(Input::Fault(FaultSpec {
        kind,
        at_ms: None,
        duration_ms: None,
    }))
    .unwrap();
    sim.advance(900 * S);
    let r = sim.rolling_record(RollingKind::Restart).unwrap();
    assert_eq!(r.status, RollingStatus::Failed, "{r:?}");
    assert_eq!(r.done, ["server1"]);
    assert_eq!(r.in_process, ["server2"]);
    assert_eq!(r.reason.as_deref(), Some("Server server2 is not running."));
    assert!(r.finished_ms.is_some());
    assert!(sim
        .events()
        .iter()
        .any(|e| e.kind == EventKind::RollingFailed));
}

#[test]
fn upgrade_and_deploy_keep_their_lists_and_version() {
    let mut sim = lab();
    op(
        &mut sim,
        Operation::RollingDeploy {
            version: "7.2.6".into(),
        },
    )
    .unwrap();
    let again = op(&mut sim, Operation::RollingUpgrade).unwrap_err();
    assert_eq!(again.message(), "A rolling deploy is already in process.");
    run_checking_groups(&mut sim, 1_200 * S);
    let r = sim.rolling_record(RollingKind::Deploy).unwrap();
    assert_eq!(r.status, RollingStatus::Finished, "{r:?}");
    assert_eq!(r.version.as_deref(), Some("7.2.6"));
    assert_eq!(r.done.len(), 4);
    // Each upgrade spends rolling_upgrade_duration (30 s) before the reboot.
    assert!(r.finished_ms.unwrap() > 4 * 90 * S);
    assert!(sim.rolling_record(RollingKind::Upgrade).is_none());
    let empty = op(
        &mut sim,
        Operation::RollingDeploy {
            version: " ".into(),
        },
    );
    assert!(matches!(empty, Err(InputError::Invalid(_))));
}

#[test]
fn a_server_that_does_not_come_back_times_out() {
    let yaml = format!("{LAB}\nsettings:\n  boot_duration: 300s\n");
    let model = Model::from_yaml(&yaml, "slow-boot.yaml").unwrap();
    let mut sim = Sim::new(Arc::new(model), 3);
    op(&mut sim, Operation::RollingRestart).unwrap();
    sim.advance(600 * S);
    let r = sim.rolling_record(RollingKind::Restart).unwrap();
    assert_eq!(r.status, RollingStatus::Failed);
    assert_eq!(r.in_process, ["server1"]);
    assert_eq!(
        r.reason.as_deref(),
        Some("Server server1 did not come back online within 200 s.")
    );
}

#[test]
fn same_seed_same_log() {
    let run = || {
        let mut sim = lab();
        op(&mut sim, Operation::RollingUpgrade).unwrap();
        sim.advance(1_000 * S);
        sim.events()
            .iter()
            .map(|e| e.to_json(sim.model()).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}
