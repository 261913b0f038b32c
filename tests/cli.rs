//! The `clustersim` binary as a user runs it: exit codes, output lines, JSON.

use serde_json::Value;
use std::process::{Command, Output};

fn clustersim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// Validates a broken fixture: exit code 2, nothing on stdout, and one line per problem
/// on stderr, each naming the file. Returns the lines.
fn problems(fixture: &str) -> Vec<String> {
    let path = format!("tests/fixtures/{fixture}");
    let out = clustersim(&["validate", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{fixture}: {stderr}");
    assert!(out.stdout.is_empty(), "{fixture}: {}", text(&out.stdout));
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<String> = stderr.lines().map(str::to_string).collect();
    assert!(!lines.is_empty(), "{fixture}: no problem reported");
    for l in &lines {
        assert!(l.starts_with(&format!("{path}: ")), "{l}");
    }
    lines
}

#[test]
fn malformed_yaml_names_the_line() {
    let lines = problems("malformed.yaml");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("line 6"), "{lines:?}");
}

#[test]
fn unknown_server_in_a_policy_is_named() {
    let lines = problems("unknown-server-in-policy.yaml");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("groups[0].servers"), "{lines:?}");
    assert!(lines[0].contains("server3"), "{lines:?}");
}

#[test]
fn dependency_cycle_is_reported() {
    let lines = problems("dependency-cycle.yaml");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("cycle"), "{lines:?}");
}

#[test]
fn each_duplicate_name_is_its_own_line() {
    let lines = problems("duplicate-names.yaml");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("duplicate name `server1`")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("duplicate name `failover1`")),
        "{lines:?}"
    );
}

#[test]
fn more_than_32_servers_need_the_lift() {
    let lines = problems("too-many-servers.yaml");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("33 servers"), "{lines:?}");
    assert!(lines[0].contains("lift_product_limits"), "{lines:?}");
}

#[test]
fn bad_duration_is_explained() {
    let lines = problems("bad-duration.yaml");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("unknown unit `x`"), "{lines:?}");
}

#[test]
fn independent_problems_are_all_reported() {
    let lines = problems("two-problems.yaml");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("server9")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("monitors[0].target")),
        "{lines:?}"
    );
}

#[test]
fn unreadable_file_exits_2() {
    let out = clustersim(&["validate", "tests/fixtures/no-such-file.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("tests/fixtures/no-such-file.yaml: cannot read the file"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn default_config_round_trips_through_validate() {
    let out = clustersim(&["default-config"]);
    assert!(out.status.success());
    let yaml = text(&out.stdout);
    assert!(yaml.contains("failover1") && yaml.contains("pingnp1"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let p = path.to_str().unwrap();
    let out = clustersim(&["validate", p]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{p}: ok (2 servers, 2 groups, 4 resources, 3 monitors)\n")
    );
}

#[test]
fn one_bad_file_among_good_ones_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, text(&clustersim(&["default-config"]).stdout)).unwrap();
    let out = clustersim(&[
        "validate",
        good.to_str().unwrap(),
        "tests/fixtures/dependency-cycle.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert_eq!(text(&out.stderr).lines().count(), 1);
}

#[test]
fn bad_flags_exit_2() {
    assert_eq!(clustersim(&["validate"]).status.code(), Some(2));
    let out = clustersim(&["bench", "--duration", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no unit"),
        "{}",
        text(&out.stderr)
    );
    let out = clustersim(&[
        "bench",
        "--servers",
        "2",
        "--heartbeat-interval",
        "3s",
        "--heartbeat-timeout",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("must be longer than the interval"),
        "{}",
        text(&out.stderr)
    );
}

fn bench(args: &[&str]) -> Value {
    let mut all = vec!["bench"];
    all.extend_from_slice(args);
    let out = clustersim(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    serde_json::from_str(&stdout).expect("one JSON line")
}

#[test]
fn bench_prints_one_json_line_with_the_figures() {
    let args = [
        "--servers",
        "6",
        "--groups",
        "3",
        "--resources-per-group",
        "3",
        "--monitors-per-group",
        "2",
        "--heartbeat-interval",
        "1s",
        "--duration",
        "20m",
        "--fault-every",
        "2m",
        "--seed",
        "7",
    ];
    let r = bench(&args);
    assert_eq!(r["servers"], 6);
    assert_eq!(r["groups"], 3);
    assert_eq!(r["resources"], 9);
    assert_eq!(r["monitors"], 6);
    assert_eq!(r["sim_ms"], 20 * 60_000);
    assert!(r["events"].as_u64().unwrap() > 0);
    assert!(r["log_events"].as_u64().unwrap() > 0);
    assert_eq!(
        r["faults_injected"].as_u64().unwrap() + r["faults_refused"].as_u64().unwrap(),
        9
    );
    let wall = r["wall_ms"].as_f64().unwrap();
    let speedup = r["speedup"].as_f64().unwrap();
    assert!(wall > 0.0 && speedup > 0.0, "{r}");
    assert!(
        (speedup - 20.0 * 60_000.0 / wall).abs() <= 0.01 * speedup + 0.001,
        "{r}"
    );
    assert!(r["events_per_sec"].as_f64().unwrap() > 0.0);

    // Same seed, same run: everything but the wall-clock figures repeats.
    let again = bench(&args);
    for k in [
        "events",
        "log_events",
        "faults_injected",
        "faults_refused",
        "restarts_requested",
        "restarts_refused",
    ] {
        assert_eq!(r[k], again[k], "{k}");
    }
}
