//! The jobs of `clustersim run` (one scenario under one seed each) on worker threads.
//! A finished job is reduced at once to what the command prints: its verdict, its
//! failure text, its JUnit pieces. Only the first seed of each scenario keeps its
//! outcome (for `--events`, `--report`, `--explain`), so `--seeds N` costs a constant
//! amount per run and long runs keep a bounded tail of their log (issue #12).

use super::explain::event_line;
use super::file::Scenario;
use super::runner::{run_kept, Keep, Outcome};
use super::timeline::fmt_secs;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// One failing run: its seed and what the command prints of it.
pub(super) struct Bad {
    pub seed: u64,
    /// Failure details as printed under the scenario's line.
    pub details: String,
    /// The events before each failure, for JUnit's `system-out`.
    pub last_events: String,
}

/// What the runs of one scenario leave behind: constant per passing run (nothing, or
/// a JUnit entry when asked for), the failures, and the first seed's outcome.
#[derive(Default)]
pub(super) struct ScenarioRuns {
    pub runs: u64,
    pub wall: Duration,
    /// Failing runs by seed index (`k`: the scenario's seed + k).
    pub bad: BTreeMap<u64, Bad>,
    /// The first seed's run.
    pub first: Option<Outcome>,
    /// Per run (seed index, seed, wall): only when JUnit is written.
    pub junit: Vec<(u64, u64, Duration)>,
}

/// What the command needs of the runs.
#[derive(Clone, Copy)]
pub(super) struct JobOpts {
    pub threads: usize,
    pub determinism: bool,
    /// Whole logs for the first seed of each scenario (`--events`, `--report`, `--explain`).
    pub first_keeps_all: bool,
    /// Seeds per scenario: the scenario's base seed and the ones after it.
    pub seeds: u64,
    pub junit: bool,
}

/// Runs every scenario under `o.seeds` seeds from its base seed (`bases[i]`) on worker
/// threads; job k is scenario `k / seeds` under seed index `k % seeds`.
pub(super) fn run_jobs(scenarios: &[Scenario], bases: &[u64], o: JobOpts) -> Vec<ScenarioRuns> {
    let total = scenarios.len() as u64 * o.seeds;
    let threads = (o.threads as u64).clamp(1, total.max(1)) as usize;
    let next = AtomicU64::new(0);
    let runs: Mutex<Vec<ScenarioRuns>> =
        Mutex::new(scenarios.iter().map(|_| ScenarioRuns::default()).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let job = next.fetch_add(1, Ordering::Relaxed);
                if job >= total {
                    break;
                }
                let (i, k) = ((job / o.seeds) as usize, job % o.seeds);
                let seed = bases[i].wrapping_add(k);
                let keep = if k == 0 && o.first_keeps_all {
                    Keep::All
                } else {
                    Keep::Tail
                };
                let (outcome, nondeterminism) = run_job(&scenarios[i], seed, keep, o.determinism);
                let mut all = runs.lock().unwrap_or_else(|p| p.into_inner());
                all[i].add(k, outcome, nondeterminism, o.junit);
            });
        }
    });
    runs.into_inner().unwrap_or_else(|p| p.into_inner())
}

impl ScenarioRuns {
    /// Folds in run `k`; keeps the outcome only for k = 0.
    fn add(&mut self, k: u64, outcome: Outcome, nondeterminism: Option<String>, junit: bool) {
        self.runs += 1;
        self.wall += outcome.wall;
        if junit {
            self.junit.push((k, outcome.seed, outcome.wall));
        }
        if !outcome.passed() || nondeterminism.is_some() {
            let bad = Bad {
                seed: outcome.seed,
                details: failure_details(&outcome, nondeterminism.as_deref()),
                last_events: last_events(&outcome),
            };
            self.bad.insert(k, bad);
        }
        if k == 0 {
            self.first = Some(outcome);
        }
    }
}

fn run_job(sc: &Scenario, seed: u64, keep: Keep, det: bool) -> (Outcome, Option<String>) {
    let outcome = guarded_run(sc, seed, keep);
    let nondeterminism = if det {
        let again = guarded_run(sc, seed, keep);
        compare(&outcome, &again)
    } else {
        None
    };
    (outcome, nondeterminism)
}

/// Runs a scenario; an engine panic becomes a failed run instead of ending the command.
fn guarded_run(sc: &Scenario, seed: u64, keep: Keep) -> Outcome {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_kept(sc, seed, keep))) {
        Ok(o) => o,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Outcome {
                file: sc.file.clone(),
                name: sc.name.clone(),
                description: sc.description.clone(),
                seed,
                end_ms: 0,
                wall: Default::default(),
                failures: vec![super::runner::Failure {
                    what: format!("scenario `{}` runs to its end", sc.name),
                    seen: format!("the engine panicked: {}", super::error::one_line(&msg)),
                    t_ms: 0,
                    upto: 0,
                    context: Vec::new(),
                }],
                events: Vec::new(),
                events_dropped: 0,
                digest: 0,
                model: sc.model.clone(),
                step_times: vec![None; sc.steps.len()],
                engine_steps: 0,
            }
        }
    }
}

/// The first difference between two runs of the same scenario and seed.
pub fn compare(a: &Outcome, b: &Outcome) -> Option<String> {
    let model = &a.model;
    if a.events_dropped == b.events_dropped {
        for (i, (x, y)) in a.events.iter().zip(&b.events).enumerate() {
            if x != y {
                return Some(format!(
                    "event #{} differs: first run {} / second run {}",
                    a.events_dropped + i as u64,
                    x.to_json(model),
                    y.to_json(model)
                ));
            }
        }
    }
    let (na, nb) = (
        a.events_dropped + a.events.len() as u64,
        b.events_dropped + b.events.len() as u64,
    );
    if na != nb {
        return Some(format!("first run logged {na} events, second run {nb}"));
    }
    if a.digest != b.digest {
        return Some(format!(
            "an event before #{} differs (the logs' hashes differ)",
            a.events_dropped
        ));
    }
    if a.failures != b.failures {
        return Some("the two runs judged the expectations differently".into());
    }
    None
}

fn failure_details(o: &Outcome, nondeterminism: Option<&str>) -> String {
    let mut s = String::new();
    for f in &o.failures {
        s.push_str(&format!(
            "      expected: {}\n      seen:     {}\n",
            f.what, f.seen
        ));
        s.push_str(&format!("      last events before {}:\n", fmt_secs(f.t_ms)));
        if f.context.is_empty() {
            s.push_str("        (none)\n");
        }
        for e in &f.context {
            s.push_str(&format!("        {}\n", event_line(&o.model, e)));
        }
    }
    if let Some(d) = nondeterminism {
        s.push_str(&format!("      not deterministic: {d}\n"));
    }
    s
}

/// The events before each failure of a run, for JUnit's `system-out`.
fn last_events(o: &Outcome) -> String {
    let mut s = String::new();
    for f in &o.failures {
        s.push_str(&format!(
            "last events before {} ({}):\n",
            fmt_secs(f.t_ms),
            f.what
        ));
        for e in &f.context {
            s.push_str(&format!("  {}\n", event_line(&o.model, e)));
        }
    }
    s
}
