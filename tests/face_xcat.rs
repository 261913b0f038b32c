//! The xCAT face (`serve --face xcat=ADDR`) over real sockets: power through the core,
//! the failover seen in `/api/v1`, noderanges, tokens, and the product's error bodies.

mod rest_support;

use rest_support::{manual, send, Server};
use serde_json::{json, Value};

/// The cluster auto-starts after a power-off, as `on` should show.
const CLUSTER: &str = "tests/data/xcat_cluster.yaml";

fn xcat(s: &Server) -> String {
    let c = s.run.fleet.first().unwrap();
    let (name, addr) = &c.face_listeners[0];
    assert_eq!(name, "xcat");
    format!("https://{addr}/xcatws")
}

fn call(method: &str, url: &str, body: Option<&str>, token: Option<&str>) -> (u16, String) {
    let headers: Vec<(&str, &str)> = token.map(|t| ("X-Auth-Token", t)).into_iter().collect();
    let r = send(method, url, body, &headers);
    (r.status(), r.into_string().unwrap())
}

const CRED: &str = "userName=user&userPW=password";

fn get(base: &str, path: &str) -> (u16, Value) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (st, text) = call("GET", &format!("{base}{path}{sep}{CRED}"), None, None);
    (st, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn put(base: &str, path: &str, body: &str) -> (u16, String) {
    call("PUT", &format!("{base}{path}?{CRED}"), Some(body), None)
}

fn start() -> Server {
    manual(&[CLUSTER, "--face", "xcat=127.0.0.1:0"])
}

#[test]
fn power_off_fails_over_after_the_heartbeat_timeout_and_on_brings_it_back() {
    let s = start();
    let x = xcat(&s);
    assert_eq!(
        get(&x, "/nodes/server1/power"),
        (200, json!({"server1": {"power": "on"}}))
    );
    assert_eq!(
        put(&x, "/nodes/server1/power", r#"{"action":"off"}"#),
        (200, String::new())
    );
    assert_eq!(
        get(&x, "/nodes/server1/power"),
        (200, json!({"server1": {"power": "off"}}))
    );
    assert_eq!(
        get(&x, "/nodes/server1/nodestat").1,
        json!({"server1": {"nodestat": "noping"}})
    );
    // Not yet: peers find out by heartbeat timeout (90 s); until then the answering
    // server still knows failover1 on server1.
    s.advance(60_000);
    assert_eq!(s.group("failover1"), ("Online".into(), "server1".into()));
    s.advance(60_000);
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
    assert_eq!(
        put(&x, "/nodes/server1/power", r#"{"action":"on"}"#),
        (200, String::new())
    );
    assert_eq!(
        get(&x, "/nodes/server1/nodestat").1,
        json!({"server1": {"nodestat": "ping"}})
    );
    s.advance(61_000);
    s.settle();
    assert_eq!(
        get(&x, "/nodes/server1/power"),
        (200, json!({"server1": {"power": "on"}}))
    );
    let servers = s.get("/api/v1/servers/server1");
    assert_eq!(servers.body["servers"][0]["status"], "Online");
}

#[test]
fn noderanges_groups_attributes_and_xcoll() {
    let s = start();
    let x = xcat(&s);
    assert_eq!(
        get(&x, "").1,
        json!(["globalconf", "groups", "nodes", "tokens"])
    );
    assert_eq!(get(&x, "/nodes").1, json!(["server1", "server2"]));
    let both = json!({"server1": {"power": "on"}, "server2": {"power": "on"}});
    for nr in [
        "server1,server2",
        "server1-server2",
        "server[1-2]",
        "server1+1",
        "all",
        "cluster",
        "mgt==ipmi",
        "server%5B1-2%5D",
        "server[1:2]",
    ] {
        assert_eq!(
            get(&x, &format!("/nodes/{nr}/power")),
            (200, both.clone()),
            "{nr}"
        );
    }
    // Exclusion wins whatever the order; an excluded name must still exist.
    assert_eq!(
        get(&x, "/nodes/-server1,all/nodels"),
        (200, json!(["server2"]))
    );
    assert_eq!(
        get(&x, "/nodes/all,-server3/nodels").1["error"],
        json!(["Invalid nodes and/or groups in noderange: server3"])
    );
    assert_eq!(
        get(&x, "/nodes/all/power?xcoll=1").1,
        json!({"server1,server2": {"power": "on"}})
    );
    assert_eq!(
        get(&x, "/nodes/server2/attrs/ip,mgt").1,
        json!({"server2": {"ip": "127.0.0.12", "mgt": "ipmi"}})
    );
    assert_eq!(get(&x, "/nodes/server1").1["server1"]["status"], "booted");
    assert_eq!(get(&x, "/groups").1, json!(["all", "cluster"]));
    assert_eq!(
        get(&x, "/groups/all").1,
        json!({"all": {"grouptype": "static", "members": "server1,server2"}})
    );
    assert_eq!(
        get(&x, "/groups/all/attrs/members").1,
        json!({"all": {"members": "server1,server2"}})
    );
    let (_, pretty) = call("GET", &format!("{x}/nodes?pretty=1&{CRED}"), None, None);
    assert_eq!(pretty, "[\n   \"server1\",\n   \"server2\"\n]\n\n");
}

#[test]
fn tokens_authenticate_until_they_expire_on_the_simulated_clock() {
    let s = start();
    let x = xcat(&s);
    let (st, text) = call(
        "POST",
        &format!("{x}/tokens"),
        Some(r#"{"userName":"user","userPW":"password"}"#),
        None,
    );
    assert_eq!(st, 201, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let id = body["token"]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(body["token"]["expire"], "2026-1-2 0:00:00");
    let (st, text) = call("GET", &format!("{x}/nodes"), None, Some(&id));
    assert_eq!((st, text.as_str()), (200, "[\"server1\",\"server2\"]\n"));
    s.advance(86_400_000);
    let (st, text) = call("GET", &format!("{x}/nodes"), None, Some(&id));
    assert_eq!(st, 401);
    assert_eq!(
        text,
        "{\"error\":\"Authentication failure\",\"errorcode\":\"2\"}\n"
    );
}

/// A reset of the cluster ends its tokens, though the clock is back before expiry.
#[test]
fn a_reset_ends_every_token() {
    let s = start();
    let x = xcat(&s);
    let body = Some(r#"{"userName":"user","userPW":"password"}"#);
    let (_, text) = call("POST", &format!("{x}/tokens"), body, None);
    let id = serde_json::from_str::<Value>(&text).unwrap()["token"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(call("GET", &format!("{x}/nodes"), None, Some(&id)).0, 200);
    assert_eq!(s.post("/sim/v1/reset", Some("{}")).status, 200);
    assert_eq!(call("GET", &format!("{x}/nodes"), None, Some(&id)).0, 401);
}

#[test]
fn bad_input_gets_the_products_codes_and_bodies() {
    let s = start();
    let x = xcat(&s);
    let auth_fail = "{\"error\":\"Authentication failure\",\"errorcode\":\"2\"}\n".to_string();
    assert_eq!(
        call("GET", &format!("{x}/nodes"), None, None),
        (401, auth_fail.clone())
    );
    assert_eq!(
        call(
            "GET",
            &format!("{x}/nodes?userName=user&userPW=wrong"),
            None,
            None
        ),
        (401, auth_fail.clone())
    );
    assert_eq!(
        call(
            "POST",
            &format!("{x}/tokens"),
            Some(r#"{"userName":"user"}"#),
            None
        ),
        (401, auth_fail)
    );
    let cases: &[(&str, &str, Option<&str>, u16, Value)] = &[
        (
            "GET",
            "/nodes/nope/power",
            None,
            403,
            json!({"error": ["Invalid nodes and/or groups in noderange: nope"], "errorcode": "1"}),
        ),
        (
            "GET",
            "/nodes/server1,x1-x3/nodestat",
            None,
            403,
            json!({"error": ["Invalid nodes and/or groups in noderange: x1,x2,x3"], "errorcode": "1"}),
        ),
        (
            "GET",
            "/nodes/nope",
            None,
            403,
            json!({"error": ["Could not find an object named 'nope' of type 'node'."], "errorcode": "1"}),
        ),
        (
            "GET",
            "/groups/nope",
            None,
            403,
            json!({"error": ["Could not find an object named 'nope' of type 'group'."], "errorcode": "1"}),
        ),
        (
            "PUT",
            "/nodes/server1/power",
            Some("{}"),
            404,
            json!({"error": "Missed Action.", "errorcode": "2"}),
        ),
        (
            "PUT",
            "/nodes/server1/power",
            None,
            404,
            json!({"error": "Missed Action.", "errorcode": "2"}),
        ),
        (
            "PUT",
            "/nodes/server1/power",
            Some(r#"{"action":"explode"}"#),
            403,
            json!({"error": ["server1: Error: Unsupported command: rpower explode when using mgt=ipmi."], "errorcode": "1"}),
        ),
        (
            "PUT",
            "/nodes/server1/power",
            Some(r#"{"action":7}"#),
            403,
            json!({"error": ["server1: Error: Unsupported command: rpower 7 when using mgt=ipmi."], "errorcode": "1"}),
        ),
        (
            "PUT",
            "/nodes/server1/power",
            Some("[1]"),
            400,
            json!({"error": "put or post data must be a json object (hash/dict).", "errorcode": "2"}),
        ),
        (
            "GET",
            "/images",
            None,
            404,
            json!({"error": "Unsupported resource.", "errorcode": "2"}),
        ),
        (
            "DELETE",
            "/nodes/server1/power",
            None,
            405,
            json!({"error": "request method 'DELETE' is not supported on resource '/nodes/server1/power'", "errorcode": "2"}),
        ),
    ];
    for (m, path, body, code, want) in cases {
        let (st, text) = call(m, &format!("{x}{path}?{CRED}"), *body, None);
        let got: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!((st, &got), (*code, want), "{m} {path} {body:?}: {text}");
    }
    let (st, text) = call(
        "PUT",
        &format!("{x}/nodes/server1/power?{CRED}"),
        Some("{nope"),
        None,
    );
    assert_eq!(st, 400);
    let got: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(got["errorcode"], "2");
    assert!(
        got["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON string"),
        "{text}"
    );
    // A refusal by the core: reset of a powered-off node.
    put(&x, "/nodes/server2/power", r#"{"action":"off"}"#);
    assert_eq!(
        put(&x, "/nodes/server2/power", r#"{"action":"reset"}"#),
        (
            403,
            "{\"error\":[\"server2: Server server2 is powered off.\"],\"errorcode\":\"1\"}\n"
                .into()
        )
    );
}

#[test]
fn its_openapi_document_lists_the_paths() {
    let s = start();
    let x = xcat(&s);
    let base = x.trim_end_matches("/xcatws");
    let (st, text) = call("GET", &format!("{base}/openapi.json"), None, None);
    assert_eq!(st, 200);
    let doc: Value = serde_json::from_str(&text).unwrap();
    for p in [
        "/xcatws/nodes/{noderange}/power",
        "/xcatws/tokens",
        "/xcatws/groups/{group}",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
}

#[test]
fn power_through_the_face_is_journaled_and_replays_to_the_same_log() {
    use clustersim::host::journal::{replay, Journal};
    let s = start();
    let x = xcat(&s);
    s.advance(7_000);
    put(&x, "/nodes/server1/power", r#"{"action":"off"}"#);
    s.advance(120_000);
    put(&x, "/nodes/server1/power", r#"{"action":"cycle"}"#);
    s.advance(100_000);
    put(&x, "/nodes/all/power", r#"{"action":"softoff"}"#);
    s.advance(100_000);
    let now = s.get("/sim/v1/clock").body["now_ms"].as_u64().unwrap();
    let recorded = s.get("/sim/v1/events?limit=10000").text;
    let journal: Journal = serde_json::from_value(s.get("/sim/v1/journal").body).unwrap();
    assert_eq!(journal.entries.len(), 4, "{journal:?}");
    let text = std::fs::read_to_string(CLUSTER).unwrap();
    let model = clustersim::Model::from_yaml(&text, CLUSTER).unwrap();
    let sim = replay(std::sync::Arc::new(model), &journal, now);
    let m = sim.model().clone();
    let items: Vec<String> = sim
        .events()
        .iter()
        .map(|e| e.to_json(&m).to_string())
        .collect();
    assert_eq!(format!("[{}]", items.join(",")), recorded);
    assert!(recorded.contains("server-powered-off"));
}
