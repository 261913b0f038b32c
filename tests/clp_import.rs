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
    for (name, text, want) in [("broken.conf", "<root><cluster>", "malformed XML")] {
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

/// A type no document names is never a failure: `validate` exits 0 and lists it as
/// not simulated, with its XML path; `serve` answers for it by name.
#[test]
fn what_is_not_simulated_is_a_warning_and_still_served_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("type.conf");
    std::fs::write(
        &path,
        r#"<root><cluster><name>c</name></cluster><heartbeat><lankhb name="h"/></heartbeat><server name="a"/><server name="b"/><group name="g"><resource name="warp@w"/></group><resource><warp name="w"/></resource><monitor><warpw name="ww"><relation><type>cls</type><name>LocalServer</name></relation></warpw></monitor></root>"#,
    )
    .unwrap();
    let r = bin().arg("validate").arg(&path).output().unwrap();
    assert_eq!(r.status.code(), Some(0), "{r:?}");
    let err = String::from_utf8(r.stderr).unwrap();
    for want in [
        r#"/root/resource/warp[@name="w"]: type `warp` is not simulated"#,
        r#"/root/monitor/warpw[@name="ww"]: type `warpw` is not simulated"#,
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(want) && l.contains(": warning: ")),
            "{want}\n{err}"
        );
    }
    let s = rest_support::start(&[
        &conf("windows-mirror-mdc-devices.conf"),
        "--clock",
        "manual",
    ]);
    let g = s.get("/api/v1/groups/failover");
    assert_eq!(g.body["groups"][0]["current"], "winsv1", "{g:?}");
    for m in ["mdw1", "mdnw1", "fipw1", "userw"] {
        let r = s.get(&format!("/api/v1/monitors/{m}"));
        assert_eq!(r.body["monitors"][0]["name"], m, "{r:?}");
    }
    let md = s.get("/api/v1/resources/md");
    assert_eq!(md.body["resources"][0]["name"], "md", "{md:?}");
}
