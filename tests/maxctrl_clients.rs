//! maxctrl, replayed. Each case is one maxctrl command as the HTTP requests it sends
//! (method, path, query, body; Basic auth and a JSON body as its HTTP library sends
//! them), read from maxctrl's own source: `maxctrl/lib/*.js` of MaxScale branch 2.2
//! (`request-promise-native` with `json: true`, `common.js:288-292`; URLs
//! `http://HOST/v1/ENDPOINT`, `common.js:253`) and of branch 24.02 (axios,
//! `common.js:369-387`, `getUri` at `common.js:571`). The answers checked are MaxScale
//! 2.2's (`server/core/resource.cc`, `config_runtime.cc`). The real maxctrl of both
//! branches was run against the face to measure what works (docs/faces/maxscale.md);
//! CI cannot fetch it, so it runs this replay.

mod rest_support;

use rest_support::{manual, send, Server};
use serde_json::{json, Value};

struct Face {
    s: Server,
    base: String,
}

fn start() -> Face {
    let s = manual(&[
        "tests/data/xcat_cluster.yaml",
        "--face",
        "maxscale=127.0.0.1:0",
    ]);
    let (name, addr) = &s.run.fleet.first().unwrap().face_listeners[0];
    assert_eq!(name, "maxscale");
    let base = format!("http://{addr}/v1/");
    s.advance(5_000);
    Face { s, base }
}

/// An answer: status, JSON body (`Null` when none), ETag and Last-Modified.
struct Got {
    status: u16,
    body: Value,
    etag: Option<String>,
    modified: Option<String>,
}

impl Face {
    /// One request as maxctrl sends it to `ENDPOINT` (relative to `/v1/`), with extra
    /// headers (the conditional ones).
    fn req(
        &self,
        method: &str,
        endpoint: &str,
        body: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> Got {
        let auth = rest_support::basic("admin", "mariadb");
        let mut headers = vec![
            ("Authorization", auth.as_str()),
            ("Accept", "application/json"),
        ];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        headers.extend_from_slice(extra);
        let text = body.map(Value::to_string);
        let r = send(
            method,
            &format!("{}{endpoint}", self.base),
            text.as_deref(),
            &headers,
        );
        let etag = r.header("etag").map(str::to_string);
        let modified = r.header("last-modified").map(str::to_string);
        let status = r.status();
        let body = serde_json::from_str(&r.into_string().unwrap()).unwrap_or(Value::Null);
        Got {
            status,
            body,
            etag,
            modified,
        }
    }

    fn get(&self, endpoint: &str) -> Value {
        let g = self.req("GET", endpoint, None, &[]);
        assert_eq!(g.status, 200, "GET {endpoint}: {}", g.body);
        g.body
    }

    /// A change maxctrl reports as `OK`: 204, no body.
    fn ok(&self, method: &str, endpoint: &str, body: Option<&Value>) {
        let g = self.req(method, endpoint, body, &[]);
        assert_eq!(
            (g.status, &g.body),
            (204, &Value::Null),
            "{method} {endpoint}"
        );
    }

    /// A refusal: `status` with MaxScale's `{"errors":[{"detail":...}]}`.
    fn refused(
        &self,
        method: &str,
        endpoint: &str,
        body: Option<&Value>,
        status: u16,
        detail: &str,
    ) {
        let g = self.req(method, endpoint, body, &[]);
        assert_eq!(g.status, status, "{method} {endpoint}: {}", g.body);
        assert_eq!(
            g.body,
            json!({"errors": [{"detail": detail}]}),
            "{method} {endpoint}"
        );
    }
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn list_and_show_read_what_2_2_answers() {
    let f = start();
    // list servers: GET servers (2.2 list.js:36), then each monitor its servers name
    // (list.js:46) for the GTID column.
    let servers = f.get("servers");
    let monitors: Vec<String> = servers["data"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| ids(&s["relationships"]["monitors"]["data"]))
        .collect();
    assert_eq!(monitors, ["ECX-Monitor", "ECX-Monitor"]);
    let mon = f.get("monitors/ECX-Monitor");
    assert_eq!(
        mon["data"]["attributes"]["monitor_diagnostics"]["server_info"][0]["name"],
        "server1"
    );
    // list services (list.js:90): id, router, connections, the servers' ids; the same
    // links the servers point at (each server's relationships.services).
    let services = f.get("services");
    assert_eq!(ids(&services["data"]), ["failover1", "failover2"]);
    for s in services["data"].as_array().unwrap() {
        assert_eq!(s["attributes"]["router"], "readconnroute");
        assert_eq!(
            ids(&s["relationships"]["servers"]["data"]),
            ["server1", "server2"]
        );
    }
    let s1 = f.get("servers/server1");
    assert_eq!(
        ids(&s1["data"]["relationships"]["services"]["data"]),
        ["failover1", "failover2"]
    );
    // show service (show.js:54), list listeners (list.js:104 reads attributes.listeners).
    let svc = f.get("services/failover1");
    assert_eq!(svc["data"]["attributes"]["state"], "Started");
    assert_eq!(svc["data"]["attributes"]["listeners"], json!([]));
    assert_eq!(f.req("GET", "services/nope", None, &[]).status, 404);
    // show monitor (show.js:75), show maxscale (show.js:139).
    assert_eq!(mon["data"]["attributes"]["state"], "Running");
    let mx = f.get("maxscale");
    assert_eq!(mx["data"]["id"], "maxscale");
    assert_eq!(mx["data"]["attributes"]["version"], "2.2.21");
    assert_eq!(
        mx["data"]["attributes"]["started_at"],
        "Thu, 01 Jan 2026 00:00:00 GMT"
    );
    assert_eq!(mx["data"]["attributes"]["uptime"], 5);
    // list filters (list.js:141), list sessions (list.js:128): none.
    assert_eq!(f.get("filters")["data"], json!([]));
    assert_eq!(f.get("sessions")["data"], json!([]));
}

#[test]
fn set_clear_stop_and_start_as_2_2() {
    let f = start();
    // set/clear server (set.js:29-31, clear.js:24-26): PUT with the state in the query.
    f.ok("PUT", "servers/server2/set?state=maintenance", None);
    let st = |f: &Face| f.get("servers/server2")["data"]["attributes"]["state"].clone();
    assert_eq!(st(&f), "Maintenance, Slave, Running");
    f.ok("PUT", "servers/server2/clear?state=maintenance", None);
    assert_eq!(st(&f), "Slave, Running");
    f.refused(
        "PUT",
        "servers/server2/set?state=bogus",
        None,
        403,
        "Invalid or missing value for the `state` parameter",
    );
    // stop/start monitor (stop.js:37, start.js:33).
    f.ok("PUT", "monitors/ECX-Monitor/stop", None);
    assert_eq!(
        f.get("monitors/ECX-Monitor")["data"]["attributes"]["state"],
        "Stopped"
    );
    f.ok("PUT", "monitors/ECX-Monitor/start", None);
    // stop service (stop.js:27); stop maxscale: GET services/, then each (stop.js:46-50).
    f.ok("PUT", "services/failover1/stop", None);
    assert_eq!(
        f.get("services/failover1")["data"]["attributes"]["state"],
        "Stopped"
    );
    for id in ids(&f.get("services/")["data"]) {
        f.ok("PUT", &format!("services/{id}/start"), None);
    }
    assert_eq!(
        f.get("services/failover1")["data"]["attributes"]["state"],
        "Started"
    );
}

/// `create server NAME HOST PORT [--services S] [--monitors M]` (2.2 create.js:73-108;
/// the undefined optional parameters are left out by JSON serialisation).
fn create_body(name: &str, address: &str, services: &[&str], monitors: &[&str]) -> Value {
    let mut v = json!({"data": {"id": name, "type": "servers",
        "attributes": {"parameters": {"address": address, "port": 3306}}}});
    for (kind, list) in [("services", services), ("monitors", monitors)] {
        if !list.is_empty() {
            let data: Vec<Value> = list
                .iter()
                .map(|id| json!({"id": id, "type": kind}))
                .collect();
            v["data"]["relationships"][kind] = json!({ "data": data });
        }
    }
    v
}

#[test]
fn create_keeps_relationships_and_an_unmonitored_server_stays_running() {
    let f = start();
    f.ok(
        "POST",
        "servers",
        Some(&create_body(
            "server3",
            "127.0.0.13",
            &["failover1"],
            &["ECX-Monitor"],
        )),
    );
    f.ok(
        "POST",
        "servers",
        Some(&create_body("server4", "127.0.0.14", &[], &[])),
    );
    f.s.advance(10_000);
    let s3 = f.get("servers/server3")["data"].clone();
    assert_eq!(ids(&s3["relationships"]["services"]["data"]), ["failover1"]);
    assert_eq!(
        ids(&s3["relationships"]["monitors"]["data"]),
        ["ECX-Monitor"]
    );
    assert_eq!(s3["attributes"]["state"], "Slave, Running");
    let svc = f.get("services/failover1");
    assert_eq!(
        ids(&svc["data"]["relationships"]["servers"]["data"]),
        ["server1", "server2", "server3"]
    );
    // Without --monitors: unmonitored, MaxScale's initial state (server.cc server_alloc).
    let s4 = f.get("servers/server4")["data"].clone();
    assert_eq!(s4["relationships"], json!({}));
    assert_eq!(s4["attributes"]["state"], "Running");
    assert_eq!(s4["attributes"]["last_event"], "server_up");
    assert_eq!(s4["attributes"]["node_id"], -1);
    let mon = f.get("monitors/ECX-Monitor");
    assert_eq!(
        ids(&mon["data"]["relationships"]["servers"]["data"]),
        ["server1", "server2", "server3"]
    );
    f.refused(
        "POST",
        "servers",
        Some(&create_body("server5", "127.0.0.15", &["nope"], &[])),
        403,
        "Invalid relationships in request JSON",
    );
}

/// `link`/`unlink monitor|service NAME SERVER` (2.2 link.js:15-30, unlink.js:15-30):
/// GET the object, add or remove the server in `relationships.servers.data`, drop
/// `attributes`, PATCH the document back.
fn relink(f: &Face, path: &str, server: &str, add: bool) {
    let mut doc = f.get(path);
    let mut servers = doc["data"]["relationships"]["servers"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    servers.retain(|s| s["id"] != server);
    if add {
        servers.push(json!({"id": server, "type": "servers"}));
    }
    doc["data"]["relationships"]["servers"]["data"] = json!(servers);
    doc["data"].as_object_mut().unwrap().remove("attributes");
    f.ok("PATCH", path, Some(&doc));
}

#[test]
fn link_unlink_alter_and_destroy_as_2_2() {
    let f = start();
    f.ok(
        "POST",
        "servers",
        Some(&create_body("server4", "127.0.0.14", &[], &[])),
    );
    f.s.advance(10_000);
    relink(&f, "monitors/ECX-Monitor", "server4", true);
    let s4 = f.get("servers/server4")["data"].clone();
    assert_eq!(
        ids(&s4["relationships"]["monitors"]["data"]),
        ["ECX-Monitor"]
    );
    assert_eq!(s4["attributes"]["state"], "Slave, Running", "monitored now");
    assert_eq!(s4["attributes"]["last_event"], "slave_up");
    relink(&f, "services/failover2", "server4", true);
    assert_eq!(
        ids(&f.get("servers/server4")["data"]["relationships"]["services"]["data"]),
        ["failover2"]
    );
    let in_use = "Cannot destroy server 'server4' as it is used by at least one service or monitor";
    f.refused("DELETE", "servers/server4", None, 403, in_use);
    relink(&f, "services/failover2", "server4", false);
    relink(&f, "monitors/ECX-Monitor", "server4", false);
    // alter server S port 3307 / weight 10 (alter.js:52 -> common.js:231-243).
    let alter = |k: &str, v: Value| json!({"data": {"attributes": {"parameters": {k: v}}}});
    f.ok(
        "PATCH",
        "servers/server4",
        Some(&alter("port", json!(3307))),
    );
    f.ok(
        "PATCH",
        "servers/server4",
        Some(&alter("weight", json!(10))),
    );
    let p = f.get("servers/server4")["data"]["attributes"]["parameters"].clone();
    assert_eq!(
        (p["port"].clone(), p["weight"].clone()),
        (json!(3307), json!("10"))
    );
    f.refused(
        "PATCH",
        "servers/server4",
        Some(&alter("port", json!(0))),
        403,
        "Invalid server parameter: port=0",
    );
    f.refused(
        "PATCH",
        "monitors/ECX-Monitor",
        Some(&json!({"data": {"relationships": {"servers": {"data": [{"id": "nope", "type": "servers"}]}}}})),
        403,
        "Invalid object relations for 'ECX-Monitor'",
    );
    // destroy server (destroy.js:25): refused while used, done once unlinked.
    f.refused(
        "DELETE",
        "servers/server1",
        None,
        403,
        "Cannot destroy server 'server1' as it is used by at least one service or monitor",
    );
    f.ok("DELETE", "servers/server4", None);
    assert_eq!(f.req("GET", "servers/server4", None, &[]).status, 404);
}

#[test]
fn relationship_endpoints_patch_one_kind() {
    let f = start();
    // PATCH /v1/servers/:id/relationships/{services,monitors} (resource.cc routes).
    let data = |v: Value| json!({ "data": v });
    f.ok(
        "PATCH",
        "servers/server2/relationships/services",
        Some(&data(json!([{"id": "failover2", "type": "services"}]))),
    );
    f.ok(
        "PATCH",
        "servers/server2/relationships/monitors",
        Some(&data(Value::Null)),
    );
    let s2 = f.get("servers/server2")["data"]["relationships"].clone();
    assert_eq!(ids(&s2["services"]["data"]), ["failover2"]);
    assert!(s2.get("monitors").is_none(), "unmonitored: {s2}");
    assert_eq!(
        ids(&f.get("services/failover1")["data"]["relationships"]["servers"]["data"]),
        ["server1"]
    );
    f.refused(
        "PATCH",
        "servers/server2/relationships/services",
        Some(&data(json!("x"))),
        403,
        "Field '/data' is not an array or null",
    );
    let bad = f.req(
        "PATCH",
        "servers/server2/relationships/services",
        Some(&data(json!([{"id": "nope", "type": "services"}]))),
        &[],
    );
    assert_eq!(
        (bad.status, bad.body),
        (403, Value::Null),
        "2.2 sets no message"
    );
    assert_eq!(
        f.req(
            "PATCH",
            "servers/server2/relationships/filters",
            Some(&data(json!([]))),
            &[]
        )
        .status,
        404
    );
}

/// The status of a request with one conditional header.
fn status_if(f: &Face, method: &str, endpoint: &str, body: Option<&Value>, h: (&str, &str)) -> u16 {
    f.req(method, endpoint, body, &[h]).status
}

#[test]
fn etag_and_last_modified_answer_conditional_requests_as_2_2() {
    let f = start();
    let g = f.req("GET", "servers/server1", None, &[]);
    assert_eq!(g.etag.as_deref(), Some("\"0\""));
    let born = g.modified.unwrap();
    assert_eq!(born, "Thu, 01 Jan 2026 00:00:00 GMT", "the face's start");
    let s1 = "servers/server1";
    assert_eq!(
        status_if(&f, "GET", s1, None, ("If-None-Match", "\"0\"")),
        304
    );
    assert_eq!(
        status_if(&f, "GET", s1, None, ("If-Modified-Since", &born)),
        304
    );
    f.ok("PUT", "servers/server1/set?state=maintenance", None);
    for path in [s1, "servers"] {
        let g = f.req("GET", path, None, &[]);
        assert_eq!(g.etag.as_deref(), Some("\"1\""), "{path} and its parents");
        assert_eq!(g.modified.as_deref(), Some("Thu, 01 Jan 2026 00:00:05 GMT"));
    }
    let monitors = f.req("GET", "monitors", None, &[]);
    assert_eq!(monitors.etag.as_deref(), Some("\"0\""));
    // The tag is per path: `.../set` bumped `servers/server1`, which a PATCH names.
    let weight = json!({"data": {"attributes": {"parameters": {"weight": 5}}}});
    let g = f.req("PATCH", s1, Some(&weight), &[("If-Match", "\"0\"")]);
    assert_eq!((g.status, g.body), (412, Value::Null));
    assert_eq!(
        status_if(&f, "PATCH", s1, Some(&weight), ("If-Match", "\"1\"")),
        204
    );
    assert_eq!(f.req("GET", s1, None, &[]).etag.as_deref(), Some("\"2\""));
    assert_eq!(
        status_if(&f, "GET", s1, None, ("If-Unmodified-Since", &born)),
        412
    );
    assert_eq!(
        status_if(&f, "GET", s1, None, ("If-Modified-Since", &born)),
        200
    );
}

#[test]
fn maxctrl_24_02_link_and_create_requests() {
    let f = start();
    // create server (24.02 create.js:201-255): id as a string, the relationships, then
    // address and port from the positional parameters.
    f.ok(
        "POST",
        "servers",
        Some(&create_body("server3", "127.0.0.13", &[], &["ECX-Monitor"])),
    );
    // link monitor (24.02 link.js:16-68): GET servers, monitors, services, filters to
    // classify the targets, GET the monitor, PATCH it with all four relationships.
    for e in ["servers", "monitors", "services", "filters"] {
        f.get(e);
    }
    let mut doc = f.get("services/failover2");
    let mut servers = doc["data"]["relationships"]["servers"]["data"]
        .as_array()
        .cloned()
        .unwrap();
    servers.push(json!({"id": "server3", "type": "servers"}));
    doc["data"]["relationships"] = json!({"servers": {"data": servers}, "services": {"data": []},
        "monitors": {"data": []}, "filters": {"data": []}});
    doc["data"].as_object_mut().unwrap().remove("attributes");
    f.ok("PATCH", "services/failover2", Some(&doc));
    assert_eq!(
        ids(&f.get("servers/server3")["data"]["relationships"]["services"]["data"]),
        ["failover2"]
    );
    // alter server S port=3307 (24.02 alter.js:49-87, 102).
    f.ok(
        "PATCH",
        "servers/server3",
        Some(&json!({"data": {"attributes": {"parameters": {"port": 3307}}}})),
    );
    assert_eq!(
        f.get("servers/server3")["data"]["attributes"]["parameters"]["port"],
        3307
    );
}
