//! `GET /sim/v1/history`: the status changes as the answering server knew them, which
//! is what `/api/v1` answered at each moment (the dashboard's timeline reads it).

mod rest_support;

use rest_support::{manual, Server};
use serde_json::Value;

fn history(s: &Server) -> Vec<Value> {
    let r = s.get("/sim/v1/history?since=0&limit=10000");
    assert_eq!(r.status, 200, "{r:?}");
    r.body.as_array().expect("a list").clone()
}

/// The last recorded (status, current) of group `name`.
fn last_of(h: &[Value], name: &str) -> (String, String) {
    let e = h
        .iter()
        .rev()
        .find(|e| e["object"] == "group" && e["name"] == name)
        .unwrap_or_else(|| panic!("no history for {name}"));
    (
        e["status"].as_str().unwrap().into(),
        e["current"].as_str().unwrap().into(),
    )
}

#[test]
fn after_a_crash_the_history_keeps_the_group_online_until_the_heartbeat_timeout() {
    let s = manual(&[]);
    s.advance(60_000);
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.advance(30_000);
    let h = history(&s);
    assert_eq!(
        last_of(&h, "failover1"),
        ("Online".into(), "server1".into())
    );
    // Nothing about failover1 or server1 changed for the answering server since the crash.
    let since_crash: Vec<&Value> = h
        .iter()
        .filter(|e| e["t_ms"].as_u64().unwrap() >= 60_000)
        .filter(|e| e["name"] == "failover1" || e["name"] == "server1" || e["name"] == "fip1")
        .collect();
    assert!(since_crash.is_empty(), "{since_crash:?}");

    s.advance(150_000);
    let h = history(&s);
    assert_eq!(
        last_of(&h, "failover1"),
        ("Online".into(), "server2".into())
    );
    let server1 = h
        .iter()
        .find(|e| e["object"] == "server" && e["name"] == "server1" && e["status"] == "Offline")
        .expect("server1 goes Offline in the history");
    // The default heartbeat timeout is 90 s after the last heartbeat heard (every 3 s):
    // detection between 147 and 150 s, not at the crash.
    assert!(server1["t_ms"].as_u64().unwrap() >= 147_000, "{server1}");
    assert_eq!(server1["observer"], "server2");
    let first_change = h
        .iter()
        .find(|e| e["name"] == "failover1" && e["t_ms"].as_u64().unwrap() >= 60_000)
        .unwrap();
    assert!(
        first_change["t_ms"].as_u64().unwrap() >= 147_000,
        "{first_change}"
    );
    assert!(
        first_change["time"].as_str().unwrap().ends_with('Z'),
        "{first_change}"
    );
}

#[test]
fn at_every_moment_the_history_agrees_with_api_v1_groups() {
    let s = manual(&[]);
    s.advance(30_000);
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1", "duration_ms": 100000}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    for _ in 0..60 {
        s.advance(5_000);
        let h = history(&s);
        let groups = s.get("/api/v1/groups");
        for g in groups.body["groups"].as_array().unwrap() {
            let name = g["name"].as_str().unwrap();
            let want = (
                g["status"].as_str().unwrap().to_string(),
                g["current"].as_str().unwrap().to_string(),
            );
            assert_eq!(
                last_of(&h, name),
                want,
                "{name} at {:?}",
                s.get("/sim/v1/clock").body
            );
        }
        let servers = s.get("/api/v1/servers");
        for sv in servers.body["servers"].as_array().unwrap() {
            let last = h
                .iter()
                .rev()
                .find(|e| e["object"] == "server" && e["name"] == sv["name"])
                .unwrap();
            assert_eq!(last["status"], sv["status"], "{sv}");
        }
    }
}

#[test]
fn the_history_pages_by_its_own_seq_and_refuses_bad_queries() {
    let s = manual(&[]);
    s.advance(60_000);
    let all = history(&s);
    assert!(all.len() > 4, "{all:?}");
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let page = s.get(&format!("/sim/v1/history?since={}&limit=2", seqs[1]));
    assert_eq!(page.body.as_array().unwrap(), &all[1..3].to_vec());
    assert_eq!(s.get("/sim/v1/history?since=x").status, 400);
    assert_eq!(s.get("/sim/v1/clusters/nosuch/history").status, 404);
    // A reset starts the history again from the state at t=0.
    assert_eq!(s.post("/sim/v1/reset", Some("{}")).status, 200);
    let again = history(&s);
    assert_eq!(again[0]["seq"], 0);
    assert!(again.iter().all(|e| e["t_ms"] == 0), "{again:?}");
}

#[test]
fn the_clock_gives_the_date_on_the_clusters_calendar() {
    let s = manual(&["--epoch", "2025-04-01T09:30:00Z"]);
    s.advance(90_000);
    let c = s.get("/sim/v1/clock").body;
    assert_eq!(c["epoch"], "2025-04-01T09:30:00Z", "{c}");
    assert_eq!(c["time"], "2025-04-01T09:31:30.000Z", "{c}");
}
