//! NEC's own clients, replayed in CI. CI has no access to GitHub and the project may not
//! vendor their code, so each client's requests are made here exactly as its source
//! makes them (method, path, query, Basic authentication; cited by repository, file
//! and line), its output is rendered the way the client prints it, and the product's
//! answers are asserted in the three windows: steady state, the 90 s after server1
//! crashes, and after the failover. Per-server listeners: server1 answers on
//! 127.0.0.11, server2 on 127.0.0.12 (`scenarios/clusters/two-node.yaml`).
//!
//! - EXPRESSCLUSTER/clpsrvlist `src/clpsrvlist.go` (commit e8383a8): for each server in
//!   order, `GET /api/v1/servers` (line 45-46) printing `name , status`, then
//!   `GET /api/v1/groups` (line 71-72) printing `name , status , current`, `break` after
//!   the first server that answered (line 93), `continue` on a failed request (49-51).
//!   Go's default transport: a 30 s dial timeout (here 1 s, the same rule).
//! - EXPRESSCLUSTER/Integrated-Cluster-WebUI `python/*.py` (commit 2b44d7a):
//!   `cluster_cls.py` line 19 `GET /api/v1/cluster` printing `name:status`;
//!   `cluster_srv.py` line 18 `GET /api/v1/servers`; `cluster_grp.py` lines 18-19
//!   `GET /api/v1/servers?select=name` and `GET /api/v1/groups` printing `current` and
//!   `name:status`; `cluster_grp_do_rsc.py` line 20 `GET /api/v1/groups/{g}?select=resources`;
//!   `cluster_rsc.py` lines 19-20 `GET /api/v1/resources/{r}` and the server list;
//!   `cluster_mon.py` line 18 `GET /api/v1/monitors` printing each monitor's overall
//!   and per-server status. Names are left-justified in 32 (servers: 64) columns.

mod rest_support;

use rest_support::{basic, manual, Server};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

struct Cluster {
    s: Server,
    per: Vec<SocketAddr>,
    agent: ureq::Agent,
}

fn cluster() -> Cluster {
    let s = manual(&["--per-server-listeners"]);
    let per = s.run.bound.per_server.iter().map(|(_, a)| *a).collect();
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(1))
        .timeout(Duration::from_secs(10))
        .build();
    Cluster { s, per, agent }
}

impl Cluster {
    /// One GET as the clients send it; `Err` when the connection fails.
    fn get(&self, addr: SocketAddr, path: &str) -> Result<Value, String> {
        let r = self
            .agent
            .get(&format!("http://{addr}{path}"))
            .set("Authorization", &basic("user", "password"))
            .call()
            .map_err(|e| e.to_string())?;
        r.into_json().map_err(|e| e.to_string())
    }

    /// clpsrvlist's output for one cluster: the first server that answers.
    fn clpsrvlist(&self) -> (usize, Vec<String>) {
        for (i, addr) in self.per.iter().enumerate() {
            let Ok(servers) = self.get(*addr, "/api/v1/servers") else {
                continue;
            };
            let mut out: Vec<String> = rows(&servers, "servers")
                .map(|s| {
                    format!(
                        "{} , {}",
                        s["name"].as_str().unwrap(),
                        s["status"].as_str().unwrap()
                    )
                })
                .collect();
            let Ok(groups) = self.get(*addr, "/api/v1/groups") else {
                continue;
            };
            out.extend(rows(&groups, "groups").map(|g| {
                format!(
                    "{} , {} , {}",
                    g["name"].as_str().unwrap(),
                    g["status"].as_str().unwrap(),
                    g["current"].as_str().unwrap()
                )
            }));
            return (i, out);
        }
        panic!("no server answered clpsrvlist");
    }

    /// The Integrated-Cluster-WebUI scripts' output, asked of `addr`.
    fn webui(&self, addr: SocketAddr) -> Vec<String> {
        let get = |p: &str| {
            let v = self.get(addr, p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(v["result"]["code"], 0, "{p}: {v}");
            v
        };
        let mut out = Vec::new();
        let cls = get("/api/v1/cluster");
        out.push(format!(
            "{:<32}:{}",
            s(&cls["cluster"]["name"]),
            s(&cls["cluster"]["status"])
        ));
        for sv in rows(&get("/api/v1/servers"), "servers") {
            out.push(format!("{:<64}:{}", s(&sv["name"]), s(&sv["status"])));
        }
        let names: Vec<String> = rows(&get("/api/v1/servers?select=name"), "servers")
            .map(|x| s(&x["name"]))
            .collect();
        for g in rows(&get("/api/v1/groups"), "groups") {
            let cur = s(&g["current"]);
            if cur == "None" || names.contains(&cur) {
                out.push(format!("{:<32}:{}", "current", cur));
                out.push(format!("{:<32}:{}", s(&g["name"]), s(&g["status"])));
            }
        }
        for r in rows(&get("/api/v1/groups/failover1?select=resources"), "groups") {
            for x in r["resources"].as_array().unwrap() {
                out.push(format!("{:<32}", s(&x["name"])));
            }
        }
        for r in rows(&get("/api/v1/resources/fip1"), "resources") {
            out.push(s(&r["current"]));
            out.push(s(&r["status"]));
        }
        for m in rows(&get("/api/v1/monitors"), "monitors") {
            out.push(format!("{:<32}:{}", s(&m["name"]), s(&m["status"])));
            for sv in m["servers"].as_array().unwrap() {
                out.push(format!("{:<32}:{}", s(&sv["name"]), s(&sv["status"])));
            }
        }
        out
    }
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

fn rows<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}: {v}"))
        .iter()
}

/// The lines of `out` that start with `what` (trailing padding trimmed).
fn line<'a>(out: &'a [String], what: &str) -> Vec<&'a str> {
    out.iter()
        .filter(|l| l.starts_with(what))
        .map(|l| l.as_str())
        .collect()
}

fn squeeze(l: &str) -> String {
    l.split(':').map(str::trim).collect::<Vec<_>>().join(":")
}

#[test]
fn clpsrvlist_in_steady_state_the_crash_window_and_after_failover() {
    let c = cluster();
    c.s.advance(60_000);
    let steady = [
        "server1 , Online",
        "server2 , Online",
        "failover1 , Online , server1",
        "failover2 , Online , server2",
    ];
    assert_eq!(
        c.clpsrvlist(),
        (0, steady.iter().map(|x| x.to_string()).collect())
    );
    c.s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    // Crash + 0..85 s: server1's address times out at connect, clpsrvlist moves on to
    // server2, which still believes server1 up and its group on it (§0). (Detection
    // comes 87-90 s after the crash: 90 s after server1's last heartbeat.)
    for step in [0, 30_000, 30_000, 25_000] {
        c.s.advance(step);
        assert_eq!(
            c.clpsrvlist(),
            (1, steady.iter().map(|x| x.to_string()).collect())
        );
    }
    // After the heartbeat timeout and the failover.
    c.s.advance(65_000);
    let after = [
        "server1 , Offline",
        "server2 , Online",
        "failover1 , Online , server2",
        "failover2 , Online , server2",
    ];
    assert_eq!(
        c.clpsrvlist(),
        (1, after.iter().map(|x| x.to_string()).collect())
    );
}

#[test]
fn integrated_cluster_webui_scripts_in_the_three_windows() {
    let c = cluster();
    c.s.advance(60_000);
    let steady = c.webui(c.per[0]);
    let check = |out: &[String], cluster: &str, s1: &str, f1_current: &str, fip1: (&str, &str)| {
        let flat: Vec<String> = out.iter().map(|l| squeeze(l)).collect();
        assert_eq!(flat[0], format!("cluster:{cluster}"), "{out:#?}");
        assert_eq!(flat[1], format!("server1:{s1}"), "{out:#?}");
        assert_eq!(flat[2], "server2:Online", "{out:#?}");
        let groups: Vec<&str> = flat[3..7].iter().map(String::as_str).collect();
        assert_eq!(
            groups,
            [
                format!("current:{f1_current}").as_str(),
                "failover1:Online",
                "current:server2",
                "failover2:Online"
            ],
            "{out:#?}"
        );
        assert_eq!(&flat[7..9], ["fip1", "script1"], "{out:#?}");
        assert_eq!(&flat[9..11], [fip1.0, fip1.1], "{out:#?}");
        assert_eq!(line(&flat, "userw"), ["userw:Normal"], "{out:#?}");
    };
    check(
        &steady,
        "Normal",
        "Online",
        "server1",
        ("server1", "Online"),
    );
    c.s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    // The scripts have no timeout of their own: pointed at server1's address they
    // would wait out the kernel's SYN retries; at server2's they answer from what
    // server2 knows.
    assert!(c.get(c.per[0], "/api/v1/cluster").is_err());
    for step in [0, 45_000, 40_000] {
        c.s.advance(step);
        check(
            &c.webui(c.per[1]),
            "Normal",
            "Online",
            "server1",
            ("server1", "Online"),
        );
    }
    c.s.advance(65_000);
    let after = c.webui(c.per[1]);
    check(
        &after,
        "Caution",
        "Offline",
        "server2",
        ("server2", "Online"),
    );
}
