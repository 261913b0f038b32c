//! Training labs (#26): every pool member has its own credentials and nothing of one
//! student's cluster answers another's; the admin reaches everything. Every shipped
//! exercise is solved end to end by a scripted student (full marks) while a student
//! who does nothing gets none, and the grades export lists both.

mod rest_support;

use rest_support::{request_to, send, start, Resp, Server};
use serde_json::{json, Value};
use std::path::PathBuf;

const ADMIN: (&str, &str) = ("teacher", "s3cret");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fleet of `n` pool members of `cluster` (manual clock), with the admin above and
/// the given extra `serve` flags.
fn fleet(cluster: &str, n: usize, extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fleet.yaml");
    let cluster = root().join("scenarios/clusters").join(cluster);
    std::fs::write(
        &f,
        format!(
            "admin: {{user: {}, password: {}}}\npool:\n  - name: lab\n    count: {n}\n    cluster: {}\n",
            ADMIN.0,
            ADMIN.1,
            cluster.display()
        ),
    )
    .unwrap();
    let mut flags = vec!["--clock", "manual", "--fleet", f.to_str().unwrap()];
    flags.extend_from_slice(extra);
    (start(&flags), dir)
}

/// A request as `who` to `url` (a cluster's own listener or any other).
fn call(url: &str, method: &str, path: &str, body: Option<&str>, who: (&str, &str)) -> Resp {
    let agent = ureq::AgentBuilder::new().build();
    request_to(&agent, url, method, path, body, Some(who))
}

struct Student {
    url: String,
    user: String,
    password: String,
}

impl Student {
    fn of(s: &Server, cluster: &str) -> Student {
        let c = s.run.fleet.get(cluster).expect("cluster");
        let cred = s.run.fleet.tenancy.credential(cluster).expect("credential");
        Student {
            url: c.api_url.clone(),
            user: cred.user,
            password: cred.password,
        }
    }
    fn who(&self) -> (&str, &str) {
        (&self.user, &self.password)
    }
    fn req(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let text = body.map(|b| b.to_string());
        call(&self.url, method, path, text.as_deref(), self.who())
    }
    fn op(&self, op: Value) {
        let r = self.req("POST", "/sim/v1/operations", Some(op.clone()));
        assert_eq!(r.status, 200, "{op}: {r:?}");
    }
    fn advance(&self, ms: u64) {
        let r = self.req("POST", "/sim/v1/clock/advance", Some(json!({"ms": ms})));
        assert_eq!(r.status, 200, "{r:?}");
    }
    /// Heals every active fault (the dashboard's Heal buttons).
    fn heal_all(&self) {
        let faults = self.req("GET", "/sim/v1/faults", None).body;
        for f in faults.as_array().unwrap() {
            if f["state"] == "active" {
                let r = self.req("DELETE", &format!("/sim/v1/faults/{}", f["id"]), None);
                assert_eq!(r.status, 200, "{r:?}");
            }
        }
    }
    fn exercise(&self) -> Value {
        let r = self.req("GET", "/sim/v1/exercise", None);
        assert_eq!(r.status, 200, "{r:?}");
        r.body
    }
}

// ------------------------------------------------------------------ tenancy

/// The issue's hidden bar, as one story (long: every path is one line of the table).
#[test]
fn a_student_reaches_their_own_cluster_and_nothing_of_anothers() {
    let (s, _dir) = fleet(
        "two-node.yaml",
        10,
        &[
            "--face",
            "cello=127.0.0.1:0",
            "--face",
            "commissaire=127.0.0.1:0",
            "--face",
            "xcat=127.0.0.1:0",
            "--face",
            "maxscale=127.0.0.1:0",
        ],
    );
    let faces: Vec<(String, std::net::SocketAddr)> =
        s.run.fleet.face_listeners.read().unwrap().clone();
    let face = |n: &str| format!("http://{}", faces.iter().find(|(f, _)| f == n).unwrap().1);
    let (cello, commissaire) = (face("cello"), face("commissaire"));
    for c in s.run.fleet.list() {
        call(
            &c.api_url,
            "POST",
            "/sim/v1/clock/advance",
            Some(r#"{"ms": 10000}"#),
            ADMIN,
        );
    }
    // bob applies first (lab-1, which also has the xCAT and MaxScale listeners), then alice.
    let apply = |user: &str| {
        let r: Value = send(
            "POST",
            &format!("{cello}/v2/cluster_op"),
            Some(&json!({"action": "apply", "user_id": user}).to_string()),
            &[("Content-Type", "application/json")],
        )
        .into_json()
        .unwrap();
        assert_eq!(r["status"], "OK", "{r}");
        r["data"].clone()
    };
    let bob_obj = apply("bob");
    let alice_obj = apply("alice");
    let (bob_user, bob_pw) = (
        bob_obj["user"].as_str().unwrap(),
        bob_obj["password"].as_str().unwrap(),
    );
    let alice = (
        alice_obj["user"].as_str().unwrap(),
        alice_obj["password"].as_str().unwrap(),
    );
    let bob_name = s
        .run
        .fleet
        .pool
        .lock()
        .iter()
        .find(|m| m.holder.as_deref() == Some("bob"))
        .unwrap()
        .cluster
        .clone();
    let alice_name = s
        .run
        .fleet
        .pool
        .lock()
        .iter()
        .find(|m| m.holder.as_deref() == Some("alice"))
        .unwrap()
        .cluster
        .clone();
    assert_eq!(bob_name, "lab-1");
    let bob = s.run.fleet.get(&bob_name).unwrap();
    let mine = s.run.fleet.get(&alice_name).unwrap();
    let (bob_url, my_url) = (bob.api_url.clone(), mine.api_url.clone());

    // Every path into bob's cluster, with alice's credentials: 403, the product's body
    // on the product's surface, and nothing of bob's in any answer.
    let into_bob = [
        (bob_url.as_str(), "GET", "/api/v1/cluster".to_string()),
        (bob_url.as_str(), "GET", "/api/v1/groups".to_string()),
        (
            bob_url.as_str(),
            "POST",
            "/api/v1/groups/failover1/stop".to_string(),
        ),
        (bob_url.as_str(), "GET", "/sim/v1/view".to_string()),
        (bob_url.as_str(), "GET", "/sim/v1/events".to_string()),
        (bob_url.as_str(), "GET", "/sim/v1/events/stream".to_string()),
        (bob_url.as_str(), "GET", "/sim/v1/history".to_string()),
        (bob_url.as_str(), "GET", "/sim/v1/config".to_string()),
        (bob_url.as_str(), "POST", "/sim/v1/reset".to_string()),
        (bob_url.as_str(), "GET", "/metrics".to_string()),
        (
            my_url.as_str(),
            "GET",
            format!("/sim/v1/clusters/{bob_name}/api/v1/cluster"),
        ),
        (
            my_url.as_str(),
            "GET",
            format!("/sim/v1/clusters/{bob_name}/events"),
        ),
        (
            my_url.as_str(),
            "GET",
            format!("/sim/v1/clusters/{bob_name}/journal"),
        ),
        (
            my_url.as_str(),
            "POST",
            format!("/sim/v1/clusters/{bob_name}/reset"),
        ),
        (
            my_url.as_str(),
            "POST",
            format!("/sim/v1/clusters/{bob_name}/faults"),
        ),
        (
            my_url.as_str(),
            "GET",
            format!("/sim/v1/clusters/{bob_name}/exercise"),
        ),
        (
            my_url.as_str(),
            "DELETE",
            format!("/sim/v1/clusters/{bob_name}"),
        ),
        (
            my_url.as_str(),
            "DELETE",
            "/sim/v1/clusters/no-such-cluster".to_string(),
        ),
        (my_url.as_str(), "POST", "/sim/v1/clusters".to_string()),
        (my_url.as_str(), "GET", "/sim/v1/class".to_string()),
    ];
    for (url, method, path) in &into_bob {
        let r = call(url, method, path, Some("{}"), alice);
        assert_eq!(r.status, 403, "{method} {path}: {r:?}");
        assert!(
            !r.text.contains(bob_user) && !r.text.contains("bob"),
            "{path}: {}",
            r.text
        );
        if path.contains("/api/") {
            assert_eq!(r.message(), "The request has not been allowed.", "{path}");
        }
    }
    // Unknown credentials: 401 everywhere, nothing said.
    let r = call(&bob_url, "GET", "/api/v1/cluster", None, ("mallory", "x"));
    assert_eq!((r.status, r.message()), (401, "Authentication failed."));
    // Alice's own cluster answers her, and the list shows it alone.
    assert_eq!(
        call(&my_url, "GET", "/api/v1/cluster", None, alice).status,
        200
    );
    let list = call(&my_url, "GET", "/sim/v1/clusters", None, alice).body;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        (list[0]["name"].as_str(), list[0]["own"].as_bool()),
        (Some(alice_name.as_str()), Some(true))
    );
    assert_eq!(call(&my_url, "GET", "/metrics", None, alice).status, 200);

    // The faces: xCAT and MaxScale on bob's cluster refuse alice; Commissaire and Cello
    // show her only her own cluster.
    let xcat = format!(
        "https://{}",
        bob.face_listeners
            .iter()
            .find(|(f, _)| f == "xcat")
            .unwrap()
            .1
    );
    let maxscale = format!(
        "http://{}",
        bob.face_listeners
            .iter()
            .find(|(f, _)| f == "maxscale")
            .unwrap()
            .1
    );
    let r = send(
        "GET",
        &format!(
            "{xcat}/xcatws/nodes?userName={}&userPW={}",
            alice.0, alice.1
        ),
        None,
        &[],
    );
    assert_eq!(r.status(), 401);
    let r = send(
        "GET",
        &format!("{xcat}/xcatws/nodes?userName={bob_user}&userPW={bob_pw}"),
        None,
        &[],
    );
    assert_eq!(r.status(), 200);
    let basic = |(u, p): (&str, &str)| rest_support::basic(u, p);
    assert_eq!(
        send(
            "GET",
            &format!("{maxscale}/v1/servers"),
            None,
            &[("Authorization", &basic(alice))]
        )
        .status(),
        401
    );
    assert_eq!(
        send(
            "GET",
            &format!("{maxscale}/v1/servers"),
            None,
            &[("Authorization", &basic(("admin", "mariadb")))]
        )
        .status(),
        401
    );
    assert_eq!(
        send(
            "GET",
            &format!("{maxscale}/v1/servers"),
            None,
            &[("Authorization", &basic((bob_user, bob_pw)))]
        )
        .status(),
        200
    );
    let r: Value = send(
        "GET",
        &format!("{commissaire}/api/v0/clusters"),
        None,
        &[("Authorization", &basic(alice))],
    )
    .into_json()
    .unwrap();
    assert_eq!(r, json!([alice_name]));
    assert_eq!(
        send(
            "GET",
            &format!("{commissaire}/api/v0/cluster/{bob_name}"),
            None,
            &[("Authorization", &basic(alice))]
        )
        .status(),
        403
    );
    assert_eq!(
        send(
            "DELETE",
            &format!("{commissaire}/api/v0/cluster/{alice_name}"),
            None,
            &[("Authorization", &basic(alice))]
        )
        .status(),
        403
    );
    let seen = send(
        "GET",
        &format!("{cello}/v2/clusters"),
        None,
        &[("Authorization", &basic(alice))],
    )
    .into_string()
    .unwrap();
    assert!(!seen.contains("bob") && seen.contains("alice"), "{seen}");
    let release = json!({"action": "release", "cluster_id": bob_obj["id"]}).to_string();
    let r: Value = send(
        "POST",
        &format!("{cello}/v2/cluster_op"),
        Some(&release),
        &[
            ("Authorization", &basic(alice)),
            ("Content-Type", "application/json"),
        ],
    )
    .into_json()
    .unwrap();
    assert_eq!(
        (r["status"].as_str(), r["code"].as_u64()),
        (Some("FAIL"), Some(403)),
        "{r}"
    );
    assert_eq!(s.run.fleet.pool.holder(&bob_name).as_deref(), Some("bob"));

    // The instructor can do all of it.
    for (url, method, path) in &into_bob[..10] {
        if *method == "GET" && !path.ends_with("stream") {
            assert_eq!(call(url, method, path, None, ADMIN).status, 200, "{path}");
        }
    }
    assert_eq!(
        call(&my_url, "GET", "/sim/v1/clusters", None, ADMIN)
            .body
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let r: Value = send(
        "GET",
        &format!("{commissaire}/api/v0/clusters"),
        None,
        &[("Authorization", &basic(ADMIN))],
    )
    .into_json()
    .unwrap();
    assert_eq!(r.as_array().unwrap().len(), 10);
    assert_eq!(
        call(
            &my_url,
            "DELETE",
            &format!("/sim/v1/clusters/{bob_name}"),
            None,
            ADMIN
        )
        .status,
        200
    );
    assert!(s.run.fleet.get(&bob_name).is_none());
}

#[test]
fn a_lockout_names_its_user_and_time_and_spares_the_others() {
    let (s, _dir) = fleet("two-node.yaml", 2, &["--auth-max-failures", "3"]);
    let (a, b) = (Student::of(&s, "lab-1"), Student::of(&s, "lab-2"));
    for _ in 0..3 {
        assert_eq!(
            call(&a.url, "GET", "/api/v1/cluster", None, (&a.user, "typo")).status,
            401
        );
    }
    // The right password from here is now refused: the product's body, and why.
    let agent = ureq::AgentBuilder::new().build();
    let r = match agent
        .get(&format!("{}/api/v1/cluster", a.url))
        .set("Authorization", &rest_support::basic(&a.user, &a.password))
        .call()
    {
        Err(ureq::Error::Status(403, r)) => r,
        other => panic!("{other:?}"),
    };
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((55..=60).contains(&retry), "{retry}");
    let why = r.header("x-clustersim-lockout").unwrap().to_string();
    assert!(why.contains(&a.user) && why.contains("locked out"), "{why}");
    let body: Value = r.into_json().unwrap();
    assert_eq!(
        body["result"]["message"],
        "The request has not been allowed."
    );
    let r = call(&a.url, "GET", "/sim/v1/clock", None, a.who());
    assert_eq!(r.status, 403);
    assert!(
        r.message().contains("Too many failed logins") && r.message().contains(" s more"),
        "{r:?}"
    );
    // Another student on the same address, and the instructor, are not affected.
    assert_eq!(
        call(&b.url, "GET", "/api/v1/cluster", None, b.who()).status,
        200
    );
    assert_eq!(
        call(&a.url, "GET", "/api/v1/cluster", None, ADMIN).status,
        200
    );
}

#[test]
fn created_and_forked_clusters_answer_their_own_credentials() {
    let (s, _dir) = fleet("two-node.yaml", 1, &[]);
    let base = s.run.fleet.first().unwrap().api_url.clone();
    let r = call(
        &base,
        "POST",
        "/sim/v1/clusters",
        Some(r#"{"name": "extra"}"#),
        ADMIN,
    );
    assert_eq!(r.status, 201, "{r:?}");
    let (user, pw) = (
        r.body["user"].as_str().unwrap().to_string(),
        r.body["password"].as_str().unwrap().to_string(),
    );
    assert_eq!(user, "extra");
    assert!(pw.len() >= 20);
    let url = r.body["api_url"].as_str().unwrap().to_string();
    assert_eq!(
        call(&url, "GET", "/api/v1/cluster", None, (&user, &pw)).status,
        200
    );
    assert_eq!(
        call(&base, "GET", "/api/v1/cluster", None, (&user, &pw)).status,
        403
    );
    let r = call(
        &base,
        "POST",
        "/sim/v1/clusters",
        Some(r#"{"name": "given", "user": "carol", "password": "pw"}"#),
        ADMIN,
    );
    assert_eq!(
        (r.body["user"].as_str(), r.body["password"].as_str()),
        (Some("carol"), Some("pw"))
    );
    // A student may not create, fork or delete.
    let r = call(
        &url,
        "POST",
        "/sim/v1/fork",
        Some(r#"{"name": "copy"}"#),
        (&user, &pw),
    );
    assert_eq!(r.status, 403);
    let r = call(
        &url,
        "POST",
        "/sim/v1/fork",
        Some(r#"{"name": "copy"}"#),
        ADMIN,
    );
    assert_eq!(r.status, 201, "{r:?}");
    assert!(r.body["password"].as_str().is_some_and(|p| p != pw));
}

#[test]
fn a_single_cluster_serve_behaves_as_before() {
    let s = rest_support::manual(&[]);
    assert_eq!(s.get("/api/v1/cluster").status, 200);
    // /metrics stays open (nobody else's cluster), and the one credential is the admin.
    let r = send("GET", &format!("{}/metrics", s.base), None, &[]);
    assert_eq!(r.status(), 200);
    assert_eq!(s.get("/sim/v1/class").status, 200);
}

// ------------------------------------------------------------------ exercises

fn exercise_text(file: &str) -> String {
    std::fs::read_to_string(root().join("exercises").join(file)).unwrap()
}

/// Starts `file` on lab-1 (the solver's) and lab-2 (a student who does nothing), both
/// warmed up for a minute, lets `solve` act as lab-1's student, runs both clusters past
/// the time limit and checks full marks for one and none for the other. Returns the
/// server for more checks.
fn graded(cluster: &str, file: &str, solve: impl FnOnce(&Student)) -> (Server, tempfile::TempDir) {
    let (s, dir) = fleet(cluster, 2, &[]);
    let (solver, idle) = (Student::of(&s, "lab-1"), Student::of(&s, "lab-2"));
    for st in [&solver, &idle] {
        call(
            &st.url,
            "POST",
            "/sim/v1/clock/advance",
            Some(r#"{"ms": 60000}"#),
            ADMIN,
        );
    }
    let text = exercise_text(file);
    for c in ["lab-1", "lab-2"] {
        let body = json!({"exercise": text, "cluster": c}).to_string();
        let r = call(&solver.url, "POST", "/sim/v1/exercise", Some(&body), ADMIN);
        assert_eq!(r.status, 201, "{file}: {r:?}");
    }
    // A student may not start one.
    let body = json!({"exercise": text}).to_string();
    assert_eq!(
        call(
            &solver.url,
            "POST",
            "/sim/v1/exercise",
            Some(&body),
            solver.who()
        )
        .status,
        403
    );
    let before = solver.exercise();
    assert_eq!(before["met"], 0, "{file}: met at the start: {before:#}");
    solve(&solver);
    let limit = before["time_limit_ms"].as_u64().unwrap();
    for st in [&solver, &idle] {
        let left = st.exercise()["time_left_ms"].as_u64().unwrap();
        st.advance(left + 1000);
        let _ = limit;
    }
    let done = solver.exercise();
    assert_eq!(done["finished"], true);
    assert!(
        done["passed"] == true && done["met"] == done["total"],
        "{file}: the scripted student did not get full marks: {done:#}"
    );
    let none = idle.exercise();
    assert_eq!(
        none["met"], 0,
        "{file}: a student who did nothing got marks: {none:#}"
    );
    assert_eq!(none["passed"], false);
    (s, dir)
}

#[test]
fn exercise_failover_on_crash() {
    graded("two-node.yaml", "01-failover-on-crash.yaml", |st| {
        st.advance(120_000);
        st.heal_all();
        st.advance(180_000);
        st.op(json!({"op": "server-start", "server": "server1"}));
        st.advance(120_000);
        st.op(json!({"op": "group-move", "group": "failover1", "target": "server1"}));
        st.advance(60_000);
    });
}

#[test]
fn exercise_partition_with_ping_resolver() {
    graded(
        "two-node.yaml",
        "02-partition-with-ping-resolver.yaml",
        |st| {
            st.advance(180_000);
            st.heal_all();
            st.advance(180_000);
            let view = st.req("GET", "/sim/v1/view", None).body;
            let down: Vec<Value> = view["servers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["status"] != "Online")
                .map(|s| s["name"].clone())
                .collect();
            assert!(!down.is_empty(), "{view:#}");
            for name in &down {
                let _ = st.req(
                    "POST",
                    "/sim/v1/operations",
                    Some(json!({"op": "power", "server": name, "action": "on"})),
                );
            }
            st.advance(180_000);
            for name in &down {
                st.op(json!({"op": "server-start", "server": name}));
            }
            st.advance(180_000);
        },
    );
}

#[test]
fn exercise_monitor_recovery_and_final_action() {
    graded(
        "two-node.yaml",
        "03-monitor-recovery-and-final-action.yaml",
        |st| {
            st.advance(240_000);
            st.heal_all();
            st.advance(120_000);
            let _ = st.req(
                "POST",
                "/sim/v1/operations",
                Some(json!({"op": "monitor-resume", "monitor": "fipw1"})),
            );
            let _ = st.req(
                "POST",
                "/sim/v1/operations",
                Some(json!({"op": "group-start", "group": "failover1"})),
            );
            st.advance(120_000);
        },
    );
}

#[test]
fn exercise_suspend_resume_for_maintenance() {
    graded(
        "two-node.yaml",
        "04-suspend-resume-for-maintenance.yaml",
        |st| {
            st.op(json!({"op": "monitor-suspend", "monitor": "fipw1"}));
            st.advance(30_000);
            st.op(json!({"op": "monitor-resume", "monitor": "fipw1"}));
            st.advance(30_000);
            st.op(json!({"op": "cluster-suspend"}));
            st.advance(30_000);
            st.op(json!({"op": "cluster-resume"}));
            st.advance(30_000);
        },
    );
}

#[test]
fn exercise_timeout_ratio_during_backup() {
    graded(
        "two-node.yaml",
        "05-timeout-ratio-during-backup.yaml",
        |st| {
            st.op(json!({"op": "set-timeout-ratio", "ratio": 3, "duration_ms": 3_600_000}));
            st.advance(10_000);
            st.op(json!({"op": "script-run", "script": "script.sh", "target": "server1"}));
            st.advance(30_000);
            st.op(json!({"op": "reset-timeout-ratio"}));
            st.advance(10_000);
        },
    );
}

#[test]
fn exercise_mirror_recovery() {
    graded("two-node-mirror.yaml", "06-mirror-recovery.yaml", |st| {
        st.advance(120_000);
        st.heal_all();
        st.advance(30_000);
        let _ = st.req(
            "POST",
            "/sim/v1/operations",
            Some(json!({"op": "mirror-recover", "resource": "md1"})),
        );
        st.advance(300_000);
    });
}

#[test]
fn exercise_rolling_restart_without_downtime() {
    graded(
        "two-node.yaml",
        "07-rolling-restart-without-downtime.yaml",
        |st| {
            for (server, other) in [("server1", "server2"), ("server2", "server1")] {
                for g in ["failover1", "failover2"] {
                    let _ = st.req(
                        "POST",
                        "/sim/v1/operations",
                        Some(json!({"op": "group-move", "group": g, "target": other})),
                    );
                    st.advance(60_000);
                }
                st.op(json!({"op": "server-reboot", "server": server}));
                st.advance(300_000);
            }
        },
    );
}

#[test]
fn exercise_reading_the_alert_log() {
    graded("two-node.yaml", "08-reading-the-alert-log.yaml", |st| {
        st.advance(60_000);
        st.op(json!({"op": "monitor-suspend", "monitor": "fipw2"}));
        st.advance(30_000);
    });
}

#[test]
fn the_grades_export_lists_the_solver_and_the_idle_student() {
    let (s, _dir) = graded("two-node.yaml", "08-reading-the-alert-log.yaml", |st| {
        st.op(json!({"op": "monitor-suspend", "monitor": "fipw2"}));
        st.advance(30_000);
    });
    let base = s.run.fleet.first().unwrap().api_url.clone();
    let csv = call(&base, "GET", "/sim/v1/class?format=csv", None, ADMIN).text;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "cluster,holder,exercise,goals_met,goals_total,passed,finished,time_left_s,last_alert"
    );
    assert!(
        lines[1].starts_with("lab-1,,reading the alert log,1,1,true,true,0,"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("lab-2,,reading the alert log,0,1,false,true,0,"),
        "{csv}"
    );
    let junit = call(&base, "GET", "/sim/v1/class?format=junit", None, ADMIN).text;
    assert_eq!(junit.matches("<testsuite ").count(), 2, "{junit}");
    assert_eq!(junit.matches("<failure").count(), 1, "{junit}");
    let rows = call(&base, "GET", "/sim/v1/class", None, ADMIN).body;
    assert_eq!(rows[0]["dashboard"], format!("{base}/"));
}

#[test]
fn a_broken_exercise_is_refused_whole_and_a_running_one_goes_on() {
    let (s, _dir) = fleet("two-node.yaml", 1, &[]);
    let st = Student::of(&s, "lab-1");
    st.advance(60_000);
    let good =
        json!({"exercise": exercise_text("04-suspend-resume-for-maintenance.yaml")}).to_string();
    assert_eq!(
        call(&st.url, "POST", "/sim/v1/exercise", Some(&good), ADMIN).status,
        201
    );
    st.op(json!({"op": "monitor-suspend", "monitor": "fipw1"}));
    let broken = "name: broken\ntime_limit: 5m\nsituation:\n  - {fault: server-crash, server: server9}\ngoals:\n  - {within: 2m, group: nosuch, status: Online}\n  - never: {cluster: true, status: Offline}\n  - {within: 9m, group: failover1, status: Online}\nhints:\n  - {text: look}\n  - {text: x, failed: \"goals[7]\"}\n";
    let r = call(
        &st.url,
        "POST",
        "/sim/v1/exercise",
        Some(&json!({"exercise": broken}).to_string()),
        ADMIN,
    );
    assert_eq!(r.status, 400, "{r:?}");
    let problems: Vec<String> = serde_json::from_value(r.body["problems"].clone()).unwrap();
    let places: Vec<&str> = problems
        .iter()
        .map(|p| p.split(": ").nth(2).unwrap_or(""))
        .collect();
    assert_eq!(
        places,
        [
            "situation[0].server",
            "goals[0].group",
            "goals[1].never",
            "goals[2]",
            "hints[0]",
            "hints[1].failed"
        ],
        "{problems:#?}"
    );
    // Unknown field: one line with its place.
    let r = call(
        &st.url,
        "POST",
        "/sim/v1/exercise",
        Some(&json!({"exercise": "name: x\ntime_limit: 5m\ngoals: []\ncolour: red\n"}).to_string()),
        ADMIN,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.message().contains("colour") && r.message().contains("line"),
        "{r:?}"
    );
    // The running exercise is still the first one, its progress intact.
    let ex = st.exercise();
    assert_eq!(ex["exercise"], "suspend and resume for maintenance");
    st.op(json!({"op": "monitor-resume", "monitor": "fipw1"}));
    st.advance(1000);
    assert_eq!(st.exercise()["goals"][0]["state"], "met");
}

#[test]
fn every_shipped_exercise_checks_and_the_cli_refuses_a_broken_one_with_exit_2() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("exercises"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("exercise")
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        files.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: bad\ntime_limit: 0s\ngoals:\n  - {at: 1m, server: nobody, status: Online}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("exercise")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("bad.yaml: time_limit") && err.contains("bad.yaml: goals[0].server"),
        "{err}"
    );
}

#[test]
fn an_exercise_survives_a_restart_with_state() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fleet.yaml");
    std::fs::write(&f, "admin: {user: teacher, password: s3cret}\nclusters:\n  - name: lab\n    user: alice\n    password: pw\n").unwrap();
    let flags = [
        "--clock",
        "manual",
        "--fleet",
        f.to_str().unwrap(),
        "--state",
        state.path().to_str().unwrap(),
    ];
    let text = exercise_text("08-reading-the-alert-log.yaml");
    {
        let s = start(&flags);
        let st = Student::of(&s, "lab");
        st.advance(60_000);
        let r = call(
            &st.url,
            "POST",
            "/sim/v1/exercise",
            Some(&json!({"exercise": text}).to_string()),
            ADMIN,
        );
        assert_eq!(r.status, 201, "{r:?}");
        st.op(json!({"op": "monitor-suspend", "monitor": "fipw2"}));
        st.advance(1000);
        assert_eq!(st.exercise()["met"], 1);
    }
    let s = start(&flags);
    let st = Student::of(&s, "lab");
    let ex = st.exercise();
    assert_eq!(
        (ex["exercise"].as_str(), ex["met"].as_u64()),
        (Some("reading the alert log"), Some(1)),
        "{ex:#}"
    );
}
