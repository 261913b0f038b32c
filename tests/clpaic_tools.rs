//! NEC's REST client clpaic-remote (EXPRESSCLUSTER/clpaic,
//! `src/clpaic-remote/tool_definitions.py`): each of its 43 tools, called as the tool
//! calls it (method, path, body) with the arguments a new user would give, in the
//! order a session would, against a real `serve` listener. Every answer must be HTTP
//! 200 with `result.code` 0; the six mirror tools run against the project's
//! mirror-disk cluster (`scenarios/clusters/two-node-mirror.yaml`). Then, with per-server
//! listeners, the reading and operating tools in the 90 s after server1 crashes and
//! after the failover, as clpaic-remote reports them (commit 6c8d44b).

mod rest_support;
use rest_support::*;

const MIRROR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/clusters/two-node-mirror.yaml"
);

/// One tool call: (tool name, method, path, body).
type Call = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

/// Calls a tool and requires the product's success answer.
fn call(s: &Server, (tool, method, path, body): Call) {
    let r = s.request(method, path, body, Some(("user", "password")));
    assert_eq!(r.status, 200, "{tool}: {method} {path}: {}", r.text);
    assert_eq!(r.code(), 0, "{tool}: {method} {path}: {}", r.text);
}

/// Runs calls one by one, letting each operation finish (on the simulated clock)
/// before the next, as a user waiting for the tool's answer would.
fn session(s: &Server, calls: &[Call]) -> usize {
    for &c in calls {
        call(s, c);
        if c.1 == "POST" {
            s.settle();
        }
        if c.0.starts_with("reboot") || c.0.starts_with("start_") && c.0 != "start_group" {
            idle(s, c.0);
        }
    }
    calls.len()
}

/// After a start or a reboot: advances the clock until no group is pending and every
/// server is Online again (a reboot ends when the server is back), bounded.
fn idle(s: &Server, tool: &str) {
    for _ in 0..100 {
        s.settle();
        let servers = s.get("/api/v1/servers");
        let list = servers.body["servers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if list.iter().all(|x| x["status"] == "Online") {
            return;
        }
        s.advance(5_000);
    }
    let servers = s.get("/api/v1/servers").text;
    panic!("after {tool} the cluster did not become idle: {servers}");
}

/// The 37 tools that need no mirror disk, on the default cluster.
const GENERAL: &[Call] = &[
    ("get_cluster_status", "GET", "/api/v1/cluster", None),
    (
        "get_cluster_toratio",
        "GET",
        "/api/v1/cluster/toratio",
        None,
    ),
    ("get_server_status", "GET", "/api/v1/servers", None),
    ("get_server_status", "GET", "/api/v1/servers/server1", None),
    (
        "get_server_names",
        "GET",
        "/api/v1/servers?select=name",
        None,
    ),
    ("get_group_status", "GET", "/api/v1/groups", None),
    ("get_group_status", "GET", "/api/v1/groups/failover1", None),
    ("get_group_names", "GET", "/api/v1/groups?select=name", None),
    (
        "get_group_resources",
        "GET",
        "/api/v1/groups/failover1?select=resources",
        None,
    ),
    ("get_resource_status", "GET", "/api/v1/resources", None),
    ("get_resource_status", "GET", "/api/v1/resources/fip1", None),
    (
        "get_resource_names",
        "GET",
        "/api/v1/resources?select=name",
        None,
    ),
    ("get_monitor_status", "GET", "/api/v1/monitors", None),
    ("get_monitor_status", "GET", "/api/v1/monitors/fipw1", None),
    (
        "get_monitor_names",
        "GET",
        "/api/v1/monitors?select=name",
        None,
    ),
    (
        "get_groups_uptime",
        "GET",
        "/api/v1/metrics/groups/uptime",
        None,
    ),
    (
        "get_groups_uptime",
        "GET",
        "/api/v1/metrics/groups/failover1/uptime",
        None,
    ),
    (
        "get_config_last_applied_date",
        "GET",
        "/api/v1/metrics/config/last-applied-date",
        None,
    ),
    (
        "set_cluster_toratio",
        "POST",
        "/api/v1/cluster/toratio/set",
        Some(r#"{"ratio": 3, "time": "2h"}"#),
    ),
    (
        "reset_cluster_toratio",
        "POST",
        "/api/v1/cluster/toratio/reset",
        None,
    ),
    (
        "move_group",
        "POST",
        "/api/v1/groups/failover1/move",
        Some(r#"{"target": "server2"}"#),
    ),
    ("move_group", "POST", "/api/v1/groups/failover1/move", None),
    ("stop_group", "POST", "/api/v1/groups/failover1/stop", None),
    (
        "start_group",
        "POST",
        "/api/v1/groups/failover1/start",
        Some(r#"{"target": "server1"}"#),
    ),
    (
        "stop_group",
        "POST",
        "/api/v1/groups/stop",
        Some(r#"{"target": "server2"}"#),
    ),
    (
        "start_group",
        "POST",
        "/api/v1/groups/start",
        Some(r#"{"target": "server2"}"#),
    ),
    (
        "stop_resource",
        "POST",
        "/api/v1/resources/script1/stop",
        None,
    ),
    (
        "start_resource",
        "POST",
        "/api/v1/resources/script1/start",
        Some(r#"{"target": "server1"}"#),
    ),
    (
        "suspend_monitor",
        "POST",
        "/api/v1/monitors/fipw1/suspend",
        Some(r#"{"target": "server1"}"#),
    ),
    (
        "resume_monitor",
        "POST",
        "/api/v1/monitors/fipw1/resume",
        Some(r#"{"target": "server1"}"#),
    ),
    (
        "start_monitor_dummy_failure",
        "POST",
        "/api/v1/monitors/userw/dummy-failure/start",
        Some(r#"{"target": "server2"}"#),
    ),
    (
        "stop_monitor_dummy_failure",
        "POST",
        "/api/v1/monitors/userw/dummy-failure/stop",
        Some(r#"{"target": ""}"#),
    ),
    (
        "run_script",
        "POST",
        "/api/v1/scripts/run",
        Some(r#"{"script": "script.sh", "target": "127.0.0.11", "timeout": 60}"#),
    ),
    ("suspend_cluster", "POST", "/api/v1/cluster/suspend", None),
    ("resume_cluster", "POST", "/api/v1/cluster/resume", None),
    (
        "stop_server_service",
        "POST",
        "/api/v1/servers/server2/stop",
        None,
    ),
    (
        "start_server_service",
        "POST",
        "/api/v1/servers/server2/start",
        None,
    ),
    (
        "start_server_dummy_failure",
        "POST",
        "/api/v1/servers/server2/dummy-failure/start",
        None,
    ),
    (
        "stop_server_dummy_failure",
        "POST",
        "/api/v1/servers/server2/dummy-failure/stop",
        None,
    ),
    (
        "reboot_server",
        "POST",
        "/api/v1/servers/server2/reboot",
        None,
    ),
    ("stop_cluster", "POST", "/api/v1/cluster/stop", None),
    ("start_cluster", "POST", "/api/v1/cluster/start", None),
    ("reboot_cluster", "POST", "/api/v1/cluster/reboot", None),
    (
        "shutdown_server",
        "POST",
        "/api/v1/servers/server2/shutdown",
        None,
    ),
    ("shutdown_cluster", "POST", "/api/v1/cluster/shutdown", None),
];

/// The six mirror tools, with the options a user tries.
const MIRRORS: &[Call] = &[
    (
        "get_mirror_backup_status",
        "GET",
        "/api/v1/mirrors/backup/status",
        None,
    ),
    (
        "mirror_backup_preaction",
        "POST",
        "/api/v1/mirrors/backup/preaction",
        Some(r#"{"online": true, "timeout": 900}"#),
    ),
    (
        "get_mirror_backup_status",
        "GET",
        "/api/v1/mirrors/backup/status",
        None,
    ),
    (
        "mirror_backup_postaction",
        "POST",
        "/api/v1/mirrors/backup/postaction",
        Some(r#"{"online": true}"#),
    ),
    (
        "get_mirror_restore_status",
        "GET",
        "/api/v1/mirrors/restore/status",
        None,
    ),
    (
        "mirror_restore_preaction",
        "POST",
        "/api/v1/mirrors/restore/preaction",
        Some(r#"{"no-shutdown": true}"#),
    ),
    (
        "get_mirror_restore_status",
        "GET",
        "/api/v1/mirrors/restore/status",
        None,
    ),
    (
        "mirror_restore_postaction",
        "POST",
        "/api/v1/mirrors/restore/postaction",
        Some(r#"{"no-reboot": true, "skip-copy": true}"#),
    ),
    (
        "get_mirror_restore_status",
        "GET",
        "/api/v1/mirrors/restore/status",
        None,
    ),
];

fn tools(calls: &[Call]) -> std::collections::BTreeSet<&'static str> {
    calls.iter().map(|c| c.0).collect()
}

#[test]
fn the_tool_list_is_covered() {
    let mut all = tools(GENERAL);
    all.extend(tools(MIRRORS));
    assert_eq!(tools(GENERAL).len(), 37);
    assert_eq!(tools(MIRRORS).len(), 6);
    assert_eq!(all.len(), 43, "{all:?}");
}

#[test]
fn every_general_tool_answers_code_0() {
    let s = manual(&[]);
    s.settle();
    assert_eq!(session(&s, GENERAL), GENERAL.len());
}

#[test]
fn every_mirror_tool_answers_code_0_on_the_mirror_cluster() {
    let s = manual(&[MIRROR]);
    s.settle();
    for &c in MIRRORS {
        call(&s, c);
        // The actions run asynchronously: wait until the status says they ended.
        for _ in 0..60 {
            let st = s.get(&format!(
                "/api/v1/mirrors/{}/status",
                if c.2.contains("backup") {
                    "backup"
                } else {
                    "restore"
                }
            ));
            if st.body["detail"]["status"] != "running" {
                break;
            }
            s.advance(5_000);
        }
    }
    let st = s.get("/api/v1/mirrors/restore/status");
    assert_eq!(
        st.body["detail"]["status"], "Command succeeded.",
        "{}",
        st.text
    );
}

/// clpaic-remote's answer to one call (`src/clpaic-remote/clpaic.py` lines 22-65 at
/// commit 6c8d44b): the JSON body on HTTP 200; on an HTTP error `{"error": "HTTP
/// <code>", "detail": <body>}`; on a connection error `{"error": <reason>}`. Its
/// `urlopen` timeout is 300 s (line 50), above the product's internal wait (180 s), so
/// the tool sees the product's answer; here the connect timeout is 1 s (the same rule).
fn clpaic(base: &str, (_, method, path, body): Call) -> serde_json::Value {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(std::time::Duration::from_secs(1))
        .timeout(std::time::Duration::from_secs(20))
        .build();
    let mut req = agent
        .request(method, &format!("{base}{path}"))
        .set("Content-Type", "application/json")
        .set("Authorization", &basic("user", "password"));
    if method == "POST" && body.is_none() {
        req = req.set("Content-Length", "0");
    }
    let r = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    match r {
        Ok(r) => r.into_json().expect("JSON body"),
        Err(ureq::Error::Status(code, r)) => serde_json::json!({
            "error": format!("HTTP {code}"),
            "detail": r.into_string().unwrap_or_default(),
        }),
        Err(e) => serde_json::json!({"error": e.kind().to_string()}),
    }
}

/// What a tool shows: the product's `result.code` and message on HTTP 200, or the
/// product's 500 for an attempt on a peer that did not answer (§0), as clpaic-remote
/// reports an HTTP error.
#[derive(Clone, Copy, Debug)]
enum Shows {
    Code(i64, &'static str),
    NoAnswer,
}

fn check(base: &str, c: Call, want: Shows) {
    let got = clpaic(base, c);
    match want {
        Shows::Code(code, message) => assert_eq!(
            (&got["result"]["code"], &got["result"]["message"]),
            (&code.into(), &message.into()),
            "{}: {} {} {:?}: {got}",
            c.0,
            c.1,
            c.2,
            c.3
        ),
        Shows::NoAnswer => {
            assert_eq!(got["error"], "HTTP 500", "{}: {} {}: {got}", c.0, c.1, c.2);
            let detail: serde_json::Value =
                serde_json::from_str(got["detail"].as_str().unwrap()).unwrap();
            assert_eq!(
                detail["result"]["message"], "An error occurred while sending the request.",
                "{}: {got}",
                c.0
            );
        }
    }
}

/// The reading tools (`get_*`, `tool_definitions.py` lines 5-240 and 828-870), with
/// what each must show of server1, failover1 and fip1: (server1, failover1's status
/// and current).
fn reads(base: &str, server1: &str, f1: (&str, &str)) {
    for &c in GENERAL.iter().filter(|c| c.1 == "GET") {
        let got = clpaic(base, c);
        assert_eq!(got["result"]["code"], 0, "{}: {} {}: {got}", c.0, c.1, c.2);
    }
    let get = |p| clpaic(base, ("", "GET", p, None));
    assert_eq!(
        get("/api/v1/servers/server1")["servers"][0]["status"],
        server1
    );
    let g = &get("/api/v1/groups/failover1")["groups"][0];
    assert_eq!((&g["status"], &g["current"]), (&f1.0.into(), &f1.1.into()));
    let r = &get("/api/v1/resources/fip1")["resources"][0];
    assert_eq!((&r["status"], &r["current"]), (&f1.0.into(), &f1.1.into()));
}

const SENT: Shows = Shows::NoAnswer;

/// The operating tools that need server1, at crash + 30 s, asked of server2, which
/// still believes server1 up with failover1 on it: each is attempted and fails with
/// the product's 500 after the internal wait (behaviour §0); a start of a group server2
/// believes started is refused on that knowledge.
const CRASH_WINDOW_SERVER1: &[(Call, Shows)] = &[
    (
        (
            "move_group",
            "POST",
            "/api/v1/groups/failover1/move",
            Some(r#"{"target": "server2"}"#),
        ),
        SENT,
    ),
    (
        ("move_group", "POST", "/api/v1/groups/failover1/move", None),
        SENT,
    ),
    (
        ("stop_group", "POST", "/api/v1/groups/failover1/stop", None),
        SENT,
    ),
    (
        (
            "stop_group",
            "POST",
            "/api/v1/groups/stop",
            Some(r#"{"target": "server1"}"#),
        ),
        SENT,
    ),
    (
        (
            "start_group",
            "POST",
            "/api/v1/groups/failover1/start",
            Some(r#"{"target": "server1"}"#),
        ),
        Shows::Code(4, "Group failover1 is already started on server server1."),
    ),
    (
        (
            "start_group",
            "POST",
            "/api/v1/groups/failover2/start",
            Some(r#"{"target": "server1"}"#),
        ),
        Shows::Code(4, "Group failover2 is already started on server server2."),
    ),
    (
        (
            "stop_resource",
            "POST",
            "/api/v1/resources/script1/stop",
            None,
        ),
        SENT,
    ),
    (
        (
            "start_resource",
            "POST",
            "/api/v1/resources/script1/start",
            Some(r#"{"target": "server1"}"#),
        ),
        SENT,
    ),
    (
        (
            "suspend_monitor",
            "POST",
            "/api/v1/monitors/fipw1/suspend",
            Some(r#"{"target": "server1"}"#),
        ),
        SENT,
    ),
    (
        (
            "resume_monitor",
            "POST",
            "/api/v1/monitors/fipw1/resume",
            Some(r#"{"target": "server1"}"#),
        ),
        SENT,
    ),
    (
        (
            "start_monitor_dummy_failure",
            "POST",
            "/api/v1/monitors/userw/dummy-failure/start",
            Some(r#"{"target": "server1"}"#),
        ),
        SENT,
    ),
    (
        (
            "run_script",
            "POST",
            "/api/v1/scripts/run",
            Some(r#"{"script": "script.sh", "target": "127.0.0.11", "timeout": 60}"#),
        ),
        SENT,
    ),
    (
        (
            "stop_server_service",
            "POST",
            "/api/v1/servers/server1/stop",
            None,
        ),
        SENT,
    ),
    (
        (
            "start_server_dummy_failure",
            "POST",
            "/api/v1/servers/server1/dummy-failure/start",
            None,
        ),
        SENT,
    ),
    (
        (
            "reboot_server",
            "POST",
            "/api/v1/servers/server1/reboot",
            None,
        ),
        SENT,
    ),
    (
        (
            "shutdown_server",
            "POST",
            "/api/v1/servers/server1/shutdown",
            None,
        ),
        SENT,
    ),
];

/// Tools that need only server2 go on in the crash window as in steady state.
const ON_SERVER2: &[(Call, Shows)] = &[
    (
        (
            "suspend_monitor",
            "POST",
            "/api/v1/monitors/fipw2/suspend",
            Some(r#"{"target": "server2"}"#),
        ),
        Shows::Code(0, ""),
    ),
    (
        (
            "resume_monitor",
            "POST",
            "/api/v1/monitors/fipw2/resume",
            Some(r#"{"target": "server2"}"#),
        ),
        Shows::Code(0, ""),
    ),
    (
        (
            "stop_resource",
            "POST",
            "/api/v1/resources/script2/stop",
            None,
        ),
        Shows::Code(0, ""),
    ),
    (
        (
            "start_resource",
            "POST",
            "/api/v1/resources/script2/start",
            Some(r#"{"target": "server2"}"#),
        ),
        Shows::Code(0, ""),
    ),
    (
        (
            "run_script",
            "POST",
            "/api/v1/scripts/run",
            Some(r#"{"script": "script.sh", "target": "127.0.0.12", "timeout": 60}"#),
        ),
        Shows::Code(0, ""),
    ),
];

/// After the failover server2 knows server1 is down: the same tools are refused at
/// once with the product's words, and failover1 is operated on server2.
const AFTER_FAILOVER: &[(Call, Shows)] = &[
    (
        ("move_group", "POST", "/api/v1/groups/failover1/move", None),
        Shows::Code(4, "There is no server to move group failover1 to."),
    ),
    (
        (
            "move_group",
            "POST",
            "/api/v1/groups/failover1/move",
            Some(r#"{"target": "server2"}"#),
        ),
        Shows::Code(4, "Group failover1 is already started on server server2."),
    ),
    (
        (
            "stop_group",
            "POST",
            "/api/v1/groups/stop",
            Some(r#"{"target": "server1"}"#),
        ),
        Shows::Code(4, "Server server1 is not running."),
    ),
    (
        (
            "suspend_monitor",
            "POST",
            "/api/v1/monitors/fipw1/suspend",
            Some(r#"{"target": "server1"}"#),
        ),
        Shows::Code(4, "Server server1 is not running."),
    ),
    (
        (
            "run_script",
            "POST",
            "/api/v1/scripts/run",
            Some(r#"{"script": "script.sh", "target": "127.0.0.11", "timeout": 60}"#),
        ),
        Shows::Code(4, "Server server1 is not running."),
    ),
    (
        (
            "start_server_dummy_failure",
            "POST",
            "/api/v1/servers/server1/dummy-failure/start",
            None,
        ),
        Shows::Code(4, "Server server1 is not running."),
    ),
    (
        (
            "stop_server_service",
            "POST",
            "/api/v1/servers/server1/stop",
            None,
        ),
        Shows::Code(4, "Server server1 is down."),
    ),
    (
        (
            "reboot_server",
            "POST",
            "/api/v1/servers/server1/reboot",
            None,
        ),
        Shows::Code(4, "Server server1 is down."),
    ),
    (
        ("stop_group", "POST", "/api/v1/groups/failover1/stop", None),
        Shows::Code(0, ""),
    ),
    (
        (
            "start_group",
            "POST",
            "/api/v1/groups/failover1/start",
            Some(r#"{"target": "server1"}"#),
        ),
        Shows::Code(4, "Server server1 is not running."),
    ),
    (
        (
            "start_group",
            "POST",
            "/api/v1/groups/failover1/start",
            Some(r#"{"target": "server2"}"#),
        ),
        Shows::Code(0, ""),
    ),
];

/// Runs `calls` against `base`, letting each accepted operation finish.
fn operate(s: &Server, base: &str, calls: &[(Call, Shows)]) {
    for &(c, want) in calls {
        check(base, c, want);
        if matches!(want, Shows::Code(0, _)) {
            s.settle();
        }
    }
}

/// clpaic-remote in the 90 s after server1 crashes (`CLP_BASE_URL` at server1: the
/// connect fails; at server2: server2's knowledge) and after the failover.
#[test]
fn the_tools_in_the_crash_window_and_after_failover() {
    let s = manual(&["--per-server-listeners"]);
    let per: Vec<String> = s
        .run
        .bound
        .per_server
        .iter()
        .map(|(_, a)| format!("http://{a}"))
        .collect();
    s.settle();
    reads(&per[0], "Online", ("Online", "server1"));
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    s.advance(30_000);
    let dead = clpaic(&per[0], GENERAL[0]);
    assert!(
        dead["error"].is_string() && dead.get("result").is_none(),
        "{dead}"
    );
    reads(&per[1], "Online", ("Online", "server1"));
    operate(&s, &per[1], CRASH_WINDOW_SERVER1);
    operate(&s, &per[1], ON_SERVER2);
    // Still inside the window: server2 has not declared server1 down.
    reads(&per[1], "Online", ("Online", "server1"));
    s.advance(60_000);
    s.settle();
    reads(&per[1], "Offline", ("Online", "server2"));
    operate(&s, &per[1], AFTER_FAILOVER);
    reads(&per[1], "Offline", ("Online", "server2"));
}
