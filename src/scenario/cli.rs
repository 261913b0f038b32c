//! `clustersim run PATH...`: loads scenario files (a file, or every `*.yaml` under a
//! folder except `clusters/`), runs them in parallel, prints one line per scenario and
//! the details of each failure. Exit code 0: all passed; 1: a scenario failed; 2: a
//! scenario file is broken or the command line is wrong.

use super::error::ScenarioError;
use super::explain::{event_line, narrative};
use super::file::{load, Scenario};
use super::junit;
use super::report;
use super::runner::{run, Outcome};
use super::timeline::{fmt_ms, fmt_secs, Action};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// How many events before a failure to show.
const LAST_EVENTS: usize = 8;

use crate::cli::color::{verdict, ColorChoice};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Scenario files, or folders to search for `*.yaml` (their `clusters/` is skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Run with this seed instead of each scenario's own.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write JUnit XML for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the event log as JSON lines (one scenario only).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Run each scenario twice and fail on the first differing event.
    #[arg(long)]
    pub check_determinism: bool,
    /// Run each scenario under N seeds (its seed and the N-1 following) and report which fail.
    #[arg(long, value_name = "N")]
    pub seeds: Option<u64>,
    /// Print why each failover, failback, recovery and final action happened.
    #[arg(long)]
    pub explain: bool,
    /// Write a self-contained HTML report with timelines and failover metrics.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Override a setting of the scenarios' cluster (`key=value`, repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Colour PASS/FAIL: on a terminal unless NO_COLOR is set (auto), always, or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// Runs the command, printing to stdout; returns the exit code.
pub fn run_cli(args: RunArgs) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    run_to(&args, &mut out)
}

/// The scenario files named by `paths`, sorted; folders are searched recursively.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = files.len();
            walk(p, &mut files).map_err(|e| format!("{}: cannot read folder: {e}", p.display()))?;
            if files.len() == before {
                return Err(format!(
                    "{}: no scenario files (*.yaml) in this folder",
                    p.display()
                ));
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "clusters") {
                continue;
            }
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The result of one job: one scenario under one seed.
struct JobResult {
    scenario: usize,
    outcome: Outcome,
    /// The determinism check's finding, if it found a difference.
    nondeterminism: Option<String>,
}

/// Loads, runs and reports; writes the human output to `out`. Returns the exit code.
pub fn run_to(args: &RunArgs, out: &mut dyn Write) -> i32 {
    let files = match discover(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            return 2;
        }
    };
    if args.seeds == Some(0) {
        let _ = writeln!(out, "error: --seeds needs at least 1");
        return 2;
    }
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut broken: Vec<ScenarioError> = Vec::new();
    for f in &files {
        match load(f) {
            Ok(s) => scenarios.push(s),
            Err(e) => broken.push(e),
        }
    }
    if let Err(e) = crate::set::set_scenarios(&mut scenarios, &args.set) {
        let _ = writeln!(out, "error: {e}");
        return 2;
    }
    if args.events.is_some() && files.len() != 1 {
        let _ = writeln!(
            out,
            "error: --events writes the log of one scenario; {} were given",
            files.len()
        );
        return 2;
    }

    // Jobs: every scenario under every seed asked for.
    let mut jobs: Vec<(usize, u64)> = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        let base = args.seed.unwrap_or(s.seed);
        for k in 0..args.seeds.unwrap_or(1) {
            jobs.push((i, base.wrapping_add(k)));
        }
    }
    let started = Instant::now();
    let timestamp = junit::iso8601(std::time::SystemTime::now());
    let results = run_jobs(&scenarios, &jobs, args);
    let wall = started.elapsed();

    // One line per scenario, failures in detail.
    let colour = args.color.for_stdout();
    let mut failed = 0;
    let mut cases = Vec::new();
    for e in &broken {
        let _ = writeln!(out, "BROKEN {e}");
        cases.push(junit::Case {
            name: e.file.clone(),
            file: e.file.clone(),
            seed: None,
            seconds: 0.0,
            failure: None,
            error: Some(e.to_string()),
            system_out: None,
        });
    }
    for (i, sc) in scenarios.iter().enumerate() {
        let mine: Vec<&JobResult> = results.iter().filter(|r| r.scenario == i).collect();
        let bad: Vec<&JobResult> = mine.iter().copied().filter(|r| !job_passed(r)).collect();
        let first = mine[0];
        let wall_ms: f64 = mine
            .iter()
            .map(|r| r.outcome.wall.as_secs_f64() * 1000.0)
            .sum();
        let seeds = if mine.len() > 1 {
            format!("  {} seeds", mine.len())
        } else {
            format!("  seed {}", first.outcome.seed)
        };
        let word = verdict(if bad.is_empty() { "PASS" } else { "FAIL" }, colour);
        let _ = writeln!(
            out,
            "{word}  virtual {:>5}  wall {:>6.1}ms{seeds}  {}  ({})",
            fmt_ms(first.outcome.end_ms),
            wall_ms,
            sc.file,
            sc.name
        );
        if !bad.is_empty() {
            failed += 1;
            if mine.len() > 1 {
                let list: Vec<String> = bad.iter().map(|r| r.outcome.seed.to_string()).collect();
                let _ = writeln!(
                    out,
                    "      failing seeds: {} (replay: clustersim run {} --seed {})",
                    list.join(", "),
                    sc.file,
                    bad[0].outcome.seed
                );
            }
            let _ = write!(out, "{}", failure_details(bad[0]));
        }
        for r in &mine {
            cases.push(junit::Case {
                name: if mine.len() > 1 {
                    format!("{} (seed {})", sc.name, r.outcome.seed)
                } else {
                    sc.name.clone()
                },
                file: sc.file.clone(),
                seed: Some(r.outcome.seed),
                seconds: r.outcome.wall.as_secs_f64(),
                failure: (!job_passed(r)).then(|| failure_details(r)),
                error: None,
                system_out: (!job_passed(r)).then(|| last_events(r)),
            });
        }
        if args.explain {
            let _ = writeln!(out, "      why, in seed {}:", first.outcome.seed);
            let lines = narrative(&first.outcome.model, &first.outcome.events);
            if lines.is_empty() {
                let _ = writeln!(
                    out,
                    "        (no move, failover, failback, recovery or final action happened)"
                );
            }
            for l in lines {
                let _ = writeln!(out, "        {l}");
            }
        }
    }
    let _ = writeln!(
        out,
        "{} scenario(s): {} passed, {failed} failed, {} broken; {} run(s) in {:.2}s wall",
        scenarios.len() + broken.len(),
        scenarios.len() - failed,
        broken.len(),
        results.len(),
        wall.as_secs_f64()
    );

    let mut code = if !broken.is_empty() {
        2
    } else if failed > 0 {
        1
    } else {
        0
    };
    let mut write_file = |path: &Path, text: String, out: &mut dyn Write| {
        // Create the folder too: `--junit target/x.xml` works in a fresh clone.
        let made = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => std::fs::create_dir_all(dir),
            None => Ok(()),
        };
        if let Err(e) = made.and_then(|_| std::fs::write(path, text)) {
            let _ = writeln!(out, "error: cannot write {}: {e}", path.display());
            code = 2;
        }
    };
    if let (Some(path), Some(r)) = (&args.events, results.first()) {
        let mut text = String::new();
        for e in &r.outcome.events {
            text.push_str(&e.to_json(&r.outcome.model).to_string());
            text.push('\n');
        }
        write_file(path, text, out);
    }
    if let Some(path) = &args.junit {
        let xml = junit::render(&cases, &timestamp, wall.as_secs_f64());
        write_file(path, xml, out);
    }
    if let Some(path) = &args.report {
        let mut pages = Vec::new();
        for (i, sc) in scenarios.iter().enumerate() {
            if let Some(r) = results.iter().find(|r| r.scenario == i) {
                let texts = sc.expectations.iter().map(|x| x.text.clone()).collect();
                pages.push((r.outcome.clone(), step_marks(sc, &r.outcome), texts));
            }
        }
        write_file(path, report::render(&pages), out);
    }
    code
}

fn job_passed(r: &JobResult) -> bool {
    r.outcome.passed() && r.nondeterminism.is_none()
}

/// The steps that ran, as report marks.
fn step_marks(sc: &Scenario, o: &Outcome) -> Vec<report::Mark> {
    let mut marks: Vec<report::Mark> = sc
        .steps
        .iter()
        .filter_map(|s| {
            let t = o.step_times.get(s.index).copied().flatten()?;
            let kind = match s.action {
                Action::Inject(_) => "fault",
                Action::Heal { .. } => "heal",
                Action::Operate(_) => "op",
            };
            Some((t, s.text.clone(), kind))
        })
        .collect();
    // Faults that ended by their own `duration`.
    for e in o
        .events
        .iter()
        .filter(|e| e.kind == crate::sim::EventKind::FaultHealed)
    {
        if !marks.iter().any(|m| m.0 == e.t_ms && m.2 == "heal") {
            let what = e.reason.clone().unwrap_or_else(|| "a fault".into());
            marks.push((e.t_ms, format!("{what} healed"), "heal"));
        }
    }
    marks.sort_by_key(|m| m.0);
    marks
}

fn failure_details(r: &JobResult) -> String {
    let o = &r.outcome;
    let mut s = String::new();
    if o.failures.is_empty() && r.nondeterminism.is_none() {
        return s;
    }
    for f in &o.failures {
        s.push_str(&format!(
            "      expected: {}\n      seen:     {}\n",
            f.what, f.seen
        ));
        let from = f.upto.saturating_sub(LAST_EVENTS);
        s.push_str(&format!("      last events before {}:\n", fmt_secs(f.t_ms)));
        if f.upto == 0 {
            s.push_str("        (none)\n");
        }
        for e in &o.events[from..f.upto.min(o.events.len())] {
            s.push_str(&format!("        {}\n", event_line(&o.model, e)));
        }
    }
    if let Some(d) = &r.nondeterminism {
        s.push_str(&format!("      not deterministic: {d}\n"));
    }
    s
}

/// The events before each failure of a run, for JUnit's `system-out`.
fn last_events(r: &JobResult) -> String {
    let o = &r.outcome;
    let mut s = String::new();
    for f in &o.failures {
        let from = f.upto.saturating_sub(LAST_EVENTS);
        s.push_str(&format!(
            "last events before {} ({}):\n",
            fmt_secs(f.t_ms),
            f.what
        ));
        for e in &o.events[from..f.upto.min(o.events.len())] {
            s.push_str(&format!("  {}\n", event_line(&o.model, e)));
        }
    }
    s
}

/// Runs the jobs on worker threads; results come back in job order.
fn run_jobs(scenarios: &[Scenario], jobs: &[(usize, u64)], args: &RunArgs) -> Vec<JobResult> {
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<JobResult>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(i, seed)) = jobs.get(k) else { break };
                let r = run_job(&scenarios[i], i, seed, args.check_determinism);
                slots.lock().unwrap_or_else(|p| p.into_inner())[k] = Some(r);
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

fn run_job(sc: &Scenario, i: usize, seed: u64, determinism: bool) -> JobResult {
    let outcome = guarded_run(sc, seed);
    let nondeterminism = if determinism {
        let again = guarded_run(sc, seed);
        compare(&outcome, &again)
    } else {
        None
    };
    JobResult {
        scenario: i,
        outcome,
        nondeterminism,
    }
}

/// Runs a scenario; an engine panic becomes a failed run instead of ending the command.
fn guarded_run(sc: &Scenario, seed: u64) -> Outcome {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(sc, seed))) {
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
                }],
                events: Vec::new(),
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
    for (i, (x, y)) in a.events.iter().zip(&b.events).enumerate() {
        if x != y {
            return Some(format!(
                "event #{i} differs: first run {} / second run {}",
                x.to_json(model),
                y.to_json(model)
            ));
        }
    }
    if a.events.len() != b.events.len() {
        return Some(format!(
            "first run logged {} events, second run {}",
            a.events.len(),
            b.events.len()
        ));
    }
    if a.failures != b.failures {
        return Some("the two runs judged the expectations differently".into());
    }
    None
}
