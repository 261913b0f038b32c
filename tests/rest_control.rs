//! `/sim/v1` through HTTP: clock, faults, event log and stream, reset, config, and a
//! failover seen through `/api/v1` after a crash and a clock advance.

mod rest_support;

use rest_support::{manual, start};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::time::Duration;

#[test]
fn a_crash_fails_over_after_the_heartbeat_timeout() {
    let s = manual(&[]);
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let id = r.body["id"].as_u64().expect("fault id");
    // No failover before the heartbeat timeout.
    s.advance(30_000);
    assert_ne!(s.group("failover1").1, "server2");
    // Past the 90 s heartbeat timeout (and the activation time).
    s.advance(90_000);
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
    assert_eq!(s.group("failover2"), ("Online".into(), "server2".into()));
    let servers = s.get("/api/v1/servers").body["servers"].clone();
    assert_eq!(
        servers,
        json!([{"name": "server1", "status": "Offline"}, {"name": "server2", "status": "Online"}])
    );
    assert_eq!(
        s.get("/api/v1/cluster").body["cluster"]["status"],
        "Caution"
    );
    // The event log tells the story, with the product's alerts.
    let events = s.get("/sim/v1/events").body;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "fault-injected",
        "server-down",
        "failover-starting",
        "failover-done",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let alert = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["module"].is_string())
        .expect("an alert");
    assert!(alert["id"].is_u64() && alert["message"].is_string());
    // Healing powers server1 back on (its service stays stopped after an abnormal stop).
    let r = s.delete(&format!("/sim/v1/faults/{id}"));
    assert_eq!(
        (r.status, r.body.clone()),
        (200, json!({"id": id, "healed": true}))
    );
    let faults = s.get("/sim/v1/faults").body;
    assert!(
        faults
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["state"] == "ended"),
        "{faults}"
    );
}

#[test]
fn clock_reports_and_advances_only_in_manual_mode() {
    let s = manual(&["--seed", "42"]);
    assert_eq!(
        s.get("/sim/v1/clock").body,
        json!({"now_ms": 0, "mode": "manual", "speed": 1.0, "seed": 42,
               "epoch": "2026-01-01T00:00:00.000Z", "time": "2026-01-01T00:00:00.000Z"})
    );
    let a = s.advance(1500);
    assert_eq!(a["now_ms"], 1500);
    assert!(a["events"].is_u64());
    assert_eq!(s.get("/sim/v1/clock").body["now_ms"], 1500);
    let r = s.post("/sim/v1/clock/speed", Some(r#"{"speed": 2}"#));
    assert_eq!((r.status, r.code()), (409, 409));

    let rt = start(&["--clock", "realtime", "--speed", "100"]);
    let r = rt.post("/sim/v1/clock/advance", Some(r#"{"ms": 1000}"#));
    assert_eq!((r.status, r.code()), (409, 409));
    assert!(r.message().contains("realtime"));
    std::thread::sleep(Duration::from_millis(200));
    let c = rt.get("/sim/v1/clock").body;
    assert_eq!(
        (c["mode"].clone(), c["speed"].clone()),
        (json!("realtime"), json!(100.0))
    );
    // 200 ms of wall time at x100 is about 20 s of virtual time.
    let now = c["now_ms"].as_u64().unwrap();
    assert!((15_000..120_000).contains(&now), "now_ms {now}");
    let r = rt.post("/sim/v1/clock/speed", Some(r#"{"speed": 0}"#));
    assert_eq!(r.status, 400);
    let r = rt.post("/sim/v1/clock/speed", Some(r#"{"speed": 1}"#));
    assert_eq!(r.body["speed"], 1.0);
}

#[test]
fn realtime_mode_moves_the_cluster_by_itself() {
    // x1000: the 90 s heartbeat timeout passes in about 0.1 s of wall time.
    let s = start(&["--clock", "realtime", "--speed", "1000"]);
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server2"}"#),
    );
    assert_eq!(r.status, 200);
    let mut seen = String::new();
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(50));
        let (status, current) = s.group("failover2");
        seen = format!("{status} on {current}");
        if status == "Online" && current == "server1" {
            return;
        }
    }
    panic!("failover2 did not fail over in realtime mode: {seen}");
}

#[test]
fn faults_are_checked_listed_and_healed() {
    let s = manual(&[]);
    let bad = |body: &str, words: &[&str]| {
        let r = s.post("/sim/v1/faults", Some(body));
        assert_eq!((r.status, r.code()), (400, 400), "{body}: {r:?}");
        for w in words {
            assert!(r.message().contains(w), "{body}: {}", r.message());
        }
    };
    bad(
        r#"{"kind": "meteor", "server": "server1"}"#,
        &["meteor", "server-crash", "partition", "resource-failure"],
    );
    bad(r#"{"server": "server1"}"#, &["kind", "server-hang"]);
    bad(r#"{"kind": "server-crash"}"#, &["server"]);
    bad(
        r#"{"kind": "server-crash", "server": "server9"}"#,
        &["server9", "server1", "server2"],
    );
    bad(
        r#"{"kind": "heartbeat-path-down", "server": "server1", "path": "nope"}"#,
        &["nope", "lankhb1"],
    );
    bad(
        r#"{"kind": "monitor-result", "monitor": "fipw1", "result": "explode"}"#,
        &["explode"],
    );
    bad(
        r#"{"kind": "server-crash", "server": "server1", "colour": "red"}"#,
        &["colour"],
    );

    let id1 = s
        .post(
            "/sim/v1/faults",
            Some(r#"{"kind": "heartbeat-path-down", "server": "server1", "path": "lankhb1"}"#),
        )
        .body["id"]
        .as_u64()
        .unwrap();
    let id2 = s.post("/sim/v1/faults", Some(r#"{"kind": "server-hang", "server": "server2", "at_ms": 60000, "duration_ms": 5000}"#)).body["id"]
        .as_u64()
        .unwrap();
    let id3 = s
        .post("/sim/v1/faults", Some(r#"{"kind": "partition", "sides": [["server1"], ["server2", "pingnp1"]], "paths": ["lankhb2"]}"#))
        .body["id"]
        .as_u64()
        .unwrap();
    let list = s.get("/sim/v1/faults").body;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let f1 = list.iter().find(|f| f["id"] == id1).unwrap();
    assert_eq!(
        (f1["kind"].clone(), f1["state"].clone()),
        (json!("heartbeat-path-down"), json!("active"))
    );
    let f2 = list.iter().find(|f| f["id"] == id2).unwrap();
    assert_eq!(
        (f2["state"].clone(), f2["start_ms"].clone()),
        (json!("scheduled"), json!(60000))
    );
    assert!(list
        .iter()
        .any(|f| f["id"] == id3 && f["kind"] == "partition"));
    // The path is down: the API shows it as the servers see it; heal and it comes back.
    let r = s.delete(&format!("/sim/v1/faults/{id1}"));
    assert_eq!(r.status, 200);
    let r = s.delete(&format!("/sim/v1/faults/{id1}"));
    assert_eq!((r.status, r.code()), (404, 404), "{r:?}");
    let r = s.delete("/sim/v1/faults/abc");
    assert_eq!((r.status, r.code()), (400, 400));
    s.delete(&format!("/sim/v1/faults/{id2}"));
    s.delete(&format!("/sim/v1/faults/{id3}"));
    let faults = s.get("/sim/v1/faults").body;
    assert!(
        faults
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["state"] == "ended"),
        "{faults}"
    );
}

#[test]
fn events_page_by_sequence_number() {
    let s = manual(&[]);
    s.op_ok("/api/v1/groups/failover1/move", None);
    s.settle();
    let all = s.get("/sim/v1/events").body;
    let all = all.as_array().unwrap();
    assert!(all.len() > 10);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e["seq"].as_u64(), Some(i as u64));
        assert!(e["t_ms"].is_u64() && e["kind"].is_string());
    }
    let page = s.get("/sim/v1/events?since=3&limit=4").body;
    assert_eq!(page.as_array().unwrap().as_slice(), &all[3..7]);
    assert_eq!(
        s.get(&format!("/sim/v1/events?since={}", all.len())).body,
        json!([])
    );
    let r = s.get("/sim/v1/events?since=x");
    assert_eq!(r.status, 400);
    let r = s.get("/sim/v1/events?limit=-1");
    assert_eq!(r.status, 400);
}

#[test]
fn the_event_stream_sends_the_backlog_then_new_events() {
    let s = manual(&[]);
    let backlog = s.get("/sim/v1/events").body.as_array().unwrap().len();
    let agent = ureq::AgentBuilder::new()
        .timeout_read(Duration::from_secs(10))
        .build();
    let auth = rest_support::basic("user", "password");
    let resp = agent
        .get(&format!("{}/sim/v1/events/stream?since=0", s.base))
        .set("Authorization", &auth)
        .call()
        .unwrap();
    assert_eq!(resp.header("content-type"), Some("text/event-stream"));
    let mut lines = BufReader::new(resp.into_reader()).lines();
    let next_data = |lines: &mut std::io::Lines<
        BufReader<Box<dyn std::io::Read + Send + Sync>>,
    >|
     -> (u64, serde_json::Value) {
        let mut id = None;
        loop {
            let line = lines.next().expect("stream open").expect("line");
            if let Some(v) = line.strip_prefix("id:") {
                id = Some(v.trim().parse::<u64>().unwrap());
            } else if let Some(d) = line.strip_prefix("data:") {
                return (
                    id.expect("id before data"),
                    serde_json::from_str(d.trim()).unwrap(),
                );
            }
        }
    };
    for i in 0..backlog {
        let (id, ev) = next_data(&mut lines);
        assert_eq!((id, ev["seq"].as_u64().unwrap()), (i as u64, i as u64));
    }
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server2"}"#),
    );
    let (id, ev) = next_data(&mut lines);
    assert_eq!(id as usize, backlog);
    assert_eq!(ev["kind"], "fault-injected");
    s.advance(120_000);
    let (id2, _) = next_data(&mut lines);
    assert_eq!(id2, id + 1);
    // A reset is announced, then numbering starts again from the new initial state.
    s.post("/sim/v1/reset", None);
    loop {
        let line = lines.next().expect("stream open").expect("line");
        if line.trim() == "event: reset" {
            break;
        }
    }
    // The rest of the reset event, up to its blank line.
    while !lines.next().expect("stream open").expect("line").is_empty() {}
    let (first, ev) = next_data(&mut lines);
    assert_eq!((first, ev["t_ms"].as_u64()), (0, Some(0)));
}

#[test]
fn reset_restarts_the_simulation_optionally_with_a_new_seed() {
    let s = manual(&["--seed", "7"]);
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    s.advance(200_000);
    assert_eq!(s.group("failover1").1, "server2");
    let r = s.post("/sim/v1/reset", None);
    assert_eq!(
        r.body,
        json!({"now_ms": 0, "mode": "manual", "speed": 1.0, "seed": 7})
    );
    assert_eq!(s.group("failover1"), ("Online".into(), "server1".into()));
    let faults = s.get("/sim/v1/faults").body;
    assert!(
        faults
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["state"] == "ended"),
        "{faults}"
    );
    assert_eq!(s.get("/sim/v1/events").body[0]["seq"], 0);
    let r = s.post("/sim/v1/reset", Some(r#"{"seed": 99}"#));
    assert_eq!(r.body["seed"], 99);
    assert_eq!(s.get("/sim/v1/clock").body["seed"], 99);
}

#[test]
fn config_is_the_loaded_cluster_as_json() {
    let s = manual(&[]);
    let c = s.get("/sim/v1/config").body;
    assert_eq!(c["cluster"]["name"], "cluster");
    assert_eq!(
        c["servers"][0],
        json!({"name": "server1", "priority": 0, "ip": "127.0.0.11"})
    );
    assert_eq!(c["groups"][1]["name"], "failover2");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three.yaml");
    std::fs::write(
        &file,
        "cluster: {name: trio}\nservers: [{name: a}, {name: b}, {name: c}]\nheartbeats: [{name: hb1, type: lankhb}]\ngroups: [{name: g1, resources: [{name: ip1, type: fip}]}]\n",
    )
    .unwrap();
    let t = start(&["--clock", "manual", file.to_str().unwrap()]);
    assert_eq!(t.get("/sim/v1/config").body["cluster"]["name"], "trio");
    assert_eq!(t.get("/api/v1/cluster").body["cluster"]["name"], "trio");
    assert_eq!(t.get("/api/v1/groups").body["groups"][0]["current"], "a");
}

#[test]
fn a_bad_cluster_file_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, "cluster: {name: x}\nservers: []\nbogus: 1\n").unwrap();
    let args = clustersim::host::ServeArgs::from_flags([
        "--listen",
        "127.0.0.1:0",
        file.to_str().unwrap(),
    ])
    .unwrap();
    assert!(clustersim::host::Running::start(args).is_err());
}
