//! `clpstat` against a real `clustersim serve --clock manual` of the default cluster,
//! compared with golden files in `tests/clp_golden/`, in the states that matter: all up,
//! server1 crashed (before and after its failover), a group Online Pending, the stopped
//! cluster, a suspended monitor.
//!
//! How the goldens were made:
//! - `all-up-s.txt` and `all-up-g.txt` were written by hand from the reference's
//!   verbatim samples (`../shared/reference/clp-commands-and-config.md`), names
//!   substituted: the default cluster has two kernel-mode LAN heartbeats and a ping
//!   resolver under each server, two groups of two resources, three monitors.
//!   `the_status_view_has_the_reference_samples_structure` also checks the live output
//!   line by line against the sample's columns, so the hand-written files cannot drift
//!   from the sample unnoticed.
//! - every other file follows the same rules (title, `Cluster :`, colon column 21, dot
//!   leaders, status padded to 17 before the type label, `*` on the local server,
//!   `[o]` marks) and was recorded from the command, then read against those rules;
//!   only statuses and owners differ between states. `CLP_BLESS=1` rewrites them.

mod rest_support;

use rest_support::{manual, Server};
use std::path::PathBuf;

/// The reference's `clpstat` sample, verbatim (after the first newline).
const SAMPLE_S: &str = r#"
 ========================  CLUSTER STATUS  ===========================
  Cluster : cluster
  <server>
   *server1 .........: Online
      lanhb1         : Normal           LAN Heartbeat
    server2 .........: Online
      lanhb1         : Normal           LAN Heartbeat
  <group>
    failover1 .......: Online
      current        : server1
      exec1          : Online
  <monitor>
    genw1            : Normal
 =====================================================================
"#;

/// The reference's `clpstat -g` sample, verbatim (after the first newline).
const SAMPLE_G: &str = r#"
 ======================  GROUPMAP INFORMATION  =======================
  Cluster : cluster-x600
   *server0 : 116rhel94
    server1 : 117rhel94
  --------------------------------------------------------------------
    server0 [o] : failover1[o]
    server1 [o] : failover2[o]
 =====================================================================
"#;

pub fn clp(s: &Server, cmd: &str, args: &[&str]) -> clustersim::clp::Out {
    let base = s.base.clone();
    clustersim::clp::run(cmd, args.iter().map(|a| a.to_string()).collect(), |k| {
        (k == "CLP_URL").then(|| base.clone())
    })
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clp_golden")
        .join(format!("{name}.txt"));
    if std::env::var("CLP_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CLP_BLESS=1 records it)", path.display()));
    assert_eq!(actual, expected, "{name} differs from {}", path.display());
}

fn stat(s: &Server, args: &[&str]) -> String {
    let out = clp(s, "clpstat", args);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "clpstat {args:?}");
    out.stdout
}

/// Every view of `clpstat` in one state, as golden files `<state>-<view>.txt`.
fn all_views(s: &Server, state: &str, local: &str) {
    for (view, args) in [
        ("s", vec!["-s"]),
        ("g", vec!["-g"]),
        ("m", vec!["-m"]),
        ("n", vec!["-n"]),
        ("p", vec!["-p"]),
    ] {
        let mut a = args.clone();
        a.extend(["--server", local]);
        golden(&format!("{state}-{view}"), &stat(s, &a));
    }
}

#[test]
fn all_up() {
    let s = manual(&[]);
    all_views(&s, "all-up", "server1");
    assert_eq!(stat(&s, &[]), stat(&s, &["-s"]), "-s is the default view");
    golden("all-up-s-long", &stat(&s, &["--long"]));
    golden("config-i", &stat(&s, &["-i"]));
    let mut parts = String::new();
    for v in ["--cl", "--sv", "--hb", "--np", "--grp", "--rsc", "--mon"] {
        let text = stat(&s, &[v]);
        let body: Vec<&str> = text.lines().collect();
        parts.push_str(&body[..body.len() - 1].join("\n"));
        parts.push('\n');
    }
    parts.push_str(&format!(" {}\n", "=".repeat(69)));
    assert_eq!(parts, stat(&s, &["-i"]), "-i is every configuration view");
    // From server2, the `*` moves and nothing else changes.
    let from2 = stat(&s, &["--server", "server2"]);
    assert_eq!(
        from2,
        stat(&s, &[])
            .replace("   *server1", "    server1")
            .replace("    server2 ..", "   *server2 ..")
    );
}

#[test]
fn server1_crash_before_and_after_failover() {
    let s = manual(&[]);
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server1"}"#),
    );
    s.advance(10_000);
    // server2 has not yet declared server1 down: it still reads Online there.
    golden("crash-before-s", &stat(&s, &["--server", "server2"]));
    s.advance(120_000);
    s.settle();
    all_views(&s, "crash-after", "server2");
    let out = clp(&s, "clpstat", &["--server", "server1"]);
    assert_eq!(out.code, 1, "a powered-off server runs no command: {out:?}");
}

#[test]
fn group_online_pending() {
    let s = manual(&["--seed", "3"]);
    s.op_ok(
        "/api/v1/groups/failover1/move",
        Some(r#"{"target":"server2"}"#),
    );
    let mut seen = false;
    for _ in 0..40 {
        s.advance(250);
        let (status, _) = s.group("failover1");
        if status == "Online Pending" {
            golden("pending-s", &stat(&s, &["-s"]));
            golden("pending-g", &stat(&s, &["-g"]));
            seen = true;
            break;
        }
    }
    assert!(seen, "failover1 never read Online Pending while moving");
}

#[test]
fn stopped_cluster() {
    let s = manual(&[]);
    s.op_ok("/api/v1/cluster/stop", None);
    s.settle();
    s.advance(30_000);
    all_views(&s, "stopped", "server1");
    let text = stat(&s, &[]);
    for line in text.lines().filter(|l| l.contains(": ")) {
        if !line.contains("Cluster :") && !line.contains("current") {
            assert!(line.contains(": Offline"), "{line}");
        }
    }
    assert!(text.contains("      current        : None\n"));
}

#[test]
fn suspended_monitor() {
    let s = manual(&[]);
    let out = clp(&s, "clpmonctrl", &["-s", "-m", "fipw1", "-h", "server1"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "Command succeeded.\n"));
    s.advance(1_000);
    golden("suspended-s", &stat(&s, &["-s"]));
    golden("suspended-m", &stat(&s, &["-m"]));
}

/// Every line of the live `-s` output has the shape of a sample line of the same kind:
/// same indentation, colon column, status column and type-label column.
#[test]
fn the_status_view_has_the_reference_samples_structure() {
    let s = manual(&[]);
    let live = stat(&s, &[]);
    let sample: Vec<&str> = SAMPLE_S[1..].lines().collect();
    let lines: Vec<&str> = live.lines().collect();
    assert_eq!(lines[0], sample[0]);
    assert_eq!(lines.last(), sample.last());
    assert_eq!(lines[1..3], sample[1..3]);
    let shape = |l: &str| {
        (
            l.len() - l.trim_start().len(),
            l.find(" : ").or_else(|| l.find(": ")),
            l.find(" ...").is_some(),
        )
    };
    let server_like = shape(sample[3]);
    let hb_like = shape(sample[4]);
    for l in &lines {
        let t = l.trim_start();
        let kind = if t.starts_with('*') || t.starts_with("server") {
            Some(server_like)
        } else if l.contains("Heartbeat") || l.contains("ping resolution") {
            // the status column and the label column of the sample's heartbeat line
            assert_eq!(l.find("Normal"), sample[4].find("Normal"), "{l}");
            assert_eq!(
                l.find(" Kernel Mode")
                    .map(|i| i + 1)
                    .or(l.find("ping resolution")),
                sample[4].find("LAN Heartbeat"),
                "{l}"
            );
            Some(hb_like)
        } else if t.starts_with("failover") {
            Some(shape(sample[8]))
        } else if t.starts_with("fipw") || t.starts_with("userw") {
            Some(shape(sample[12]))
        } else if t.starts_with("current") || t.starts_with("fip") || t.starts_with("script") {
            Some(shape(sample[9]))
        } else {
            None
        };
        if let Some(k) = kind {
            let mut have = shape(l);
            if k.0 == 3 && have.0 == 4 {
                have.0 = 3; // the mark column of a server that is not local
            }
            assert_eq!(have, k, "{l}");
        }
    }
    // The group map keeps the sample's lines apart from names.
    let g = stat(&s, &["-g"]);
    let sample_g: Vec<&str> = SAMPLE_G[1..].lines().collect();
    let live_g: Vec<&str> = g.lines().collect();
    assert_eq!(live_g.len(), sample_g.len());
    assert_eq!(live_g[0], sample_g[0]);
    assert_eq!(live_g[4], sample_g[4]);
    assert_eq!(live_g[7], sample_g[7]);
    assert_eq!(live_g[5], sample_g[5]);
    assert_eq!(live_g[6], sample_g[6]);
}

/// #26: `-h HOST` asks another server, as the product's `clpstat -h`; a command run as a
/// server that is down names it and says how to pick another; `--help`, `--detail`.
#[test]
fn h_host_help_detail_and_a_down_server_named() {
    let s = manual(&[]);
    assert_eq!(
        stat(&s, &["-h", "server2"]),
        stat(&s, &["--server", "server2"])
    );
    let out = clp(&s, "clpstat", &["-h", "server9"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            1,
            "Invalid server name. Specify a valid server name in the cluster.\n"
        )
    );
    assert!(stat(&s, &["--help"]).starts_with("Usage: clpstat"));
    assert_eq!(stat(&s, &["-i", "--detail"]), stat(&s, &["-i"]));
    assert_eq!(stat(&s, &["--sv", "--detail"]), stat(&s, &["--sv"]));
    assert_eq!(clp(&s, "clpstat", &["-g", "--detail"]).code, 1);
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server1"}"#),
    );
    s.advance(130_000);
    let out = clp(&s, "clpstat", &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("The server server1 is powered off or hung")
            && out.stderr.contains("clpstat -h HOST")
            && out.stderr.contains("CLP_SERVER=HOST"),
        "{out:?}"
    );
    // As the message says: ask server2.
    assert!(stat(&s, &["-h", "server2"]).contains("*server2"));
}
