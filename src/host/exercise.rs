//! Exercises that grade themselves (#26). An exercise file (YAML, `exercises/*.yaml`,
//! schema `exercises/exercise.schema.json`) gives a starting situation (scenario steps,
//! applied to the cluster when the exercise starts), goals and rules written as
//! scenario expectations (times relative to the start; `since:` may name a situation
//! step's label), hints unlocked by time or by a failed goal, and a time limit.
//!
//! Judging is the scenario runner's over the cluster's own history: the journal (every
//! input, the student's included) becomes the steps of a scenario whose expectations
//! are the goals and rules, run to now (or to the time limit). The replay gives the
//! live event log byte for byte, so a goal turns green exactly when the log shows it.
//! A goal is `met` (it held: a `within` that came true, an event that happened),
//! `failed` (its deadline passed) or `open`; a rule is `kept` or `broken`. Full marks:
//! every goal met and no rule broken.

use super::journal::Journal;
use crate::model::{Millis, Model};
use crate::scenario::runner::{run_judged, Verdict};
use crate::scenario::timeline::Action;
use crate::sim::Input;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::sync::Arc;

/// Limits of one exercise file.
pub const MAX_EXERCISE_BYTES: usize = 256 * 1024;
pub const MAX_ITEMS: usize = 50;
pub const MAX_TIME_LIMIT: Millis = Millis(24 * 3_600_000);

/// An exercise file as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "clustersim exercise",
    description = "A starting situation, goals that grade themselves, hints and a time limit; see docs/labs.md"
)]
pub struct ExerciseFile {
    #[schemars(length(min = 1))]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The cluster it is written for (a path relative to the file, or inline): what
    /// `clustersim exercise check` checks names against. Started on a live cluster,
    /// the names are checked against that cluster.
    #[serde(default)]
    #[schemars(with = "Option<crate::scenario::file::ClusterSource>")]
    pub cluster: Option<Value>,
    /// The fleet pool to start it on when the request names no cluster.
    #[serde(default)]
    pub pool: Option<String>,
    pub time_limit: Millis,
    /// Scenario steps without a time: applied, in order, when the exercise starts.
    #[serde(default)]
    #[schemars(with = "Vec<crate::scenario::file::StepSchema>")]
    pub situation: Vec<Value>,
    /// Scenario expectations the student must make come true (one mark each).
    #[schemars(with = "Vec<crate::scenario::file::ExpectSchema>", length(min = 1))]
    pub goals: Vec<Value>,
    /// Scenario expectations that must hold throughout (`never`, `always`, counts).
    #[serde(default)]
    #[schemars(with = "Vec<crate::scenario::file::ExpectSchema>")]
    pub rules: Vec<Value>,
    #[serde(default)]
    pub hints: Vec<Hint>,
}

/// A hint, shown once `after` has passed since the start or `failed` (`goals[N]` or
/// `rules[N]`) has failed; with both, whichever comes first.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    #[schemars(length(min = 1))]
    pub text: String,
    #[serde(default)]
    pub after: Option<Millis>,
    #[serde(default)]
    pub failed: Option<String>,
}

/// A checked exercise: the file, its text (kept with the cluster's state) and what
/// its situation applies.
#[derive(Debug)]
pub struct Exercise {
    pub file: ExerciseFile,
    pub text: String,
    pub inputs: Vec<Input>,
    labels: Vec<String>,
}

/// The JSON Schema of an exercise file (`exercises/exercise.schema.json`).
pub fn exercise_schema() -> Value {
    let gen = schemars::SchemaGenerator::new(schemars::generate::SchemaSettings::draft07());
    gen.into_root_schema_for::<ExerciseFile>().to_value()
}

/// Parses the text (YAML or JSON); a shape error is one line with its place.
pub fn parse(text: &str, source: &str) -> Result<ExerciseFile, Vec<String>> {
    if text.len() > MAX_EXERCISE_BYTES {
        return Err(vec![format!(
            "{source}: the exercise is {} bytes; at most {MAX_EXERCISE_BYTES}",
            text.len()
        )]);
    }
    crate::model::limits::check_yaml_text(text)
        .map_err(|e| vec![format!("{source}: {}: {}", e.place(), e.problem)])?;
    serde_norway::from_str(text).map_err(|e| {
        let (at, msg) = crate::scenario::file::yaml_error(&e);
        vec![format!("{source}: {at}: {}", one_line(&msg))]
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads an exercise file and the cluster it names (or the default cluster).
pub fn load(path: &Path) -> Result<(Exercise, Arc<Model>), Vec<String>> {
    let source = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| vec![format!("{source}: cannot read: {e}")])?;
    let file = parse(&text, &source)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut doc = json!({"name": "cluster", "expect": [{"count": {"kind": "fault-injected"}, "at_least": 0}]});
    if let Some(c) = &file.cluster {
        doc["cluster"] = c.clone();
    }
    let sc = crate::scenario::parse(&doc.to_string(), &source, dir)
        .map_err(|e| vec![format!("{source}: cluster: {}", e.problem)])?;
    let model = sc.model.clone();
    Ok((check(file, text, &model, &source)?, model))
}

/// `clustersim exercise FILE`: a summary line, or one line per problem.
pub fn check_file(path: &Path) -> Result<String, Vec<String>> {
    let (ex, model) = load(path)?;
    let f = &ex.file;
    Ok(format!(
        "{}: exercise {:?} on cluster {:?}: {} situation steps, {} goals, {} rules, {} hints, time limit {} s",
        path.display(),
        f.name,
        model.source.cluster.name,
        f.situation.len(),
        f.goals.len(),
        f.rules.len(),
        f.hints.len(),
        f.time_limit.0 / 1000
    ))
}

/// Checks every part against `model`: one line per problem, each with its place.
pub fn check(
    file: ExerciseFile,
    text: String,
    model: &Model,
    source: &str,
) -> Result<Exercise, Vec<String>> {
    let mut problems = Vec::new();
    let mut say = |at: String, m: String| problems.push(format!("{source}: {at}: {m}"));
    if file.name.trim().is_empty() {
        say("name".into(), "the exercise name is empty".into());
    }
    if file.time_limit.0 == 0 || file.time_limit.0 > MAX_TIME_LIMIT.0 {
        say(
            "time_limit".into(),
            "must be more than 0 and at most 24h".into(),
        );
    }
    for (list, n) in [
        ("situation", file.situation.len()),
        ("goals", file.goals.len()),
        ("rules", file.rules.len()),
        ("hints", file.hints.len()),
    ] {
        if n > MAX_ITEMS {
            say(list.into(), format!("{n} items; at most {MAX_ITEMS}"));
        }
    }
    if file.goals.is_empty() {
        say("goals".into(), "an exercise needs at least one goal".into());
    }
    let (inputs, labels) = check_situation(&file, model, &mut say);
    for (list, items) in [("goals", &file.goals), ("rules", &file.rules)] {
        for (i, item) in items.iter().enumerate() {
            if let Err((f, m)) = check_expectation(item, list == "goals", &file, &labels, model) {
                say(place(list, i, &f), m);
            }
        }
    }
    for (i, h) in file.hints.iter().enumerate() {
        if let Err((f, m)) = check_hint(h, &file) {
            say(place("hints", i, &f), m);
        }
    }
    if problems.is_empty() {
        Ok(Exercise {
            file,
            text,
            inputs,
            labels,
        })
    } else {
        Err(problems)
    }
}

fn place(list: &str, i: usize, field: &str) -> String {
    if field.is_empty() {
        format!("{list}[{i}]")
    } else {
        format!("{list}[{i}].{field}")
    }
}

/// The situation's steps, each checked as a scenario step at time 0; returns the
/// inputs they apply and their labels.
fn check_situation(
    file: &ExerciseFile,
    model: &Model,
    say: &mut impl FnMut(String, String),
) -> (Vec<Input>, Vec<String>) {
    let (mut inputs, mut labels) = (Vec::new(), Vec::new());
    for (i, step) in file.situation.iter().enumerate() {
        let Some(obj) = step.as_object() else {
            say(
                place("situation", i, ""),
                "a step is a mapping (fault: or op:)".into(),
            );
            continue;
        };
        if let Some(k) = ["at", "after", "when"]
            .iter()
            .find(|k| obj.contains_key(**k))
        {
            say(
                place("situation", i, k),
                "the situation applies when the exercise starts; remove it".into(),
            );
            continue;
        }
        let mut s = obj.clone();
        s.insert("at".into(), json!("0s"));
        let doc = doc(
            model,
            1,
            vec![Value::Object(s)],
            vec![json!({"count": {"kind": "fault-injected"}, "at_least": 0})],
            None,
        );
        match crate::scenario::parse(&doc, "exercise", Path::new(".")) {
            Err(e) => say(rename(&e.at, "steps", "situation", i), e.problem),
            Ok(sc) => match &sc.steps[0].action {
                Action::Operate(op) => inputs.push(Input::Operation(op.clone())),
                Action::Inject(spec) => inputs.push(Input::Fault(spec.clone())),
                Action::Heal { .. } => say(
                    place("situation", i, "heal"),
                    "nothing has been injected before the start".into(),
                ),
            },
        }
        if let Some(l) = obj.get("label").and_then(Value::as_str) {
            labels.push(l.to_string());
        }
    }
    (inputs, labels)
}

/// `steps[0].server` -> `situation[3].server`.
fn rename(at: &str, from: &str, to: &str, i: usize) -> String {
    let rest = at.strip_prefix(&format!("{from}[0]")).unwrap_or("");
    format!("{to}[{i}]{rest}")
}

/// One goal or rule, shifted to time 0 and checked as a scenario expectation. Goals
/// are what the student makes happen: no invariants, and no deadline past the limit.
fn check_expectation(
    item: &Value,
    goal: bool,
    file: &ExerciseFile,
    labels: &[String],
    model: &Model,
) -> Result<(), (String, String)> {
    let obj = item
        .as_object()
        .ok_or(("".to_string(), "an expectation is a mapping".to_string()))?;
    if goal {
        if let Some(k) = ["always", "never"].iter().find(|k| obj.contains_key(**k)) {
            return Err((
                k.to_string(),
                "an invariant is met by doing nothing: put it in `rules`".into(),
            ));
        }
    }
    let shifted = shift(item, 0, labels)?;
    let doc = doc(model, 1, Vec::new(), vec![shifted.clone()], None);
    let sc = crate::scenario::parse(&doc, "exercise", Path::new(".")).map_err(|e| {
        let field =
            e.at.strip_prefix("expect[0]")
                .unwrap_or(&e.at)
                .trim_start_matches('.');
        (field.to_string(), e.problem)
    })?;
    let limit = file.time_limit.0;
    if goal && sc.planned_end() > limit {
        return Err((
            "".into(),
            format!(
            "this goal is judged at {} ms, after the time limit ({} ms): no student can meet it",
            sc.planned_end(),
            limit
        ),
        ));
    }
    Ok(())
}

fn check_hint(h: &Hint, file: &ExerciseFile) -> Result<(), (String, String)> {
    if h.text.trim().is_empty() {
        return Err(("text".into(), "the hint is empty".into()));
    }
    if h.after.is_none() && h.failed.is_none() {
        return Err((
            "".into(),
            "a hint needs `after` (a time) or `failed` (goals[N] or rules[N])".into(),
        ));
    }
    if let Some(f) = &h.failed {
        let ok = reference(f).is_some_and(|(goal, i)| {
            i < if goal {
                file.goals.len()
            } else {
                file.rules.len()
            }
        });
        if !ok {
            return Err((
                "failed".into(),
                format!("{f:?} is not goals[N] or rules[N] of this exercise"),
            ));
        }
    }
    Ok(())
}

/// `goals[2]` -> (true, 2); `rules[0]` -> (false, 0).
fn reference(s: &str) -> Option<(bool, usize)> {
    let (list, rest) = s.split_once('[')?;
    let i = rest.strip_suffix(']')?.parse().ok()?;
    match list {
        "goals" => Some((true, i)),
        "rules" => Some((false, i)),
        _ => None,
    }
}

/// An expectation with its times moved to absolute virtual time (the start `t0`):
/// `at`, `since` (a time, or a situation label: the start), `from`, `until`; a window
/// without `from` starts at `t0`.
fn shift(item: &Value, t0: u64, labels: &[String]) -> Result<Value, (String, String)> {
    let mut obj: Map<String, Value> = item.as_object().cloned().unwrap_or_default();
    let moved = |k: &str, v: &Value| -> Result<Value, (String, String)> {
        let text = v.as_str().ok_or((
            k.to_string(),
            "a duration such as `90s` or `2m`".to_string(),
        ))?;
        let ms = crate::model::parse_duration(text).map_err(|m| (k.to_string(), m))?;
        Ok(json!(format!("{}ms", ms.0.saturating_add(t0))))
    };
    for k in ["at", "from", "until"] {
        if let Some(v) = obj.get(k).cloned() {
            obj.insert(k.into(), moved(k, &v)?);
        }
    }
    if obj.contains_key("within") {
        let since = match obj.get("since") {
            None => json!(format!("{t0}ms")),
            Some(Value::String(l)) if labels.contains(l) => json!(format!("{t0}ms")),
            Some(v @ Value::String(s)) if s.starts_with(|c: char| c.is_ascii_digit()) => {
                moved("since", v)?
            }
            Some(v) => {
                return Err((
                    "since".into(),
                    format!("{v} is neither a time nor the label of a situation step"),
                ))
            }
        };
        obj.insert("since".into(), since);
    }
    let windowed = ["always", "never", "sequence", "count"]
        .iter()
        .any(|k| obj.contains_key(*k));
    if windowed && !obj.contains_key("from") {
        obj.insert("from".into(), json!(format!("{t0}ms")));
    }
    Ok(Value::Object(obj))
}

/// A scenario document (JSON is YAML) over `model`.
fn doc(
    model: &Model,
    seed: u64,
    steps: Vec<Value>,
    expect: Vec<Value>,
    end: Option<u64>,
) -> String {
    let mut d = json!({
        "name": "exercise",
        "cluster": model.source,
        "seed": seed,
        "steps": steps,
        "expect": expect,
    });
    if let Some(e) = end {
        d["end"] = json!(format!("{e}ms"));
    }
    d.to_string()
}

/// One goal or rule as judged now.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Judged {
    /// The goal's `note`, else the expectation in words.
    pub text: String,
    /// Goals: `met`, `open` or `failed`; rules: `kept` or `broken`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen: Option<String>,
}

/// An exercise on a cluster as judged now.
#[derive(Clone, Debug, Serialize)]
pub struct Grade {
    pub exercise: String,
    pub description: String,
    pub started_ms: u64,
    pub now_ms: u64,
    pub time_limit_ms: u64,
    pub time_left_ms: u64,
    pub finished: bool,
    pub goals: Vec<Judged>,
    pub rules: Vec<Judged>,
    /// Goals met, of `total`.
    pub met: usize,
    pub total: usize,
    /// Full marks: every goal met and no rule broken.
    pub passed: bool,
    pub hints: Vec<String>,
    /// The newest alert of the cluster's log (its message), if any.
    pub last_alert: Option<String>,
}

/// Judges `ex`, started at `t0`, on the cluster's journal at `now_ms`.
pub fn grade(
    ex: &Exercise,
    model: &Arc<Model>,
    journal: &Journal,
    t0: u64,
    now_ms: u64,
) -> Result<Grade, String> {
    let limit = ex.file.time_limit.0;
    let end = now_ms.min(t0.saturating_add(limit)).max(t0);
    let finished = now_ms >= t0.saturating_add(limit);
    let mut upto = journal.clone();
    upto.entries.retain(|e| e.at_ms <= end);
    let (steps, mut sim) = crate::persist::scenario::steps(model, &upto)?;
    sim.run_until(end);
    let last_alert = sim.events().iter().rev().find_map(|e| e.message(model));
    let mut expect = Vec::new();
    for item in ex.file.goals.iter().chain(&ex.file.rules) {
        expect.push(shift(item, t0, &ex.labels).map_err(|(f, m)| format!("{f}: {m}"))?);
    }
    let sc = crate::scenario::parse(
        &doc(model, journal.seed, steps, expect, Some(end)),
        "exercise",
        Path::new("."),
    )
    .map_err(|e| e.to_string())?;
    let verdicts = run_judged(&sc, journal.seed);
    let n = ex.file.goals.len();
    let text = |i: usize| {
        let note = ex
            .file
            .goals
            .iter()
            .chain(&ex.file.rules)
            .nth(i)
            .and_then(|v| v.get("note"))
            .and_then(Value::as_str);
        note.map(str::to_string)
            .unwrap_or_else(|| sc.expectations[i].text.clone())
    };
    let goals: Vec<Judged> = (0..n)
        .map(|i| judged(text(i), goal_state(&verdicts[i], finished), &verdicts[i]))
        .collect();
    let rules: Vec<Judged> = (n..verdicts.len())
        .map(|i| judged(text(i), rule_state(&verdicts[i], finished), &verdicts[i]))
        .collect();
    let met = goals.iter().filter(|g| g.state == "met").count();
    let passed = met == n && rules.iter().all(|r| r.state == "kept");
    let hints = unlocked(&ex.file.hints, &goals, &rules, end - t0);
    Ok(Grade {
        exercise: ex.file.name.clone(),
        description: ex.file.description.clone(),
        started_ms: t0,
        now_ms,
        time_limit_ms: limit,
        time_left_ms: t0.saturating_add(limit).saturating_sub(now_ms),
        finished,
        goals,
        rules,
        met,
        total: n,
        passed,
        hints,
        last_alert,
    })
}

fn judged(text: String, state: &'static str, v: &Verdict) -> Judged {
    let seen = if matches!(state, "failed" | "broken") {
        v.seen.clone()
    } else {
        None
    };
    Judged { text, state, seen }
}

fn goal_state(v: &Verdict, finished: bool) -> &'static str {
    match (v.early, v.passed, finished) {
        (Some(true), _, _) | (None, true, _) => "met",
        (Some(false), _, _) | (None, false, true) => "failed",
        (None, false, false) => "open",
    }
}

fn rule_state(v: &Verdict, finished: bool) -> &'static str {
    match (v.early, v.passed, finished) {
        (Some(false), _, _) | (None, false, true) => "broken",
        _ => "kept",
    }
}

fn unlocked(hints: &[Hint], goals: &[Judged], rules: &[Judged], elapsed: u64) -> Vec<String> {
    hints
        .iter()
        .filter(|h| {
            let by_time = h.after.is_some_and(|a| elapsed >= a.0);
            let by_failure = h
                .failed
                .as_deref()
                .and_then(reference)
                .is_some_and(|(goal, i)| {
                    let list = if goal { goals } else { rules };
                    list.get(i)
                        .is_some_and(|j| matches!(j.state, "failed" | "broken"))
                });
            by_time || by_failure
        })
        .map(|h| h.text.clone())
        .collect()
}

/// What a cluster keeps of its exercise (in its state directory as `exercise.json`,
/// so the result survives a restart): the file's text and when it started.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub text: String,
    pub started_ms: u64,
}

/// The file in a state directory.
pub const ASSIGNMENT_FILE: &str = "exercise.json";
