//! The MaxScale face (`serve --face maxscale=ADDR`) over real sockets: maxctrl's
//! requests, the JSON:API shapes, maintenance honoured by failover, the states after a
//! crash, and the product's codes and bodies for bad input.

mod rest_support;

use rest_support::{manual, send, Server};
use serde_json::{json, Value};

fn start() -> (Server, String) {
    let s = manual(&[
        "tests/data/xcat_cluster.yaml",
        "--face",
        "maxscale=127.0.0.1:0",
        "--face",
        "xcat=127.0.0.1:0",
    ]);
    let c = s.run.fleet.first().unwrap();
    let (name, addr) = &c.face_listeners[0];
    assert_eq!(name, "maxscale");
    let base = format!("http://{addr}");
    (s, base)
}

fn call(
    method: &str,
    url: &str,
    body: Option<&str>,
    auth: Option<(&str, &str)>,
) -> (u16, String, Option<String>) {
    let header = auth.map(|(u, p)| rest_support::basic(u, p));
    let headers: Vec<(&str, &str)> = header
        .iter()
        .map(|h| ("Authorization", h.as_str()))
        .collect();
    let r = send(method, url, body, &headers);
    let www = r.header("www-authenticate").map(str::to_string);
    (r.status(), r.into_string().unwrap(), www)
}

const ADMIN: Option<(&str, &str)> = Some(("admin", "mariadb"));

fn get(base: &str, path: &str) -> (u16, Value) {
    let (st, text, _) = call("GET", &format!("{base}{path}"), None, ADMIN);
    (st, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn state(base: &str, server: &str) -> String {
    let (st, v) = get(base, &format!("/v1/servers/{server}"));
    assert_eq!(st, 200);
    v["data"]["attributes"]["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn show_server_has_the_documented_shape_with_links_echoing_the_host() {
    let (_s, base) = start();
    let host = base.trim_start_matches("http://");
    let (st, v) = get(&base, "/v1/servers/server1");
    assert_eq!(st, 200);
    assert_eq!(
        v["links"]["self"],
        format!("http://{host}/v1/servers/server1")
    );
    let d = &v["data"];
    assert_eq!(
        (d["id"].as_str(), d["type"].as_str()),
        (Some("server1"), Some("servers"))
    );
    assert_eq!(
        d["relationships"]["monitors"],
        json!({"links": {"self": format!("http://{host}/v1/monitors/")}, "data": [{"id": "ECX-Monitor", "type": "monitors"}]})
    );
    assert_eq!(
        d["relationships"]["services"]["data"],
        json!([{"id": "failover1", "type": "services"}, {"id": "failover2", "type": "services"}])
    );
    let a = &d["attributes"];
    assert_eq!(
        a["parameters"],
        json!({"address": "127.0.0.11", "port": 3306, "protocol": "MySQLBackend"})
    );
    assert_eq!(a["state"], "Master, Running");
    assert_eq!(
        (a["node_id"].as_i64(), a["master_id"].as_i64()),
        (Some(3000), Some(-1))
    );
    assert_eq!(a["slaves"], json!([3001]));
    assert_eq!(a["last_event"], "master_up");
    assert_eq!(a["triggered_at"], "Thu, 01 Jan 2026 00:00:00 GMT");
    assert_eq!(a["statistics"]["connections"], 0);
    // list servers: GET servers, then GET monitors/<id>.
    let (_, list) = get(&base, "/v1/servers");
    assert_eq!(list["links"]["self"], format!("http://{host}/v1/servers/"));
    let states: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attributes"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Master, Running", "Slave, Running"]);
    assert_eq!(list["data"][1]["attributes"]["master_id"], 3000);
    let (_, mon) = get(&base, "/v1/monitors/ECX-Monitor");
    assert_eq!(mon["data"]["attributes"]["state"], "Running");
    assert_eq!(
        mon["data"]["attributes"]["monitor_diagnostics"]["server_info"][1]["server_id"],
        3001
    );
    // ?pretty is the default; pretty=false is compact.
    let (_, text, _) = call(
        "GET",
        &format!("{base}/v1/monitors?pretty=false"),
        None,
        ADMIN,
    );
    assert!(!text.contains('\n'));
    let (_, text, _) = call("GET", &format!("{base}/v1/monitors"), None, ADMIN);
    assert!(text.contains("\n  \"data\""));
}

#[test]
fn a_crash_of_the_master_turns_it_down_and_the_failover_target_master() {
    let (s, base) = start();
    s.advance(5_000);
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server1"}"#),
    );
    assert_eq!(state(&base, "server1"), "Down");
    s.advance(120_000);
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
    assert_eq!(state(&base, "server2"), "Master, Running");
    let (_, v) = get(&base, "/v1/servers/server2");
    assert_eq!(v["data"]["attributes"]["last_event"], "new_master");
    let (_, v) = get(&base, "/v1/servers/server1");
    assert_eq!(v["data"]["attributes"]["last_event"], "master_down");
    assert_eq!(
        v["data"]["attributes"]["triggered_at"],
        "Thu, 01 Jan 2026 00:00:05 GMT"
    );
}

#[test]
fn maintenance_is_persistent_and_excludes_the_server_as_failover_target() {
    let (s, base) = start();
    let (st, text, _) = call(
        "PUT",
        &format!("{base}/v1/servers/server2/set?state=maintenance"),
        None,
        ADMIN,
    );
    assert_eq!((st, text.as_str()), (204, ""));
    assert_eq!(state(&base, "server2"), "Maintenance, Slave, Running");
    // Power server1 off through xCAT: no failover to the server in maintenance.
    let xcat = &s.run.fleet.first().unwrap().face_listeners[1].1;
    let (st, _, _) = call(
        "PUT",
        &format!("https://{xcat}/xcatws/nodes/server1/power?userName=user&userPW=password"),
        Some(r#"{"action":"off"}"#),
        None,
    );
    assert_eq!(st, 200);
    s.advance(150_000);
    assert_eq!(s.group("failover1").1, "None");
    assert_eq!(state(&base, "server1"), "Down");
    assert_eq!(state(&base, "server2"), "Maintenance, Slave, Running");
    let (st, _, _) = call(
        "PUT",
        &format!("{base}/v1/servers/server2/clear?state=maint"),
        None,
        ADMIN,
    );
    assert_eq!(st, 204);
    assert_eq!(state(&base, "server2"), "Slave, Running");
}

#[test]
fn monitor_stop_freezes_the_states_and_start_resumes() {
    let (s, base) = start();
    let (st, _, _) = call(
        "PUT",
        &format!("{base}/v1/monitors/ECX-Monitor/stop"),
        None,
        ADMIN,
    );
    assert_eq!(st, 204);
    assert_eq!(
        get(&base, "/v1/monitors/ECX-Monitor").1["data"]["attributes"]["state"],
        "Stopped"
    );
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server1"}"#),
    );
    s.advance(1_000);
    assert_eq!(state(&base, "server1"), "Master, Running");
    call(
        "PUT",
        &format!("{base}/v1/monitors/ECX-Monitor/start"),
        None,
        ADMIN,
    );
    assert_eq!(state(&base, "server1"), "Down");
}

#[test]
fn bad_input_gets_the_products_codes_and_bodies() {
    let (_s, base) = start();
    let (st, text, www) = call(
        "GET",
        &format!("{base}/v1/servers"),
        None,
        Some(("admin", "x")),
    );
    assert_eq!(st, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"errors": [{"detail": "Access denied"}]})
    );
    assert_eq!(www.as_deref(), Some("Basic realm=\"maxscale\""));
    assert_eq!(
        call("GET", &format!("{base}/v1/servers"), None, None).0,
        401
    );
    let errors = |d: &str| json!({"errors": [{"detail": d}]});
    let cases: &[(&str, &str, Option<&str>, u16, Value)] = &[
        ("GET", "/v1/servers/nope", None, 404, Value::Null),
        ("GET", "/v1/monitors/nope", None, 404, Value::Null),
        ("GET", "/v1/nothing", None, 404, Value::Null),
        (
            "PUT",
            "/v1/servers/nope/set?state=maintenance",
            None,
            404,
            Value::Null,
        ),
        (
            "PUT",
            "/v1/servers/server1/set?state=bogus",
            None,
            403,
            errors("Invalid or missing value for the `state` parameter"),
        ),
        (
            "PUT",
            "/v1/servers/server1/set",
            None,
            403,
            errors("Invalid or missing value for the `state` parameter"),
        ),
        (
            "POST",
            "/v1/servers",
            None,
            403,
            errors("Missing request body"),
        ),
        ("POST", "/v1/servers", Some("{oops"), 400, Value::Null),
        ("PATCH", "/v1/servers/nope", Some("{}"), 404, Value::Null),
        (
            "DELETE",
            "/v1/servers/server1",
            None,
            403,
            errors(
                "Cannot destroy server 'server1' as it is used by at least one service or monitor",
            ),
        ),
        ("DELETE", "/v1/monitors/ECX-Monitor", None, 405, Value::Null),
        ("PUT", "/v1/servers/server1", None, 405, Value::Null),
    ];
    for (m, path, body, code, want) in cases {
        let (st, text, _) = call(m, &format!("{base}{path}"), *body, ADMIN);
        assert_eq!(st, *code, "{m} {path}: {text}");
        let got: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if *code == 400 {
            assert!(got["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .starts_with("Invalid JSON in request: "));
        } else {
            assert_eq!(&got, want, "{m} {path}");
            if want.is_null() {
                assert_eq!(text, "", "{m} {path}: no body");
            }
        }
    }
    // Case-insensitive names, as the product.
    assert_eq!(get(&base, "/v1/servers/SERVER2").1["data"]["id"], "server2");
}

/// Guessing the admin password is bounded: after the cluster's failure limit the
/// source is locked out, the right password included, on MaxScale and on the
/// cluster's own API alike (one lockout).
#[test]
fn password_guesses_lock_the_source_out_with_the_clusters_lockout() {
    let (s, base) = start();
    let url = format!("{base}/v1/servers");
    for i in 0..20 {
        call("GET", &url, None, Some(("admin", &format!("guess{i}"))));
    }
    assert_eq!(call("GET", &url, None, ADMIN).0, 401, "locked out");
    // Guesses for the cluster's user through MaxScale lock that user on the
    // cluster's API too.
    assert_eq!(s.get("/api/v1/cluster").status, 200);
    for i in 0..20 {
        call("GET", &url, None, Some(("user", &format!("guess{i}"))));
    }
    assert_eq!(s.get("/api/v1/cluster").status, 403, "the same lock");
}
