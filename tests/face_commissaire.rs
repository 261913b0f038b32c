//! The Commissaire face (`serve --face commissaire=ADDR`) over real sockets: clusters,
//! hosts, a rolling restart watched to the end, and the product's codes and bodies
//! for bad input (reference: other-faces.md section 4).

mod rest_support;

use rest_support::{manual, send, Server};
use serde_json::{json, Value};

const LAB: &str = "scenarios/clusters/four-node-four-groups.yaml";
const AUTH: &str = "Basic dXNlcjpwYXNzd29yZA=="; // user:password

fn start() -> (Server, String) {
    let s = manual(&[LAB, "--face", "commissaire=127.0.0.1:0"]);
    let (name, addr) = s.run.fleet.face_listeners.read().unwrap()[0].clone();
    assert_eq!(name, "commissaire");
    (s, format!("http://{addr}"))
}

/// (status, content type, body text).
fn call(method: &str, url: &str, body: Option<&str>, auth: Option<&str>) -> (u16, String, String) {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
    let r = send(method, url, body, &headers);
    let ct = r.content_type().to_string();
    (r.status(), ct, r.into_string().unwrap())
}

fn api(base: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let (st, _, text) = call(method, &format!("{base}/api/v0{path}"), body, Some(AUTH));
    (
        st,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[test]
fn bad_credentials_are_a_plain_403_forbidden() {
    let (_s, c) = start();
    for auth in [None, Some("Basic dXNlcjpiYWQ=")] {
        let (st, ct, text) = call("GET", &format!("{c}/api/v0/clusters/"), None, auth);
        assert_eq!((st, text.as_str()), (403, "Forbidden"));
        assert_eq!(ct, "text/html");
    }
}

#[test]
fn clusters_and_hosts_follow_the_simulation() {
    let (s, c) = start();
    assert_eq!(api(&c, "GET", "/clusters/", None), (200, json!(["lab"])));
    let ips = json!(["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"]);
    let (st, cl) = api(&c, "GET", "/cluster/lab", None);
    assert_eq!(st, 200);
    assert_eq!(cl["status"], "ok");
    assert_eq!(cl["hostset"], ips);
    assert_eq!(
        cl["hosts"],
        json!({"total": 4, "available": 4, "unavailable": 0})
    );
    assert_eq!(api(&c, "GET", "/cluster/lab/hosts", None), (200, ips));
    assert_eq!(
        api(&c, "GET", "/cluster/lab/hosts/127.0.0.12", None),
        (200, json!(["127.0.0.12"]))
    );
    let f = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server2"}"#),
    );
    assert_eq!(f.status, 200, "{f:?}");
    s.advance(120_000);
    let (_, h) = api(&c, "GET", "/host/127.0.0.12/", None);
    assert_eq!(h["status"], "failed");
    assert_eq!(h["last_check"], "2026-01-01T00:02:00.000000");
    let (_, cl) = api(&c, "GET", "/cluster/lab/", None);
    assert_eq!(cl["status"], "degraded");
    assert_eq!(cl["hosts"]["unavailable"], 1);
    let (_, st) = api(&c, "GET", "/host/127.0.0.11/status", None);
    assert_eq!(st["type"], "host_only");
    assert_eq!(st["host"]["status"], "active");
    let (_, all) = api(&c, "GET", "/hosts/", None);
    assert_eq!(all.as_array().unwrap().len(), 4);
}

#[test]
fn a_rolling_restart_is_watched_to_the_end() {
    let (s, c) = start();
    assert_eq!(api(&c, "GET", "/cluster/lab/restart", None).0, 404);
    let (st, rec) = api(&c, "PUT", "/cluster/lab/restart", None);
    assert_eq!(st, 201);
    assert_eq!(rec["status"], "in_process");
    assert_eq!(rec["restarted"], json!([]));
    // The initial record clusterexec saves before it takes the first host.
    assert_eq!(rec["in_process"], json!([]));
    assert_eq!(rec["started_at"], "2026-01-01T00:00:00.000000");
    assert_eq!(rec["finished_at"], "");
    let (_, now) = api(&c, "GET", "/cluster/lab/restart", None);
    assert_eq!(now["in_process"], json!(["127.0.0.11"]));
    // Another PUT while one runs: 201 with a new initial record, as commissaire-http;
    // the running one goes on.
    for op in ["restart", "upgrade"] {
        let (st, again) = api(&c, "PUT", &format!("/cluster/lab/{op}"), None);
        assert_eq!((st, &again["status"]), (201, &json!("in_process")), "{op}");
        assert_eq!(again["in_process"], json!([]));
    }
    assert_eq!(api(&c, "GET", "/cluster/lab/upgrade", None).0, 404);
    s.advance(100_000);
    let (_, mid) = api(&c, "GET", "/cluster/lab/restart", None);
    assert_eq!(mid["status"], "in_process");
    assert_eq!(mid["restarted"], json!(["127.0.0.11"]));
    s.advance(800_000);
    let (st, done) = api(&c, "GET", "/cluster/lab/restart/", None);
    assert_eq!(st, 200);
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["restarted"].as_array().unwrap().len(), 4);
    assert_eq!(done["in_process"], json!([]));
    assert!(done["finished_at"]
        .as_str()
        .unwrap()
        .starts_with("2026-01-01T00:"));
    // The control API shows the same record.
    let r = s.get("/sim/v1/rolling");
    assert_eq!(r.body[0]["status"], "finished");
    assert_eq!(r.body[0]["done"].as_array().unwrap().len(), 4);
}

#[test]
fn deploy_needs_a_version_and_records_it() {
    let (_s, c) = start();
    assert_eq!(api(&c, "PUT", "/cluster/lab/deploy", None).0, 400);
    assert_eq!(
        api(&c, "PUT", "/cluster/lab/deploy", Some(r#"{"version":""}"#)).0,
        400
    );
    assert_eq!(
        api(&c, "PUT", "/cluster/lab/deploy", Some(r#"{"version":7}"#)).0,
        400
    );
    let (st, rec) = api(
        &c,
        "PUT",
        "/cluster/lab/deploy",
        Some(r#"{"version":"7.2.6"}"#),
    );
    assert_eq!(st, 201);
    assert_eq!(rec["version"], "7.2.6");
    assert_eq!(rec["deployed"], json!([]));
}

#[test]
fn put_creates_a_cluster_in_the_fleet_and_delete_removes_it() {
    let (s, c) = start();
    let (st, body) = api(&c, "PUT", "/cluster/extra", Some(r#"{"network":"nope"}"#));
    assert_eq!(st, 201);
    assert_eq!(
        body,
        json!({"name": "extra", "status": "", "network": "default", "container_manager": "ecx"})
    );
    assert_eq!(
        api(&c, "GET", "/clusters", None),
        (200, json!(["lab", "extra"]))
    );
    assert!(s.run.fleet.get("extra").is_some());
    assert_eq!(api(&c, "DELETE", "/cluster/extra", None), (200, json!([])));
    assert!(s.run.fleet.get("extra").is_none());
    assert_eq!(api(&c, "DELETE", "/cluster/extra", None).0, 404);
}

#[test]
fn bad_input_gets_the_products_codes_and_reason_phrases() {
    let (_s, c) = start();
    let cases: &[(&str, &str, Option<&str>, u16, &str)] = &[
        ("GET", "/nothing", None, 404, "Not Found"),
        ("GET", "/cluster/nope", None, 500, "Internal Server Error"),
        ("PUT", "/cluster/nope/restart", None, 404, "Not Found"),
        ("GET", "/cluster/nope/hosts", None, 404, "Not Found"),
        ("GET", "/host/10.9.9.9", None, 404, "Not Found"),
        ("GET", "/cluster/lab/hosts/10.9.9.9", None, 404, "Not Found"),
        ("PUT", "/cluster/lab", Some("{not json"), 400, "Bad Request"),
        (
            "PUT",
            "/cluster/lab",
            Some(r#"{"network":5}"#),
            400,
            "Bad Request",
        ),
        ("PUT", "/cluster/bad%20name", None, 400, "Bad Request"),
        (
            "PUT",
            "/cluster/lab/hosts",
            Some(r#"{"old":[]}"#),
            400,
            "Bad Request",
        ),
        (
            "PUT",
            "/cluster/lab/hosts",
            Some(r#"{"old":[],"new":[]}"#),
            409,
            "Conflict",
        ),
        (
            "PUT",
            "/cluster/lab/hosts",
            Some(
                r#"{"old":["127.0.0.11","127.0.0.12","127.0.0.13","127.0.0.14"],"new":["10.0.0.1"]}"#,
            ),
            405,
            "Method Not Allowed",
        ),
        ("POST", "/clusters", None, 405, "Method Not Allowed"),
        (
            "PUT",
            "/host/10.9.9.9",
            Some(r#"{"ssh_priv_key":"a2V5","cluster":"nope"}"#),
            409,
            "Conflict",
        ),
        (
            "PUT",
            "/host/127.0.0.11",
            Some(r#"{"ssh_priv_key":"a2V5","cluster":"nope"}"#),
            409,
            "Conflict",
        ),
        (
            "PUT",
            "/host/127.0.0.11",
            Some(r#"{"remote_user":"root"}"#),
            400,
            "Bad Request",
        ),
    ];
    for (m, p, body, code, text) in cases {
        let (st, ct, got) = call(m, &format!("{c}/api/v0{p}"), *body, Some(AUTH));
        assert_eq!((st, got.as_str()), (*code, *text), "{m} {p}");
        assert_eq!(ct, "text/html", "{m} {p}");
    }
    let ok = r#"{"old":["127.0.0.14","127.0.0.11","127.0.0.12","127.0.0.13"],"new":["127.0.0.11","127.0.0.12","127.0.0.13","127.0.0.14"]}"#;
    assert_eq!(api(&c, "PUT", "/cluster/lab/hosts", Some(ok)).0, 200);
}

#[test]
fn host_credentials_networks_and_container_managers() {
    let (_s, c) = start();
    let put = r#"{"ssh_priv_key":"dGVzdAo=","remote_user":"root","cluster":"lab"}"#;
    let (st, h) = api(&c, "PUT", "/host/127.0.0.13", Some(put));
    assert_eq!((st, h["address"].clone()), (201, json!("127.0.0.13")));
    assert_eq!(
        api(&c, "GET", "/host/127.0.0.13/creds", None),
        (
            200,
            json!({"ssh_priv_key": "dGVzdAo=", "remote_user": "root"})
        )
    );
    let other = r#"{"ssh_priv_key":"b3RoZXI="}"#;
    assert_eq!(api(&c, "PUT", "/host/127.0.0.13", Some(other)).0, 409);
    assert_eq!(
        api(&c, "GET", "/networks/", None),
        (200, json!(["default"]))
    );
    let net = r#"{"type":"flannel_server","options":{"address":"192.168.152.101:8080"}}"#;
    let (st, n) = api(&c, "PUT", "/network/mynetwork", Some(net));
    assert_eq!((st, n["name"].clone()), (201, json!("mynetwork")));
    assert_eq!(
        api(&c, "GET", "/network/mynetwork/", None).1["type"],
        "flannel_server"
    );
    assert_eq!(
        api(&c, "DELETE", "/network/mynetwork", None),
        (200, json!([]))
    );
    assert_eq!(api(&c, "GET", "/network/mynetwork", None).0, 404);
    assert_eq!(
        api(&c, "GET", "/containermanagers/", None),
        (200, json!(["ecx"]))
    );
    assert_eq!(
        api(&c, "PUT", "/containermanager/x", Some(r#"{"options":{}}"#)).0,
        400
    );
}

#[test]
fn its_openapi_document_lists_the_paths() {
    let (_s, c) = start();
    let (st, _, text) = call("GET", &format!("{c}/openapi.json"), None, None);
    assert_eq!(st, 200);
    let doc: Value = serde_json::from_str(&text).unwrap();
    for p in [
        "/api/v0/clusters/",
        "/api/v0/cluster/{name}/",
        "/api/v0/cluster/{name}/hosts",
        "/api/v0/cluster/{name}/restart",
        "/api/v0/host/{ip}/",
        "/api/v0/networks/",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
}

/// The hosts of cluster `lab`, as its hosts list says.
fn members_of(c: &str) -> Vec<String> {
    let (st, v) = api(c, "GET", "/cluster/lab/hosts", None);
    assert_eq!(st, 200);
    serde_json::from_value(v).unwrap()
}

/// A host that left its cluster through the cluster's routes is Commissaire's still:
/// registered in no cluster, listed once, deletable.
fn a_left_host_stays_registered(c: &str, ip: &str) {
    let (st, h) = api(c, "GET", &format!("/host/{ip}"), None);
    assert_eq!((st, &h["status"]), (200, &json!("disassociated")));
    assert_eq!(api(c, "GET", "/hosts", None).1.as_array().unwrap().len(), 5);
    assert_eq!(
        api(c, "DELETE", &format!("/host/{ip}"), None),
        (200, json!([]))
    );
}

#[test]
fn new_hosts_join_as_servers_and_deleted_ones_leave() {
    let (s, c) = start();
    s.settle();
    // PUT /host/{ip} with a cluster: a new server joins it, started.
    let put = r#"{"ssh_priv_key":"a2V5","remote_user":"root","cluster":"lab"}"#;
    let (st, h) = api(&c, "PUT", "/host/127.0.0.15", Some(put));
    assert_eq!((st, &h["address"]), (201, &json!("127.0.0.15")), "{h}");
    assert_eq!(members_of(&c).len(), 5);
    let servers = s.get("/api/v1/servers").body;
    assert_eq!(servers["servers"][4]["name"], "server5", "{servers}");
    s.advance(60_000);
    let (_, st) = api(&c, "GET", "/host/127.0.0.15/status", None);
    assert_eq!(st["host"]["status"], "active", "{st}");
    assert_eq!(
        s.get("/api/v1/servers/server5").body["servers"][0]["status"],
        "Online"
    );

    // Without a cluster it waits disassociated; a membership PUT adds it.
    let (st, h) = api(
        &c,
        "PUT",
        "/host/127.0.0.16",
        Some(r#"{"ssh_priv_key":"a2V5"}"#),
    );
    assert_eq!((st, &h["status"]), (201, &json!("disassociated")));
    let mut now = members_of(&c);
    let old = serde_json::to_string(&now).unwrap();
    now.push("127.0.0.16".into());
    let body = format!(
        r#"{{"old":{old},"new":{}}}"#,
        serde_json::to_string(&now).unwrap()
    );
    let (st, cl) = api(&c, "PUT", "/cluster/lab/hosts", Some(&body));
    assert_eq!(
        (st, cl["hostset"].as_array().unwrap().len()),
        (200, 6),
        "{cl}"
    );
    // An address that is not a registered host is not ready: 405.
    assert_eq!(api(&c, "PUT", "/cluster/lab/hosts/10.1.1.1", None).0, 405);

    // DELETE /host/{ip}: the server stops, then leaves the configuration.
    assert_eq!(
        api(&c, "DELETE", "/host/127.0.0.15", None),
        (200, json!([]))
    );
    s.advance(60_000);
    assert!(!members_of(&c).contains(&"127.0.0.15".to_string()));
    assert_eq!(api(&c, "GET", "/host/127.0.0.15", None).0, 404);
    // DELETE of a member through the cluster's hosts.
    assert_eq!(
        api(&c, "DELETE", "/cluster/lab/hosts/127.0.0.16", None),
        (200, json!([]))
    );
    s.advance(60_000);
    assert_eq!(members_of(&c).len(), 4);
    let names: Vec<Value> = s.get("/api/v1/servers").body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].clone())
        .collect();
    assert_eq!(names, vec!["server1", "server2", "server3", "server4"]);
    a_left_host_stays_registered(&c, "127.0.0.16");
    assert_eq!(api(&c, "DELETE", "/host/10.1.1.1", None).0, 404);
}

#[test]
fn the_openapi_document_matches_the_dispatcher() {
    // Every documented path and method is answered by a handler (never the 405 of a
    // method the path does not take, nor an undocumented 404), so the document cannot
    // go stale; and every path the dispatcher serves is documented.
    let (s, c) = start();
    s.settle();
    let (_, _, text) = call("GET", &format!("{c}/openapi.json"), None, None);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let concrete = |p: &str| {
        p.replace("{name}", "lab")
            .replace("{ip}", "127.0.0.11")
            .replace("/network/lab/", "/network/default/")
            .replace("/containermanager/lab/", "/containermanager/ecx/")
    };
    let mut served = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if method == "parameters" || method == "delete" {
                continue;
            }
            let m = method.to_uppercase();
            let body = match (m.as_str(), path.as_str()) {
                ("PUT", p) if p.ends_with("/deploy") => Some(r#"{"version":"1"}"#),
                ("PUT", p) if p.contains("/host/") => {
                    Some(r#"{"ssh_priv_key":"a2V5","cluster":"lab"}"#)
                }
                ("PUT", p)
                    if p.starts_with("/api/v0/network") || p.contains("containermanager") =>
                {
                    Some(r#"{"type":"t","options":{}}"#)
                }
                ("PUT", p) if p.ends_with("/hosts") => Some(
                    r#"{"old":["127.0.0.11","127.0.0.12","127.0.0.13","127.0.0.14"],"new":["127.0.0.11","127.0.0.12","127.0.0.13","127.0.0.14"]}"#,
                ),
                _ => None,
            };
            let url = format!("{c}{}", concrete(path));
            let (st, _, text) = call(&m, &url, body, Some(AUTH));
            // A 404 only where the document says the operation answers it (a rolling
            // record before the first run).
            let documented_404 = item[method]["responses"].get("404").is_some();
            assert!(
                st != 405 && (st != 404 || documented_404),
                "{m} {path}: {st} {text}"
            );
            served += 1;
        }
    }
    assert!(served >= 25, "{served} operations checked");
    for p in [
        "/api/v0/clusters/",
        "/api/v0/cluster/{name}/",
        "/api/v0/cluster/{name}/hosts",
        "/api/v0/cluster/{name}/hosts/{ip}",
        "/api/v0/cluster/{name}/restart",
        "/api/v0/cluster/{name}/upgrade",
        "/api/v0/cluster/{name}/deploy",
        "/api/v0/hosts/",
        "/api/v0/host/",
        "/api/v0/host/{ip}/",
        "/api/v0/host/{ip}/creds",
        "/api/v0/host/{ip}/status",
        "/api/v0/networks/",
        "/api/v0/network/{name}/",
        "/api/v0/containermanagers/",
        "/api/v0/containermanager/{name}/",
    ] {
        assert!(
            paths.contains_key(p),
            "the dispatcher serves {p}: document it"
        );
    }
}

#[test]
fn a_new_cluster_is_empty_and_grows_as_hosts_join() {
    let (s, c) = start();
    s.settle();
    let (st, _) = api(&c, "PUT", "/cluster/lab2", None);
    assert_eq!(st, 201);
    let (st, cl) = api(&c, "GET", "/cluster/lab2", None);
    assert_eq!(st, 200);
    assert_eq!(cl["hostset"], json!([]));
    assert_eq!(
        cl["hosts"],
        json!({"total": 0, "available": 0, "unavailable": 0})
    );
    assert_eq!(cl["status"], "ok");
    assert_eq!(
        api(&c, "GET", "/hosts", None).1.as_array().unwrap().len(),
        4
    );
    // Two hosts registered without a cluster join it, one by each membership route.
    for ip in ["127.0.0.21", "127.0.0.22"] {
        let put = r#"{"ssh_priv_key":"a2V5","remote_user":"root"}"#;
        assert_eq!(api(&c, "PUT", &format!("/host/{ip}"), Some(put)).0, 201);
    }
    let body = r#"{"old":[],"new":["127.0.0.21"]}"#;
    let (st, cl) = api(&c, "PUT", "/cluster/lab2/hosts", Some(body));
    assert_eq!((st, &cl["hostset"]), (200, &json!(["127.0.0.21"])), "{cl}");
    assert_eq!(
        api(&c, "PUT", "/cluster/lab2/hosts/127.0.0.22", None),
        (200, json!(["127.0.0.22"]))
    );
    s.advance(60_000);
    let (_, cl) = api(&c, "GET", "/cluster/lab2", None);
    assert_eq!(cl["hostset"], json!(["127.0.0.21", "127.0.0.22"]));
    assert_eq!(
        cl["hosts"],
        json!({"total": 2, "available": 2, "unavailable": 0})
    );
    // The old cluster is untouched: its four hosts, each listed once.
    assert_eq!(members_of(&c).len(), 4);
    assert_eq!(
        api(&c, "GET", "/hosts", None).1.as_array().unwrap().len(),
        6
    );
    // Its last host may leave: empty again, and then deletable.
    for ip in ["127.0.0.21", "127.0.0.22"] {
        assert_eq!(api(&c, "DELETE", &format!("/host/{ip}"), None).0, 200);
        s.advance(60_000);
    }
    assert_eq!(
        api(&c, "GET", "/cluster/lab2/hosts", None),
        (200, json!([]))
    );
    assert_eq!(api(&c, "DELETE", "/cluster/lab2", None), (200, json!([])));
}

#[test]
fn a_host_in_no_cluster_has_creds_and_status() {
    let (_s, c) = start();
    let put = r#"{"ssh_priv_key":"a2V5","remote_user":"cloud-user"}"#;
    assert_eq!(api(&c, "PUT", "/host/127.0.0.30", Some(put)).0, 201);
    assert_eq!(
        api(&c, "GET", "/host/127.0.0.30/creds", None),
        (
            200,
            json!({"ssh_priv_key": "a2V5", "remote_user": "cloud-user"})
        )
    );
    assert_eq!(
        api(&c, "GET", "/host/127.0.0.30/status", None),
        (
            200,
            json!({"type": "host_only", "host": {"last_check": "", "status": "disassociated"}, "container_manager": {}})
        )
    );
    assert_eq!(api(&c, "GET", "/host/127.0.0.31/creds", None).0, 404);
    assert_eq!(api(&c, "GET", "/host/127.0.0.31/status", None).0, 404);
}
