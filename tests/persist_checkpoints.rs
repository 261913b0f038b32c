//! Journal checkpoints without `--state` and `from: snapshot.json` (#13).
//!
//! - With `--checkpoint-every 10`, the in-memory journal keeps only the inputs after
//!   the latest checkpoint; `GET /sim/v1/snapshot` carries the checkpoint's state, so
//!   a restore of it (and a fork at or after the checkpoint) gives the same log; a
//!   fork before it and recording the session are refused with a message naming
//!   `--state`.
//! - A scenario `from:` a snapshot file runs on from the snapshot's state: its log is
//!   the session's log followed by what the scenario's steps do, byte for byte the
//!   log of the session continued by hand with the same inputs.

mod rest_support;

use clustersim::scenario::{load, runner};
use rest_support::manual;
use serde_json::Value;

const CRASH: &str = r#"{"kind":"server-crash","server":"server1","duration_ms":30000}"#;

fn inputs(s: &rest_support::Server, n: usize) {
    for i in 0..n {
        let path = if i % 2 == 0 {
            "/api/v1/cluster/suspend"
        } else {
            "/api/v1/cluster/resume"
        };
        s.post(path, None);
        s.advance(1_000);
    }
}

#[test]
fn checkpoints_bound_the_journal_and_snapshots_still_restore() {
    let s = manual(&["--seed", "3", "--checkpoint-every", "10"]);
    inputs(&s, 25);
    let journal = s.get("/sim/v1/journal").body;
    assert_eq!(
        journal["entries"].as_array().unwrap().len(),
        5,
        "25 - 2 x 10"
    );
    assert_eq!(journal["base"]["inputs"], 20);
    let base_ms = journal["base"]["at_ms"].as_u64().unwrap();
    let log = s.get("/sim/v1/events?limit=10000").text;

    let snap = s.get("/sim/v1/snapshot").body;
    assert!(snap["journal"]["base"]["state"].as_str().unwrap().len() > 100);
    s.post("/sim/v1/reset", Some("{}"));
    assert_ne!(s.get("/sim/v1/events?limit=10000").text, log);
    let r = s.post("/sim/v1/restore", Some(&snap.to_string()));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.get("/sim/v1/events?limit=10000").text,
        log,
        "restored exactly"
    );

    let late = format!(r#"{{"name":"late","at_ms":{base_ms}}}"#);
    assert_eq!(s.post("/sim/v1/fork", Some(&late)).status, 201);
    let early = format!(r#"{{"name":"early","at_ms":{}}}"#, base_ms - 1);
    let r = s.post("/sim/v1/fork", Some(&early));
    assert_eq!(r.status, 400);
    assert!(r.message().contains("checkpointed") && r.message().contains("--state"));
    let r = s.get("/sim/v1/journal?format=scenario");
    assert!(r.status >= 400 && r.text.contains("--state"), "{}", r.text);

    // A snapshot whose checkpoint state is damaged is refused, not replayed.
    let mut bad = snap.clone();
    bad["journal"]["base"]["state"] = Value::String("AAAA".into());
    let r = s.post("/sim/v1/restore", Some(&bad.to_string()));
    assert_eq!(r.status, 400, "{}", r.text);
}

/// A session's snapshot, a scenario from it, and the same session continued by hand.
#[test]
fn a_scenario_from_a_snapshot_continues_the_session() {
    let s = manual(&["--seed", "7"]);
    s.advance(10_000);
    assert_eq!(s.post("/sim/v1/faults", Some(CRASH)).status, 200);
    s.advance(110_000); // t = 120 s
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("snaps")).unwrap();
    let snap = s.get("/sim/v1/snapshot").text;
    std::fs::write(dir.path().join("snaps/lab.json"), &snap).unwrap();
    let scenario = "name: from a snapshot\n\
        from: snaps/lab.json\n\
        steps:\n  - {at: 130s, op: server-start, server: server1}\n\
        end: 200s\n\
        expect:\n  - sequence:\n      - {kind: server-down, peer: server1}\n      - {kind: server-up, peer: server1}\n";
    let path = dir.path().join("lab.yaml");
    std::fs::write(&path, scenario).unwrap();
    let sc = load(&path).unwrap_or_else(|e| panic!("{e}"));
    let out = runner::run(&sc, 999); // the seed is the snapshot's
    assert!(out.passed(), "{:?}", out.failures);

    // The session continued by hand: the same step at 130 s, then to 200 s.
    s.advance(10_000);
    s.post("/api/v1/servers/server1/start", None);
    s.advance(70_000);
    let live: Vec<Value> = serde_json::from_str(&s.get("/sim/v1/events?limit=10000").text).unwrap();
    let ran: Vec<Value> = out.events.iter().map(|e| e.to_json(&out.model)).collect();
    assert!(ran.len() > 20);
    assert_eq!(ran, live, "the scenario's log is the continued session's");

    // Times before the snapshot, and a cluster of its own, are refused at load.
    let early = scenario.replace("at: 130s", "at: 60s");
    std::fs::write(&path, early).unwrap();
    let e = load(&path).expect_err("refused").to_string();
    assert!(
        e.contains("steps[0].at") && e.contains("before the snapshot"),
        "{e}"
    );
    let both = scenario.replace("from:", "cluster: x.yaml\nfrom:");
    std::fs::write(&path, both).unwrap();
    let e = load(&path).expect_err("refused").to_string();
    assert!(e.contains("cluster"), "{e}");
    std::fs::write(dir.path().join("snaps/lab.json"), "{}").unwrap();
    std::fs::write(&path, scenario).unwrap();
    let e = load(&path).expect_err("refused").to_string();
    assert!(e.contains("from") && e.contains("lab.json"), "{e}");
}
