//! `clustersim sweep FILE`, `sweep merge PART...`, `sweep report RESULTS --html OUT`,
//! `sweep schema`. Exit code 0: done (flagged runs are results, not errors); 1: a run
//! or a write failed; 2: bad input.

use super::exec::{execute, Slice};
use super::plan::Plan;
use super::row::{csv_header, json_header, render, Format};
use super::summary::Summary;
use crate::set::parse_all;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The sweep file (YAML; see scenarios/sweep.schema.json).
    #[arg(value_name = "FILE", required = true)]
    pub file: Option<PathBuf>,
    /// Write the rows here: `.csv` for CSV, anything else for JSON lines (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Run N points chosen at random (seeded by the file's `sample_seed`), each under every seed.
    #[arg(long, value_name = "N")]
    pub sample: Option<u64>,
    /// Run only the I-th of N deterministic slices (every N-th run from I), e.g. `0/4`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Run only run R (the replay of one row).
    #[arg(long, value_name = "R", conflicts_with = "shard")]
    pub only: Option<u64>,
    /// Override a setting of every run (`key=value`, repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar and no summary table.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub detail: DetailArgs,
}

/// What `--only R` (and `sweep replay`) writes about the run.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DetailArgs {
    /// Write the run's event log as JSON lines.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Print why each failover, recovery and network-partition decision happened.
    #[arg(long)]
    pub explain: bool,
    /// Write the run's HTML timeline.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Write the run as a scenario file that `clustersim run` replays to the same metrics.
    #[arg(long, value_name = "FILE.yaml")]
    pub scenario: Option<PathBuf>,
}

impl DetailArgs {
    fn detail(&self) -> super::replay::Detail {
        super::replay::Detail {
            events: self.events.clone(),
            explain: self.explain,
            report: self.report.clone(),
            scenario: self.scenario.clone(),
        }
    }
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum SweepCommand {
    /// Merge shard outputs into the file the unsharded sweep writes (byte for byte).
    Merge {
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// Write here (default: stdout); the format follows the parts'.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write a self-contained HTML page of a results file (JSON lines or CSV).
    Report {
        results: PathBuf,
        #[arg(long, value_name = "OUT.html", required = true)]
        html: PathBuf,
    },
    /// Print the JSON Schema of sweep files.
    Schema,
    /// Re-run row R of a results file (JSON lines) exactly, with its event log, explain
    /// lines, HTML timeline or scenario file.
    Replay {
        results: PathBuf,
        #[arg(value_name = "R")]
        run: u64,
        #[command(flatten)]
        detail: DetailArgs,
    },
}

/// Runs the command; returns the exit code.
pub fn run_cli(args: SweepArgs) -> i32 {
    let result = match &args.command {
        Some(SweepCommand::Merge { parts, out }) => super::merge::merge_cli(parts, out.as_deref()),
        Some(SweepCommand::Report { results, html }) => super::report::report_cli(results, html),
        Some(SweepCommand::Schema) => {
            println!("{}", super::schema());
            Ok(())
        }
        Some(SweepCommand::Replay {
            results,
            run,
            detail,
        }) => replay(results, *run, detail),
        None => sweep(&args),
    };
    match result {
        Ok(()) => 0,
        Err((code, msg)) => {
            eprintln!("{msg}");
            code
        }
    }
}

/// `(exit code, message)`.
pub type CliError = (i32, String);

fn bad(msg: impl Into<String>) -> CliError {
    (2, msg.into())
}

/// Parses `I/N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("--shard {text}: write I/N, e.g. 0/4"))?;
    let (i, n): (u64, u64) = match (i.trim().parse(), n.trim().parse()) {
        (Ok(i), Ok(n)) => (i, n),
        _ => return Err(format!("--shard {text}: I and N are whole numbers")),
    };
    if n == 0 || i >= n {
        return Err(format!("--shard {text}: need 0 <= I < N"));
    }
    Ok((i, n))
}

fn replay(results: &std::path::Path, r: u64, detail: &DetailArgs) -> Result<(), CliError> {
    let plan = super::replay::plan_of(results)?;
    if r >= plan.runs() {
        return Err(bad(format!(
            "run {r}: the sweep has runs 0 to {}",
            plan.runs().saturating_sub(1)
        )));
    }
    let slice = super::exec::Slice {
        first: r,
        step: 1,
        count: 1,
    };
    execute(&plan, slice, 1, |row| {
        println!("{}", render(&plan, &row, Format::Jsonl));
        Ok(())
    })
    .map_err(|e| (1, e))?;
    super::replay::detail(&plan, r, &detail.detail())
}

fn sweep(args: &SweepArgs) -> Result<(), CliError> {
    if (args.detail.events.is_some()
        || args.detail.explain
        || args.detail.report.is_some()
        || args.detail.scenario.is_some())
        && args.only.is_none()
    {
        return Err(bad(
            "--events, --explain, --report and --scenario need --only R",
        ));
    }
    let file = args
        .file
        .as_ref()
        .ok_or_else(|| bad("sweep: name a sweep file"))?;
    let sets = parse_all(&args.set).map_err(|e| bad(e.join("\n")))?;
    if args.sample == Some(0) {
        return Err(bad("--sample needs at least 1"));
    }
    let plan = Plan::load(file, sets, args.sample).map_err(bad)?;
    let runs = plan.runs();
    let slice = slice_of(args, runs)?;
    let format = args.out.as_deref().map_or(Format::Jsonl, Format::of);
    let mut sink = open_out(args.out.as_deref())?;
    let header = match format {
        Format::Jsonl => json_header(&plan),
        Format::Csv => csv_header(&plan),
    };
    let io = |e: std::io::Error| format!("cannot write the rows: {e}");
    writeln!(sink, "{header}").map_err(|e| (1, io(e)))?;
    let bar = progress(slice.count, args.quiet);
    let mut summary = Summary::new(plan.metric_names.clone());
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut line = String::new();
    let done = execute(&plan, slice, threads, |row| {
        line.clear();
        line.push_str(&render(&plan, &row, format));
        line.push('\n');
        sink.write_all(line.as_bytes()).map_err(io)?;
        summary.add(
            row.point,
            || labels(&plan, row.point),
            row.flagged,
            &row.metrics,
        );
        bar.inc(1);
        Ok(())
    });
    bar.finish_and_clear();
    done.map_err(|e| (1, e))?;
    sink.flush().map_err(|e| (1, io(e)))?;
    drop(sink);
    let detail = args.detail.detail();
    if detail.any() {
        if let Some(r) = args.only {
            super::replay::detail(&plan, r, &detail)?;
        }
        return Ok(());
    }
    if !args.quiet {
        let flagged: u64 = summary.points.values().map(|p| p.flagged).sum();
        let text = format!(
            "{}\nsweep {}: {} run(s) of {} ({} point(s) x {} seed(s)), {flagged} flagged\n",
            summary.table().trim_end(),
            plan.hash,
            slice.count,
            runs,
            plan.points(),
            plan.seeds.len()
        );
        if args.out.is_some() {
            print!("{text}");
        } else {
            eprint!("{text}");
        }
    }
    Ok(())
}

/// The runs `--shard` or `--only` ask for; all of them otherwise.
fn slice_of(args: &SweepArgs, runs: u64) -> Result<Slice, CliError> {
    let one = |first, count| Slice {
        first,
        step: 1,
        count,
    };
    match (&args.shard, args.only) {
        (Some(s), _) => {
            let (i, n) = parse_shard(s).map_err(bad)?;
            Ok(Slice::shard(i, n, runs))
        }
        (None, Some(r)) if r < runs => Ok(one(r, 1)),
        (None, Some(r)) => Err(bad(format!(
            "--only {r}: the sweep has runs 0 to {}",
            runs.saturating_sub(1)
        ))),
        (None, None) => Ok(one(0, runs)),
    }
}

/// The rows' destination (its folder made), or stdout.
fn open_out(out: Option<&std::path::Path>) -> Result<Box<dyn Write>, CliError> {
    let Some(p) = out else {
        return Ok(Box::new(std::io::BufWriter::new(std::io::stdout().lock())));
    };
    if let Some(d) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(|e| bad(format!("{}: {e}", d.display())))?;
    }
    let f = std::fs::File::create(p)
        .map_err(|e| bad(format!("{}: cannot create: {e}", p.display())))?;
    Ok(Box::new(std::io::BufWriter::with_capacity(1 << 16, f)))
}

/// `name=value` of each factor at `point`.
pub fn labels(plan: &Plan, point: u64) -> Vec<String> {
    plan.levels
        .iter()
        .zip(plan.labels(point))
        .map(|(l, v)| format!("{}={}", l.name, crate::set::render_value(v)))
        .collect()
}

/// A progress bar on a terminal's stderr; hidden otherwise.
fn progress(count: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(count);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
