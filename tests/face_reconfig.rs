//! Live reconfiguration through the MaxScale and xCAT faces, over real sockets: a
//! server added by `POST /v1/servers` or `POST /xcatws/nodes/{n}` appears in
//! `/api/v1/servers`, starts and is heard; removing it makes it disappear; the journal
//! replays to the same log; bad input gets the products' codes and bodies.

mod rest_support;

use clustersim::host::journal::{replay, Journal};
use clustersim::model::Model;
use rest_support::{manual, send, Server};
use serde_json::{json, Value};
use std::sync::Arc;

const CLUSTER: &str = "tests/data/xcat_cluster.yaml";
const CRED: &str = "userName=user&userPW=password";

fn start() -> (Server, String, String) {
    let s = manual(&[
        CLUSTER,
        "--face",
        "maxscale=127.0.0.1:0",
        "--face",
        "xcat=127.0.0.1:0",
    ]);
    let c = s.run.fleet.first().unwrap();
    let ms = format!("http://{}", c.face_listeners[0].1);
    let xc = format!("https://{}/xcatws", c.face_listeners[1].1);
    (s, ms, xc)
}

fn call(method: &str, url: &str, body: Option<&str>, basic: bool) -> (u16, String) {
    let auth = rest_support::basic("admin", "mariadb");
    let headers: &[(&str, &str)] = if basic {
        &[("Authorization", &auth)]
    } else {
        &[]
    };
    let r = send(method, url, body, headers);
    (r.status(), r.into_string().unwrap())
}

fn maxscale(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let (st, text) = call(method, &format!("{base}{path}"), body, true);
    (st, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn xcat(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    call(method, &format!("{base}{path}?{CRED}"), body, false)
}

fn api_servers(s: &Server) -> Vec<(String, String)> {
    let v = s.get("/api/v1/servers").body;
    v["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().into(),
                x["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// server1 hears `name`: its own view counts it Online.
fn heard_by_server1(s: &Server, name: &str) -> bool {
    let v = s.get("/sim/v1/view?server=server1").body;
    v["servers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == name && x["status"] == "Online")
}

const NEW: &str = r#"{"data":{"id":"server3","type":"servers","attributes":{"parameters":{"address":"127.0.0.13","port":3306,"protocol":"MariaDBBackend"}}}}"#;

#[test]
fn servers_added_and_removed_through_both_faces_and_the_journal_replays() {
    let (s, ms, xc) = start();
    s.advance(5_000);
    assert_eq!(
        maxscale(&ms, "POST", "/v1/servers", Some(NEW)),
        (204, Value::Null)
    );
    s.advance(10_000);
    let servers = api_servers(&s);
    assert!(
        servers.contains(&("server3".into(), "Online".into())),
        "{servers:?}"
    );
    assert!(heard_by_server1(&s, "server3"));
    let (st, v) = maxscale(&ms, "GET", "/v1/servers/server3", None);
    assert_eq!(st, 200);
    assert_eq!(
        v["data"]["attributes"]["parameters"]["address"],
        "127.0.0.13"
    );
    // Created without `monitors`: unmonitored, MaxScale 2.2's initial `Running`.
    assert_eq!(v["data"]["attributes"]["state"], "Running");
    let applied = s.get("/api/v1/metrics/config/last-applied-date").body;
    assert_eq!(
        applied["config"]["lastAppliedDate"].as_str().unwrap(),
        "2026-01-01T00:00:05.000Z"
    );

    // xCAT mkdef: 201 with an empty body.
    assert_eq!(
        xcat(
            &xc,
            "POST",
            "/nodes/server4",
            Some(r#"{"ip":"127.0.0.14","groups":"all"}"#)
        ),
        (201, String::new())
    );
    s.advance(10_000);
    assert!(heard_by_server1(&s, "server4"));
    let (st, text) = xcat(&xc, "GET", "/nodes/server4/power", None);
    assert_eq!(
        (st, serde_json::from_str::<Value>(&text).unwrap()),
        (200, json!({"server4": {"power": "on"}}))
    );

    // Removal: MaxScale DELETE (server3 backs no service), xCAT rmdef.
    assert_eq!(
        maxscale(&ms, "DELETE", "/v1/servers/server3", None),
        (204, Value::Null)
    );
    assert_eq!(
        xcat(&xc, "DELETE", "/nodes/server4", None),
        (200, String::new())
    );
    s.advance(10_000);
    let names: Vec<String> = api_servers(&s).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["server1", "server2"]);
    assert_eq!(maxscale(&ms, "GET", "/v1/servers/server3", None).0, 404);
    let (st, text) = xcat(&xc, "GET", "/nodes", None);
    assert_eq!(
        (st, serde_json::from_str::<Value>(&text).unwrap()),
        (200, json!(["server1", "server2"]))
    );
    s.advance(100_000);

    // The journal replays to the log the REST surface recorded, byte for byte.
    let now = s.get("/sim/v1/clock").body["now_ms"].as_u64().unwrap();
    let recorded = s.get("/sim/v1/events?since=0&limit=10000").text;
    assert!(recorded.contains("\"server-removed\""));
    let log: Value = serde_json::from_str(&recorded).unwrap();
    let removed: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "server-removed")
        .collect();
    assert_eq!(removed.len(), 2);
    assert_eq!(
        (removed[0]["server"].as_str(), removed[1]["server"].as_str()),
        (Some("server3"), Some("server4")),
        "the departed keep their names"
    );
    let journal: Journal = serde_json::from_value(s.get("/sim/v1/journal").body).unwrap();
    let text = std::fs::read_to_string(CLUSTER).unwrap();
    let model = Model::from_yaml(&text, CLUSTER).unwrap();
    let sim = replay(Arc::new(model), &journal, now);
    let m = sim.model().clone();
    let items: Vec<Value> = sim.events().iter().map(|e| e.to_json(&m)).collect();
    let recorded: Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(Value::Array(items), recorded);
}

fn errors(detail: &str) -> Value {
    json!({"errors": [{"detail": detail}]})
}

#[test]
fn maxscale_bad_creates_and_deletes_get_the_product_codes() {
    let (s, ms, _) = start();
    let cases: &[(&str, &str, Option<&str>, u16, Value)] = &[
        (
            "POST",
            "/v1/servers",
            None,
            403,
            errors("Missing request body"),
        ),
        (
            "POST",
            "/v1/servers",
            Some("{}"),
            403,
            errors("No '/data' field defined"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(r#"{"data":{}}"#),
            403,
            errors("Request body does not define the '/data/id' field"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(r#"{"data":{"id":3}}"#),
            403,
            errors("The '/data/id' field is not a string"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(r#"{"data":{"id":"s3"}}"#),
            403,
            errors("Request body does not define the '/data/attributes/parameters/address' field"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(r#"{"data":{"id":"s3","attributes":{"parameters":{"address":1}}}}"#),
            403,
            errors("The '/data/attributes/parameters/address' field is not a string"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(r#"{"data":{"id":"s3","attributes":{"parameters":{"address":"a"}}}}"#),
            403,
            errors("Request body does not define the '/data/attributes/parameters/port' field"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(
                r#"{"data":{"id":"s3","attributes":{"parameters":{"address":"a","port":"3306"}}}}"#,
            ),
            403,
            errors("The '/data/attributes/parameters/port' field is not an integer"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(
                r#"{"data":{"id":"server1","attributes":{"parameters":{"address":"a","port":3306}}}}"#,
            ),
            403,
            errors("Server 'server1' already exists"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(
                r#"{"data":{"id":"s3","attributes":{"parameters":{"address":"a","port":3306}},"relationships":{"services":{"data":[{"id":"nosuch","type":"services"}]}}}}"#,
            ),
            403,
            errors("Invalid relationships in request JSON"),
        ),
        (
            "POST",
            "/v1/servers",
            Some(
                r#"{"data":{"id":"s3","attributes":{"parameters":{"address":"127.0.0.11","port":3306}}}}"#,
            ),
            403,
            errors("reconfiguration: servers[2].ip: address 127.0.0.11 is used by two servers"),
        ),
        (
            "DELETE",
            "/v1/servers/server1",
            None,
            403,
            errors(
                "Cannot destroy server 'server1' as it is used by at least one service or monitor",
            ),
        ),
        ("DELETE", "/v1/servers/nosuch", None, 404, Value::Null),
    ];
    for (m, path, body, code, want) in cases {
        let (st, got) = maxscale(&ms, m, path, *body);
        assert_eq!((st, &got), (*code, want), "{m} {path} {body:?}");
    }
    let (st, got) = maxscale(&ms, "POST", "/v1/servers", Some("{oops"));
    assert_eq!(st, 400);
    assert!(got["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("Invalid JSON in request: "));
    // Nothing was added.
    assert_eq!(api_servers(&s).len(), 2);
}

#[test]
fn xcat_bad_creates_and_deletes_get_the_product_codes() {
    let (s, _, xc) = start();
    let daemon = |m: &str| json!({"error": [m], "errorcode": "1"});
    let cases: &[(&str, &str, Option<&str>, u16, Value)] = &[
        (
            "POST",
            "/nodes/server1",
            None,
            403,
            daemon("0 object definitions have been created or modified."),
        ),
        (
            "POST",
            "/nodes/a[1-2]",
            None,
            403,
            daemon("Invalid nodes and/or groups in noderange: a[1-2]"),
        ),
        (
            "POST",
            "/nodes/n5",
            Some(r#"{"ip":5}"#),
            403,
            json!({"error": ["Attribute 'groups' is not specified for node 'n5', skipping to the next node.", "0 object definitions have been created or modified."], "errorcode": "1"}),
        ),
        (
            "POST",
            "/nodes/n5,n6",
            Some(r#"{"ip":"127.0.0.15"}"#),
            403,
            daemon("One ip cannot be given to several nodes."),
        ),
        ("POST", "/nodes/n5", Some("{oops"), 400, Value::Null),
        (
            "DELETE",
            "/nodes/nosuch",
            None,
            403,
            daemon("Could not find an object named 'nosuch' of type 'node'."),
        ),
        (
            "PATCH",
            "/nodes/server1",
            None,
            405,
            json!({"error": "request method 'PATCH' is not supported on resource '/nodes/server1'", "errorcode": "2"}),
        ),
    ];
    for (m, path, body, code, want) in cases {
        let (st, text) = xcat(&xc, m, path, *body);
        assert_eq!(st, *code, "{m} {path}: {text}");
        if !want.is_null() {
            assert_eq!(
                serde_json::from_str::<Value>(&text).unwrap(),
                *want,
                "{m} {path}"
            );
        }
    }
    // Removing every node: the last one is refused with the engine's reason.
    let (st, text) = xcat(&xc, "DELETE", "/nodes/all", None);
    assert_eq!(st, 403, "{text}");
    assert!(
        text.contains("server2: Server server1 is being removed."),
        "{text}"
    );
    s.advance(300_000);
    let names: Vec<String> = api_servers(&s).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["server2"]);
}

#[test]
fn the_control_api_applies_reconfiguration_operations() {
    let (s, _, _) = start();
    let add = r#"{"op":"server-add","server":"server3","ip":"127.0.0.13"}"#;
    let r = s.post("/sim/v1/operations", Some(add));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(api_servers(&s)[2], ("server3".into(), "Offline".into()));
    let again = s.post("/sim/v1/operations", Some(add));
    assert_ne!(again.status, 200);
    assert!(
        again.message().contains("Server server3 already exists."),
        "{again:?}"
    );
    let bad = s.post("/sim/v1/operations", Some(r#"{"op":"server-add"}"#));
    assert_eq!(bad.status, 400, "{bad:?}");
    let r = s.post(
        "/sim/v1/operations",
        Some(r#"{"op":"server-remove","server":"server3"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(api_servers(&s).len(), 2);
}
