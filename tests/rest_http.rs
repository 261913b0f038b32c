//! The HTTP layer: the reference's error table (400, 401, 403, 405) with its exact
//! messages, authentication and lockout, bad bodies, and the files served beside the API.

mod rest_support;

use rest_support::{manual, Resp};

fn table(r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(r.code(), status as i64, "{r:?}");
    assert_eq!(r.message(), message);
    assert!(r.content_type.starts_with("application/json"));
}

#[test]
fn authentication_is_required_on_every_api_path() {
    // Lockout off: this test fails on purpose more often than the default allows.
    let s = manual(&["--auth-max-failures", "0"]);
    for path in [
        "/api/v1/cluster",
        "/api/v1/groups/failover1",
        "/sim/v1/clock",
        "/sim/v1/events",
        "/api/v1/nope",
    ] {
        let r = s.request("GET", path, None, None);
        table(&r, 401, "Authentication failed.");
        assert!(
            r.www_authenticate
                .as_deref()
                .unwrap_or("")
                .starts_with("Basic"),
            "{path}: challenge"
        );
        let r = s.request("GET", path, None, Some(("user", "wrong")));
        table(&r, 401, "Authentication failed.");
        assert_eq!(r.www_authenticate, None);
    }
    let r = s.request(
        "POST",
        "/api/v1/cluster/suspend",
        None,
        Some(("admin", "password")),
    );
    table(&r, 401, "Authentication failed.");
    // Nothing happened.
    assert_eq!(s.get("/api/v1/cluster").status, 200);
    let r = s.post("/api/v1/cluster/resume", None);
    assert_eq!(
        r.code(),
        4,
        "the cluster was not suspended by the unauthenticated request"
    );
}

#[test]
fn custom_credentials_replace_the_defaults() {
    let s = manual(&["--user", "admin", "--password", "s3cret:with:colons"]);
    assert_eq!(
        s.request(
            "GET",
            "/api/v1/cluster",
            None,
            Some(("admin", "s3cret:with:colons"))
        )
        .status,
        200
    );
    table(
        &s.request("GET", "/api/v1/cluster", None, Some(("user", "password"))),
        401,
        "Authentication failed.",
    );
}

#[test]
fn repeated_failures_lock_the_source_and_user_out_for_a_while() {
    let s = manual(&["--auth-max-failures", "3", "--auth-lockout-secs", "2"]);
    for _ in 0..3 {
        table(
            &s.request("GET", "/api/v1/cluster", None, Some(("user", "guess"))),
            401,
            "Authentication failed.",
        );
    }
    // Locked: even the right password is refused now, with the table's 403.
    table(
        &s.request("GET", "/api/v1/cluster", None, Some(("user", "password"))),
        403,
        "The request has not been allowed.",
    );
    table(
        &s.request("GET", "/api/v1/cluster", None, Some(("user", "guess"))),
        403,
        "The request has not been allowed.",
    );
    // Another user from the same source is not locked.
    table(
        &s.request("GET", "/api/v1/cluster", None, Some(("other", "password"))),
        401,
        "Authentication failed.",
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(s.get("/api/v1/cluster").status, 200);
}

#[test]
fn methods_other_than_get_and_post_are_405() {
    let s = manual(&[]);
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        for path in [
            "/api/v1/cluster",
            "/api/v1/groups/failover1/move",
            "/api/v1/nope",
            "/sim/v1/clock",
        ] {
            let r = s.request(method, path, None, Some(("user", "password")));
            assert_eq!(r.status, 405, "{method} {path}");
            if method != "HEAD" {
                table(&r, 405, "The request has an error.");
            }
        }
    }
    // A known URL with the other of GET/POST.
    table(
        &s.get("/api/v1/cluster/start"),
        405,
        "The request has an error.",
    );
    table(
        &s.post("/api/v1/cluster", None),
        405,
        "The request has an error.",
    );
    table(
        &s.delete("/sim/v1/faults"),
        405,
        "The request has an error.",
    );
}

#[test]
fn unknown_urls_are_400() {
    let s = manual(&[]);
    for path in [
        "/api/v1",
        "/api/v1/",
        "/api/v1/clusters",
        "/api/v1/groups/",
        "/api/v2/cluster",
        "/api/v1/servers/server1/status",
        "/sim/v1/nope",
        "/nope.html",
    ] {
        table(&s.get(path), 400, "The requested URL has an error.");
    }
    for path in [
        "/api/v1/cluster/explode",
        "/api/v1/groups/failover1/teleport",
        "/sim/v1/clock/rewind",
    ] {
        table(&s.post(path, None), 400, "The requested URL has an error.");
    }
}

#[test]
fn bad_bodies_are_400_and_nothing_happens() {
    let s = manual(&[]);
    let big = format!("{{\"target\": \"{}\"}}", "x".repeat(70 * 1024));
    for body in [
        "{\"target\": ",
        "not json",
        "[\"server2\"]",
        "\"server2\"",
        "{\"target\": 2}",
        "{\"target\": [\"server2\"]}",
        "{\"target\": {\"name\": \"server2\"}}",
        big.as_str(),
    ] {
        let r = s.post("/api/v1/groups/failover1/move", Some(body));
        table(&r, 400, "The requested URL has an error.");
    }
    let r = s.post("/api/v1/groups/start", None);
    table(&r, 400, "The requested URL has an error.");
    let r = s.post("/api/v1/scripts/run", Some(r#"{"script": "script.sh"}"#));
    table(&r, 400, "The requested URL has an error.");
    let r = s.post(
        "/api/v1/scripts/run",
        Some(r#"{"script": "script.sh", "target": "127.0.0.11", "timeout": "60"}"#),
    );
    table(&r, 400, "The requested URL has an error.");
    assert_eq!(s.group("failover1"), ("Online".into(), "server1".into()));
    // The control API says what was wrong.
    for (path, body) in [
        ("/sim/v1/clock/advance", "{\"ms\": -5}"),
        ("/sim/v1/clock/advance", "{}"),
        ("/sim/v1/clock/advance", "{\"ms\": \"5\"}"),
        ("/sim/v1/faults", "{oops"),
        ("/sim/v1/reset", "{\"seed\": \"x\"}"),
    ] {
        let r = s.post(path, Some(body));
        assert_eq!((r.status, r.code()), (400, 400), "{path} {body}: {r:?}");
        assert!(r.message().len() > 10, "{path}: {}", r.message());
    }
}

#[test]
fn the_dashboard_and_the_openapi_document_are_served_without_credentials() {
    let s = manual(&[]);
    let r = s.request("GET", "/", None, None);
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("text/html"));
    assert!(!r.text.is_empty());
    let r = s.request("GET", "/openapi.json", None, None);
    assert_eq!(r.status, 200);
    assert!(r.body["paths"]["/api/v1/groups/{name}/move"]["post"].is_object());
}
