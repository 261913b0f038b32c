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

/// The rpower actions xCAT documents for IPMI nodes: `stat`/`state`/`status` read only
/// (a PUT answers no body, as the script's `noout`), `wake` and `suspend` accepted with
/// nothing to change on a simulated server that never sleeps, `suspend` of a node that
/// is off refused with ipmi.pm's words.
#[test]
fn rpower_actions_of_ipmi_nodes() {
    let s = start();
    let x = xcat(&s);
    for action in ["stat", "state", "status", "wake", "suspend"] {
        assert_eq!(
            put(
                &x,
                "/nodes/all/power",
                &format!(r#"{{"action":"{action}"}}"#)
            ),
            (200, String::new()),
            "{action}"
        );
    }
    assert_eq!(
        get(&x, "/nodes/server1,server2/power").1,
        json!({"server1": {"power": "on"}, "server2": {"power": "on"}})
    );
    put(&x, "/nodes/server2/power", r#"{"action":"off"}"#);
    assert_eq!(
        put(&x, "/nodes/server[1-2]/power", r#"{"action":"suspend"}"#),
        (
            403,
            "{\"error\":[\"server2: System is off, cannot be suspended\"],\"errorcode\":\"1\"}\n"
                .into()
        )
    );
    let (st, text) = put(&x, "/nodes/server1+1/power", r#"{"action":"pduon"}"#);
    assert_eq!(st, 403);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["error"],
        json!(["server1: Error: Unsupported command: rpower pduon when using mgt=ipmi.\nserver2: Error: Unsupported command: rpower pduon when using mgt=ipmi."])
    );
    // A node without mgt has no plugin to power it.
    put(&x, "/nodes/server1", r#"{"mgt":""}"#);
    let (st, text) = put(&x, "/nodes/server1/power", r#"{"action":"on"}"#);
    assert_eq!(st, 403, "{text}");
    assert!(
        text.contains("Unable to identify plugin for this command"),
        "{text}"
    );
}

/// `?pretty=1` prints as Perl's JSON with indent(1) (three spaces, no space after the
/// colon), errors included; the script adds a newline to any content.
#[test]
fn pretty_output_is_the_scripts_to_the_byte() {
    let s = start();
    let x = xcat(&s);
    let (st, text) = call(
        "GET",
        &format!("{x}/nodes/nope/power?pretty=1&{CRED}"),
        None,
        None,
    );
    assert_eq!(st, 403);
    assert_eq!(
        text,
        "{\n   \"error\":[\n      \"Invalid nodes and/or groups in noderange: nope\"\n   ],\n   \"errorcode\":\"1\"\n}\n\n"
    );
    let (_, text) = call(
        "GET",
        &format!("{x}/nodes/server1/attrs/mgt,arch?pretty=1&{CRED}"),
        None,
        None,
    );
    assert_eq!(
        text,
        "{\n   \"server1\":{\n      \"arch\":\"x86_64\",\n      \"mgt\":\"ipmi\"\n   }\n}\n\n"
    );
    // pretty given in the body counts too (a general parameter).
    let (_, text) = call(
        "PUT",
        &format!("{x}/nodes/server1/power?{CRED}"),
        Some(r#"{"pretty":"1"}"#),
        None,
    );
    assert_eq!(
        text,
        "{\n   \"error\":\"Missed Action.\",\n   \"errorcode\":\"2\"\n}\n\n"
    );
}

/// mkdef, chdef and rmdef with their own messages; the site table and groups.
#[test]
fn definitions_with_mkdefs_and_chdefs_messages() {
    let s = start();
    let x = xcat(&s);
    let post =
        |path: &str, body: &str| call("POST", &format!("{x}{path}?{CRED}"), Some(body), None);
    let err = |text: &str| serde_json::from_str::<Value>(text).unwrap()["error"].clone();
    let (st, text) = post("/nodes/server1", r#"{"groups":"all"}"#);
    assert_eq!(
        (st, err(&text)),
        (
            403,
            json!(["0 object definitions have been created or modified."])
        )
    );
    let (st, text) = post("/nodes/n3", r#"{"mgt":"ipmi"}"#);
    assert_eq!(
        (st, err(&text)),
        (
            403,
            json!([
                "Attribute 'groups' is not specified for node 'n3', skipping to the next node.",
                "0 object definitions have been created or modified."
            ])
        )
    );
    let (st, text) = put(&x, "/nodes/server1", r#"{"bogus":"1","netboot":"xnba"}"#);
    assert_eq!(
        (st, err(&text)),
        (
            403,
            json!([
                "'bogus' is not a valid attribute name for an object type of 'node'.",
                "Skipping to the next attribute."
            ])
        )
    );
    assert_eq!(
        get(&x, "/nodes/server1/attrs/netboot").1,
        json!({"server1": {"netboot": "xnba"}})
    );
    // Groups: members set on the group move nodes; its attributes are inherited.
    assert_eq!(
        put(
            &x,
            "/groups/rack1",
            r#"{"members":"server2","os":"sles15"}"#
        ),
        (200, String::new())
    );
    assert_eq!(get(&x, "/nodes/rack1/nodels").1, json!(["server2"]));
    assert_eq!(
        get(&x, "/nodes/server2/attrs/os").1,
        json!({"server2": {"os": "rhels8"}})
    );
    put(&x, "/nodes/server2", r#"{"os":null}"#);
    assert_eq!(
        get(&x, "/nodes/server2/attrs/os").1,
        json!({"server2": {"os": "sles15"}})
    );
    assert_eq!(get(&x, "/groups").1, json!(["all", "cluster", "rack1"]));
    // Keyword ALLRESOURCES only for GET; POST on the site table is not a method of it.
    let (st, text) = call(
        "DELETE",
        &format!("{x}/nodes/ALLRESOURCES?{CRED}"),
        None,
        None,
    );
    assert_eq!(
        (st, err(&text)),
        (
            404,
            json!("Keyword ALLRESOURCES is only supported for GET Action.")
        )
    );
    let (st, _) = post("/globalconf", r#"{"domain":"x"}"#);
    assert_eq!(st, 405);
    put(
        &x,
        "/globalconf/attrs/domain",
        r#"{"domain":"cluster1.com"}"#,
    );
    assert_eq!(
        get(&x, "/globalconf/attrs/domain,xcatiport").1,
        json!({"clustersite": {"domain": "cluster1.com", "xcatiport": "3002"}})
    );
    let (st, _) = call(
        "DELETE",
        &format!("{x}/globalconf/attrs/domain?{CRED}"),
        None,
        None,
    );
    assert_eq!(st, 200);
    assert_eq!(
        call(
            "GET",
            &format!("{x}/globalconf/attrs/domain?{CRED}"),
            None,
            None
        ),
        (200, String::new())
    );
    // A reset forgets the definitions with the rest of the cluster's state.
    assert_eq!(s.post("/sim/v1/reset", Some("{}")).status, 200);
    assert_eq!(get(&x, "/groups").1, json!(["all", "cluster"]));
}
