//! The host layer: the input journal replays to the REST-recorded log byte for byte,
//! an engine panic leaves the cluster as it was, and a fleet's clusters are created,
//! listed, reached and deleted independently of each other.

mod rest_support;

use clustersim::host::journal::{replay, Journal};
use clustersim::Model;
use rest_support::{manual, request_to, Resp, Server};
use serde_json::{json, Value};
use std::sync::Arc;

/// Three servers, one group.
const TRIO: &str = "cluster: {name: trio}\nservers: [{name: a}, {name: b}, {name: c}]\nheartbeats: [{name: hb1, type: lankhb}]\ngroups: [{name: g1, resources: [{name: ip1, type: fip}]}]\n";

const CRASH1: &str = r#"{"kind": "server-crash", "server": "server1"}"#;

/// The event log as `GET /sim/v1/events` renders it, from a core `Sim`.
fn log_text(sim: &clustersim::Sim) -> String {
    let m = sim.model().clone();
    let items: Vec<String> = sim
        .events()
        .iter()
        .map(|e| e.to_json(&m).to_string())
        .collect();
    format!("[{}]", items.join(","))
}

/// The whole log as one JSON array text, paged (a page holds at most 10,000).
fn events_text(s: &Server, prefix: &str) -> String {
    let (mut items, mut since): (Vec<String>, usize) = (Vec::new(), 0);
    loop {
        let r = s.get(&format!("{prefix}/events?since={since}&limit=10000"));
        assert_eq!(r.status, 200, "{r:?}");
        let page = r.body.as_array().expect("an array").len();
        since += page;
        let inner = r.text.trim().trim_start_matches('[').trim_end_matches(']');
        if !inner.is_empty() {
            items.push(inner.to_string());
        }
        if page < 10_000 {
            return format!("[{}]", items.join(","));
        }
    }
}

#[test]
fn the_journal_replays_the_rest_recorded_log_byte_for_byte() {
    let s = manual(&["--seed", "11"]);
    s.advance(40_000);
    s.op_ok("/api/v1/groups/failover1/move", None);
    s.advance(20_000);
    // Refused (already running): journaled too, and refused again on replay.
    let r = s.post("/api/v1/groups/failover1/start", None);
    assert_ne!(r.code(), 0, "{r:?}");
    assert_eq!(s.post("/sim/v1/faults", Some(CRASH1)).status, 200);
    s.advance(150_000);
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "monitor-result", "monitor": "fipw1", "server": "server2", "result": "error", "duration_ms": 60000}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.advance(5_000);
    s.op_ok("/api/v1/cluster/suspend", None);
    s.advance(7_000);
    s.op_ok("/api/v1/cluster/resume", None);
    s.advance(300_000);
    let now = s.get("/sim/v1/clock").body["now_ms"].as_u64().unwrap();
    let recorded = events_text(&s, "/sim/v1");

    let journal: Journal = serde_json::from_value(s.get("/sim/v1/journal").body).unwrap();
    assert_eq!(journal.seed, 11);
    assert_eq!(journal.entries.len(), 6, "{journal:?}");
    let sim = replay(Arc::new(Model::default_cluster()), &journal, now);
    assert!(sim.events().len() > 20);
    assert_eq!(log_text(&sim), recorded);
}

#[test]
fn an_engine_panic_restores_the_state_before_the_command() {
    let s = manual(&["--allow-test-panics"]);
    s.advance(60_000);
    let before = (
        events_text(&s, "/sim/v1"),
        s.get("/sim/v1/faults").text,
        s.get("/sim/v1/journal").text,
        s.get("/api/v1/servers").text,
        s.get("/sim/v1/clock").text,
    );
    // The hook applies the crash (logging fault-injected), then panics.
    let r = s.post("/sim/v1/test/panic", Some(CRASH1));
    assert_eq!(r.status, 500, "{r:?}");
    assert!(r.message().contains("panicked"), "{r:?}");
    let after = (
        events_text(&s, "/sim/v1"),
        s.get("/sim/v1/faults").text,
        s.get("/sim/v1/journal").text,
        s.get("/api/v1/servers").text,
        s.get("/sim/v1/clock").text,
    );
    assert_eq!(before, after);
    // The cluster goes on serving: the same crash, now for real, fails over.
    assert_eq!(s.post("/sim/v1/faults", Some(CRASH1)).status, 200);
    s.advance(120_000);
    s.settle();
    assert_eq!(s.group("failover1").1, "server2");
    // Without the flag the hook does not exist.
    let plain = manual(&[]);
    assert_eq!(plain.post("/sim/v1/test/panic", Some(CRASH1)).status, 400);
}

/// A client for a cluster created on its own listener.
fn at(s: &Server, api_url: &str) -> impl Fn(&str, &str, Option<&str>) -> Resp {
    let agent = ureq::AgentBuilder::new().build();
    let _ = s;
    let base = api_url.to_string();
    move |m, p, b| request_to(&agent, &base, m, p, b, Some(("user", "password")))
}

fn create(s: &Server, body: Value) -> Resp {
    s.post("/sim/v1/clusters", Some(&body.to_string()))
}

#[test]
fn clusters_are_created_listed_reached_and_deleted() {
    let s = manual(&[]);
    let r = create(
        &s,
        json!({"name": "b", "clock": "manual", "seed": 3, "epoch": "2030-05-01T08:00:00Z"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let b_url = r.body["api_url"].as_str().unwrap().to_string();
    let b = at(&s, &b_url);
    // Its calendar starts at its epoch: the configuration's last-applied date is t=0.
    let applied = b("GET", "/api/v1/metrics/config/last-applied-date", None);
    assert!(applied.text.contains("2030-05-01"), "{applied:?}");
    assert_eq!(
        b("GET", "/api/v1/cluster", None).body["cluster"]["name"],
        "cluster"
    );
    assert_eq!(b("GET", "/sim/v1/clock", None).body["seed"], 3);

    let r = create(
        &s,
        json!({"name": "trio", "cluster": TRIO, "clock": "manual"}),
    );
    assert_eq!(r.status, 201, "{r:?}");

    let list = s.get("/sim/v1/clusters").body;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cluster", "b", "trio"]);
    assert_eq!(list[1]["api_url"], b_url);
    assert!(list[1]["status"].is_string() && list[1]["clock"]["mode"] == "manual");

    // Control and face of another cluster through this listener.
    let r = s.get("/sim/v1/clusters/trio/api/v1/servers?select=name");
    assert_eq!(
        r.body["servers"],
        json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]),
        "{r:?}"
    );
    assert_eq!(
        s.get("/sim/v1/clusters/trio/config").body["cluster"]["name"],
        "trio"
    );
    let adv = s.post("/sim/v1/clusters/b/clock/advance", Some(r#"{"ms": 5000}"#));
    assert_eq!(adv.body["now_ms"], 5000, "{adv:?}");
    assert_eq!(s.get("/sim/v1/clock").body["now_ms"], 0);
    assert_eq!(s.get("/sim/v1/clusters/nope/clock").status, 404);

    // Problems are named, and nothing else changes.
    for (body, status, want) in [
        (json!({"name": "b"}), 409, "already exists"),
        (json!({"name": "no/slash"}), 400, "invalid cluster name"),
        (json!({"name": "x", "epoch": "soon"}), 400, "epoch"),
        (
            json!({"name": "x", "cluster": "servers: [1"}),
            400,
            "cluster x",
        ),
        (
            json!({"name": "x", "clock": "fast"}),
            400,
            "realtime, manual",
        ),
        (
            json!({"name": "x", "listen": s.run.addr().to_string()}),
            409,
            "cannot listen",
        ),
        (json!({"nme": "x"}), 400, "nme"),
    ] {
        let r = create(&s, body.clone());
        assert_eq!(r.status, status, "{body}: {r:?}");
        assert!(r.message().contains(want), "{body}: {r:?}");
    }
    assert_eq!(s.get("/sim/v1/clusters").body.as_array().unwrap().len(), 3);

    let r = s.delete("/sim/v1/clusters/b");
    assert_eq!(r.body, json!({"name": "b", "deleted": true}));
    assert_eq!(s.delete("/sim/v1/clusters/b").status, 404);
    // The DELETE answers once b's listener task has ended: its port is closed now.
    let addr = b_url.trim_start_matches("http://").to_string();
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "b's listener is still open after its DELETE answered"
    );
    assert_eq!(s.get("/sim/v1/clusters").body.as_array().unwrap().len(), 2);
}

#[test]
fn a_crash_in_one_cluster_fails_over_there_and_leaves_the_other_untouched() {
    let s = manual(&[]);
    for name in ["a", "b"] {
        let r = create(&s, json!({"name": name, "clock": "manual"}));
        assert_eq!(r.status, 201, "{r:?}");
    }
    for name in ["a", "b"] {
        s.post(
            &format!("/sim/v1/clusters/{name}/clock/advance"),
            Some(r#"{"ms": 60000}"#),
        );
    }
    let b_before = events_text(&s, "/sim/v1/clusters/b");
    let group = |c: &str| {
        s.get(&format!("/sim/v1/clusters/{c}/api/v1/groups/failover1"))
            .body["groups"][0]["current"]
            .clone()
    };
    assert_eq!(group("b"), "server1");

    let r = s.post("/sim/v1/clusters/a/faults", Some(CRASH1));
    assert_eq!(r.status, 200, "{r:?}");
    for _ in 0..10 {
        s.post("/sim/v1/clusters/a/clock/advance", Some(r#"{"ms": 30000}"#));
    }
    assert_eq!(group("a"), "server2");
    assert_eq!(group("b"), "server1");
    assert_eq!(events_text(&s, "/sim/v1/clusters/b"), b_before);
    assert_eq!(s.get("/sim/v1/clusters/b/faults").body, json!([]));
    assert_eq!(
        s.get("/sim/v1/clusters/b/journal").body["entries"],
        json!([])
    );
}

#[test]
fn a_fleet_file_starts_every_cluster() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trio.yaml"), TRIO).unwrap();
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(
        &fleet,
        "clusters:\n  - name: first\n  - name: second\n    cluster: trio.yaml\n    seed: 9\n    user: admin\n    password: secret\n",
    )
    .unwrap();
    let s = rest_support::start(&["--clock", "manual", "--fleet", fleet.to_str().unwrap()]);
    let list = s.get("/sim/v1/clusters").body;
    assert_eq!(list[0]["name"], "first");
    let url = list[1]["api_url"].as_str().unwrap();
    let agent = ureq::AgentBuilder::new().build();
    let r = request_to(
        &agent,
        url,
        "GET",
        "/api/v1/cluster",
        None,
        Some(("admin", "secret")),
    );
    assert_eq!(r.body["cluster"]["name"], "trio", "{r:?}");
    let r = request_to(
        &agent,
        url,
        "GET",
        "/api/v1/cluster",
        None,
        Some(("user", "password")),
    );
    // `user`/`password` (--user, no admin given) is the fleet's admin (#26).
    assert_eq!(r.status, 200);
    // second's own credential does not reach first.
    let first = list[0]["api_url"].as_str().unwrap();
    let r = request_to(
        &agent,
        first,
        "GET",
        "/api/v1/cluster",
        None,
        Some(("admin", "secret")),
    );
    assert_eq!(r.status, 403);
    assert_eq!(s.get("/api/v1/cluster").body["cluster"]["name"], "cluster");
}

#[test]
fn a_bad_fleet_file_is_refused_with_exit_code_2_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(
        &fleet,
        "clusters:\n  - name: a\n  - name: b\n    cluster: missing.yaml\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["serve", "--listen", "127.0.0.1:0", "--fleet"])
        .arg(&fleet)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fleet.yaml: clusters[1]") && err.contains("missing.yaml"),
        "{err}"
    );
}

#[test]
fn the_fleet_list_shows_a_realtime_clock_moving_between_events() {
    let s = rest_support::start(&["--clock", "realtime", "--speed", "1000"]);
    let inline: Value = json!({
        "cluster": {"name": "solo"},
        "servers": [{"name": "only"}],
        "groups": [{"name": "g", "resources": [{"name": "ip", "type": "fip"}]}]
    });
    let r = create(&s, json!({"name": "solo", "cluster": inline, "speed": 500}));
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        s.get("/sim/v1/clusters/solo/api/v1/cluster").body["cluster"]["name"],
        "solo"
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let list = s.get("/sim/v1/clusters").body;
    let listed = list[0]["clock"]["now_ms"].as_u64().unwrap();
    let clock = s.get("/sim/v1/clock").body["now_ms"].as_u64().unwrap();
    // 0.3 s of wall time at x1000: about 300 s of virtual time, shown without a command.
    assert!(listed >= 250_000, "{list}");
    assert!(clock >= listed, "{clock} < {listed}");
    assert_eq!(list[1]["clock"]["speed"], 500.0);
}

/// A posted cluster beyond the host's server limit is refused before anything starts,
/// with the limit in the message, `lift_product_limits` or not.
#[test]
fn a_posted_cluster_over_the_server_limit_is_refused_naming_it() {
    use clustersim::host::limits::MAX_POSTED_SERVERS;
    let s = manual(&[]);
    let big = clustersim::synth::SynthSpec {
        servers: MAX_POSTED_SERVERS + 1,
        groups: 2,
        ..Default::default()
    };
    let file = serde_json::to_value(big.cluster_file()).unwrap();
    assert_eq!(file["cluster"]["lift_product_limits"], json!(true));
    let r = create(&s, json!({"name": "big", "cluster": file}));
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.text
            .contains(&format!("limit of {MAX_POSTED_SERVERS} servers")),
        "{}",
        r.text
    );
    assert_eq!(s.get("/sim/v1/clusters").body.as_array().unwrap().len(), 1);
}
