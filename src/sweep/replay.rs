//! One run of a sweep on its own, explained: `sweep FILE --only R` (or `sweep replay
//! RESULTS R`) with `--events`, `--explain`, `--report` and `--scenario`. The run goes
//! through `clustersim run`'s own code (`scenario::run_to`), so its outputs are the
//! ones `run` writes. A synthetic base is first written out as a scenario: the
//! synthetic cluster inline, the load's every input (faults with their durations,
//! power cycles, `server-start`, `group-start`, refused ones marked `refused: true`) as
//! steps at their virtual times, the run's end as `end`; `clustersim run` of that file
//! gives the same event log, hence the same metrics. A scenario base is written with
//! its cluster inline (the point's overrides applied) and the run's seed.

use super::cli::CliError;
use super::double::{describe, episodes};
use super::plan::{Plan, PlanBase, Variant};
use crate::host::journal::{Journal, JournalEntry};
use crate::scenario::runner::run_observed;
use crate::scenario::RunArgs;
use crate::sim::Sim;
use crate::synth::{drive, FaultLoad};
use std::path::{Path, PathBuf};

/// What to write about the run.
#[derive(Clone, Debug, Default)]
pub struct Detail {
    pub events: Option<PathBuf>,
    pub explain: bool,
    pub report: Option<PathBuf>,
    pub scenario: Option<PathBuf>,
}

impl Detail {
    pub fn any(&self) -> bool {
        self.events.is_some() || self.explain || self.report.is_some() || self.scenario.is_some()
    }
}

/// Writes what `d` asks for about run `r`, and prints its double activations.
pub fn detail(plan: &Plan, r: u64, d: &Detail) -> Result<(), CliError> {
    let (point, seed) = plan.locate(r);
    let variant = plan.variant(point).map_err(|e| (2, e))?;
    let bad = |e: String| (2, e);
    let (text, events, model) = match (&variant, &plan.base) {
        (Variant::Synthetic { model, load }, _) => {
            let mut sim = Sim::new(model.clone(), seed);
            let mut fl = FaultLoad::new(seed, load.fault_every, model).recording();
            if let Some(k) = &load.fault_kinds {
                fl = fl.only_kinds(k).map_err(bad)?;
            }
            drive(&mut sim, &mut fl, load.duration.0);
            let journal = Journal {
                seed,
                base: None,
                entries: fl
                    .recorded()
                    .iter()
                    .map(|(t, input)| JournalEntry {
                        at_ms: *t,
                        input: input.clone(),
                        from: None,
                    })
                    .collect(),
            };
            let name = format!("{} run {r}", plan.file.name);
            let text = crate::persist::scenario::render(&name, model, &journal, load.duration.0)
                .map_err(bad)?;
            (text, sim.events().to_vec(), model.clone())
        }
        (Variant::Scenario(sc), PlanBase::Scenario { path, .. }) => {
            let text = inline_scenario(path, sc, seed)?;
            let (o, ()) = run_observed(sc, seed, |_| ());
            (text, o.events, sc.model.clone())
        }
        _ => return Err((2, "the plan's base and its point disagree".into())),
    };
    let (file, temporary) = match &d.scenario {
        Some(p) => (p.clone(), false),
        None => (
            std::env::temp_dir().join(format!("clustersim-replay-{}-{r}.yaml", std::process::id())),
            true,
        ),
    };
    std::fs::write(&file, &text)
        .map_err(|e| (2, format!("{}: cannot write: {e}", file.display())))?;
    let code = if d.events.is_some() || d.explain || d.report.is_some() {
        let args = RunArgs {
            paths: vec![file.clone()],
            events: d.events.clone(),
            explain: d.explain,
            report: d.report.clone(),
            jobs: Some(1),
            ..RunArgs::default()
        };
        crate::scenario::run_to(&args, &mut std::io::stdout().lock())
    } else {
        0
    };
    if temporary {
        let _ = std::fs::remove_file(&file);
    } else {
        println!(
            "scenario: {} (`clustersim run {}` replays run {r})",
            file.display(),
            file.display()
        );
    }
    for ep in episodes(&events) {
        println!("{}", describe(&model, &ep));
    }
    match code {
        0 | 1 => Ok(()),
        c => Err((c, format!("run {r}: the replay could not be written"))),
    }
}

/// The base scenario's text with the point's cluster inline and the run's seed.
fn inline_scenario(
    path: &str,
    sc: &crate::scenario::Scenario,
    seed: u64,
) -> Result<String, CliError> {
    if sc.from.is_some() {
        return Err((
            2,
            format!("--scenario: {path} starts from a snapshot; replay it with its own file"),
        ));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| (2, format!("{path}: cannot read: {e}")))?;
    let mut doc: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| (2, format!("{path}: {e}")))?;
    let cluster = serde_norway::to_value(&sc.model.source).map_err(|e| (2, e.to_string()))?;
    if let serde_norway::Value::Mapping(m) = &mut doc {
        m.insert("cluster".into(), cluster);
        m.insert("seed".into(), seed.into());
    }
    let body = serde_norway::to_string(&doc).map_err(|e| (2, e.to_string()))?;
    Ok(format!(
        "# {path} at one point of a sweep, seed {seed}, cluster inline.\n{body}"
    ))
}

/// `sweep replay RESULTS R`: the plan named by a JSON lines file's header, checked
/// against its sweep id.
pub fn plan_of(results: &Path) -> Result<Plan, CliError> {
    let place = results.display().to_string();
    let file =
        std::fs::File::open(results).map_err(|e| (2, format!("{place}: cannot read: {e}")))?;
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut first)
        .map_err(|e| (2, format!("{place}: {e}")))?;
    let head: serde_json::Value = serde_json::from_str(&first)
        .map_err(|_| (2, format!("{place}: line 1: not a sweep's JSON lines header (CSV has no header to replay from; use `sweep FILE --only R`)")))?;
    let h = &head["header"];
    let origin = h["file"].as_str().ok_or_else(|| {
        (
            2,
            format!("{place}: line 1: the header names no sweep file"),
        )
    })?;
    let sets: Vec<String> = h["sets"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let sets = crate::set::parse_all(&sets).map_err(|e| (2, e.join("; ")))?;
    let sample = h["sample"].as_u64();
    let plan = Plan::load(Path::new(origin), sets, sample).map_err(|e| (2, e))?;
    if head["sweep"].as_str() != Some(plan.hash.as_str()) {
        return Err((
            2,
            format!("{place}: written by another sweep file or build than {origin} now (sweep id differs)"),
        ));
    }
    Ok(plan)
}
