//! The X 5.x mirror endpoints against a real server: asynchronous backup and restore
//! pre/post-actions with their status, their effects on the cluster and the mirror, and
//! the answers on a cluster without mirror disks.

mod rest_support;
use rest_support::*;

const MIRROR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/clusters/two-node-mirror.yaml"
);

fn status(s: &Server, kind: &str) -> String {
    let r = s.get(&format!("/api/v1/mirrors/{kind}/status"));
    assert_eq!((r.status, r.code()), (200, 0), "{}", r.text);
    r.body["detail"]["status"]
        .as_str()
        .expect("detail.status")
        .to_string()
}

fn mirror(s: &Server) -> serde_json::Value {
    let v = s.get("/sim/v1/view");
    v.body["mirrors"][0].clone()
}

#[test]
fn backup_without_shutdown_stops_the_cluster_then_post_starts_it_again() {
    let s = manual(&[MIRROR]);
    assert_eq!(status(&s, "backup"), "", "nothing ran yet");
    s.op_ok(
        "/api/v1/mirrors/backup/preaction",
        Some(r#"{"no-shutdown": true}"#),
    );
    assert_eq!(status(&s, "backup"), "running");
    let again = s.post("/api/v1/mirrors/backup/preaction", None);
    assert_eq!(again.code(), 5, "operations are serialised: {}", again.text);
    s.advance(60_000);
    assert_eq!(status(&s, "backup"), "Command succeeded.");
    let c = s.get("/api/v1/cluster");
    assert_eq!(c.body["cluster"]["status"], "Offline", "{}", c.text);
    assert!(s.get("/api/v1/servers").body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == "Offline"));
    s.op_ok(
        "/api/v1/mirrors/backup/postaction",
        Some(r#"{"no-reboot": true}"#),
    );
    s.advance(60_000);
    assert_eq!(status(&s, "backup"), "Command succeeded.");
    let g = s.get("/api/v1/groups/files");
    assert_eq!(g.body["groups"][0]["status"], "Online", "{}", g.text);
    assert_eq!(mirror(&s)["status"], "Normal");
}

#[test]
fn online_backup_splits_the_standby_off_and_post_copies_the_difference() {
    let s = manual(&[MIRROR]);
    s.op_ok(
        "/api/v1/mirrors/backup/preaction",
        Some(r#"{"online": true}"#),
    );
    s.advance(30_000);
    assert_eq!(status(&s, "backup"), "Command succeeded.");
    let m = mirror(&s);
    assert_eq!(m["status"], "Abnormal");
    assert_eq!(m["servers"][1]["status"], "Error", "{m}");
    assert_eq!(m["servers"][1]["color"], "RED");
    let g = s.get("/api/v1/groups/files");
    assert_eq!(
        g.body["groups"][0]["status"], "Online",
        "the service goes on"
    );
    s.op_ok(
        "/api/v1/mirrors/backup/postaction",
        Some(r#"{"online": true}"#),
    );
    s.advance(5_000);
    let m = mirror(&s);
    assert_eq!(m["status"], "Recovering", "{m}");
    assert_eq!(m["recovery"]["mode"], "FAST");
    s.advance(60_000);
    assert_eq!(mirror(&s)["status"], "Normal");
}

#[test]
fn restore_post_copies_everything_unless_skip_copy() {
    let s = manual(&[MIRROR]);
    s.op_ok(
        "/api/v1/mirrors/restore/preaction",
        Some(r#"{"no-shutdown": true, "timeout": 600}"#),
    );
    s.advance(60_000);
    assert_eq!(status(&s, "restore"), "Command succeeded.");
    s.op_ok(
        "/api/v1/mirrors/restore/postaction",
        Some(r#"{"no-reboot": true}"#),
    );
    s.advance(6_000);
    let m = mirror(&s);
    assert_eq!(m["recovery"]["mode"], "NORMAL", "{m}");
    assert_eq!(m["recovery"]["bytes"], 10_737_418_240u64);
    assert_eq!(m["servers"][1]["color"], "YELLOW");
    s.advance(200_000);
    assert_eq!(mirror(&s)["status"], "Normal");

    let s = manual(&[MIRROR]);
    s.op_ok(
        "/api/v1/mirrors/restore/preaction",
        Some(r#"{"no-shutdown": true}"#),
    );
    s.advance(60_000);
    s.op_ok(
        "/api/v1/mirrors/restore/postaction",
        Some(r#"{"no-reboot": true, "skip-copy": true}"#),
    );
    s.advance(6_000);
    let m = mirror(&s);
    assert!(m["recovery"].is_null(), "{m}");
    assert_eq!(m["status"], "Normal");
}

#[test]
fn bad_options_are_refused_and_a_cluster_without_mirrors_says_so() {
    let s = manual(&[MIRROR]);
    let r = s.post(
        "/api/v1/mirrors/backup/preaction",
        Some(r#"{"only-shutdown": true, "only-reboot": true}"#),
    );
    assert_eq!(r.code(), 3, "{}", r.text);
    let r = s.post(
        "/api/v1/mirrors/backup/postaction",
        Some(r#"{"skip-copy": true}"#),
    );
    assert_eq!(r.code(), 3, "{}", r.text);
    let r = s.post(
        "/api/v1/mirrors/restore/preaction",
        Some(r#"{"timeout": "soon"}"#),
    );
    assert_eq!(r.status, 400, "{}", r.text);

    let d = manual(&[]);
    let r = d.post("/api/v1/mirrors/backup/preaction", None);
    assert_eq!(
        (r.code(), r.message()),
        (
            4,
            "There is no mirror disk resource or hybrid disk resource."
        ),
        "{}",
        r.text
    );
    assert_eq!(status(&d, "restore"), "");
    assert!(d.get("/sim/v1/view").body.get("mirrors").is_none());
}
