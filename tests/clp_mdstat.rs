//! `clpmdstat --mirror md1` against a real `serve --clock manual` of the mirror-disk
//! cluster, compared with golden files (`tests/clp_golden/mdstat-*.txt`, `CLP_BLESS=1`
//! records them): the mirror whole, broken by a cut mirror connect, and recovering.

mod rest_support;

use rest_support::manual;
use std::path::PathBuf;

const MIRROR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/clusters/two-node-mirror.yaml"
);

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clp_golden")
        .join(format!("{name}.txt"));
    if std::env::var("CLP_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CLP_BLESS=1 records it)", path.display()));
    assert_eq!(actual, expected, "{name} differs from {}", path.display());
}

fn mdstat(s: &rest_support::Server, args: &[&str]) -> clustersim::clp::Out {
    let base = s.base.clone();
    clustersim::clp::run(
        "clpmdstat",
        args.iter().map(|a| a.to_string()).collect(),
        |k| (k == "CLP_URL").then(|| base.clone()),
    )
}

#[test]
fn whole_broken_and_recovering() {
    let s = manual(&[MIRROR]);
    let out = mdstat(&s, &["--mirror", "md1"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Mirror Status: Normal"));
    golden("mdstat-normal", &out.stdout);

    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"mirror-connect-down","connect":"mdc1","duration_ms":60000}"#),
    );
    s.advance(30_000);
    let out = mdstat(&s, &["-m", "md1"]);
    assert!(
        out.stdout.contains("Mirror Status: Abnormal"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("GREEN"), "{}", out.stdout);
    assert!(out.stdout.contains("RED"), "{}", out.stdout);
    golden("mdstat-broken", &out.stdout);

    s.advance(30_100);
    let out = mdstat(&s, &["-m", "md1"]);
    assert!(
        out.stdout.contains("Mirror Status: Recovering"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("YELLOW"), "{}", out.stdout);
    golden("mdstat-recovering", &out.stdout);

    let bad = mdstat(&s, &["-m", "md9"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("md9"), "{bad:?}");
    assert_eq!(mdstat(&s, &[]).code, 1, "the mirror disk is required");
}
