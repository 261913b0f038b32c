//! `/openapi.json` against the running routes: every documented path and method is
//! answered by a handler (not the unknown-URL 400 or the 405) in each API version that
//! has it, and is an unknown URL in the versions before (`x-since-version`).

mod rest_support;

use rest_support::{manual, Server};
use serde_json::Value;

/// A request for a documented path: parameters filled with names of the default
/// cluster, and a body the handler accepts.
fn concrete(path: &str, fault: u64) -> (String, Option<&'static str>) {
    let name = if path.starts_with("/api/v1/servers/") {
        "server1"
    } else if path.starts_with("/api/v1/resources/") {
        "fip1"
    } else if path.starts_with("/api/v1/monitors/") {
        "fipw1"
    } else {
        "failover1"
    };
    let p = path
        .replace("{name}", name)
        .replace("{id}", &fault.to_string())
        .replace("{cluster}", "extra");
    let body = match path {
        "/api/v1/groups/start" | "/api/v1/groups/stop" => Some(r#"{"target": "server1"}"#),
        "/api/v1/cluster/toratio/set" => Some(r#"{"ratio": 1}"#),
        "/api/v1/scripts/run" => Some(r#"{"script": "script.sh", "target": "127.0.0.11"}"#),
        "/sim/v1/clock/advance" => Some(r#"{"ms": 0}"#),
        "/sim/v1/operations" => Some(r#"{"op": "reset-timeout-ratio"}"#),
        // Created here, deleted by `DELETE /sim/v1/clusters/{cluster}` (listed after).
        "/sim/v1/clusters" => Some(r#"{"name": "extra", "clock": "manual"}"#),
        "/sim/v1/clock/speed" => Some(r#"{"speed": 1}"#),
        "/sim/v1/fork" => Some(r#"{"name": "forked"}"#),
        "/sim/v1/exercise" => Some(
            r#"{"exercise": {"name": "x", "time_limit": "5m", "goals": [{"within": "1m", "group": "failover1", "status": "Online"}]}}"#,
        ),
        "/sim/v1/faults" => {
            Some(r#"{"kind": "server-hang", "server": "server2", "at_ms": 999999999}"#)
        }
        _ => None,
    };
    (p, body)
}

fn documented(s: &Server) -> Vec<(String, String, String)> {
    let doc = s.request("GET", "/openapi.json", None, None).body;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let since = op["x-since-version"]
                .as_str()
                .expect("x-since-version")
                .to_string();
            out.push((method.to_uppercase(), path.clone(), since));
        }
    }
    out
}

fn is_unknown_url(status: u16, body: &Value) -> bool {
    status == 400 && body["result"]["code"] == 400
}

fn check_version(version: &str) {
    let s = manual(&["--api-version", version]);
    let docs = documented(&s);
    assert!(docs.len() > 40, "{} documented operations", docs.len());
    for (method, path, since) in docs {
        // A fresh scheduled fault for DELETE, so the route answers 200.
        let fault = s
            .post(
                "/sim/v1/faults",
                Some(r#"{"kind": "server-hang", "server": "server2", "at_ms": 999999999}"#),
            )
            .body["id"]
            .as_u64()
            .expect("fault id");
        let (p, body) = concrete(&path, fault);
        if path == "/sim/v1/events/stream" {
            let agent = ureq::AgentBuilder::new().build();
            let r = agent
                .get(&format!("{}{p}", s.base))
                .set("Authorization", "Basic dXNlcjpwYXNzd29yZA==")
                .call()
                .expect("stream answers");
            assert_eq!(r.status(), 200);
            continue;
        }
        // Restore takes a snapshot file: the cluster's own.
        let snapshot = (path == "/sim/v1/restore").then(|| s.get("/sim/v1/snapshot").text);
        let body = snapshot.as_deref().or(body);
        let r = s.request(&method, &p, body, Some(("user", "password")));
        let present = since.as_str() <= version;
        assert_ne!(r.status, 405, "v{version} {method} {p}: {r:?}");
        assert_eq!(
            !is_unknown_url(r.status, &r.body),
            present,
            "v{version} {method} {p} (since {since}): {r:?}"
        );
        // Settle any operation this started so the next is not refused as busy.
        if method == "POST" && path.starts_with("/api/") {
            s.advance(600_000);
        }
    }
}

#[test]
fn every_documented_route_answers_in_v1_2() {
    check_version("1.2");
}

#[test]
fn later_routes_are_unknown_urls_in_v1_1() {
    check_version("1.1");
}

#[test]
fn later_routes_are_unknown_urls_in_v1_0() {
    check_version("1.0");
}
