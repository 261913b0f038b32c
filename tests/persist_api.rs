//! Saved state over HTTP: a live session recorded as a scenario replays to the same
//! event log under `clustersim run`; a fork at an earlier time has the original's log
//! up to that time; a snapshot restored puts the cluster back byte for byte.

mod rest_support;

use rest_support::{manual, Server};
use serde_json::{json, Value};

fn events(s: &Server, prefix: &str) -> Vec<Value> {
    let r = s.get(&format!("{prefix}/events?limit=10000"));
    assert_eq!(r.status, 200, "{r:?}");
    r.body.as_array().unwrap().clone()
}

/// Operations of many kinds, faults of every kind, heals and advances.
fn session(s: &Server) {
    let ops = [
        "/api/v1/groups/failover1/move",
        "/api/v1/cluster/suspend",
        "/api/v1/cluster/resume",
        "/api/v1/groups/failover2/stop",
        "/api/v1/groups/failover2/start",
        "/api/v1/resources/script1/stop",
        "/api/v1/resources/script1/start",
        "/api/v1/monitors/fipw1/suspend",
        "/api/v1/monitors/fipw1/resume",
        "/api/v1/servers/server2/dummy-failure/start",
        "/api/v1/servers/server2/dummy-failure/stop",
        "/api/v1/groups/failover1/start", // refused: already running
    ];
    for op in ops {
        s.post(op, None);
        s.advance(20_000);
    }
    let faults = [
        json!({"kind": "server-crash", "server": "server2", "duration_ms": 200000}),
        json!({"kind": "server-hang", "server": "server1", "duration_ms": 30000}),
        json!({"kind": "heartbeat-path-down", "server": "server1", "path": "lankhb1"}),
        json!({"kind": "partition", "sides": [["server1"], ["server2"]], "duration_ms": 40000}),
        json!({"kind": "resolver-target-down", "resolver": "pingnp1", "duration_ms": 50000}),
        json!({"kind": "monitor-result", "monitor": "fipw2", "result": "error", "duration_ms": 20000}),
        json!({"kind": "activation-failure", "resource": "fip1", "server": "server2"}),
        json!({"kind": "deactivation-failure", "resource": "fip2", "server": "server2"}),
        json!({"kind": "resource-failure", "resource": "script1", "server": "server1"}),
    ];
    let mut ids = Vec::new();
    for f in faults {
        let r = s.post("/sim/v1/faults", Some(&f.to_string()));
        if let Some(id) = r.body["id"].as_u64() {
            ids.push(id);
        }
        s.advance(60_000);
    }
    for id in ids.iter().take(3) {
        s.delete(&format!("/sim/v1/faults/{id}"));
        s.advance(10_000);
    }
    s.advance(300_000);
}

#[test]
fn a_recorded_session_runs_to_the_same_log() {
    let s = manual(&["--seed", "8"]);
    session(&s);
    let live = events(&s, "/sim/v1");
    let r = s.get("/sim/v1/journal?format=scenario&expect=final");
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.text.contains("refused: true") && r.text.contains("heal: f"),
        "{}",
        r.text
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.yaml");
    std::fs::write(&file, &r.text).unwrap();
    let out = dir.path().join("events.jsonl");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("run")
        .arg(&file)
        .arg("--events")
        .arg(&out)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}\n{}", r.text);
    let ran = std::fs::read_to_string(&out).unwrap();
    let want: String = live.iter().map(|e| e.to_string() + "\n").collect();
    assert!(live.len() > 50);
    assert_eq!(ran, want);
}

#[test]
fn a_fork_at_an_earlier_time_has_the_original_log_up_to_it() {
    let s = manual(&["--seed", "4"]);
    session(&s);
    let at_ms = 200_000;
    let r = s.post(
        "/sim/v1/fork",
        Some(&json!({"name": "whatif", "at_ms": at_ms}).to_string()),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let original: Vec<Value> = events(&s, "/sim/v1")
        .into_iter()
        .filter(|e| e["t_ms"].as_u64().unwrap() <= at_ms)
        .collect();
    let fork = events(&s, "/sim/v1/clusters/whatif");
    assert!(original.len() > 10);
    assert_eq!(fork, original);
    assert_eq!(s.get("/sim/v1/clusters/whatif/clock").body["now_ms"], at_ms);
    let r = s.post(
        "/sim/v1/fork",
        Some(r#"{"name": "later", "at_ms": 999999999}"#),
    );
    assert_eq!(r.status, 400, "{r:?}");
}

#[test]
fn a_snapshot_restored_puts_the_cluster_back() {
    let s = manual(&["--seed", "2"]);
    s.post("/api/v1/groups/failover1/move", None);
    s.advance(100_000);
    let snap = s.get("/sim/v1/snapshot");
    assert_eq!(snap.body["format"], "clustersim-snapshot");
    let before = events(&s, "/sim/v1");
    session(&s);
    assert_ne!(events(&s, "/sim/v1"), before);
    let r = s.post("/sim/v1/restore", Some(&snap.text));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(events(&s, "/sim/v1"), before);
    let mut other = snap.body.clone();
    other["cluster"]["cluster"]["name"] = json!("another");
    let r = s.post("/sim/v1/restore", Some(&other.to_string()));
    assert_eq!(r.status, 400, "{r:?}");
}
