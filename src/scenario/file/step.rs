//! The validation pass over one typed step: time order, trigger keys, labels, heals and
//! every name (through the core's resolver, `sim::names`).

use super::raw::{ActionFile, RefusedFile, StepFile, StepTimingFile};
use super::{fe, FieldErr};
use crate::model::{parse_duration, Model};
use crate::scenario::timeline::{fmt_ms, Action, Refusal, Step, Timing};
use crate::sim::names::{check_fault, check_operation, NameError};
use crate::sim::FaultSpec;
use serde_norway::{Mapping, Value};

/// Checks step `i` against the model and the steps before it.
pub fn check(model: &Model, earlier: &[Step], i: usize, raw: StepFile) -> Result<Step, FieldErr> {
    let prev_t = earlier.iter().rev().find_map(Step::at).unwrap_or(0);
    let timing = timing(model, &raw.timing, prev_t)?;
    let label = label(earlier, raw.timing.label.as_deref())?;
    let refused = match raw.timing.refused.clone() {
        None | Some(RefusedFile::Flag(false)) => Refusal::No,
        Some(RefusedFile::Flag(true)) => Refusal::Any,
        Some(RefusedFile::Containing(s)) => Refusal::Containing(s),
    };
    let (action, text) = action(model, earlier, &raw)?;
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

fn timing(model: &Model, t: &StepTimingFile, prev_t: u64) -> Result<Timing, FieldErr> {
    let timing = match (t.at, t.after, &t.when) {
        (Some(a), None, None) => {
            if a.0 < prev_t {
                return Err(fe(
                    "at",
                    format!(
                        "{} comes before the previous step's time {}; list steps in time order",
                        fmt_ms(a.0),
                        fmt_ms(prev_t)
                    ),
                ));
            }
            Timing::At(a.0)
        }
        (None, Some(a), None) => Timing::At(prev_t.saturating_add(a.0)),
        (None, None, Some(w)) => Timing::When {
            pattern: Box::new(
                w.resolve(model)
                    .map_err(|(f, m)| (format!("when.{f}"), m))?,
            ),
            from: t.from.map_or(0, |m| m.0),
            delay: t.delay.map_or(0, |m| m.0),
        },
        (None, None, None) => return Err(fe("at", "a step needs `at`, `after` or `when`")),
        _ => {
            return Err(fe(
                "at",
                "a step takes only one of `at`, `after` and `when`",
            ))
        }
    };
    if t.when.is_none() {
        for (k, v) in [("from", t.from), ("delay", t.delay)] {
            if v.is_some() {
                return Err(fe(
                    k,
                    format!("`{k}` belongs to a trigger (a step with `when`)"),
                ));
            }
        }
    }
    Ok(timing)
}

fn label(earlier: &[Step], label: Option<&str>) -> Result<Option<String>, FieldErr> {
    let Some(l) = label else { return Ok(None) };
    let problem = if l.trim().is_empty() || l.contains(char::is_whitespace) {
        Some(format!("label `{l}` is empty or contains a space"))
    } else if parse_duration(l).is_ok() {
        Some(format!("label `{l}` reads as a time; choose a word"))
    } else if earlier.iter().any(|s| s.label.as_deref() == Some(l)) {
        Some(format!("label `{l}` is used by an earlier step"))
    } else {
        None
    };
    match problem {
        Some(m) => Err(fe("label", m)),
        None => Ok(Some(l.to_string())),
    }
}

fn named(e: NameError) -> FieldErr {
    fe(e.field, e.error.message())
}

fn action(model: &Model, earlier: &[Step], raw: &StepFile) -> Result<(Action, String), FieldErr> {
    let duration = raw.timing.duration.map(|m| m.0);
    match &raw.action {
        ActionFile::Op(op) => {
            if duration.is_some() {
                return Err(fe(
                    "duration",
                    "`duration` applies to faults; `set-timeout-ratio` takes `duration_ms`",
                ));
            }
            check_operation(model, op).map_err(named)?;
            Ok((Action::Operate(op.clone()), describe("op", &raw.fields)))
        }
        ActionFile::Fault(kind) => {
            check_fault(model, kind).map_err(named)?;
            if duration == Some(0) {
                return Err(fe("duration", "a fault's duration must be longer than 0"));
            }
            let mut text = describe("fault", &raw.fields);
            if let Some(d) = duration {
                text.push_str(&format!(" for {}", fmt_ms(d)));
            }
            let spec = FaultSpec {
                kind: kind.clone(),
                at_ms: None,
                duration_ms: duration,
            };
            Ok((Action::Inject(spec), text))
        }
        ActionFile::Heal(l) => {
            let step = heal_target(earlier, l)?;
            let heal = Action::Heal {
                label: l.clone(),
                step,
            };
            Ok((heal, format!("heal {l}")))
        }
    }
}

/// The index of the earlier fault step labelled `l`.
fn heal_target(earlier: &[Step], l: &str) -> Result<usize, FieldErr> {
    match earlier.iter().find(|s| s.label.as_deref() == Some(l)) {
        Some(s) if matches!(s.action, Action::Inject(_)) => Ok(s.index),
        Some(_) => Err(fe("heal", format!("step `{l}` is not a fault"))),
        None => {
            let labels: Vec<&str> = earlier
                .iter()
                .filter(|s| matches!(s.action, Action::Inject(_)))
                .filter_map(|s| s.label.as_deref())
                .collect();
            let known = if labels.is_empty() {
                "none has a label".to_string()
            } else {
                format!("known: {}", labels.join(", "))
            };
            Err(fe(
                "heal",
                format!("no earlier fault step is labelled `{l}` ({known})"),
            ))
        }
    }
}

/// `op group-move group=failover1 target=server2`
fn describe(head: &str, m: &Mapping) -> String {
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
