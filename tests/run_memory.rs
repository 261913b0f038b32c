//! A run that keeps only the tail of its log (`Keep::Tail`, what `clustersim run` uses
//! unless an output needs the whole log) judges every expectation exactly as a run
//! that keeps the whole log: same failures, same messages, same log hash (issue #12).

use clustersim::scenario::{self, cli::discover, run_kept, Keep, Outcome};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn same_verdicts(a: &Outcome, b: &Outcome) {
    assert_eq!(a.failures.len(), b.failures.len(), "{}", a.file);
    for (x, y) in a.failures.iter().zip(&b.failures) {
        assert_eq!(
            (&x.what, &x.seen, x.t_ms, x.upto, &x.context),
            (&y.what, &y.seen, y.t_ms, y.upto, &y.context),
            "{}",
            a.file
        );
    }
    assert_eq!(a.digest, b.digest, "{}", a.file);
    assert_eq!(
        a.events_dropped + a.events.len() as u64,
        b.events_dropped + b.events.len() as u64
    );
}

#[test]
fn the_corpus_and_a_failing_scenario_judge_the_same_on_a_tail() {
    let paths = [
        root().join("scenarios"),
        root().join("tests/browser/failing"),
    ];
    let files = discover(&paths).expect("files");
    let mut failing = 0;
    for f in files {
        let sc = scenario::load(&f).expect("loads");
        let all = run_kept(&sc, sc.seed, Keep::All);
        let tail = run_kept(&sc, sc.seed, Keep::Tail);
        same_verdicts(&all, &tail);
        failing += usize::from(!all.passed());
    }
    assert!(failing >= 1, "the failing scenario failed");
}

/// 40 days of a persistent monitor error log far more than the tail keeps; the
/// counts, sequences and a failing count over the whole run come out the same.
#[test]
fn a_long_run_keeps_a_bounded_tail_and_counts_the_whole_log() {
    let text = r#"
name: forty days of a persistent monitor error
end: 40d
steps:
  - {at: 10s, fault: monitor-result, monitor: fipw1, result: error}
expect:
  - {at: 40d, cluster: true, not: Offline}
  - count: {kind: monitor-error, monitor: fipw1}
    at_least: 1
  - count: {kind: monitor-error, monitor: fipw1}
    exactly: 1
  - sequence:
      - {kind: fault-injected}
      - {kind: monitor-error, monitor: fipw1}
      - {kind: fault-healed}
"#;
    let sc = scenario::parse(text, "long.yaml", Path::new(".")).expect("parses");
    let all = run_kept(&sc, 1, Keep::All);
    let tail = run_kept(&sc, 1, Keep::Tail);
    let logged = all.events.len();
    assert!(
        logged > 2 * scenario::runner::RUN_LOG_TAIL,
        "{logged} events"
    );
    assert!(tail.events.len() <= scenario::runner::RUN_LOG_TAIL * 5 / 4);
    assert_eq!(tail.events[..], all.events[logged - tail.events.len()..]);
    same_verdicts(&all, &tail);
    let seen: Vec<&str> = tail.failures.iter().map(|f| f.seen.as_str()).collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.starts_with("28800 happened") && s.ends_with("and 28700 more")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|s| s.contains("no `fault-healed`")),
        "{seen:?}"
    );
}
