//! The scenario file format (YAML): name, description, cluster, seed, a timeline of steps
//! and a list of expectations. Loading is two passes: `raw` parses the text into typed
//! serde structures (shape), then `step`, `expectation` and `condition` check times,
//! labels and every name against the cluster model through the core's resolver
//! (`sim::names`). A broken file is reported before anything runs, as one line naming
//! the file, the step or expectation, and the field. `scenarios/README.md` documents
//! the format; `scenarios/scenario.schema.json` is generated from `schema.rs`.

mod cluster;
mod condition;
mod expectation;
mod from_snapshot;
mod raw;
mod schema;
mod step;

pub use schema::{scenario_schema, ClusterSource, ExpectSchema, StepSchema};

use super::error::ScenarioError;
use super::expect::{Anchor, Check, Expectation};
use super::timeline::{Step, Timing};
use crate::model::Model;
use raw::{ExpectFile, ScenarioFile, StepFile};
use std::path::Path;
use std::sync::Arc;

/// A problem with one field of a step or expectation: (field path, message).
type FieldErr = (String, String);

fn fe(field: &str, msg: impl Into<String>) -> FieldErr {
    (field.to_string(), msg.into())
}

/// A loaded, checked scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file as the user named it.
    pub file: String,
    pub name: String,
    pub description: String,
    /// The behaviour-catalogue ids the scenario shows (`covers:`).
    pub covers: Vec<String>,
    pub model: Arc<Model>,
    pub seed: u64,
    /// `from: snapshot.json`: the run starts from the snapshot's state, not t=0.
    pub from: Option<Arc<from_snapshot::FromSnapshot>>,
    /// Explicit end of the run; otherwise the latest time a step or expectation names.
    pub end: Option<u64>,
    pub steps: Vec<Step>,
    pub expectations: Vec<Expectation>,
}

impl Scenario {
    /// When the run stops unless a trigger-anchored deadline lies later.
    pub fn planned_end(&self) -> u64 {
        if let Some(e) = self.end {
            return e;
        }
        let steps = self.steps.iter().map(|s| match &s.timing {
            Timing::At(t) => *t,
            Timing::When { from, .. } => *from,
        });
        let checks = self.expectations.iter().map(|x| match &x.check {
            Check::At { t, .. } => *t,
            Check::Within {
                since: Anchor::Time(t),
                within,
                ..
            } => t.saturating_add(*within),
            Check::Within {
                since: Anchor::Step(i),
                within,
                ..
            } => self.steps[*i].at().map_or(0, |t| t.saturating_add(*within)),
            Check::Sequence { window, .. }
            | Check::Count { window, .. }
            | Check::Always { window, .. }
            | Check::Never { window, .. } => window.until.unwrap_or(window.from),
        });
        let start = self.from.as_ref().map_or(0, |f| f.now_ms);
        steps.chain(checks).max().unwrap_or(0).max(start)
    }

    /// The sim a run starts with: the snapshot's state, or the model at t=0.
    pub fn start(&self, seed: u64) -> crate::sim::Sim {
        match &self.from {
            Some(f) => crate::host::journal::replay(self.model.clone(), &f.journal, f.now_ms),
            None => crate::sim::Sim::new(self.model.clone(), seed),
        }
    }
}

/// The seed when a scenario names none.
pub const DEFAULT_SEED: u64 = 1;

/// Reads and checks a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(&file, "", format!("cannot read: {e}")))?;
    parse(&text, &file, path.parent().unwrap_or(Path::new(".")))
}

/// Parses scenario text; `file` names it in errors, `dir` anchors a relative cluster path.
pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Scenario, ScenarioError> {
    crate::model::limits::check_yaml_text(text)
        .map_err(|e| ScenarioError::new(file, e.place(), e.problem))?;
    let raw: ScenarioFile = serde_norway::from_str(text).map_err(|e| {
        let (at, msg) = yaml_error(&e);
        ScenarioError::new(file, at, msg)
    })?;
    let err = |list: &'static str, i: usize| {
        move |(f, m): FieldErr| ScenarioError::new(file, at(list, i, &f), m)
    };
    if raw.name.trim().is_empty() {
        return Err(ScenarioError::new(
            file,
            "name",
            "the scenario name is empty",
        ));
    }
    let from = match &raw.from {
        Some(p) => Some(Arc::new(from_snapshot::load(p, file, dir)?)),
        None => None,
    };
    let model = match (&from, &raw.cluster, raw.seed) {
        (None, _, _) => Arc::new(cluster::load(raw.cluster.as_ref(), file, dir)?),
        (Some(f), None, None) => f.model.clone(),
        (Some(_), c, _) => {
            let field = if c.is_some() { "cluster" } else { "seed" };
            return Err(ScenarioError::new(
                file,
                field,
                format!(
                    "a scenario with `from` runs the snapshot's cluster and seed; remove `{field}`"
                ),
            ));
        }
    };
    if raw.expect.is_empty() {
        return Err(ScenarioError::new(
            file,
            "expect",
            "a scenario needs at least one expectation",
        ));
    }
    let mut steps: Vec<Step> = Vec::new();
    for (i, v) in raw.steps.into_iter().enumerate() {
        let typed = StepFile::parse(v).map_err(err("steps", i))?;
        steps.push(step::check(&model, &steps, i, typed).map_err(err("steps", i))?);
    }
    if let Some(f) = &from {
        from_snapshot::check_times(f, &steps, raw.end)
            .map_err(|(i, m)| ScenarioError::new(file, i, m))?;
    }
    let mut expectations = Vec::new();
    for (i, v) in raw.expect.into_iter().enumerate() {
        let typed = ExpectFile::parse(v).map_err(err("expect", i))?;
        let x = expectation::check(&model, &steps, i, typed).map_err(err("expect", i))?;
        expectations.push(x);
    }
    Ok(Scenario {
        file: file.to_string(),
        name: raw.name,
        description: raw.description,
        covers: raw.covers,
        model,
        seed: from
            .as_ref()
            .map_or(raw.seed.unwrap_or(DEFAULT_SEED), |f| f.journal.seed),
        from,
        end: raw.end.map(|m| m.0),
        steps,
        expectations,
    })
}

/// A YAML parse error as (`line L column C`, the message without its position).
pub fn yaml_error(e: &serde_norway::Error) -> (String, String) {
    let at = e
        .location()
        .map(|l| format!("line {} column {}", l.line(), l.column()))
        .unwrap_or_default();
    let mut msg = e.to_string();
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    (at, msg)
}

/// Checks one expectation written as in a scenario's `expect` list (a YAML mapping)
/// against `model` and `steps`, as `parse` does; for programs that build scenarios
/// (`hunt`). `Err((field, problem))`.
pub fn check_expectation(
    model: &Model,
    steps: &[Step],
    i: usize,
    v: serde_norway::Value,
) -> Result<Expectation, (String, String)> {
    let typed = ExpectFile::parse(v)?;
    expectation::check(model, steps, i, typed)
}

fn at(list: &str, i: usize, field: &str) -> String {
    if field.is_empty() {
        format!("{list}[{i}]")
    } else {
        format!("{list}[{i}].{field}")
    }
}

#[cfg(test)]
mod tests;
