//! NEC's REST client clpaic-remote (EXPRESSCLUSTER/clpaic,
//! `src/clpaic-remote/tool_definitions.py`): each of its 43 tools, called as the tool
//! calls it (method, path, body) with the arguments a new user would give, in the
//! order a session would, against a real `serve` listener. Every answer must be HTTP
//! 200 with `result.code` 0; the six mirror tools run against the project's
//! mirror-disk cluster (`scenarios/clusters/two-node-mirror.yaml`).

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
