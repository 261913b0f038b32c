//! `clustersim import` and the commands that accept a clp.conf directly, run as the
//! built binary or through `serve`, with the clp.conf files written for this project.

mod rest_support;

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clustersim"))
}

fn conf(name: &str) -> String {
    format!("{}/tests/clp_conf/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn import_writes_a_cluster_file_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("three.yaml");
    let r = bin()
        .args(["import", &conf("three-node.conf"), "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{r:?}");
    let stderr = String::from_utf8(r.stderr).unwrap();
    assert!(
        stderr.lines().all(|l| l.contains(": warning: /root")),
        "{stderr}"
    );
    assert!(stderr.contains("firstmonwait"), "{stderr}");
    let v = bin().arg("validate").arg(&out).output().unwrap();
    assert_eq!(
        String::from_utf8(v.stdout).unwrap(),
        format!(
            "{}: ok (3 servers, 3 groups, 7 resources, 5 monitors)\n",
            out.display()
        )
    );
    // validate takes the clp.conf itself too, with the same summary.
    let v = bin()
        .args(["validate", &conf("three-node.conf")])
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8(v.stdout)
        .unwrap()
        .ends_with(": ok (3 servers, 3 groups, 7 resources, 5 monitors)\n"));
}

#[test]
fn bad_clp_conf_files_exit_2_with_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        ("broken.conf", "<root><cluster>", "malformed XML"),
        (
            "type.conf",
            r#"<root><cluster><name>c</name></cluster><heartbeat><lankhb name="h"/></heartbeat><server name="a"/><server name="b"/><group name="g"><resource name="warp@w"/></group><resource><warp name="w"/></resource></root>"#,
            r#"/root/resource/warp[@name="w"]: unknown resource type `warp`"#,
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        for cmd in ["import", "validate"] {
            let r = bin().arg(cmd).arg(&path).output().unwrap();
            assert_eq!(r.status.code(), Some(2), "{cmd} {name}: {r:?}");
            let err = String::from_utf8(r.stderr).unwrap();
            assert!(err.lines().any(|l| l.contains(want)), "{cmd} {name}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

#[test]
fn serve_runs_a_clp_conf_and_the_api_shows_its_objects() {
    let s = rest_support::start(&[&conf("two-node-fip.conf"), "--clock", "manual"]);
    let servers = s.get("/api/v1/servers");
    assert_eq!(servers.body["servers"][0]["name"], "node1", "{servers:?}");
    let g = s.get("/api/v1/groups/web");
    assert_eq!(g.body["groups"][0]["current"], "node1");
    assert_eq!(g.body["groups"][0]["resources"][1]["name"], "webapp");
    let m = s.get("/api/v1/monitors/fipw1");
    assert_eq!(m.body["monitors"][0]["status"], "Normal");
    let v = s.get("/sim/v1/view?server=node2");
    assert_eq!(v.body["heartbeats"][0]["name"], "lankhb1");
    assert_eq!(v.body["resolvers"][0]["name"], "pingnp1");
    assert_eq!(v.body["observer"], "node2");
    let unknown = s.get("/sim/v1/view?server=zz");
    assert_eq!(unknown.status, 400);
}
