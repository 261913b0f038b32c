//! The scenario file format (YAML): name, description, cluster, seed, a timeline of steps
//! and a list of expectations. Loading checks every name against the cluster model, so
//! a broken file is reported before anything runs, as one line naming the file, the
//! step or expectation, and the field. `scenarios/README.md` documents the format.

use super::error::ScenarioError;
use super::expect::{
    describe_check, describe_condition, Anchor, Bound, Check, Condition, Expectation, On, Subject,
    Window,
};
use super::names::{check_fault, check_operation, resolve, Kind};
use super::pattern::{status_str, PatternFile};
use super::timeline::{fmt_ms, Action, Refusal, Step, Timing};
use crate::model::{parse_duration, ClusterFile, Millis, Model};
use crate::sim::{status, FaultKind, FaultSpec, Operation};
use serde::Deserialize;
use serde_norway::{Mapping, Value};
use std::path::Path;
use std::sync::Arc;

/// A loaded, checked scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file as the user named it.
    pub file: String,
    pub name: String,
    pub description: String,
    pub model: Arc<Model>,
    pub seed: u64,
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
        let mut end = 0;
        for s in &self.steps {
            match &s.timing {
                Timing::At(t) => end = end.max(*t),
                Timing::When { from, .. } => end = end.max(*from),
            }
        }
        for x in &self.expectations {
            let t = match &x.check {
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
            };
            end = end.max(t);
        }
        end
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    #[serde(default)]
    description: String,
    /// A path to a cluster file (relative to the scenario) or an inline cluster.
    #[serde(default)]
    cluster: Option<Value>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    end: Option<Millis>,
    #[serde(default)]
    steps: Vec<Value>,
    expect: Vec<Value>,
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
    let raw: ScenarioFile = serde_norway::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("line {} column {}", l.line(), l.column()))
            .unwrap_or_default();
        let mut msg = e.to_string();
        if let Some(i) = msg.find(" at line ") {
            msg.truncate(i);
        }
        ScenarioError::new(file, at, msg)
    })?;
    let err = |at: String, msg: String| ScenarioError::new(file, at, msg);
    if raw.name.trim().is_empty() {
        return Err(err("name".into(), "the scenario name is empty".into()));
    }
    let model = Arc::new(load_cluster(raw.cluster.as_ref(), file, dir)?);
    if raw.expect.is_empty() {
        return Err(err(
            "expect".into(),
            "a scenario needs at least one expectation".into(),
        ));
    }

    let mut steps: Vec<Step> = Vec::new();
    let mut prev_t = 0u64;
    for (i, v) in raw.steps.iter().enumerate() {
        let step =
            parse_step(&model, &steps, i, v, prev_t).map_err(|(f, m)| err(at("steps", i, f), m))?;
        if let Some(t) = step.at() {
            prev_t = t;
        }
        steps.push(step);
    }
    let mut expectations = Vec::new();
    for (i, v) in raw.expect.iter().enumerate() {
        let x = parse_expect(&model, &steps, i, v).map_err(|(f, m)| err(at("expect", i, f), m))?;
        expectations.push(x);
    }
    Ok(Scenario {
        file: file.to_string(),
        name: raw.name,
        description: raw.description,
        model,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        end: raw.end.map(|m| m.0),
        steps,
        expectations,
    })
}

fn at(list: &str, i: usize, field: String) -> String {
    if field.is_empty() {
        format!("{list}[{i}]")
    } else {
        format!("{list}[{i}].{field}")
    }
}

fn load_cluster(v: Option<&Value>, file: &str, dir: &Path) -> Result<Model, ScenarioError> {
    let join = |errs: Vec<crate::model::ConfigError>| {
        let all: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        ScenarioError::new(file, "cluster", all.join("; "))
    };
    match v {
        None => Ok(Model::default_cluster()),
        Some(Value::String(p)) => {
            let path = dir.join(p);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ScenarioError::new(
                    file,
                    "cluster",
                    format!("cannot read cluster file {}: {e}", path.display()),
                )
            })?;
            // A cluster YAML file or a clp.conf; import warnings go to stderr.
            crate::import::load_any(&text, &path.display().to_string())
                .map(|(m, warnings)| {
                    warnings.iter().for_each(|w| eprintln!("{w}"));
                    m
                })
                .map_err(|errs| ScenarioError::new(file, "cluster", errs.join("; ")))
        }
        Some(v @ Value::Mapping(_)) => {
            let cf: ClusterFile = serde_norway::from_value(v.clone())
                .map_err(|e| ScenarioError::new(file, "cluster", e.to_string()))?;
            Model::from_file(cf, &format!("{file} (inline cluster)")).map_err(join)
        }
        Some(_) => Err(ScenarioError::new(
            file,
            "cluster",
            "write a path to a cluster file or an inline cluster (a mapping)",
        )),
    }
}

type FieldErr = (String, String);

fn fe(field: &str, msg: impl Into<String>) -> FieldErr {
    (field.to_string(), msg.into())
}

/// Turns a serde message into (field, message): `missing field `x`` names field x.
fn serde_err(e: impl std::fmt::Display, default_field: &str) -> FieldErr {
    let msg = super::error::one_line(&e.to_string());
    let field = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| msg.find(p).map(|i| &msg[i + p.len()..]))
        .and_then(|rest| rest.split('`').next())
        .unwrap_or(default_field)
        .to_string();
    (field, msg)
}

fn duration_of(field: &str, v: &Value) -> Result<u64, FieldErr> {
    match v {
        Value::String(s) => parse_duration(s).map(|m| m.0).map_err(|m| fe(field, m)),
        Value::Number(n) => Err(fe(
            field,
            format!("`{n}` has no unit; write e.g. `{n}s` or `{n}ms`"),
        )),
        _ => Err(fe(field, "expected a duration such as `90s`")),
    }
}

fn string_of<'a>(field: &str, v: &'a Value) -> Result<&'a str, FieldErr> {
    v.as_str().ok_or_else(|| fe(field, "expected a string"))
}

/// Keys of a step that say when and how, not what.
const STEP_KEYS: &[&str] = &[
    "at", "after", "when", "from", "delay", "label", "refused", "duration", "note",
];

fn parse_step(
    model: &Model,
    earlier: &[Step],
    i: usize,
    v: &Value,
    prev_t: u64,
) -> Result<Step, FieldErr> {
    let Value::Mapping(map) = v else {
        return Err(fe(
            "",
            "a step is a mapping such as `{at: 90s, fault: server-crash, server: server1}`",
        ));
    };
    let get = |k: &str| map.get(k);
    let mut rest = Mapping::new();
    for (k, val) in map {
        let Some(key) = k.as_str() else {
            return Err(fe("", "step keys are strings"));
        };
        if !STEP_KEYS.contains(&key) {
            rest.insert(k.clone(), val.clone());
        }
    }

    // When.
    let timing = match (get("at"), get("after"), get("when")) {
        (Some(a), None, None) => {
            let t = duration_of("at", a)?;
            if t < prev_t {
                return Err(fe(
                    "at",
                    format!(
                        "{} comes before the previous step's time {}; list steps in time order",
                        fmt_ms(t),
                        fmt_ms(prev_t)
                    ),
                ));
            }
            Timing::At(t)
        }
        (None, Some(a), None) => Timing::At(prev_t.saturating_add(duration_of("after", a)?)),
        (None, None, Some(w)) => {
            let pf: PatternFile = serde_norway::from_value(w.clone()).map_err(|e| {
                let (f, m) = serde_err(e, "");
                (format!("when.{f}").trim_end_matches('.').to_string(), m)
            })?;
            let pattern = pf
                .resolve(model)
                .map_err(|(f, m)| (format!("when.{f}"), m))?;
            let from = get("from")
                .map(|x| duration_of("from", x))
                .transpose()?
                .unwrap_or(0);
            let delay = get("delay")
                .map(|x| duration_of("delay", x))
                .transpose()?
                .unwrap_or(0);
            Timing::When {
                pattern: Box::new(pattern),
                from,
                delay,
            }
        }
        (None, None, None) => return Err(fe("at", "a step needs `at`, `after` or `when`")),
        _ => {
            return Err(fe(
                "at",
                "a step takes only one of `at`, `after` and `when`",
            ))
        }
    };
    if !matches!(timing, Timing::When { .. }) {
        for k in ["from", "delay"] {
            if get(k).is_some() {
                return Err(fe(
                    k,
                    format!("`{k}` belongs to a trigger (a step with `when`)"),
                ));
            }
        }
    }

    let label = match get("label") {
        Some(l) => {
            let l = string_of("label", l)?.to_string();
            if l.trim().is_empty() || l.contains(char::is_whitespace) {
                return Err(fe(
                    "label",
                    format!("label `{l}` is empty or contains a space"),
                ));
            }
            if parse_duration(&l).is_ok() {
                return Err(fe(
                    "label",
                    format!("label `{l}` reads as a time; choose a word"),
                ));
            }
            if earlier
                .iter()
                .any(|s| s.label.as_deref() == Some(l.as_str()))
            {
                return Err(fe(
                    "label",
                    format!("label `{l}` is used by an earlier step"),
                ));
            }
            Some(l)
        }
        None => None,
    };
    let refused = match get("refused") {
        None | Some(Value::Bool(false)) => Refusal::No,
        Some(Value::Bool(true)) => Refusal::Any,
        Some(Value::String(s)) => Refusal::Containing(s.clone()),
        Some(_) => {
            return Err(fe(
                "refused",
                "expected `true` or a piece of the refusal message",
            ))
        }
    };

    // What.
    let action_keys: Vec<&str> = ["op", "fault", "heal"]
        .into_iter()
        .filter(|k| rest.contains_key(*k))
        .collect();
    let (action, text) = match action_keys.as_slice() {
        ["op"] => {
            if get("duration").is_some() {
                return Err(fe(
                    "duration",
                    "`duration` applies to faults; `set-timeout-ratio` takes `duration_ms`",
                ));
            }
            let op: Operation = serde_norway::from_value(Value::Mapping(rest.clone()))
                .map_err(|e| serde_err(e, "op"))?;
            check_operation(model, &op).map_err(|(f, m)| fe(f, m))?;
            (Action::Operate(op), describe_fields("op", &rest))
        }
        ["fault"] => {
            let mut m = Mapping::new();
            for (k, val) in &rest {
                let key = if k.as_str() == Some("fault") {
                    Value::String("kind".into())
                } else {
                    k.clone()
                };
                m.insert(key, val.clone());
            }
            let kind: FaultKind = serde_norway::from_value(Value::Mapping(m)).map_err(|e| {
                let (f, msg) = serde_err(e, "fault");
                (
                    if f == "kind" { "fault".into() } else { f },
                    msg.replace("`kind`", "`fault`"),
                )
            })?;
            check_fault(model, &kind).map_err(|(f, m)| fe(f, m))?;
            let duration_ms = get("duration")
                .map(|d| duration_of("duration", d))
                .transpose()?;
            if duration_ms == Some(0) {
                return Err(fe("duration", "a fault's duration must be longer than 0"));
            }
            let mut text = describe_fields("fault", &rest);
            if let Some(d) = duration_ms {
                text.push_str(&format!(" for {}", fmt_ms(d)));
            }
            (
                Action::Inject(FaultSpec {
                    kind,
                    at_ms: None,
                    duration_ms,
                }),
                text,
            )
        }
        ["heal"] => {
            if rest.len() > 1 {
                let extra: Vec<&str> = rest
                    .keys()
                    .filter_map(|k| k.as_str())
                    .filter(|k| *k != "heal")
                    .collect();
                return Err(fe(
                    extra[0],
                    format!("unknown field `{}` for a heal step", extra[0]),
                ));
            }
            let l = string_of("heal", &rest["heal"])?.to_string();
            let target = earlier
                .iter()
                .find(|s| s.label.as_deref() == Some(l.as_str()));
            let step = match target {
                Some(s) if matches!(s.action, Action::Inject(_)) => s.index,
                Some(_) => return Err(fe("heal", format!("step `{l}` is not a fault"))),
                None => {
                    let labels: Vec<&str> = earlier
                        .iter()
                        .filter(|s| matches!(s.action, Action::Inject(_)))
                        .filter_map(|s| s.label.as_deref())
                        .collect();
                    return Err(fe(
                        "heal",
                        format!(
                            "no earlier fault step is labelled `{l}` ({})",
                            if labels.is_empty() {
                                "none has a label".to_string()
                            } else {
                                format!("known: {}", labels.join(", "))
                            }
                        ),
                    ));
                }
            };
            (
                Action::Heal {
                    label: l.clone(),
                    step,
                },
                format!("heal {l}"),
            )
        }
        [] => {
            let unknown = rest.keys().filter_map(|k| k.as_str()).next();
            return Err(match unknown {
                Some(k) => fe(
                    k,
                    format!("unknown field `{k}`; a step does `op`, `fault` or `heal`"),
                ),
                None => fe("op", "a step needs one of `op`, `fault` or `heal`"),
            });
        }
        _ => {
            return Err(fe(
                action_keys[1],
                "a step does only one of `op`, `fault` and `heal`",
            ))
        }
    };
    let when = match &timing {
        Timing::At(t) => format!("at {}", fmt_ms(*t)),
        Timing::When { pattern, delay, .. } if *delay > 0 => {
            format!("{} after `{}`", fmt_ms(*delay), pattern.text)
        }
        Timing::When { pattern, .. } => format!("when `{}`", pattern.text),
    };
    let name = label
        .as_ref()
        .map(|l| format!(" [{l}]"))
        .unwrap_or_default();
    Ok(Step {
        index: i,
        label,
        timing,
        action,
        refused,
        text: format!("steps[{i}]{name} {when}: {text}"),
    })
}

/// `op group-move group=failover1 target=server2`
fn describe_fields(head: &str, m: &Mapping) -> String {
    let mut out = String::new();
    if let Some(v) = m.get(head) {
        out = format!("{head} {}", scalar(v));
    }
    for (k, v) in m {
        let k = k.as_str().unwrap_or("?");
        if k != head {
            out.push_str(&format!(" {k}={}", scalar(v)));
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The fields of a state condition, shared by `at`/`within` expectations and invariants.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct ConditionFile {
    cluster: Option<Value>,
    server: Option<String>,
    group: Option<String>,
    resource: Option<String>,
    monitor: Option<String>,
    heartbeat: Option<String>,
    resolver: Option<String>,
    status: Option<String>,
    not: Option<String>,
    current: Option<String>,
    instance: Option<String>,
    view_from: Option<String>,
    online_on_servers: Option<u32>,
    suspended: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFile {
    note: Option<String>,
    at: Option<Millis>,
    within: Option<Millis>,
    since: Option<String>,
    sequence: Option<Vec<PatternFile>>,
    count: Option<PatternFile>,
    exactly: Option<u64>,
    at_least: Option<u64>,
    at_most: Option<u64>,
    always: Option<ConditionFile>,
    never: Option<ConditionFile>,
    from: Option<Millis>,
    until: Option<Millis>,
    // A state condition, for `at` and `within`.
    cluster: Option<Value>,
    server: Option<String>,
    group: Option<String>,
    resource: Option<String>,
    monitor: Option<String>,
    heartbeat: Option<String>,
    resolver: Option<String>,
    status: Option<String>,
    not: Option<String>,
    current: Option<String>,
    instance: Option<String>,
    view_from: Option<String>,
    online_on_servers: Option<u32>,
    suspended: Option<bool>,
}

impl ExpectFile {
    fn condition(&self) -> ConditionFile {
        ConditionFile {
            cluster: self.cluster.clone(),
            server: self.server.clone(),
            group: self.group.clone(),
            resource: self.resource.clone(),
            monitor: self.monitor.clone(),
            heartbeat: self.heartbeat.clone(),
            resolver: self.resolver.clone(),
            status: self.status.clone(),
            not: self.not.clone(),
            current: self.current.clone(),
            instance: self.instance.clone(),
            view_from: self.view_from.clone(),
            online_on_servers: self.online_on_servers,
            suspended: self.suspended,
        }
    }
    fn has_condition(&self) -> bool {
        let c = self.condition();
        c.cluster.is_some()
            || c.server.is_some()
            || c.group.is_some()
            || c.resource.is_some()
            || c.monitor.is_some()
            || c.heartbeat.is_some()
            || c.resolver.is_some()
            || c.status.is_some()
            || c.not.is_some()
            || c.current.is_some()
            || c.instance.is_some()
            || c.view_from.is_some()
            || c.online_on_servers.is_some()
            || c.suspended.is_some()
    }
}

fn parse_expect(
    model: &Model,
    steps: &[Step],
    i: usize,
    v: &Value,
) -> Result<Expectation, FieldErr> {
    let raw: ExpectFile = serde_norway::from_value(v.clone()).map_err(|e| serde_err(e, ""))?;
    let window = Window {
        from: raw.from.map_or(0, |m| m.0),
        until: raw.until.map(|m| m.0),
    };
    if let Some(u) = window.until {
        if u < window.from {
            return Err(fe("until", "`until` comes before `from`"));
        }
    }
    let forms: Vec<&str> = [
        ("at", raw.at.is_some()),
        ("within", raw.within.is_some()),
        ("sequence", raw.sequence.is_some()),
        ("count", raw.count.is_some()),
        ("always", raw.always.is_some()),
        ("never", raw.never.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect();
    let form = match forms.as_slice() {
        [one] => *one,
        [] => return Err(fe(
            "",
            "an expectation needs one of `at`, `within`, `sequence`, `count`, `always`, `never`",
        )),
        [_, second, ..] => {
            return Err(fe(
                second,
                format!("an expectation takes one of {}", forms.join(", ")),
            ))
        }
    };
    let no_condition = |form: &str| {
        if raw.has_condition() {
            Err(fe(
                "",
                format!("a `{form}` expectation takes no state fields (`group`, `status`, ...)"),
            ))
        } else {
            Ok(())
        }
    };
    let no_window = |form: &str| {
        if raw.from.is_some() || raw.until.is_some() {
            Err(fe(
                "from",
                format!("`from`/`until` do not apply to `{form}`"),
            ))
        } else {
            Ok(())
        }
    };
    if raw.since.is_some() && form != "within" {
        return Err(fe("since", "`since` belongs to a `within` expectation"));
    }
    if (raw.exactly.is_some() || raw.at_least.is_some() || raw.at_most.is_some()) && form != "count"
    {
        return Err(fe(
            "exactly",
            "`exactly`/`at_least`/`at_most` belong to a `count` expectation",
        ));
    }
    let check = match form {
        "at" => {
            no_window("at")?;
            Check::At {
                t: raw.at.map_or(0, |m| m.0),
                cond: condition(model, &raw.condition(), "")?,
            }
        }
        "within" => {
            no_window("within")?;
            let since = match raw.since.as_deref() {
                None => Anchor::Time(0),
                Some(s) => match parse_duration(s) {
                    Ok(m) => Anchor::Time(m.0),
                    Err(_) => match steps.iter().find(|x| x.label.as_deref() == Some(s)) {
                        Some(x) => Anchor::Step(x.index),
                        None => {
                            return Err(fe(
                                "since",
                                format!("`{s}` is neither a time nor the label of a step"),
                            ))
                        }
                    },
                },
            };
            Check::Within {
                since,
                within: raw.within.map_or(0, |m| m.0),
                cond: condition(model, &raw.condition(), "")?,
            }
        }
        "sequence" => {
            no_condition("sequence")?;
            let list = raw.sequence.as_deref().unwrap_or_default();
            if list.is_empty() {
                return Err(fe(
                    "sequence",
                    "a sequence needs at least one event pattern",
                ));
            }
            let mut items = Vec::new();
            for (j, p) in list.iter().enumerate() {
                items.push(
                    p.resolve(model)
                        .map_err(|(f, m)| (format!("sequence[{j}].{f}"), m))?,
                );
            }
            Check::Sequence { items, window }
        }
        "count" => {
            no_condition("count")?;
            let pattern = raw
                .count
                .as_ref()
                .map(|p| p.resolve(model))
                .transpose()
                .map_err(|(f, m)| (format!("count.{f}"), m))?;
            let bound = match (raw.exactly, raw.at_least, raw.at_most) {
                (Some(n), None, None) => Bound {
                    at_least: n,
                    at_most: Some(n),
                },
                (None, lo, hi) if lo.is_some() || hi.is_some() => {
                    let b = Bound {
                        at_least: lo.unwrap_or(0),
                        at_most: hi,
                    };
                    if hi.is_some_and(|h| h < b.at_least) {
                        return Err(fe("at_most", "`at_most` is below `at_least`"));
                    }
                    b
                }
                (None, None, None) => {
                    return Err(fe(
                        "exactly",
                        "a count needs `exactly`, `at_least` or `at_most`",
                    ))
                }
                _ => {
                    return Err(fe(
                        "exactly",
                        "`exactly` does not combine with `at_least`/`at_most`",
                    ))
                }
            };
            Check::Count {
                pattern: pattern.unwrap_or_default(),
                bound,
                window,
            }
        }
        "always" | "never" => {
            no_condition(form)?;
            let c = if form == "always" {
                raw.always.as_ref()
            } else {
                raw.never.as_ref()
            };
            let cond = condition(model, c.unwrap_or(&ConditionFile::default()), form)?;
            if form == "always" {
                Check::Always { cond, window }
            } else {
                Check::Never { cond, window }
            }
        }
        _ => unreachable!("forms are listed above"),
    };
    let text = describe_check(&check, |s| {
        steps[s]
            .label
            .clone()
            .unwrap_or_else(|| format!("steps[{s}]"))
    });
    let text = match raw.note {
        Some(n) => format!("{text} ({n})"),
        None => text,
    };
    Ok(Expectation {
        index: i,
        check,
        text,
    })
}

fn condition(model: &Model, c: &ConditionFile, prefix: &str) -> Result<Condition, FieldErr> {
    let f = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let subjects: Vec<(&str, Option<&String>, Kind)> = vec![
        ("server", c.server.as_ref(), Kind::Server),
        ("group", c.group.as_ref(), Kind::Group),
        ("resource", c.resource.as_ref(), Kind::Resource),
        ("monitor", c.monitor.as_ref(), Kind::Monitor),
        ("heartbeat", c.heartbeat.as_ref(), Kind::Path),
        ("resolver", c.resolver.as_ref(), Kind::Resolver),
    ];
    let named: Vec<_> = subjects
        .into_iter()
        .filter(|(_, v, _)| v.is_some())
        .collect();
    let subject = match (c.cluster.as_ref(), named.as_slice()) {
        (Some(v), []) => {
            let ok = matches!(v, Value::Bool(true)) || v.as_str() == Some(model.name.as_str());
            if !ok {
                return Err((f("cluster"), format!("write `cluster: true` or the cluster's name `{}`", model.name)));
            }
            Subject::Cluster
        }
        (None, [(field, Some(name), kind)]) => {
            let id = resolve(model, *kind, name).map_err(|m| (f(field), m))?;
            match kind {
                Kind::Server => Subject::Server(id),
                Kind::Group => Subject::Group(id),
                Kind::Resource => Subject::Resource(id),
                Kind::Monitor => Subject::Monitor(id),
                Kind::Path => Subject::Path(id),
                Kind::Resolver => Subject::Resolver(id),
                Kind::Script => unreachable!("scripts are not subjects"),
            }
        }
        (None, []) => {
            return Err((
                f("group"),
                "name the object: one of `cluster`, `server`, `group`, `resource`, `monitor`, `heartbeat`, `resolver`".into(),
            ))
        }
        _ => return Err((f("group"), "a condition is about one object only".into())),
    };
    let st = |field: &str, v: &Option<String>| -> Result<Option<&'static str>, FieldErr> {
        v.as_deref()
            .map(status_str)
            .transpose()
            .map_err(|m| (f(field), m))
    };
    let status = st("status", &c.status)?;
    let not = st("not", &c.not)?;
    let on = match (c.current.as_deref(), c.instance.as_deref()) {
        (Some(_), Some(_)) => {
            return Err((
                f("instance"),
                "use `current` (groups, resources) or `instance` (monitors, heartbeats), not both"
                    .into(),
            ))
        }
        (Some(s), None) => {
            if !matches!(subject, Subject::Group(_) | Subject::Resource(_)) {
                return Err((f("current"), "`current` applies to groups and resources; for monitors and heartbeats use `instance`".into()));
            }
            if s == status::NONE {
                Some(On::Nowhere)
            } else {
                Some(On::Server(
                    resolve(model, Kind::Server, s).map_err(|m| (f("current"), m))?,
                ))
            }
        }
        (None, Some(s)) => {
            if !matches!(subject, Subject::Monitor(_) | Subject::Path(_)) {
                return Err((f("instance"), "`instance` applies to monitors and heartbeats; for groups and resources use `current`".into()));
            }
            Some(On::Server(
                resolve(model, Kind::Server, s).map_err(|m| (f("instance"), m))?,
            ))
        }
        (None, None) => None,
    };
    let view_from = c
        .view_from
        .as_deref()
        .map(|s| resolve(model, Kind::Server, s))
        .transpose()
        .map_err(|m| (f("view_from"), m))?;
    if c.online_on_servers.is_some() {
        if !matches!(subject, Subject::Group(_)) {
            return Err((
                f("online_on_servers"),
                "`online_on_servers` applies to groups".into(),
            ));
        }
        if status.is_some() || not.is_some() || on.is_some() || view_from.is_some() {
            return Err((
                f("online_on_servers"),
                "`online_on_servers` stands alone (no status, current or view_from)".into(),
            ));
        }
        if c.online_on_servers == Some(0) {
            return Err((f("online_on_servers"), "count from 1".into()));
        }
    }
    if c.suspended.is_some() && subject != Subject::Cluster {
        return Err((f("suspended"), "`suspended` applies to the cluster".into()));
    }
    if status.is_none()
        && not.is_none()
        && on.is_none()
        && c.online_on_servers.is_none()
        && c.suspended.is_none()
    {
        return Err((
            f("status"),
            "say what to expect: `status`, `not`, `current`, `online_on_servers` or `suspended`"
                .into(),
        ));
    }
    let mut cond = Condition {
        subject,
        status,
        not,
        on,
        view_from,
        online_on_servers: c.online_on_servers,
        suspended: c.suspended,
        text: String::new(),
    };
    cond.text = describe_condition(model, &cond);
    Ok(cond)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Scenario, ScenarioError> {
        parse(text, "t.yaml", Path::new("."))
    }

    fn err(text: &str) -> (String, String) {
        let e = load_text(text).expect_err("the text is broken");
        assert!(!e.to_string().contains('\n'), "{e}");
        (e.at, e.problem)
    }

    const EXPECT: &str = "expect:\n  - {at: 1s, cluster: true, status: Normal}\n";

    #[test]
    fn resolves_after_relative_to_the_previous_step_and_defaults() {
        let sc = load_text(&format!(
            "name: n\nsteps:\n  - {{at: 10s, op: cluster-suspend}}\n  - {{after: 5s, op: cluster-resume}}\n{EXPECT}"
        ))
        .unwrap();
        assert_eq!(sc.steps[1].at(), Some(15_000));
        assert_eq!(sc.seed, DEFAULT_SEED);
        assert_eq!(sc.planned_end(), 15_000);
        assert_eq!(sc.model.name, Model::default_cluster().name);
    }

    #[test]
    fn a_fault_takes_its_duration_and_a_heal_its_label() {
        let sc = load_text(&format!(
            "name: n\nsteps:\n  - {{at: 1s, label: c, fault: server-crash, server: server1, duration: 2m}}\n  - {{at: 9s, heal: c}}\n{EXPECT}"
        ))
        .unwrap();
        match &sc.steps[0].action {
            Action::Inject(f) => assert_eq!(f.duration_ms, Some(120_000)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(sc.steps[1].action, Action::Heal { step: 0, .. }));
    }

    #[test]
    fn refuses_misplaced_and_conflicting_keys() {
        let s = |step: &str| format!("name: n\nsteps:\n  - {step}\n{EXPECT}");
        assert_eq!(
            err(&s(
                "{at: 1s, op: cluster-stop, fault: server-crash, server: server1}"
            ))
            .0,
            "steps[0].fault"
        );
        assert_eq!(
            err(&s("{at: 1s, after: 2s, op: cluster-stop}")).0,
            "steps[0].at"
        );
        assert_eq!(err(&s("{op: cluster-stop}")).0, "steps[0].at");
        assert_eq!(
            err(&s("{at: 1s, delay: 2s, op: cluster-stop}")).0,
            "steps[0].delay"
        );
        assert_eq!(
            err(&s("{at: 1s, op: cluster-stop, duration: 2s}")).0,
            "steps[0].duration"
        );
        assert_eq!(
            err(&s("{at: 1s, op: group-mve, group: failover1}")).0,
            "steps[0].op"
        );
        assert_eq!(
            err(&s("{at: 1s, fault: server-crsh, server: server1}")).0,
            "steps[0].fault"
        );
        assert_eq!(
            err(&s("{at: 1s, label: 5s, op: cluster-stop}")).0,
            "steps[0].label"
        );
        assert_eq!(
            err(&s(
                "{at: 1s, op: script-run, script: script.sh, target: 10.0.0.9}"
            ))
            .0,
            "steps[0].target"
        );
    }

    #[test]
    fn refuses_expectations_that_say_nothing_or_too_much() {
        let x = |e: &str| format!("name: n\nexpect:\n  - {e}\n");
        assert_eq!(err(&x("{at: 1s, group: failover1}")).0, "expect[0].status");
        assert_eq!(err(&x("{at: 1s}")).0, "expect[0].group");
        assert_eq!(
            err(&x("{at: 1s, within: 2s, group: failover1, status: Online}")).0,
            "expect[0].within"
        );
        assert_eq!(
            err(&x("{at: 1s, monitor: fipw1, current: server1}")).0,
            "expect[0].current"
        );
        assert_eq!(
            err(&x("{at: 1s, group: failover1, instance: server1}")).0,
            "expect[0].instance"
        );
        assert_eq!(
            err(&x("{at: 1s, group: failover1, on: server1}")).0,
            "expect[0].on"
        );
        assert_eq!(
            err(&x("{count: {kind: server-down}}")).0,
            "expect[0].exactly"
        );
        assert_eq!(
            err(&x("{count: {kind: server-down}, at_least: 3, at_most: 1}")).0,
            "expect[0].at_most"
        );
        assert_eq!(
            err(&x("{sequence: [{kind: server-down}, {group: nope}]}")).0,
            "expect[0].sequence[1].group"
        );
        assert_eq!(
            err(&x(
                "{never: {group: failover1, online_on_servers: 2, status: Online}}"
            ))
            .0,
            "expect[0].never.online_on_servers"
        );
        assert_eq!(
            err(&x(
                "{within: 5s, since: nowhere, server: server1, status: Online}"
            ))
            .0,
            "expect[0].since"
        );
        assert_eq!(err("name: n\nexpect: []\n").0, "expect");
    }

    #[test]
    fn an_inline_cluster_is_checked_like_a_cluster_file() {
        let (at, problem) = err(&format!(
            "name: n\ncluster:\n  cluster: {{name: c}}\n  servers: [{{name: a}}, {{name: a}}]\n{EXPECT}"
        ));
        assert_eq!(at, "cluster");
        assert!(problem.contains("duplicate name `a`"), "{problem}");
    }
}
