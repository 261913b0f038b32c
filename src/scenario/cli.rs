//! `clustersim run PATH...`: loads scenario files (a file, or every `*.yaml` under a
//! folder except `clusters/`), runs them in parallel, prints one line per scenario and
//! the details of each failure. Exit code 0: all passed; 1: a scenario failed; 2: a
//! scenario file is broken or the command line is wrong.

use super::error::ScenarioError;
use super::explain::narrative;
use super::file::{load, Scenario};
use super::jobs::{run_jobs, Bad, JobOpts, ScenarioRuns};
use super::junit;
use super::report;
use super::runner::Outcome;
use super::timeline::{fmt_ms, Action};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// The scenarios a command line names, loaded: the ones that parsed (with `--set`
/// applied) and the broken files, reported as BROKEN lines rather than stopping the run.
struct Loaded {
    scenarios: Vec<Scenario>,
    broken: Vec<ScenarioError>,
}

/// What the runs left: per scenario (in `Loaded::scenarios` order), plus the wall time
/// and start stamp that the summary line and the JUnit file report.
struct Ran {
    results: Vec<ScenarioRuns>,
    wall: Duration,
    timestamp: String,
}

/// Loads, runs and reports; writes the human output to `out`. Returns the exit code.
pub fn run_to(args: &RunArgs, out: &mut dyn Write) -> i32 {
    let loaded = match load_all(args) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            return 2;
        }
    };
    let ran = run_all(args, &loaded.scenarios);
    let (failed, cases) = print_results(args, &loaded, &ran, out);
    let mut code = if !loaded.broken.is_empty() {
        2
    } else if failed > 0 {
        1
    } else {
        0
    };
    if !write_outputs(args, &loaded.scenarios, &ran, &cases, out) {
        code = 2;
    }
    code
}

/// Checks the command line and loads every scenario file; the error is the line after
/// `error: `, for problems that stop the command before anything runs (exit code 2).
/// The checks keep their order: discovery, `--seeds`, `--set`, then `--events`.
fn load_all(args: &RunArgs) -> Result<Loaded, String> {
    let files = discover(&args.paths)?;
    if args.seeds == Some(0) {
        return Err("--seeds needs at least 1".to_string());
    }
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut broken: Vec<ScenarioError> = Vec::new();
    for f in &files {
        match load(f) {
            Ok(s) => scenarios.push(s),
            Err(e) => broken.push(e),
        }
    }
    crate::set::set_scenarios(&mut scenarios, &args.set)?;
    if args.events.is_some() && files.len() != 1 {
        return Err(format!(
            "--events writes the log of one scenario; {} were given",
            files.len()
        ));
    }
    Ok(Loaded { scenarios, broken })
}

/// Runs every scenario under every seed asked for, on the worker threads, timing the
/// whole batch.
fn run_all(args: &RunArgs, scenarios: &[Scenario]) -> Ran {
    let bases: Vec<u64> = scenarios
        .iter()
        .map(|s| args.seed.unwrap_or(s.seed))
        .collect();
    let started = Instant::now();
    let timestamp = junit::iso8601(std::time::SystemTime::now());
    let opts = JobOpts {
        threads: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        determinism: args.check_determinism,
        first_keeps_all: args.events.is_some() || args.report.is_some() || args.explain,
        seeds: args.seeds.unwrap_or(1),
        junit: args.junit.is_some(),
    };
    let results = run_jobs(scenarios, &bases, opts);
    Ran {
        results,
        wall: started.elapsed(),
        timestamp,
    }
}

/// Prints the BROKEN lines, one line per scenario with its failure in detail, and the
/// summary line; returns how many scenarios failed and the JUnit cases of all of them.
fn print_results(
    args: &RunArgs,
    loaded: &Loaded,
    ran: &Ran,
    out: &mut dyn Write,
) -> (usize, Vec<junit::Case>) {
    let (scenarios, broken) = (&loaded.scenarios, &loaded.broken);
    let colour = args.color.for_stdout();
    let mut failed = 0;
    let mut cases = Vec::new();
    for e in broken {
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
    for (sc, mine) in scenarios.iter().zip(&ran.results) {
        if print_scenario(sc, mine, colour, out) {
            failed += 1;
        }
        push_cases(sc, mine, &mut cases);
        if args.explain {
            print_explain(mine, out);
        }
    }
    let _ = writeln!(
        out,
        "{} scenario(s): {} passed, {failed} failed, {} broken; {} run(s) in {:.2}s wall",
        scenarios.len() + broken.len(),
        scenarios.len() - failed,
        broken.len(),
        ran.results.iter().map(|r| r.runs).sum::<u64>(),
        ran.wall.as_secs_f64()
    );
    (failed, cases)
}

/// The PASS/FAIL line of one scenario and, when it failed, its failing seeds and the
/// first failure's details. Returns whether it failed.
fn print_scenario(sc: &Scenario, mine: &ScenarioRuns, colour: bool, out: &mut dyn Write) -> bool {
    let bad: Vec<&Bad> = mine.bad.values().collect();
    let first = mine
        .first
        .as_ref()
        .expect("the first seed keeps its outcome");
    let wall_ms = mine.wall.as_secs_f64() * 1000.0;
    let seeds = if mine.runs > 1 {
        format!("  {} seeds", mine.runs)
    } else {
        format!("  seed {}", first.seed)
    };
    let word = verdict(if bad.is_empty() { "PASS" } else { "FAIL" }, colour);
    let _ = writeln!(
        out,
        "{word}  virtual {:>5}  wall {:>6.1}ms{seeds}  {}  ({})",
        fmt_ms(first.end_ms),
        wall_ms,
        sc.file,
        sc.name
    );
    if bad.is_empty() {
        return false;
    }
    if mine.runs > 1 {
        let list: Vec<String> = bad.iter().map(|r| r.seed.to_string()).collect();
        let _ = writeln!(
            out,
            "      failing seeds: {} (replay: clustersim run {} --seed {})",
            list.join(", "),
            sc.file,
            bad[0].seed
        );
    }
    let _ = write!(out, "{}", bad[0].details);
    true
}

/// One JUnit case per run of the scenario, in seed order (the runs finish in any order).
fn push_cases(sc: &Scenario, mine: &ScenarioRuns, cases: &mut Vec<junit::Case>) {
    let mut runs = mine.junit.clone();
    runs.sort_by_key(|r| r.0);
    for (k, seed, wall) in runs {
        let bad = mine.bad.get(&k);
        cases.push(junit::Case {
            name: if mine.runs > 1 {
                format!("{} (seed {seed})", sc.name)
            } else {
                sc.name.clone()
            },
            file: sc.file.clone(),
            seed: Some(seed),
            seconds: wall.as_secs_f64(),
            failure: bad.map(|b| b.details.clone()),
            error: None,
            system_out: bad.map(|b| b.last_events.clone()),
        });
    }
}

/// `--explain`: why each move happened in the scenario's first seed.
fn print_explain(mine: &ScenarioRuns, out: &mut dyn Write) {
    let first = mine
        .first
        .as_ref()
        .expect("the first seed keeps its outcome");
    let _ = writeln!(out, "      why, in seed {}:", first.seed);
    let lines = narrative(&first.model, &first.events);
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

/// Writes the files asked for (`--events`, `--junit`, `--report`, in that order); a
/// file that cannot be written is reported and the others are still tried. Returns
/// whether all were written.
fn write_outputs(
    args: &RunArgs,
    scenarios: &[Scenario],
    ran: &Ran,
    cases: &[junit::Case],
    out: &mut dyn Write,
) -> bool {
    let mut ok = true;
    let first = ran.results.first().and_then(|r| r.first.as_ref());
    if let (Some(path), Some(o)) = (&args.events, first) {
        let mut text = String::new();
        for e in &o.events {
            text.push_str(&e.to_json(&o.model).to_string());
            text.push('\n');
        }
        ok &= write_file(path, text, out);
    }
    if let Some(path) = &args.junit {
        let xml = junit::render(cases, &ran.timestamp, ran.wall.as_secs_f64());
        ok &= write_file(path, xml, out);
    }
    if let Some(path) = &args.report {
        let mut pages = Vec::new();
        for (i, sc) in scenarios.iter().enumerate() {
            if let Some(o) = ran.results[i].first.as_ref() {
                let texts = sc.expectations.iter().map(|x| x.text.clone()).collect();
                pages.push((o.clone(), step_marks(sc, o), texts));
            }
        }
        ok &= write_file(path, report::render(&pages), out);
    }
    ok
}

/// Writes one output file, creating its folder too (`--junit target/x.xml` works in a
/// fresh clone); a failure is printed as an `error:` line. Returns whether it worked.
fn write_file(path: &Path, text: String, out: &mut dyn Write) -> bool {
    let made = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    };
    if let Err(e) = made.and_then(|_| std::fs::write(path, text)) {
        let _ = writeln!(out, "error: cannot write {}: {e}", path.display());
        return false;
    }
    true
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
