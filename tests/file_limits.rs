//! Issue #12, files: every command that loads a file refuses one nested past
//! `MAX_YAML_DEPTH` (100,000 `[`) before parsing it, with exit code 2 and a line naming
//! the file and the place; a cluster posted to `/sim/v1/clusters` is refused with 400.

mod rest_support;

use std::path::Path;
use std::process::Command;

fn clustersim(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_loader_refuses_deep_nesting_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("clustersim-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let deep = "[".repeat(100_000);
    let files = [
        ("deep-cluster.yaml", format!("servers: {deep}\n")),
        ("deep-scenario.yaml", format!("name: x\nexpect: {deep}\n")),
        (
            "deep-cluster-ref.yaml",
            "name: x\ncluster: deep-cluster.yaml\nexpect:\n  - {at: 1s, cluster: true, status: Online}\n".into(),
        ),
        ("deep-sweep.yaml", format!("scenario: x.yaml\nfactors: {deep}\n")),
        ("deep-fleet.yaml", format!("clusters: {deep}\n")),
    ];
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let cases: [(&[&str], &str); 7] = [
        (&["validate", "deep-cluster.yaml"], "deep-cluster.yaml: line 1: nested deeper than 64 levels"),
        (&["serve", "deep-cluster.yaml"], "deep-cluster.yaml:1: nested deeper than 64 levels"),
        (&["run", "deep-scenario.yaml"], "deep-scenario.yaml: line 2: nested deeper than 64 levels"),
        (
            &["run", "deep-cluster-ref.yaml"],
            "deep-cluster-ref.yaml: cluster: deep-cluster.yaml: line 1: nested deeper than 64 levels",
        ),
        (&["sweep", "deep-sweep.yaml", "--out", "/dev/null"], "deep-sweep.yaml:2: nested deeper than 64 levels"),
        (&["serve", "--fleet", "deep-fleet.yaml"], "deep-fleet.yaml:1: nested deeper than 64 levels"),
        (
            &["run", "deep-scenario.yaml", "--set", &format!("settings.epoch={deep}")],
            "nested deeper than 64 levels",
        ),
    ];
    for (args, want) in cases {
        let (code, text) = clustersim(&dir, args);
        assert_eq!(code, 2, "{args:?}: {text}");
        assert!(text.contains(want), "{args:?}: {text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_deep_cluster_posted_to_the_fleet_is_refused_with_400() {
    let server = rest_support::start(&["--clock", "manual"]);
    let body =
        serde_json::json!({"name": "deep", "cluster": format!("servers: {}\n", "[".repeat(1_000))});
    let r = server.post("/sim/v1/clusters", Some(&body.to_string()));
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.text.contains("nested deeper than 64 levels"), "{r:?}");
    assert_eq!(server.get("/api/v1/cluster").status, 200);
}
