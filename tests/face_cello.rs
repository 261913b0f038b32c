//! The Cello pool face (`serve --fleet FLEET.yaml --face cello=ADDR`) over real
//! sockets: a pool of lab clusters applied for concurrently, each a working
//! EXPRESSCLUSTER `/api/v1`; release wipes a cluster and gives it back under a new id;
//! the product's envelope, codes and messages for bad input (reference:
//! other-faces.md section 3, Cello v0.6 `resources/cluster_api.py`).

mod rest_support;

use rest_support::{send, start, Server};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const TWO_NODE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/clusters/two-node.yaml"
);

struct Lab {
    s: Server,
    cello: String,
    _dir: tempfile::TempDir,
}

/// A fleet whose only clusters are a pool of `n` two-node clusters (`lab-1..n`) and,
/// when `synthetic` is given, that many synthetic 3-server ones (`big-1..`).
fn lab(n: usize, synthetic: usize) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("pool:\n  - name: lab\n    count: {n}\n    cluster: {TWO_NODE}\n");
    if synthetic > 0 {
        text.push_str(&format!(
            "  - name: big\n    count: {synthetic}\n    synthetic: {{servers: 3, groups: 2}}\n    consensus_plugin: pbft\n"
        ));
    }
    let f = dir.path().join("fleet.yaml");
    std::fs::write(&f, text).unwrap();
    let s = start(&[
        "--clock",
        "manual",
        "--fleet",
        f.to_str().unwrap(),
        "--face",
        "cello=127.0.0.1:0",
    ]);
    let addr = s.run.fleet.face_listeners.read().unwrap()[0].1;
    let lab = Lab {
        s,
        cello: format!("http://{addr}"),
        _dir: dir,
    };
    let names: Vec<String> = lab.names();
    for name in names {
        lab.advance(&name, 10_000);
    }
    lab
}

impl Lab {
    fn names(&self) -> Vec<String> {
        let r = self.s.get("/sim/v1/clusters");
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    }
    fn advance(&self, cluster: &str, ms: u64) {
        let r = self.s.post(
            &format!("/sim/v1/clusters/{cluster}/clock/advance"),
            Some(&format!("{{\"ms\": {ms}}}")),
        );
        assert_eq!(r.status, 200, "{r:?}");
    }
}

/// (HTTP status, body as JSON, or the text as a JSON string). As the fleet's admin
/// (`user`/`password`, the default): Cello asks for no credentials, but in a fleet what
/// a caller sees and operates is what it reaches (#26, `tests/labs.rs`).
fn call(method: &str, url: &str, body: Option<&str>) -> (u16, Value) {
    let auth = rest_support::basic("user", "password");
    let r = send(method, url, body, &[("Authorization", &auth)]);
    let st = r.status();
    let text = r.into_string().unwrap();
    (
        st,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn op(base: &str, body: Value) -> (u16, Value) {
    call(
        "POST",
        &format!("{base}/v2/cluster_op"),
        Some(&body.to_string()),
    )
}

fn failed(error: &str, code: u16) -> (u16, Value) {
    (
        400,
        json!({"status": "FAIL", "code": code, "error": error, "data": {}}),
    )
}

/// The cluster's EXPRESSCLUSTER `/api/v1/cluster` through the address Cello gave.
fn api_cluster(obj: &Value) -> Value {
    let url = format!("{}/cluster", obj["api_url"].as_str().unwrap());
    assert_eq!(obj["service_url"]["rest"], obj["api_url"]);
    let r = ureq::get(&url)
        .set("Authorization", "Basic dXNlcjpwYXNzd29yZA==")
        .call()
        .unwrap();
    r.into_json().unwrap()
}

#[test]
fn twenty_students_apply_at_once_and_each_gets_a_working_cluster() {
    let lab = lab(20, 0);
    let base = lab.cello.clone();
    let threads: Vec<_> = (1..=20)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || {
                op(
                    &base,
                    json!({"action": "apply", "user_id": format!("student{i}"), "size": 2}),
                )
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (i, t) in threads.into_iter().enumerate() {
        let (st, body) = t.join().unwrap();
        assert_eq!(
            (st, &body["status"], &body["code"]),
            (200, &json!("OK"), &json!(200)),
            "{body}"
        );
        let c = &body["data"];
        assert_eq!(c["user_id"], format!("student{}", i + 1));
        assert_eq!(
            (c["size"].clone(), c["health"].clone()),
            (json!(2), json!("OK"))
        );
        assert_eq!(api_cluster(c)["result"]["code"], 0, "{c}");
        ids.insert(c["id"].as_str().unwrap().to_string());
        names.insert(c["name"].as_str().unwrap().to_string());
    }
    assert_eq!(
        (ids.len(), names.len()),
        (20, 20),
        "every student a different cluster"
    );
    assert_eq!(
        op(&base, json!({"action": "apply", "user_id": "student21"})),
        failed("No available res for student21", 400)
    );
    // Who holds which cluster, for the dashboard's picker.
    let listed = lab.s.get("/sim/v1/clusters").body;
    let holders: BTreeSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["holder"].as_str().expect("every cluster is held"))
        .collect();
    assert_eq!(holders.len(), 20);
    // Without allow_multiple a student who applies again gets the same cluster.
    let (_, again) = op(&base, json!({"action": "apply", "user_id": "student3"}));
    assert_eq!(again["data"]["user_id"], "student3");
    assert!(ids.contains(again["data"]["id"].as_str().unwrap()));
}

#[test]
fn a_release_gives_back_a_fresh_cluster_under_a_new_id() {
    let lab = lab(1, 0);
    let base = &lab.cello;
    let (_, got) = op(base, json!({"action": "apply", "user_id": "alice"}));
    let c = got["data"].clone();
    let (id, name) = (c["id"].as_str().unwrap(), c["name"].as_str().unwrap());
    // Alice breaks it: server1 crashes; the cluster's health says so.
    let r = lab.s.post(
        &format!("/sim/v1/clusters/{name}/faults"),
        Some(r#"{"kind":"server-crash","server":"server1"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    lab.advance(name, 120_000);
    let (_, now) = call("GET", &format!("{base}/v2/cluster/{id}"), None);
    assert_eq!(now["data"]["health"], "FAIL", "{now}");
    assert_eq!(
        op(base, json!({"action": "apply", "user_id": "bob"})),
        failed("No available res for bob", 400)
    );

    assert_eq!(
        op(base, json!({"action": "release", "cluster_id": id})),
        (
            200,
            json!({"status": "OK", "code": 200, "error": "", "data": {}})
        )
    );
    let (_, gone) = call("GET", &format!("{base}/v2/cluster/{id}"), None);
    assert_eq!(
        gone,
        failed(&format!("cluster not found with id={id}"), 404).1
    );
    let (_, list) = call("GET", &format!("{base}/v2/clusters"), None);
    let fresh = list["data"][0].clone();
    assert_ne!(fresh["id"], c["id"]);
    assert_eq!(
        (
            &fresh["name"],
            &fresh["user_id"],
            &fresh["health"],
            &fresh["status"]
        ),
        (&json!(name), &json!(""), &json!(""), &json!("running"))
    );
    // Wiped: clock at 0, no fault, a log that starts again.
    let clock = lab.s.get(&format!("/sim/v1/clusters/{name}/clock")).body;
    assert_eq!(clock["now_ms"], 0, "{clock}");
    let faults = lab.s.get(&format!("/sim/v1/clusters/{name}/faults")).body;
    assert_eq!(faults, json!([]), "{faults}");
    // The health check on the simulated clock puts it back in the pool.
    lab.advance(name, 5_000);
    let events = lab.s.get(&format!("/sim/v1/clusters/{name}/events")).body;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .or(events.as_array())
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(!kinds.is_empty(), "the new cluster has started again");
    assert!(
        !kinds
            .iter()
            .any(|k| k.contains("crash") || k.contains("fault")),
        "{kinds:?}"
    );
    let (st, bob) = op(base, json!({"action": "apply", "user_id": "bob"}));
    assert_eq!((st, &bob["data"]["id"]), (200, &fresh["id"]), "{bob}");
    assert_eq!(bob["data"]["health"], "OK");
    let api = api_cluster(&bob["data"]);
    assert_eq!(api["cluster"]["status"], "Normal", "{api}");
}

#[test]
fn get_and_post_read_the_same_parameters_and_filters_select() {
    let lab = lab(2, 2);
    let base = &lab.cello;
    // GET query, POST JSON and POST form are the same request.
    let (st, a) = call(
        "GET",
        &format!("{base}/v2/cluster_op?action=apply&user_id=u1&size=3&consensus_plugin=pbft"),
        None,
    );
    assert_eq!((st, a["data"]["size"].clone()), (200, json!(3)), "{a}");
    assert!(a["data"]["name"].as_str().unwrap().starts_with("big-"));
    let form = ureq::post(&format!("{base}/api/cluster_op"))
        .send_form(&[("action", "apply"), ("user_id", "u2"), ("size", "2")])
        .unwrap()
        .into_json::<Value>()
        .unwrap();
    assert_eq!(form["data"]["size"], 2, "{form}");
    // allow_multiple is truthiness: the string "False" counts as true.
    let (_, b) = op(
        base,
        json!({"action": "apply", "user_id": "u1", "allow_multiple": "False"}),
    );
    assert_ne!(b["data"]["id"], a["data"]["id"], "{b}");
    assert_eq!(b["data"]["user_id"], "u1");
    // /v2/clusters: the body (POST) or the query (GET, strings) is the filter.
    let (_, mine) = call(
        "POST",
        &format!("{base}/v2/clusters"),
        Some(r#"{"user_id":"u1"}"#),
    );
    assert_eq!(mine["data"].as_array().unwrap().len(), 2);
    let (_, free) = call(
        "POST",
        &format!("{base}/v2/clusters"),
        Some(r#"{"user_id":"","size":3}"#),
    );
    assert_eq!(free["data"].as_array().unwrap().len(), 1, "{free}");
    let (_, by_query) = call("GET", &format!("{base}/v2/clusters?user_id=u2"), None);
    assert_eq!(by_query["data"][0]["user_id"], "u2");
    let (_, strings) = call("GET", &format!("{base}/v2/clusters?size=2"), None);
    assert_eq!(
        strings["data"],
        json!([]),
        "a query's \"2\" is not the number 2"
    );
    // Every field v0.6 returns.
    let obj = &a["data"];
    for k in [
        "id",
        "name",
        "user_id",
        "host_id",
        "fabric_version",
        "consensus_plugin",
        "consensus_mode",
        "daemon_url",
        "create_ts",
        "apply_ts",
        "release_ts",
        "duration",
        "containers",
        "size",
        "status",
        "health",
        "mapped_ports",
        "service_url",
        "api_url",
    ] {
        assert!(obj.get(k).is_some(), "{k} missing: {obj}");
    }
    // v0.6's ten keys, and v0.9's: orderer, ca_org1_ecap, two per server.
    let size = obj["size"].as_u64().unwrap() as usize;
    assert_eq!(
        obj["service_url"].as_object().unwrap().len(),
        10 + 2 + 2 * size
    );
    assert!(obj["apply_ts"].as_str().unwrap().ends_with(" GMT"), "{obj}");
}

#[test]
fn stop_start_and_restart_drive_the_cluster() {
    let lab = lab(1, 0);
    let base = &lab.cello;
    let (_, got) = op(base, json!({"action": "apply", "user_id": "carol"}));
    let (id, name) = (
        got["data"]["id"].as_str().unwrap().to_string(),
        got["data"]["name"].as_str().unwrap().to_string(),
    );
    let ok = (
        200,
        json!({"status": "OK", "code": 200, "error": "", "data": {}}),
    );
    assert_eq!(
        op(
            base,
            json!({"action": "stop", "cluster_id": id, "node_id": "vp0"})
        ),
        ok
    );
    lab.advance(&name, 60_000);
    let (_, c) = call("GET", &format!("{base}/v2/cluster/{id}"), None);
    assert_eq!(
        (&c["data"]["status"], &c["data"]["health"]),
        (&json!("stopped"), &json!(""))
    );
    assert_eq!(api_cluster(&c["data"])["cluster"]["status"], "Offline");
    assert_eq!(op(base, json!({"action": "start", "cluster_id": id})), ok);
    lab.advance(&name, 60_000);
    let (_, c) = call("GET", &format!("{base}/v2/cluster/{id}"), None);
    assert_eq!(
        (&c["data"]["status"], &c["data"]["health"]),
        (&json!("running"), &json!("OK"))
    );
    let before = service_events(&lab, &name);
    assert_eq!(op(base, json!({"action": "restart", "cluster_id": id})), ok);
    for _ in 0..10 {
        lab.advance(&name, 30_000);
    }
    // Restart is a stop, then a start once the stop is done: both servers went down
    // and came back.
    let after = service_events(&lab, &name);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (2, 2),
        "{before:?} {after:?}"
    );
    assert_eq!(api_cluster(&c["data"])["cluster"]["status"], "Normal");
}

/// (service-stopped, service-started) events so far.
fn service_events(lab: &Lab, name: &str) -> (usize, usize) {
    let events = lab
        .s
        .get(&format!("/sim/v1/clusters/{name}/events?limit=10000"))
        .body;
    let list = events["events"]
        .as_array()
        .or(events.as_array())
        .cloned()
        .unwrap_or_default();
    let count = |k: &str| list.iter().filter(|e| e["kind"] == k).count();
    (count("service-stopped"), count("service-started"))
}

#[test]
fn bad_input_gets_the_products_code_and_body() {
    let lab = lab(1, 0);
    let base = &lab.cello;
    for (body, want) in [
        (json!({"action": "explode"}), "Unknown action type"),
        (json!({}), "Unknown action type"),
        (json!({"action": "apply"}), "cluster_apply without user_id"),
        (
            json!({"action": "apply", "user_id": ""}),
            "cluster_apply without user_id",
        ),
        (
            json!({"action": "apply", "user_id": "x", "size": 5}),
            "Invalid cluster_size",
        ),
        (
            json!({"action": "apply", "user_id": "x", "consensus_plugin": "raft"}),
            "Invalid consensus_plugin",
        ),
        (
            json!({"action": "apply", "user_id": "x", "consensus_mode": 3}),
            "Invalid consensus_mode",
        ),
        (json!({"action": "release"}), "No cluster_id is given"),
        (json!({"action": "start"}), "No cluster_id is given"),
        (
            json!({"action": "stop", "cluster_id": "nope"}),
            "cluster stop failed",
        ),
        (
            json!({"action": "restart", "cluster_id": "nope"}),
            "cluster restart failed",
        ),
    ] {
        assert_eq!(op(base, body.clone()), failed(want, 400), "{body}");
    }
    // An unknown id releases nothing and says OK, as v0.6 does.
    assert_eq!(
        op(base, json!({"action": "release", "cluster_id": "nope"})).0,
        200
    );
    assert_eq!(
        call("GET", &format!("{base}/v2/cluster/nope"), None),
        failed("cluster not found with id=nope", 404)
    );
    // What raises in the handler is Flask's 500 page; wrong method and path its 405/404.
    let (st, page) = op(
        base,
        json!({"action": "apply", "user_id": "x", "size": "four"}),
    );
    assert_eq!(st, 500);
    assert!(page
        .as_str()
        .unwrap()
        .contains("<title>500 Internal Server Error</title>"));
    let (st, page) = call("POST", &format!("{base}/v2/clusters"), Some("not json"));
    assert_eq!(
        (st, page.as_str().unwrap().contains("Internal Server Error")),
        (500, true)
    );
    let (st, page) = call("DELETE", &format!("{base}/v2/cluster_op"), None);
    assert_eq!(
        (
            st,
            page.as_str()
                .unwrap()
                .contains("<h1>Method Not Allowed</h1>")
        ),
        (405, true)
    );
    let (st, page) = call("GET", &format!("{base}/v2/nothing"), None);
    assert_eq!(
        (st, page.as_str().unwrap().contains("<h1>Not Found</h1>")),
        (404, true)
    );
    // The service still answers.
    assert_eq!(op(base, json!({"action": "apply", "user_id": "x"})).0, 200);
}

#[test]
fn the_openapi_document_matches_the_routes() {
    let lab = lab(1, 0);
    let base = &lab.cello;
    let (st, doc) = call("GET", &format!("{base}/openapi.json"), None);
    assert_eq!(st, 200);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v2/cluster_op",
        "/v2/clusters",
        "/v2/cluster/{id}",
        "/v2/cluster_apply",
        "/v2/cluster_release",
        "/api/cluster",
    ] {
        assert!(paths.contains_key(p), "{p} is served: document it");
    }
    let (_, list) = call("GET", &format!("{base}/v2/clusters"), None);
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    let mut checked = 0;
    // The operator's create and delete change the pool: tests/cello_dashboards.rs.
    for (path, item) in paths.iter().filter(|(p, _)| !p.starts_with("/api/")) {
        let v2_only = path.ends_with("/cluster_apply") || path.ends_with("/cluster_release");
        let prefixes: &[&str] = if v2_only { &["/v2"] } else { &["/v2", "/api"] };
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| *m != "parameters")
        {
            let m = method.to_uppercase();
            for prefix in prefixes {
                let mut p = path.replacen("/v2", prefix, 1).replace("{id}", &id);
                if m == "GET" && p.ends_with("/cluster_op") {
                    p.push_str("?action=apply&user_id=doc");
                }
                if m == "GET" && v2_only {
                    p.push_str("?user_id=doc");
                }
                let body = (m == "POST").then_some(r#"{"action":"apply","user_id":"doc"}"#);
                let (st, v) = call(&m, &format!("{base}{p}"), body);
                assert_eq!((st, &v["status"]), (200, &json!("OK")), "{m} {p}: {v}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 14);
}
