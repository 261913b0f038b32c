//! `/api/v1` through HTTP against the real simulation: every status GET (normal and
//! error shapes, every API version, every `select=` form) and every operation (accepted,
//! refused, busy), as in the EXPRESSCLUSTER X REST API reference.

mod rest_support;

use rest_support::{manual, Server};
use serde_json::json;

fn ok_envelope(field: &str, body: serde_json::Value) -> serde_json::Value {
    json!({"result": {"code": 0, "message": ""}, field: body})
}

#[test]
fn status_gets_match_the_reference_examples_in_v1_2() {
    let s = manual(&[]);
    let r = s.get("/api/v1/cluster");
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(
        r.body,
        ok_envelope("cluster", json!({"name": "cluster", "status": "Normal"}))
    );
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body,
        ok_envelope("cluster", json!({"toratio": 1}))
    );
    assert_eq!(
        s.get("/api/v1/servers").body,
        ok_envelope(
            "servers",
            json!([{"name": "server1", "status": "Online"}, {"name": "server2", "status": "Online"}])
        )
    );
    assert_eq!(
        s.get("/api/v1/servers/server2").body,
        ok_envelope("servers", json!([{"name": "server2", "status": "Online"}]))
    );
    assert_eq!(
        s.get("/api/v1/servers?select=name").body,
        ok_envelope("servers", json!([{"name": "server1"}, {"name": "server2"}]))
    );
    let groups = json!([
        {"name": "failover1", "status": "Online", "current": "server1", "resources": [{"name": "fip1"}, {"name": "script1"}]},
        {"name": "failover2", "status": "Online", "current": "server2", "resources": [{"name": "fip2"}, {"name": "script2"}]}
    ]);
    assert_eq!(
        s.get("/api/v1/groups").body,
        ok_envelope("groups", groups.clone())
    );
    assert_eq!(
        s.get("/api/v1/groups/failover1").body,
        ok_envelope("groups", json!([groups[0]]))
    );
    assert_eq!(
        s.get("/api/v1/groups?select=name").body,
        ok_envelope(
            "groups",
            json!([{"name": "failover1"}, {"name": "failover2"}])
        )
    );
    assert_eq!(
        s.get("/api/v1/groups/failover1?select=resources").body,
        ok_envelope(
            "groups",
            json!([{"resources": [{"name": "fip1"}, {"name": "script1"}]}])
        )
    );
    let r = s.get("/api/v1/resources");
    assert_eq!(
        r.body["resources"][0],
        json!({"name": "fip1", "type": "fip", "status": "Online", "current": "server1", "group": "failover1"})
    );
    assert_eq!(r.body["resources"].as_array().unwrap().len(), 4);
    assert_eq!(
        s.get("/api/v1/resources/fip2").body,
        ok_envelope(
            "resources",
            json!([{"name": "fip2", "type": "fip", "status": "Online", "current": "server2", "group": "failover2"}])
        )
    );
    assert_eq!(
        s.get("/api/v1/resources?select=name").body["resources"],
        json!([{"name": "fip1"}, {"name": "script1"}, {"name": "fip2"}, {"name": "script2"}])
    );
    // The reference's example: monitor fipw1 has type "fip".
    let m = s.get("/api/v1/monitors/fipw1");
    assert_eq!(m.body["monitors"][0]["type"], "fip");
    assert_eq!(m.body["monitors"][0]["name"], "fipw1");
    assert_eq!(m.body["monitors"][0]["status"], "Normal");
    assert_eq!(
        m.body["monitors"][0]["servers"][0],
        json!({"name": "server1", "status": "Normal"})
    );
    assert_eq!(
        s.get("/api/v1/monitors?select=name").body["monitors"],
        json!([{"name": "fipw1"}, {"name": "fipw2"}, {"name": "userw"}])
    );
    assert_eq!(
        s.get("/api/v1/monitors").body["monitors"][2]["type"],
        "user"
    );
}

#[test]
fn v1_0_has_no_resource_lists_and_no_later_endpoints() {
    let s = manual(&["--api-version", "1.0"]);
    assert_eq!(
        s.get("/api/v1/groups").body["groups"][0],
        json!({"name": "failover1", "status": "Online", "current": "server1"})
    );
    assert_eq!(
        s.get("/api/v1/resources/fip1").body["resources"][0],
        json!({"name": "fip1", "type": "fip", "status": "Online", "current": "server1"})
    );
    let bad = |r: rest_support::Resp| {
        assert_eq!(
            (r.status, r.code(), r.message()),
            (400, 400, "The requested URL has an error."),
            "{r:?}"
        );
    };
    bad(s.get("/api/v1/groups/failover1?select=resources"));
    bad(s.get("/api/v1/cluster/toratio"));
    bad(s.post(
        "/api/v1/cluster/toratio/set",
        Some(r#"{"ratio": 2, "time": "2m"}"#),
    ));
    bad(s.post("/api/v1/cluster/toratio/reset", None));
    bad(s.post(
        "/api/v1/scripts/run",
        Some(r#"{"script": "script.sh", "target": "127.0.0.11"}"#),
    ));
    bad(s.post("/api/v1/servers/server1/dummy-failure/start", None));
    bad(s.post("/api/v1/monitors/fipw1/dummy-failure/start", None));
    bad(s.get("/api/v1/metrics/groups/uptime"));
    bad(s.get("/api/v1/metrics/groups/failover1/uptime"));
    bad(s.get("/api/v1/metrics/config/last-applied-date"));
    // The 1.0 error shape of a named group has no resources.
    let r = s.get("/api/v1/groups/nope");
    assert_eq!(
        r.body["groups"],
        json!([{"name": "", "status": "", "current": ""}])
    );
    let r = s.get("/api/v1/resources/nope");
    assert_eq!(
        r.body["resources"],
        json!([{"name": "", "type": "", "status": "", "current": ""}])
    );
}

#[test]
fn v1_1_adds_resource_lists_but_not_v1_2_endpoints() {
    let s = manual(&["--api-version", "1.1"]);
    assert_eq!(
        s.get("/api/v1/groups").body["groups"][1]["resources"],
        json!([{"name": "fip2"}, {"name": "script2"}])
    );
    assert_eq!(
        s.get("/api/v1/resources/script1").body["resources"][0]["group"],
        "failover1"
    );
    assert_eq!(
        s.get("/api/v1/groups/failover2?select=resources").body["groups"],
        json!([{"resources": [{"name": "fip2"}, {"name": "script2"}]}])
    );
    assert_eq!(s.get("/api/v1/cluster/toratio").status, 400);
    assert_eq!(s.post("/api/v1/scripts/run", Some("{}")).status, 400);
}

#[test]
fn unknown_named_objects_answer_the_reference_error_shapes() {
    let s = manual(&[]);
    let cases = [
        (
            "/api/v1/servers/server9",
            "servers",
            json!([{"name": "", "status": ""}]),
        ),
        (
            "/api/v1/servers/server9?select=name",
            "servers",
            json!([{"name": ""}]),
        ),
        (
            "/api/v1/groups/nope",
            "groups",
            json!([{"name": "", "status": "", "current": "", "resources": []}]),
        ),
        (
            "/api/v1/groups/nope?select=resources",
            "groups",
            json!([{"resources": []}]),
        ),
        (
            "/api/v1/groups/nope?select=name",
            "groups",
            json!([{"name": ""}]),
        ),
        (
            "/api/v1/resources/nope",
            "resources",
            json!([{"name": "", "type": "", "status": "", "current": "", "group": ""}]),
        ),
        (
            "/api/v1/resources/nope?select=name",
            "resources",
            json!([{"name": ""}]),
        ),
        (
            "/api/v1/monitors/nope",
            "monitors",
            json!([{"name": "", "type": "", "status": "", "servers": []}]),
        ),
        (
            "/api/v1/monitors/nope?select=name",
            "monitors",
            json!([{"name": ""}]),
        ),
        (
            "/api/v1/metrics/groups/nope/uptime",
            "groups",
            json!([{"name": "", "uptime": 0}]),
        ),
    ];
    for (path, field, empty) in cases {
        let r = s.get(path);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.code(), 1, "{path}");
        assert_eq!(r.body[field], empty, "{path}");
    }
    // Malformed select values, and select=resources without a group name.
    for path in [
        "/api/v1/servers?select=status",
        "/api/v1/groups?select=resources",
        "/api/v1/monitors?select=%zz",
    ] {
        let r = s.get(path);
        assert_eq!((r.status, r.code()), (400, 400), "{path}");
    }
}

#[test]
fn operations_answer_at_once_progress_shows_later_and_a_second_is_refused() {
    let s = manual(&[]);
    s.op_ok(
        "/api/v1/groups/failover1/move",
        Some(r#"{ "target" : "server2" }"#),
    );
    let (status, _) = s.group("failover1");
    assert!(status.ends_with("Pending"), "{status}");
    // One operation at a time: HTTP 200, non-zero code, a message.
    let r = s.post("/api/v1/groups/failover2/stop", None);
    assert_eq!((r.status, r.code()), (200, 5));
    assert!(r.message().contains("in progress"), "{}", r.message());
    // GETs are always served.
    assert_eq!(s.get("/api/v1/servers").status, 200);
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
    s.op_ok("/api/v1/groups/failover1/move", None);
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server1".into()));
}

#[test]
fn refused_operations_say_why() {
    let s = manual(&[]);
    let refused = |path: &str, body: Option<&str>, code: i64, words: &str| {
        let r = s.post(path, body);
        assert_eq!((r.status, r.code()), (200, code), "{path}: {r:?}");
        assert!(r.message().contains(words), "{path}: {}", r.message());
    };
    refused("/api/v1/groups/nope/start", None, 2, "nope");
    refused("/api/v1/servers/server9/stop", None, 2, "server9");
    refused(
        "/api/v1/groups/failover1/move",
        Some(r#"{"target": "server9"}"#),
        2,
        "server9",
    );
    refused(
        "/api/v1/groups/failover1/start",
        Some(r#"{"target": "server2"}"#),
        4,
        "already started",
    );
    refused("/api/v1/resources/nope/stop", None, 2, "nope");
    refused("/api/v1/monitors/nope/suspend", None, 2, "nope");
    refused("/api/v1/cluster/start", None, 4, "already");
    refused("/api/v1/cluster/resume", None, 4, "not suspended");
    refused("/api/v1/servers/server1/start", None, 4, "already");
    refused(
        "/api/v1/scripts/run",
        Some(r#"{"script": "nope.sh", "target": "127.0.0.11"}"#),
        2,
        "nope.sh",
    );
    refused(
        "/api/v1/scripts/run",
        Some(r#"{"script": "script.sh", "target": "10.9.9.9"}"#),
        2,
        "10.9.9.9",
    );
    refused(
        "/api/v1/scripts/run",
        Some(r#"{"script": "script.sh", "target": "127.0.0.11", "timeout": 0}"#),
        3,
        "timeout",
    );
    s.op_ok("/api/v1/cluster/suspend", None);
    s.settle();
    refused("/api/v1/groups/failover1/move", None, 4, "suspended");
    refused("/api/v1/cluster/suspend", None, 4, "already suspended");
    s.op_ok("/api/v1/cluster/resume", None);
    s.settle();
    s.op_ok("/api/v1/groups/failover1/stop", None);
    s.settle();
    refused("/api/v1/groups/failover1/stop", None, 4, "already stopped");
    refused("/api/v1/groups/failover1/move", None, 4, "not started");
}

#[test]
fn every_operation_endpoint_is_accepted_and_acts() {
    let s = manual(&[]);
    let server =
        |name: &str| s.get(&format!("/api/v1/servers/{name}")).body["servers"][0]["status"].clone();
    let monitor_on = |m: &str, i: usize| {
        s.get(&format!("/api/v1/monitors/{m}")).body["monitors"][0]["servers"][i]["status"].clone()
    };

    s.op_ok("/api/v1/cluster/suspend", None);
    s.settle();
    s.op_ok("/api/v1/cluster/resume", None);
    s.settle();

    s.op_ok(
        "/api/v1/cluster/toratio/set",
        Some(r#"{ "ratio" : 2, "time" : "3d"}"#),
    );
    s.settle();
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body["cluster"]["toratio"],
        2
    );
    s.op_ok("/api/v1/cluster/toratio/reset", None);
    s.settle();
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body["cluster"]["toratio"],
        1
    );

    s.op_ok("/api/v1/groups/failover1/stop", None);
    s.settle();
    assert_eq!(s.group("failover1"), ("Offline".into(), "None".into()));
    s.op_ok(
        "/api/v1/groups/failover1/start",
        Some(r#"{ "target" : "server2" }"#),
    );
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
    s.op_ok("/api/v1/groups/stop", Some(r#"{ "target" : "server2" }"#));
    s.settle();
    assert_eq!(s.group("failover2").0, "Offline");
    s.op_ok("/api/v1/groups/start", Some(r#"{ "target" : "server1" }"#));
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server1".into()));
    assert_eq!(s.group("failover2"), ("Online".into(), "server1".into()));

    s.op_ok("/api/v1/resources/script1/stop", None);
    s.settle();
    assert_eq!(
        s.get("/api/v1/resources/script1").body["resources"][0]["status"],
        "Offline"
    );
    s.op_ok(
        "/api/v1/resources/script1/start",
        Some(r#"{ "target" : "server1" }"#),
    );
    s.settle();
    assert_eq!(
        s.get("/api/v1/resources/script1").body["resources"][0]["status"],
        "Online"
    );

    s.op_ok(
        "/api/v1/monitors/userw/suspend",
        Some(r#"{ "target" : "server1" }"#),
    );
    s.settle();
    assert_eq!(monitor_on("userw", 0), "Suspend");
    assert_eq!(monitor_on("userw", 1), "Normal");
    s.op_ok(
        "/api/v1/monitors/userw/resume",
        Some(r#"{ "target" : "server1" }"#),
    );
    s.settle();
    assert_eq!(monitor_on("userw", 0), "Normal");

    s.op_ok("/api/v1/scripts/run", Some(r#"{ "script" : "script.sh", "target" : "127.0.0.12", "timeout" : 60, "logdir" : "/tmp/script.log" }"#));
    s.settle();
    // The reference's example body, Windows path with single backslashes and all.
    s.op_ok("/api/v1/scripts/run", Some(r#"{ "script" : "script.bat", "target" : "127.0.0.11", "timeout" : 60, "logdir" : "C:\tmp\script.log" }"#));
    s.settle();
    s.op_ok("/api/v1/servers/server2/dummy-failure/start", None);
    s.settle();
    s.op_ok("/api/v1/servers/server2/dummy-failure/stop", None);
    s.settle();
    s.op_ok(
        "/api/v1/monitors/userw/dummy-failure/start",
        Some(r#"{"target": ""}"#),
    );
    s.settle();
    s.op_ok("/api/v1/monitors/userw/dummy-failure/stop", None);
    s.settle();

    s.op_ok("/api/v1/servers/server2/stop", None);
    s.settle();
    assert_eq!(server("server2"), "Offline");
    s.op_ok("/api/v1/servers/server2/start", None);
    s.settle();
    assert_eq!(server("server2"), "Online");
    s.op_ok("/api/v1/servers/server2/reboot", None);
    s.advance(300_000);
    s.settle();
    assert_eq!(server("server2"), "Online");

    s.op_ok("/api/v1/cluster/stop", None);
    s.settle();
    assert_eq!(server("server1"), "Offline");
    s.op_ok("/api/v1/cluster/start", None);
    s.advance(300_000);
    s.settle();
    assert_eq!(server("server1"), "Online");
    s.op_ok("/api/v1/cluster/reboot", None);
    s.advance(600_000);
    s.settle();
    assert_eq!(server("server1"), "Online");
    s.op_ok("/api/v1/servers/server2/shutdown", None);
    s.settle();
    assert_eq!(server("server2"), "Offline");
    s.op_ok("/api/v1/cluster/shutdown", None);
    s.settle();
    assert_eq!(server("server1"), "Offline");
}

#[test]
fn toratio_set_checks_its_parameters() {
    let s = manual(&[]);
    for (body, code) in [
        (r#"{"ratio": 0, "time": "2m"}"#, 3),
        (r#"{"ratio": 10001, "time": "2m"}"#, 3),
        (r#"{"ratio": 2}"#, 3),
        (r#"{"ratio": 1, "time": "2m"}"#, 3),
        (r#"{"ratio": 2, "time": "2s"}"#, 3),
        (r#"{"ratio": 2, "time": "31d"}"#, 3),
        (r#"{"ratio": 2, "time": "721h"}"#, 3),
        (r#"{"ratio": "2", "time": "2m"}"#, 400),
        (r#"{"ratio": 2.5, "time": "2m"}"#, 400),
        (r#"{"time": "2m"}"#, 400),
        (r#"{"ratio": 2, "time": 5}"#, 400),
    ] {
        let r = s.post("/api/v1/cluster/toratio/set", Some(body));
        assert_eq!(r.code(), code, "{body}: {r:?}");
        assert_eq!(r.status, if code == 400 { 400 } else { 200 }, "{body}");
        assert!(!r.message().is_empty());
    }
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body["cluster"]["toratio"],
        1
    );
    s.op_ok(
        "/api/v1/cluster/toratio/set",
        Some(r#"{"ratio": 10000, "time": "30d"}"#),
    );
    s.settle();
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body["cluster"]["toratio"],
        10000
    );
    s.op_ok("/api/v1/cluster/toratio/set", Some(r#"{"ratio": 1}"#));
    s.settle();
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body["cluster"]["toratio"],
        1
    );
}

fn uptime(s: &Server, group: &str) -> u64 {
    let r = s.get(&format!("/api/v1/metrics/groups/{group}/uptime"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["groups"][0]["name"], group);
    r.body["groups"][0]["uptime"].as_u64().unwrap()
}

#[test]
fn metrics_count_online_time_and_the_config_date_is_fixed() {
    let s = manual(&[]);
    s.advance(10_000);
    let all = s.get("/api/v1/metrics/groups/uptime");
    assert_eq!(
        all.body["groups"],
        json!([{"name": "failover1", "uptime": 10}, {"name": "failover2", "uptime": 10}])
    );
    s.op_ok("/api/v1/groups/failover1/stop", None);
    s.settle();
    let stopped_at = uptime(&s, "failover1");
    let other = uptime(&s, "failover2");
    s.advance(100_000);
    assert_eq!(uptime(&s, "failover1"), stopped_at);
    assert_eq!(uptime(&s, "failover2"), other + 100);
    let r = s.get("/api/v1/metrics/config/last-applied-date");
    assert_eq!(
        r.body,
        ok_envelope(
            "config",
            json!({"lastAppliedDate": "2026-01-01T00:00:00.000Z"})
        )
    );
}
