//! `clustersim hunt [CLUSTER] --property P ...` and `clustersim hunt merge PART...`.
//! Exit code 1: a schedule broke the property (the counterexample is written); 0: the
//! budget ran out without one; 2: bad input (one line naming the place) or an output
//! that cannot be written.

use super::error::HuntError;
use super::property::Property;
use super::search::{search, Budget, Found, Hunt, Mode, Shard};
use super::vocab::{Schedule, VocabSpec, Vocabulary};
use super::write::{relative_to, scenario_text, ClusterRef};
use crate::model::{parse_duration, Millis, Model};
use crate::scenario::explain::{event_line, narrative};
use crate::scenario::{run_kept, Keep};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct HuntArgs {
    #[command(subcommand)]
    pub command: Option<HuntCommand>,
    /// The cluster file (YAML or clp.conf); the embedded default cluster when absent.
    #[arg(value_name = "CLUSTER_FILE")]
    pub cluster: Option<PathBuf>,
    /// The property (repeatable): `never both-active`, `group G Online within 2m since
    /// any fault`, `at most 1 failover per fault`, or one expectation as YAML.
    #[arg(long, value_name = "PROPERTY", required = true)]
    pub property: Vec<String>,
    /// Fault kinds to draw from, comma-separated (default: every kind the cluster has).
    #[arg(long, value_name = "KIND,...")]
    pub kinds: Option<String>,
    /// Objects faults may name (servers, paths, resolvers, monitors, resources, connects).
    #[arg(long, value_name = "NAME,...")]
    pub targets: Option<String>,
    /// At most this many faults in a schedule (1 to 8).
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub faults: usize,
    /// When faults start: FROM..UNTIL.
    #[arg(long, value_name = "FROM..UNTIL", default_value = "10s..5m")]
    pub window: String,
    /// How long faults last: durations, ranges FROM..UNTIL and `forever`, comma-separated.
    #[arg(long, value_name = "D,...", default_value = "3s..5m,forever")]
    pub durations: String,
    /// When every run ends (default: the window's end + the longest duration + twice the
    /// heartbeat timeout + 1m).
    #[arg(long, value_name = "DURATION")]
    pub end: Option<String>,
    /// Schedules to try (a number), or wall time (a duration such as 30s).
    #[arg(long, value_name = "RUNS|DURATION", default_value = "100000")]
    pub budget: String,
    /// `random` (seeded) or `exhaustive` (every fault at every decision point, fewest faults first).
    #[arg(long, value_name = "MODE", default_value = "random")]
    pub mode: String,
    /// Seeds the random search and every run.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Write the counterexample scenario here (with --shard: this shard's part, JSON).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Try only every N-th schedule from I (`hunt merge` joins the parts).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum HuntCommand {
    /// Join the parts of a sharded hunt: the lowest counterexample, as the unsharded hunt prints it.
    Merge {
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// Write the counterexample scenario here.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// What a hunt (or one shard of it) concluded; a shard part is this as JSON.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct Verdict {
    /// Identifies the hunt (build, cluster, every option but the shard).
    pub hunt: String,
    pub shard: (u64, u64),
    /// The report's head: the property, the cluster, the vocabulary, the search.
    pub head: String,
    /// Schedules tried (counts only when nothing was found).
    pub tried: u64,
    /// The lowest breaking schedule index, what to print about it, and the scenario
    /// with the cluster path relative to the working folder.
    pub found: Option<FoundPart>,
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct FoundPart {
    pub index: u64,
    pub text: String,
    pub scenario: String,
    pub cluster: Option<String>,
}

/// Runs the command; returns the exit code.
pub fn run_cli(args: HuntArgs) -> i32 {
    let result = match &args.command {
        Some(HuntCommand::Merge { parts, out }) => super::merge::merge(parts, out.as_deref()),
        None => hunt(&args),
    };
    match result {
        Ok(v) => {
            if v.found.is_some() {
                1
            } else {
                0
            }
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

fn load_cluster(path: Option<&Path>) -> Result<(Model, String), HuntError> {
    let Some(p) = path else {
        return Ok((
            Model::default_cluster(),
            crate::model::DEFAULT_CLUSTER_YAML.to_string(),
        ));
    };
    let origin = p.display().to_string();
    let text = std::fs::read_to_string(p)
        .map_err(|e| HuntError::new(&origin, format!("cannot read: {e}")))?;
    let (model, warnings) = crate::import::load_any(&text, &origin)
        .map_err(|errs| HuntError::new(&origin, errs.join("; ")))?;
    warnings.iter().for_each(|w| eprintln!("{w}"));
    Ok((model, text))
}

fn budget(text: &str) -> Result<Budget, HuntError> {
    let b = match text.trim().parse::<u64>() {
        Ok(n) => Budget::Runs(n),
        Err(_) => Budget::Millis(parse_duration(text.trim()).map(|m| m.0).map_err(|e| {
            HuntError::new(
                "--budget",
                format!("`{text}`: a number of schedules or a duration ({e})"),
            )
        })?),
    };
    if matches!(b, Budget::Runs(0) | Budget::Millis(0)) {
        return Err(HuntError::new("--budget", "a budget of 0 tries nothing"));
    }
    Ok(b)
}

/// Everything the command line asks for, checked.
fn prepare(args: &HuntArgs) -> Result<(Hunt, Budget, String), HuntError> {
    let (model, cluster_text) = load_cluster(args.cluster.as_deref())?;
    let properties = args
        .property
        .iter()
        .map(|p| Property::parse(p, &model))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = VocabSpec {
        kinds: args.kinds.clone(),
        targets: args.targets.clone(),
        faults: args.faults,
        window: args.window.clone(),
        durations: args.durations.clone(),
        end: args.end.clone(),
    };
    let vocab = Vocabulary::build(&model, &spec)?;
    let mode = match args.mode.as_str() {
        "random" => Mode::Random,
        "exhaustive" => Mode::Exhaustive,
        m => {
            return Err(HuntError::new(
                "--mode",
                format!("`{m}`: write random or exhaustive"),
            ))
        }
    };
    let budget = budget(&args.budget)?;
    let h = Hunt::new(Arc::new(model), properties, vocab, mode, args.seed)
        .map_err(|(f, m)| HuntError::new(format!("--property: expect.{f}"), m))?;
    let mut id = vec![cluster_text];
    id.extend(args.property.iter().cloned());
    id.push(format!(
        "{:?} {:?} {} {} {} {:?} {} {} {}",
        args.kinds,
        args.targets,
        args.faults,
        args.window,
        args.durations,
        args.end,
        args.budget,
        args.mode,
        args.seed
    ));
    Ok((h, budget, crate::sweep::hash::sweep_id(&id)))
}

fn hunt(args: &HuntArgs) -> Result<Verdict, HuntError> {
    let (h, budget, id) = prepare(args)?;
    let shard = match &args.shard {
        Some(s) => {
            let (i, n) =
                crate::sweep::cli::parse_shard(s).map_err(|m| HuntError::new("--shard", m))?;
            if args.out.is_none() {
                return Err(HuntError::new(
                    "--shard",
                    "a shard writes its part to --out FILE",
                ));
            }
            (i, n)
        }
        None => (0, 1),
    };
    let head = head(args, &h, budget);
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let bar = progress(&h, budget, shard, args.quiet);
    let found = search(
        &h,
        Shard {
            first: shard.0,
            step: shard.1,
        },
        budget,
        threads,
        &|| bar.inc(1),
    );
    bar.finish_and_clear();
    let verdict = conclude(&h, args.cluster.as_deref(), id, shard, head, found)?;
    if args.shard.is_some() {
        let out = args.out.as_deref().unwrap_or(Path::new("-"));
        let json = serde_json::to_string_pretty(&verdict)
            .map_err(|e| HuntError::new("--out", e.to_string()))?;
        write(out, &(json + "\n"))?;
        return Ok(verdict);
    }
    print(&verdict, args.out.as_deref())?;
    Ok(verdict)
}

/// The report's head.
fn head(args: &HuntArgs, h: &Hunt, budget: Budget) -> String {
    let cluster = args
        .cluster
        .as_ref()
        .map_or("the embedded default cluster".to_string(), |p| {
            p.display().to_string()
        });
    let props: Vec<&str> = h.properties.iter().map(|p| p.text.as_str()).collect();
    let v = &h.vocab;
    let budget = match budget {
        Budget::Runs(n) => format!("{n} schedules"),
        Budget::Millis(ms) => format!("{} of wall time (not reproducible)", Millis(ms)),
    };
    let mode = match h.mode {
        Mode::Random => format!("random, seed {}", h.seed),
        Mode::Exhaustive => format!(
            "exhaustive ({} schedules), seed {}",
            h.space().unwrap_or(0),
            h.seed
        ),
    };
    format!(
        "hunt: {}\n  cluster: {cluster} ({} servers, {} groups)\n  faults: {}; at most {} per schedule; starting {}..{}; lasting {}; runs end at {}\n  search: {mode}; budget {budget}\n",
        props.join("; "),
        h.model.servers.len(),
        h.model.groups.len(),
        v.summary(),
        v.max_faults,
        Millis(v.window.0),
        Millis(v.window.1),
        args.durations,
        Millis(v.end)
    )
}

/// Shrinks what was found, renders it and checks the rendered file fails when run.
fn conclude(
    h: &Hunt,
    cluster: Option<&Path>,
    id: String,
    shard: (u64, u64),
    head: String,
    found: Found,
) -> Result<Verdict, HuntError> {
    let Some((index, schedule)) = found.first else {
        return Ok(Verdict {
            hunt: id,
            shard,
            head,
            tried: found.tried,
            found: None,
        });
    };
    let (small, runs) = super::shrink::shrink(h, &schedule);
    let cref = match cluster {
        Some(p) => ClusterRef::Path(p.display().to_string()),
        None => ClusterRef::Default,
    };
    let (text, scenario) = describe(h, index, &schedule, &small, runs, &cref)?;
    Ok(Verdict {
        hunt: id,
        shard,
        head,
        tried: found.tried,
        found: Some(FoundPart {
            index,
            text,
            scenario,
            cluster: cluster.map(|p| p.display().to_string()),
        }),
    })
}

/// The words about the counterexample and its scenario text (cluster path relative to
/// the working folder); the scenario is parsed back and run to read its failure.
fn describe(
    h: &Hunt,
    index: u64,
    found: &Schedule,
    small: &Schedule,
    runs: u64,
    cref: &ClusterRef,
) -> Result<(String, String), HuntError> {
    let header = format!(
        "Found by `clustersim hunt` (seed {}, schedule #{index}, shrunk from {} to {} fault(s)).\n`clustersim run` of this file fails: the property does not hold under this schedule.",
        h.seed,
        found.len(),
        small.len()
    );
    let first = scenario_text(h, small, cref, &[], &header);
    let internal = |m: String| HuntError::new("the written scenario", m);
    let sc = crate::scenario::parse(&first, "<hunt>", Path::new("."))
        .map_err(|e| internal(e.to_string()))?;
    let o = run_kept(&sc, sc.seed, Keep::All);
    let refused: Vec<bool> = (0..small.len())
        .map(|i| {
            o.failures
                .iter()
                .any(|f| f.what.starts_with(&format!("steps[{i}]")))
        })
        .collect();
    let scenario = scenario_text(h, small, cref, &refused, &header);
    let Some(fail) = o.failures.iter().find(|f| f.what.starts_with("expect[")) else {
        return Err(internal(
            "the shrunk schedule no longer breaks the property".into(),
        ));
    };
    let mut t = format!(
        "found: schedule #{index} ({} fault(s)) breaks it; shrunk to {} fault(s) in {runs} runs:\n",
        found.len(),
        small.len()
    );
    for s in &sc.steps {
        t.push_str(&format!("  {}\n", s.text));
    }
    t.push_str(&format!("violated: {}\n  {}\n", fail.what, fail.seen));
    let upto = (fail.upto as u64).saturating_sub(o.events_dropped) as usize;
    let told = narrative(&o.model, &o.events[..upto.min(o.events.len())]);
    t.push_str("explain (up to the violating moment):\n");
    for line in &told[told.len().saturating_sub(12)..] {
        t.push_str(&format!("  {line}\n"));
    }
    t.push_str("last events:\n");
    for e in &fail.context {
        t.push_str(&format!("  {}\n", event_line(&o.model, e)));
    }
    Ok((t, scenario))
}

/// Prints the verdict; writes the scenario to `out` (its cluster path made relative to
/// `out`'s folder), or prints it when there is no `out`.
pub fn print(v: &Verdict, out: Option<&Path>) -> Result<(), HuntError> {
    print!("{}", v.head);
    let Some(f) = &v.found else {
        println!("none: no schedule of the {} tried broke it", v.tried);
        return Ok(());
    };
    print!("{}", f.text);
    match out {
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .map_err(|e| HuntError::new(dir.display().to_string(), e.to_string()))?;
            let text = match &f.cluster {
                Some(c) => {
                    let rel = relative_to(dir, Path::new(c));
                    f.scenario.replacen(
                        &format!("cluster: {}\n", super::write::flow(&serde_json::json!(c))),
                        &format!("cluster: {}\n", super::write::flow(&serde_json::json!(rel))),
                        1,
                    )
                }
                None => f.scenario.clone(),
            };
            write(p, &text)?;
            println!(
                "written: {} (`clustersim run {}` fails)",
                p.display(),
                p.display()
            );
        }
        None => {
            println!("scenario:");
            print!("{}", f.scenario);
        }
    }
    Ok(())
}

fn write(p: &Path, text: &str) -> Result<(), HuntError> {
    std::fs::write(p, text)
        .map_err(|e| HuntError::new(p.display().to_string(), format!("cannot write: {e}")))
}

/// A progress bar on a terminal's stderr; hidden otherwise.
fn progress(h: &Hunt, budget: Budget, shard: (u64, u64), quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let total = match budget {
        Budget::Runs(n) => h.space().map_or(n, |s| s.min(n)).div_ceil(shard.1),
        Budget::Millis(_) => 0,
    };
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} schedules  {per_sec}  eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
