//! The property a hunt tries to break, in the scenario expectation language: either one
//! expectation exactly as a scenario's `expect` list holds it (a YAML mapping such as
//! `{never: {group: failover1, online_on_servers: 2}}`), or one of these short forms,
//! each of which stands for expectations of that language:
//!
//! - `never both-active [group G]`: no group (or G) Online on two or more servers at
//!   once, each server's own account (`never: {group: G, online_on_servers: 2}` per
//!   group). This is the sweep's `double_activation` metric, not the `both-active`
//!   event (which the engine logs when it detects a double activation on reconnection;
//!   a split that never heals never logs it): for the event write `never event both-active`.
//! - `never event KIND`: no event of that kind (`count: {kind: KIND}, exactly: 0`).
//! - `group G STATUS within D since (any|first|last) fault`: after each fault (or the
//!   first, or the last) G reaches STATUS within D (`within: D, since: faultN, ...`).
//! - `at most N failover(s) per fault [group G]`: `failover-starting` events at most N
//!   times the number of faults.
//! - `at most N KIND event(s)`: at most N events of that kind.
//!
//! The fault steps of a schedule are labelled `fault1`, `fault2`, ... in time order, so
//! a YAML expectation may anchor on `since: fault1` (every schedule has a first fault).

use super::error::HuntError;
use crate::model::{parse_duration, Model};
use crate::scenario::pattern::status_str;
use crate::sim::EventKind;
use serde_json::{json, Value as Json};
use serde_norway::Value;

/// A parsed property: what the user wrote and its form.
#[derive(Clone, Debug)]
pub struct Property {
    pub text: String,
    form: Form,
}

#[derive(Clone, Debug)]
enum Form {
    NeverBothActive(Vec<String>),
    NeverEvent(String),
    WithinSince {
        group: String,
        status: String,
        within: String,
        since: Since,
    },
    FailoversPerFault {
        n: u64,
        group: Option<String>,
    },
    AtMostEvents {
        n: u64,
        kind: String,
    },
    Yaml(Value),
}

#[derive(Clone, Copy, Debug)]
enum Since {
    Any,
    First,
    Last,
}

/// The words of a property and where each starts (1-based column).
struct Words<'a> {
    text: &'a str,
    words: Vec<(usize, &'a str)>,
    at: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Words<'a> {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            match (c.is_whitespace(), start) {
                (true, Some(s)) => {
                    words.push((s + 1, &text[s..i]));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        Words { text, words, at: 0 }
    }
    fn column(&self) -> usize {
        self.words
            .get(self.at)
            .map_or(self.text.chars().count() + 1, |w| w.0)
    }
    fn err(&self, problem: impl Into<String>) -> HuntError {
        HuntError::new(format!("--property column {}", self.column()), problem)
    }
    fn next(&mut self, what: &str) -> Result<&'a str, HuntError> {
        match self.words.get(self.at) {
            Some((_, w)) => {
                self.at += 1;
                Ok(w)
            }
            None => Err(self.err(format!("the property ends where {what} was expected"))),
        }
    }
    fn word(&mut self, want: &[&str]) -> Result<&'a str, HuntError> {
        let w = self.words.get(self.at).map(|w| w.1);
        match w {
            Some(w) if want.contains(&w) => {
                self.at += 1;
                Ok(w)
            }
            Some(w) => Err(self.err(format!("`{w}`: expected {}", alternatives(want)))),
            None => Err(self.err(format!(
                "the property ends; expected {}",
                alternatives(want)
            ))),
        }
    }
    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.at).map(|w| w.1)
    }
    fn end(&self) -> Result<(), HuntError> {
        match self.peek() {
            None => Ok(()),
            Some(w) => Err(self.err(format!("`{w}`: nothing may follow here"))),
        }
    }
    /// Steps back to the word just read, so an error points at it.
    fn back(&mut self) -> &mut Self {
        self.at = self.at.saturating_sub(1);
        self
    }
}

fn alternatives(want: &[&str]) -> String {
    let quoted: Vec<String> = want.iter().map(|w| format!("`{w}`")).collect();
    quoted.join(" or ")
}

impl Property {
    /// Parses `text`, checking every name against `model`.
    pub fn parse(text: &str, model: &Model) -> Result<Property, HuntError> {
        let trimmed = text.trim();
        let form = if trimmed.starts_with('{') {
            let v: Value = serde_norway::from_str(trimmed).map_err(|e| {
                let at = e.location().map_or("--property".to_string(), |l| {
                    format!("--property column {}", l.column())
                });
                HuntError::new(at, e.to_string())
            })?;
            Form::Yaml(v)
        } else {
            short_form(&mut Words::new(text), model)?
        };
        Ok(Property {
            text: trimmed.to_string(),
            form,
        })
    }

    /// The expectations (as in a scenario's `expect` list) for a schedule of `k` faults.
    pub fn expectations(&self, k: usize) -> Vec<Value> {
        let json: Vec<Json> = match &self.form {
            Form::NeverBothActive(groups) => groups
                .iter()
                .map(|g| json!({"never": {"group": g, "online_on_servers": 2}}))
                .collect(),
            Form::NeverEvent(kind) => vec![json!({"count": {"kind": kind}, "exactly": 0})],
            Form::WithinSince {
                group,
                status,
                within,
                since,
            } => {
                let anchors: Vec<usize> = match since {
                    Since::Any => (1..=k).collect(),
                    Since::First => vec![1],
                    Since::Last => vec![k.max(1)],
                };
                anchors
                    .into_iter()
                    .map(|i| {
                        json!({"within": within, "since": format!("fault{i}"),
                               "group": group, "status": status})
                    })
                    .collect()
            }
            Form::FailoversPerFault { n, group } => {
                let mut pattern = json!({"kind": "failover-starting"});
                if let Some(g) = group {
                    pattern["group"] = json!(g);
                }
                vec![json!({"count": pattern, "at_most": n.saturating_mul(k as u64)})]
            }
            Form::AtMostEvents { n, kind } => {
                vec![json!({"count": {"kind": kind}, "at_most": n})]
            }
            Form::Yaml(v) => return vec![v.clone()],
        };
        json.into_iter()
            .map(|j| serde_norway::to_value(j).unwrap_or(Value::Null))
            .collect()
    }
}

fn short_form(w: &mut Words, model: &Model) -> Result<Form, HuntError> {
    let form = match w.word(&["never", "group", "at"])? {
        "never" => match w.word(&["both-active", "event"])? {
            "both-active" => {
                let groups = if w.peek().is_some() {
                    w.word(&["group"])?;
                    vec![group(w, model)?]
                } else {
                    model.groups.iter().map(|g| g.name.clone()).collect()
                };
                if groups.is_empty() {
                    return Err(w.err("the cluster has no group"));
                }
                Form::NeverBothActive(groups)
            }
            _ => Form::NeverEvent(event_kind(w)?),
        },
        "group" => within_since(w, model)?,
        _ => {
            w.word(&["most"])?;
            let n = number(w)?;
            match w.peek() {
                Some("failover" | "failovers") => {
                    w.at += 1;
                    w.word(&["per"])?;
                    w.word(&["fault"])?;
                    let group = match w.peek() {
                        Some(_) => {
                            w.word(&["group"])?;
                            Some(group(w, model)?)
                        }
                        None => None,
                    };
                    Form::FailoversPerFault { n, group }
                }
                _ => {
                    let kind = event_kind(w)?;
                    w.word(&["event", "events"])?;
                    Form::AtMostEvents { n, kind }
                }
            }
        }
    };
    w.end()?;
    Ok(form)
}

fn within_since(w: &mut Words, model: &Model) -> Result<Form, HuntError> {
    let group = group(w, model)?;
    let status = w.next("a status such as Online")?;
    status_str(status).map_err(|m| w.back().err(m))?;
    w.word(&["within"])?;
    let within = w.next("a duration such as 120s")?;
    parse_duration(within).map_err(|m| w.back().err(m.to_string()))?;
    w.word(&["since"])?;
    let since = match w.word(&["any", "first", "last"])? {
        "any" => Since::Any,
        "first" => Since::First,
        _ => Since::Last,
    };
    w.word(&["fault"])?;
    Ok(Form::WithinSince {
        group,
        status: status.to_string(),
        within: within.to_string(),
        since,
    })
}

fn group(w: &mut Words, model: &Model) -> Result<String, HuntError> {
    let g = w.next("a group name")?;
    if model.group_id(g).is_none() {
        let all: Vec<&str> = model.groups.iter().map(|g| g.name.as_str()).collect();
        return Err(w
            .back()
            .err(format!("no group `{g}`; the groups are {}", all.join(", "))));
    }
    Ok(g.to_string())
}

fn event_kind(w: &mut Words) -> Result<String, HuntError> {
    let k = w.next("an event kind such as both-active")?;
    if EventKind::from_name(k).is_none() {
        return Err(w.back().err(format!("`{k}` is not an event kind")));
    }
    Ok(k.to_string())
}

fn number(w: &mut Words) -> Result<u64, HuntError> {
    let n = w.next("a whole number")?;
    n.parse()
        .map_err(|_| w.back().err(format!("`{n}`: expected a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Property, HuntError> {
        Property::parse(t, &Model::default_cluster())
    }

    #[test]
    fn short_forms_become_expectations() {
        let p = parse("never both-active").unwrap();
        assert_eq!(p.expectations(1).len(), 2);
        let p = parse("group failover1 Online within 120s since any fault").unwrap();
        assert_eq!(p.expectations(3).len(), 3);
        let p = parse("at most 1 failover per fault").unwrap();
        let x = serde_json::to_string(&p.expectations(2)).unwrap();
        assert!(x.contains("\"at_most\":2"), "{x}");
        assert!(parse("at most 0 both-active events").is_ok());
        assert!(parse("{never: {group: failover1, online_on_servers: 2}}").is_ok());
    }

    #[test]
    fn errors_name_the_column() {
        let e = parse("never both-activ").unwrap_err();
        assert_eq!(e.place, "--property column 7", "{e}");
        let e = parse("group nope Online within 2m since any fault").unwrap_err();
        assert_eq!(e.place, "--property column 7", "{e}");
        assert!(e.problem.contains("failover1"), "{e}");
        let e = parse("group failover1 Online within 2 since any fault").unwrap_err();
        assert_eq!(e.place, "--property column 31", "{e}");
        let e = parse("never both-active group").unwrap_err();
        assert!(e.problem.contains("ends"), "{e}");
    }
}
