//! The validation pass over one typed expectation: exactly one form, keys that belong
//! to it, windows and bounds in order, event patterns and conditions resolved.

use super::condition::condition;
use super::raw::{ConditionFile, ExpectFile, ExpectFormFile};
use super::{fe, FieldErr};
use crate::model::{parse_duration, Model};
use crate::scenario::expect::{describe_check, Anchor, Bound, Check, Expectation, Window};
use crate::scenario::pattern::{EventPattern, PatternFile};
use crate::scenario::timeline::Step;

/// Checks expectation `i` against the model and the steps.
pub fn check(
    model: &Model,
    steps: &[Step],
    i: usize,
    raw: ExpectFile,
) -> Result<Expectation, FieldErr> {
    let f = &raw.form;
    let window = window(f)?;
    let form = form(f)?;
    misplaced(f, form)?;
    if raw.condition.is_some() && !matches!(form, "at" | "within") {
        return Err(fe(
            "",
            format!("a `{form}` expectation takes no state fields (`group`, `status`, ...)"),
        ));
    }
    if (f.from.is_some() || f.until.is_some()) && matches!(form, "at" | "within") {
        return Err(fe(
            "from",
            format!("`from`/`until` do not apply to `{form}`"),
        ));
    }
    let cond = raw.condition.unwrap_or_default();
    let check = match form {
        "at" => Check::At {
            t: f.at.map_or(0, |m| m.0),
            cond: condition(model, &cond, "")?,
        },
        "within" => Check::Within {
            since: since(steps, f.since.as_deref())?,
            within: f.within.map_or(0, |m| m.0),
            cond: condition(model, &cond, "")?,
        },
        "sequence" => Check::Sequence {
            items: sequence(model, f.sequence.as_deref().unwrap_or_default())?,
            window,
        },
        "count" => Check::Count {
            pattern: pattern(model, f.count.as_ref(), "count")?,
            bound: bound(f)?,
            window,
        },
        "always" => Check::Always {
            cond: invariant(model, f.always.as_ref(), form)?,
            window,
        },
        _ => Check::Never {
            cond: invariant(model, f.never.as_ref(), form)?,
            window,
        },
    };
    let text = describe_check(&check, |s| {
        steps[s]
            .label
            .clone()
            .unwrap_or_else(|| format!("steps[{s}]"))
    });
    let text = match &f.note {
        Some(n) => format!("{text} ({n})"),
        None => text,
    };
    Ok(Expectation {
        index: i,
        check,
        text,
    })
}

fn window(f: &ExpectFormFile) -> Result<Window, FieldErr> {
    let w = Window {
        from: f.from.map_or(0, |m| m.0),
        until: f.until.map(|m| m.0),
    };
    if w.until.is_some_and(|u| u < w.from) {
        return Err(fe("until", "`until` comes before `from`"));
    }
    Ok(w)
}

/// The one form the expectation takes.
fn form(f: &ExpectFormFile) -> Result<&'static str, FieldErr> {
    let forms: Vec<&'static str> = [
        ("at", f.at.is_some()),
        ("within", f.within.is_some()),
        ("sequence", f.sequence.is_some()),
        ("count", f.count.is_some()),
        ("always", f.always.is_some()),
        ("never", f.never.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect();
    match forms.as_slice() {
        [one] => Ok(one),
        [] => Err(fe(
            "",
            "an expectation needs one of `at`, `within`, `sequence`, `count`, `always`, `never`",
        )),
        [_, second, ..] => Err(fe(
            second,
            format!("an expectation takes one of {}", forms.join(", ")),
        )),
    }
}

/// Keys that belong to another form.
fn misplaced(f: &ExpectFormFile, form: &str) -> Result<(), FieldErr> {
    if f.since.is_some() && form != "within" {
        return Err(fe("since", "`since` belongs to a `within` expectation"));
    }
    let counts = f.exactly.is_some() || f.at_least.is_some() || f.at_most.is_some();
    if counts && form != "count" {
        return Err(fe(
            "exactly",
            "`exactly`/`at_least`/`at_most` belong to a `count` expectation",
        ));
    }
    Ok(())
}

fn since(steps: &[Step], since: Option<&str>) -> Result<Anchor, FieldErr> {
    let Some(s) = since else {
        return Ok(Anchor::Time(0));
    };
    if let Ok(m) = parse_duration(s) {
        return Ok(Anchor::Time(m.0));
    }
    match steps.iter().find(|x| x.label.as_deref() == Some(s)) {
        Some(x) => Ok(Anchor::Step(x.index)),
        None => Err(fe(
            "since",
            format!("`{s}` is neither a time nor the label of a step"),
        )),
    }
}

fn sequence(model: &Model, list: &[PatternFile]) -> Result<Vec<EventPattern>, FieldErr> {
    if list.is_empty() {
        return Err(fe(
            "sequence",
            "a sequence needs at least one event pattern",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(j, p)| pattern(model, Some(p), &format!("sequence[{j}]")))
        .collect()
}

fn pattern(model: &Model, p: Option<&PatternFile>, at: &str) -> Result<EventPattern, FieldErr> {
    p.map(|p| p.resolve(model).map_err(|(f, m)| (format!("{at}.{f}"), m)))
        .transpose()
        .map(Option::unwrap_or_default)
}

fn bound(f: &ExpectFormFile) -> Result<Bound, FieldErr> {
    match (f.exactly, f.at_least, f.at_most) {
        (Some(n), None, None) => Ok(Bound {
            at_least: n,
            at_most: Some(n),
        }),
        (None, None, None) => Err(fe(
            "exactly",
            "a count needs `exactly`, `at_least` or `at_most`",
        )),
        (None, lo, hi) => {
            let b = Bound {
                at_least: lo.unwrap_or(0),
                at_most: hi,
            };
            if hi.is_some_and(|h| h < b.at_least) {
                return Err(fe("at_most", "`at_most` is below `at_least`"));
            }
            Ok(b)
        }
        _ => Err(fe(
            "exactly",
            "`exactly` does not combine with `at_least`/`at_most`",
        )),
    }
}

fn invariant(
    model: &Model,
    c: Option<&ConditionFile>,
    form: &str,
) -> Result<crate::scenario::expect::Condition, FieldErr> {
    condition(model, c.unwrap_or(&ConditionFile::default()), form)
}
