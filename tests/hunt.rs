//! `clustersim hunt` through the built binary: on a two-node cluster without a
//! network-partition resolver it finds a double activation and shrinks it to one fault,
//! and the scenario it writes fails its expectation under `clustersim run`; on the
//! default cluster crashes alone break nothing; the same seed prints the same bytes;
//! shards merge into the unsharded output; bad input is one line and exit 2.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clustersim"));
    c.current_dir(root());
    c
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const NO_RESOLVER: &str = "scenarios/clusters/two-node-no-resolver.yaml";

#[test]
fn finds_and_shrinks_a_double_activation_without_a_resolver() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cex.yaml");
    let run = |o: &std::path::Path| {
        bin()
            .args([
                "hunt",
                NO_RESOLVER,
                "--property",
                "never both-active",
                "--budget",
                "2000",
                "--seed",
                "7",
                "--quiet",
            ])
            .arg("--out")
            .arg(o)
            .output()
            .unwrap()
    };
    let a = run(&out);
    assert_eq!(a.status.code(), Some(1), "{}", text(&a));
    let stdout = String::from_utf8_lossy(&a.stdout);
    assert!(stdout.contains("shrunk to 1 fault(s)"), "{stdout}");
    assert!(stdout.contains("Online on server1, server2"), "{stdout}");
    let scenario = std::fs::read_to_string(&out).unwrap();
    assert_eq!(scenario.matches("label: fault").count(), 1, "{scenario}");
    // The written scenario fails its expectation under `run`.
    let r = bin().arg("run").arg(&out).output().unwrap();
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(
        String::from_utf8_lossy(&r.stdout).contains("online_on_servers")
            || String::from_utf8_lossy(&r.stdout).contains("Online on 2 or more servers"),
        "{}",
        text(&r)
    );
    // Same seed, same bytes (another thread count too).
    let out2 = dir.path().join("cex2.yaml");
    let b = bin()
        .args([
            "hunt",
            NO_RESOLVER,
            "--property",
            "never both-active",
            "--budget",
            "2000",
            "--seed",
            "7",
            "--quiet",
            "--jobs",
            "1",
        ])
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&a.stdout).replace("cex.yaml", "X"),
        String::from_utf8_lossy(&b.stdout).replace("cex2.yaml", "X")
    );
    assert_eq!(scenario, std::fs::read_to_string(&out2).unwrap());
}

#[test]
fn crashes_alone_never_double_activate_the_default_cluster() {
    let o = bin()
        .args([
            "hunt",
            "--property",
            "never both-active",
            "--kinds",
            "server-crash",
            "--faults",
            "2",
            "--budget",
            "3000",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("none: no schedule of the 3000 tried"),
        "{}",
        text(&o)
    );
}

#[test]
fn shards_merge_into_the_unsharded_output() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        NO_RESOLVER,
        "--property",
        "never both-active",
        "--budget",
        "500",
        "--seed",
        "3",
        "--quiet",
        "--kinds",
        "server-hang,heartbeat-path-down,partition",
    ];
    let whole = bin().arg("hunt").args(args).output().unwrap();
    let mut parts = Vec::new();
    for i in 0..3 {
        let p = dir.path().join(format!("part-{i}.json"));
        let o = bin()
            .arg("hunt")
            .args(args)
            .args(["--shard", &format!("{i}/3")])
            .arg("--out")
            .arg(&p)
            .output()
            .unwrap();
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
        parts.push(p);
    }
    let merged = bin().args(["hunt", "merge"]).args(&parts).output().unwrap();
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{}",
        text(&merged)
    );
    assert_eq!(
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&whole.stdout)
    );
    let missing = bin()
        .args(["hunt", "merge"])
        .args(&parts[..2])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
}

#[test]
fn bad_input_is_one_line_with_its_place() {
    let cases: &[(&[&str], &str)] = &[
        (&["--property", "never both-activ"], "--property column 7"),
        (
            &["--property", "group nope Online within 2m since any fault"],
            "--property column 7",
        ),
        (
            &[
                "--property",
                "never both-active",
                "--kinds",
                "server-crash,meteor",
            ],
            "--kinds",
        ),
        (
            &["--property", "never both-active", "--targets", "server9"],
            "--targets",
        ),
        (
            &["--property", "never both-active", "--budget", "0"],
            "--budget",
        ),
        (
            &["--property", "{never: {group: nope, online_on_servers: 2}}"],
            "--property: expect.never.group",
        ),
    ];
    for (args, place) in cases {
        let o = bin().arg("hunt").args(*args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(place), "{args:?}: {err}");
    }
}
