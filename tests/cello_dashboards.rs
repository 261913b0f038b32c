//! The exact requests of Hyperledger Cello's dashboards, replayed against the Cello
//! face (they need MongoDB and Docker to run whole), each checked against what Cello
//! itself answers. Every case cites the dashboard's file and line (tags `v0.6` and
//! `v0.9.0` of hyperledger/cello) and the server code that answers it.

mod rest_support;

use rest_support::{basic, send, start, Server};
use serde_json::{json, Value};

const TWO_NODE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/clusters/two-node.yaml"
);

const FORM: &str = "application/x-www-form-urlencoded; charset=UTF-8";

struct Pool {
    s: Server,
    cello: String,
    _dir: tempfile::TempDir,
}

/// A pool of `n` two-node clusters (`lab-1..n`) at 100x: `clock: manual` (advanced by
/// the test) or `realtime`.
fn pool(n: usize, clock: &str) -> Pool {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "pool:\n  - name: lab\n    count: {n}\n    cluster: {TWO_NODE}\n    clock: {clock}\n    speed: 100\n"
    );
    let f = dir.path().join("fleet.yaml");
    std::fs::write(&f, text).unwrap();
    let s = start(&[
        "--fleet",
        f.to_str().unwrap(),
        "--face",
        "cello=127.0.0.1:0",
    ]);
    let addr = s.run.fleet.face_listeners.read().unwrap()[0].1;
    let p = Pool {
        s,
        cello: format!("http://{addr}"),
        _dir: dir,
    };
    if clock == "manual" {
        for k in 1..=n {
            p.advance(&format!("lab-{k}"), 10_000);
        }
    }
    p
}

impl Pool {
    fn advance(&self, cluster: &str, ms: u64) {
        let path = format!("/sim/v1/clusters/{cluster}/clock/advance");
        let r = self.s.post(&path, Some(&format!("{{\"ms\": {ms}}}")));
        assert_eq!(r.status, 200, "{r:?}");
    }

    /// One dashboard request (as the fleet's admin: the operator), the body sent as
    /// the dashboard sends it; (HTTP status, body as JSON or as a JSON string).
    fn send(&self, method: &str, path: &str, body: Body) -> (u16, Value) {
        let auth = basic("user", "password");
        let mut headers = vec![("Authorization", auth.as_str())];
        let text = match &body {
            Body::None => None,
            Body::Form(f) => {
                headers.push(("Content-Type", FORM));
                Some(f.to_string())
            }
            Body::Json(v) => {
                headers.push(("Content-Type", "application/json"));
                Some(v.to_string())
            }
        };
        let r = send(
            method,
            &format!("{}{path}", self.cello),
            text.as_deref(),
            &headers,
        );
        let st = r.status();
        let text = r.into_string().unwrap();
        (
            st,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Applies for a cluster as v0.6's user side does; (id, fleet name).
    fn apply(&self, user: &str) -> (String, String) {
        let (st, got) = self.send(
            "GET",
            &format!("/v2/cluster_apply?user_id={user}"),
            Body::None,
        );
        assert_eq!(st, 200, "{got}");
        let d = &got["data"];
        (
            d["id"].as_str().unwrap().to_string(),
            d["name"].as_str().unwrap().to_string(),
        )
    }

    /// The cluster's EXPRESSCLUSTER status through the `api_url` Cello gave.
    fn ecx_status(&self, id: &str) -> String {
        let (_, c) = self.send("GET", &format!("/v2/cluster/{id}"), Body::None);
        let url = format!("{}/cluster", c["data"]["api_url"].as_str().unwrap());
        let r = send(
            "GET",
            &url,
            None,
            &[("Authorization", &basic("user", "password"))],
        );
        let v: Value = r.into_json().unwrap();
        v["cluster"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// (service-stopped, service-started) events of `cluster` so far.
    fn service_events(&self, cluster: &str) -> (usize, usize) {
        let path = format!("/sim/v1/clusters/{cluster}/events?limit=10000");
        let events = self.s.get(&path).body;
        let list = events["events"].as_array().or(events.as_array()).cloned();
        let list = list.unwrap_or_default();
        let count = |k: &str| list.iter().filter(|e| e["kind"] == k).count();
        (count("service-stopped"), count("service-started"))
    }
}

enum Body<'a> {
    None,
    Form(&'a str),
    Json(Value),
}

fn ok() -> (u16, Value) {
    (
        200,
        json!({"status": "OK", "code": 200, "error": "", "data": {}}),
    )
}

fn fail(error: &str, data: Value) -> (u16, Value) {
    (
        400,
        json!({"status": "FAIL", "code": 400, "error": error, "data": data}),
    )
}

#[test]
fn v06_operator_chain_actions_are_idempotent_as_docker_compose() {
    let p = pool(1, "manual");
    let (id, name) = p.apply("carol");
    let action = |a: &str| {
        // v0.6 src/themes/basic/static/js/script.js:404-410 (start), 432-438 (stop),
        // 460-466 (restart): POST /api/cluster_op, form {cluster_id, action}.
        p.send(
            "POST",
            "/api/cluster_op",
            Body::Form(&format!("cluster_id={id}&action={a}")),
        )
    };
    // Start of a running cluster: docker-compose `project.start` succeeds, nothing moves.
    let before = p.service_events(&name);
    assert_eq!(action("start"), ok());
    assert_eq!(p.service_events(&name), before);
    assert_eq!(action("stop"), ok());
    p.advance(&name, 60_000);
    assert_eq!(p.ecx_status(&id), "Offline");
    // Stop of a stopped cluster succeeds (v0.6 agent/docker/cluster.py: compose stop).
    assert_eq!(action("stop"), ok());
    let (_, c) = p.send("GET", &format!("/v2/cluster/{id}"), Body::None);
    assert_eq!(
        (&c["data"]["status"], &c["data"]["health"]),
        (&json!("stopped"), &json!(""))
    );
    // Restart of a stopped cluster starts it (compose restart of stopped containers).
    let before = p.service_events(&name);
    assert_eq!(action("restart"), ok());
    p.advance(&name, 60_000);
    let after = p.service_events(&name);
    assert_eq!((after.0 - before.0, after.1 - before.1), (0, 2));
    assert_eq!(p.ecx_status(&id), "Normal");
    // v0.6 script.js:517-523 (release): POST /api/cluster_op, form {cluster_id, action}.
    assert_eq!(action("release"), ok());
}

#[test]
fn stop_answers_once_the_cluster_has_stopped() {
    let p = pool(1, "realtime");
    // The health check runs 5 simulated seconds (50 ms) after creation.
    let mut got = (0, Value::Null);
    for _ in 0..200 {
        got = p.send("GET", "/v2/cluster_apply?user_id=dan", Body::None);
        if got.0 == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(got.0, 200, "{:?}", got.1);
    let id = got.1["data"]["id"].as_str().unwrap().to_string();
    // v0.9.0 src/static/dashboard/src/services/chain.js:13-15 (operateChain):
    // GET /api/cluster_op?{action, cluster_id}.
    let op = |a: &str| {
        p.send(
            "GET",
            &format!("/api/cluster_op?action={a}&cluster_id={id}"),
            Body::None,
        )
    };
    assert_eq!(op("stop"), ok());
    // Answered after the stop: the start that follows finds it stopped and works.
    assert_eq!(p.ecx_status(&id), "Offline");
    assert_eq!(op("start"), ok());
    assert_eq!(op("restart"), ok());
    assert_ne!(p.ecx_status(&id), "Offline");
}

#[test]
fn v06_operator_creates_and_deletes_clusters() {
    let p = pool(1, "manual");
    let (_, list) = p.send("GET", "/api/clusters", Body::None);
    let host_id = list["data"][0]["host_id"].as_str().unwrap().to_string();
    // v0.6 script.js:335-343: POST /api/cluster with the serialized
    // #add_new_cluster_form (layout.html:178-260: name, host_id, fabric_version, size,
    // consensus_plugin, consensus_mode); cluster_api.py:192-244 answers code 201.
    let form = format!(
        "name=lab-9&host_id={host_id}&fabric_version=fabric-1.0&size=2&consensus_plugin=solo&consensus_mode=batch"
    );
    let created = p.send("POST", "/api/cluster", Body::Form(&form));
    assert_eq!(
        created,
        (
            200,
            json!({"status": "OK", "code": 201, "error": "", "data": {}})
        )
    );
    let (_, got) = p.send("GET", "/v2/clusters?name=lab-9", Body::None);
    let made = &got["data"][0];
    assert_eq!(
        (&made["user_id"], &made["size"], &made["host_id"]),
        (&json!(""), &json!(2), &json!(host_id))
    );
    assert!(p.s.run.fleet.get("lab-9").is_some());
    // The same name again: cluster_handler.create fails.
    assert_eq!(
        p.send("POST", "/api/cluster", Body::Form(&form)),
        fail("Failed to create cluster lab-9", json!({}))
    );
    // Checks of cluster_api.py:207-232, in order.
    let empty = form.replace("name=lab-9", "name=");
    let (st, body) = p.send("POST", "/api/cluster", Body::Form(&empty));
    assert_eq!(
        (st, &body["error"], &body["data"]["host_id"]),
        (
            400,
            &json!("cluster post without enough data"),
            &json!(host_id)
        )
    );
    let (st, page) = p.send("POST", "/api/cluster", Body::Form("name=x"));
    assert!(st == 400 && page.as_str().unwrap().contains("<h1>Bad Request</h1>"));
    let pbft = form.replace(
        "consensus_plugin=solo&consensus_mode=batch",
        "consensus_plugin=pbft&consensus_mode=",
    );
    assert_eq!(
        p.send("POST", "/api/cluster", Body::Form(&pbft)),
        fail("Invalid request", json!({}))
    );
    let four = form.replace("size=2", "size=4");
    assert_eq!(
        p.send("POST", "/api/cluster", Body::Form(&four)),
        fail("Invalid request", json!({}))
    );
    // Only under /api (bp_cluster_api), and only POST and DELETE.
    assert_eq!(p.send("POST", "/v2/cluster", Body::Form(&form)).0, 404);
    assert_eq!(p.send("GET", "/api/cluster", Body::None).0, 405);
}

#[test]
fn v06_and_v09_operators_delete_clusters() {
    let p = pool(2, "manual");
    let (_, list) = p.send("GET", "/v2/clusters?name=lab-2", Body::None);
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    // v0.6 script.js:485-497 (chain_action_delete): DELETE /api/cluster, form
    // {id, col_name}; cluster_api.py:247-284.
    let del = format!("id={id}&col_name=active");
    assert_eq!(p.send("DELETE", "/api/cluster", Body::Form(&del)), ok());
    assert!(p.s.run.fleet.get("lab-2").is_none());
    let gone = format!("Failed to delete cluster {id}");
    assert_eq!(
        p.send("DELETE", "/api/cluster", Body::Form(&del)),
        fail(&gone, json!({}))
    );
    // v0.9.0 src/static/dashboard/src/services/chain.js:17-22 (deleteChain): the JSON body.
    let (held, _) = p.apply("erin");
    let body = json!({"id": held, "col_name": "active"});
    let refused = format!("Failed to delete cluster {held}");
    assert_eq!(
        p.send("DELETE", "/api/cluster", Body::Json(body)),
        fail(&refused, json!({}))
    );
    assert_eq!(
        p.send("DELETE", "/api/cluster", Body::Json(json!({"id": held}))),
        fail("cluster operation post without enough data", json!({}))
    );
}

#[test]
fn v06_deprecated_apply_and_release_routes() {
    let p = pool(2, "manual");
    // v0.6 cluster_api.py:310-361 (`/v2/cluster_apply`, as cluster_op's apply).
    let (id, _) = p.apply("dave");
    assert_eq!(
        p.send("GET", "/v2/cluster_apply", Body::None),
        fail("cluster_apply without user_id", json!({}))
    );
    let (_, other) = p.send(
        "GET",
        "/v2/cluster_apply?user_id=dave&allow_multiple=1",
        Body::None,
    );
    assert_ne!(other["data"]["id"], json!(id));
    // cluster_api.py:364-391 (`/v2/cluster_release`): by user_id releases every
    // cluster the user holds; neither id: `data` is the query.
    assert_eq!(
        p.send("GET", "/v2/cluster_release?user_id=dave", Body::None),
        ok()
    );
    let (_, held) = p.send("GET", "/v2/clusters?user_id=dave", Body::None);
    assert_eq!(held["data"], json!([]));
    assert_eq!(
        p.send("GET", "/v2/cluster_release?x=1", Body::None),
        fail("cluster_release without id", json!({"x": "1"}))
    );
    assert_eq!(
        p.send(
            "POST",
            "/v2/cluster_release",
            Body::Json(json!({"cluster_id": "nope"}))
        ),
        ok()
    );
    // Deprecated routes exist under /v2 only (front_rest_v2).
    assert_eq!(
        p.send("GET", "/api/cluster_apply?user_id=dave", Body::None)
            .0,
        404
    );
}

#[test]
fn v09_user_dashboard_applies_lists_and_releases() {
    let p = pool(1, "manual");
    // v0.9.0 user-dashboard/src/app/service/chain.js:16-26 (list):
    // GET {operator}/api/clusters?user_id=..., reads data[].id.
    assert_eq!(
        p.send("GET", "/api/clusters?user_id=erin", Body::None).1["data"],
        json!([])
    );
    // chain.js:326-338 (apply): POST /api/cluster_op, form {action, user_id, size,
    // type}; chain.js:340-361 read data.id and data.service_url's keys.
    let form = "action=apply&user_id=erin&size=2&type=fabric-1.0";
    let (st, got) = p.send("POST", "/api/cluster_op", Body::Form(form));
    assert_eq!(st, 200, "{got}");
    let urls = &got["data"]["service_url"];
    let listener = urls["orderer"].as_str().unwrap();
    assert!(listener.starts_with("127.0.0.1:"), "{urls}");
    for key in [
        "ca_org1_ecap",
        "peer0_org1_grpc",
        "peer0_org1_event",
        "peer1_org1_grpc",
        "peer1_org1_event",
    ] {
        assert_eq!(urls[key], json!(listener), "{key}");
    }
    // v0.6's keys keep v0.6's answers.
    assert_eq!(urls["rest"], got["data"]["api_url"]);
    assert_eq!(urls["grpc"], json!(""));
    let id = got["data"]["id"].as_str().unwrap().to_string();
    let (_, mine) = p.send("GET", "/api/clusters?user_id=erin", Body::None);
    assert_eq!(mine["data"][0]["id"], json!(id));
    // chain.js:70-80 (release): POST /api/cluster_op, form {action, user_id, cluster_id}.
    let form = format!("action=release&user_id=erin&cluster_id={id}");
    assert_eq!(p.send("POST", "/api/cluster_op", Body::Form(&form)), ok());
    assert_eq!(
        p.send("GET", "/api/clusters?user_id=erin", Body::None).1["data"],
        json!([])
    );
}
