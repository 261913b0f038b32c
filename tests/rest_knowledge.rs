//! `/api/v1` answers with what the answering server knows (behaviour §0), and in the
//! product's voice.

mod rest_support;

use rest_support::manual;

#[test]
fn before_detection_a_crashed_server_still_runs_its_group_and_a_second_start_is_refused() {
    let s = manual(&[]);
    s.advance(60_000);
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.advance(30_000);
    // server2 answers (server1 is down) and has not declared server1 down yet.
    let g = s.get("/api/v1/groups/failover1");
    assert_eq!(g.body["groups"][0]["status"], "Online", "{g:?}");
    assert_eq!(g.body["groups"][0]["current"], "server1", "{g:?}");
    let res = s.get("/api/v1/resources/fip1");
    assert_eq!(res.body["resources"][0]["status"], "Online", "{res:?}");
    let srv = s.get("/api/v1/servers/server1");
    assert_eq!(srv.body["servers"][0]["status"], "Online", "{srv:?}");
    let r = s.post(
        "/api/v1/groups/failover1/start",
        Some(r#"{"target": "server2"}"#),
    );
    assert_eq!(r.status, 200);
    assert_ne!(r.code(), 0, "{r:?}");
    assert_eq!(
        r.message(),
        "Group failover1 is already started on server server1."
    );
    // After the heartbeat timeout the failover proceeds as before.
    s.advance(120_000);
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
}

#[test]
fn refusals_name_no_list_and_carry_no_backtick() {
    let s = manual(&[]);
    for (path, body, text) in [
        (
            "/api/v1/groups/nosuch/start",
            None,
            "The group nosuch does not exist.",
        ),
        (
            "/api/v1/servers/server9/stop",
            None,
            "The server server9 does not exist.",
        ),
        (
            "/api/v1/monitors/nope/suspend",
            None,
            "The monitor nope does not exist.",
        ),
        (
            "/api/v1/scripts/run",
            Some(r#"{"script": "script.sh", "target": "10.9.9.9"}"#),
            "No server has the address 10.9.9.9.",
        ),
    ] {
        let r = s.post(path, body);
        assert_eq!(r.message(), text, "{path}");
        assert!(!r.message().contains('`'), "{path}: {}", r.message());
    }
    // /sim/v1 keeps its helpful lists.
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "nosuch"}"#),
    );
    assert!(r.body.to_string().contains("valid"), "{r:?}");
}

/// Behaviour §0, the crash window: server2 still believes the crashed server1 up, so
/// an operation that needs server1 is attempted, not refused with a fact server2 cannot
/// know; the answer comes when the internal communication timeout (180 s of virtual
/// time) is over (at once under a manual clock, which only the caller moves): the
/// reference's 500 "An error occurred while sending the request.".
#[test]
fn an_operation_on_a_crashed_peer_still_believed_up_fails_after_the_internal_wait() {
    let s = manual(&[]);
    s.advance(60_000);
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    s.advance(60_000);
    let srv = s.get("/api/v1/servers/server1");
    assert_eq!(srv.body["servers"][0]["status"], "Online", "{srv:?}");
    // Under a manual clock the answer comes at once (a client that waited for it before
    // advancing the clock would wait for ever); the attempt still fails in virtual time.
    let r = s.post(
        "/api/v1/monitors/fipw1/suspend",
        Some(r#"{"target": "server1"}"#),
    );
    assert_eq!(r.status, 500, "{r:?}");
    assert_eq!(
        (r.code(), r.message()),
        (500, "An error occurred while sending the request.")
    );
    // Other requests are served as before.
    assert_eq!(s.get("/api/v1/cluster").status, 200);
    s.advance(180_000);
    // The event log: the attempt's failure, logged by server2 at 300 s.
    let log = s.get("/sim/v1/events?limit=10000").body;
    let failed: Vec<&serde_json::Value> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "operation-failed")
        .collect();
    assert_eq!(failed.len(), 1, "{log}");
    assert_eq!(
        (&failed[0]["server"], &failed[0]["peer"], &failed[0]["t_ms"]),
        (
            &serde_json::json!("server2"),
            &serde_json::json!("server1"),
            &serde_json::json!(300_000)
        ),
        "{failed:?}"
    );
    // Once server2 has declared server1 down, the product's refusal is right again.
    let r = s.post(
        "/api/v1/monitors/fipw1/suspend",
        Some(r#"{"target": "server1"}"#),
    );
    assert_eq!(
        (r.status, r.message()),
        (200, "Server server1 is not running.")
    );
}
