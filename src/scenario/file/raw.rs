//! The scenario file as written: typed serde structures and nothing else. Shape errors
//! (a missing or unknown field, a duration without unit, a wrong type) are found here,
//! each with the field it is about; names, times and labels are checked afterwards by
//! the validation pass (`step.rs`, `expectation.rs`).

use super::FieldErr;
use crate::model::Millis;
use crate::scenario::pattern::PatternFile;
use crate::sim::{FaultKind, Operation};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_norway::{Mapping, Value};

/// The top level. Steps and expectations stay YAML values here so that each one is
/// parsed on its own and its errors name its index (`steps[3].server`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "clustersim scenario",
    description = "A timeline of operations and faults in virtual time with expectations; see scenarios/README.md"
)]
pub struct ScenarioFile {
    #[schemars(length(min = 1))]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The ids of the behaviour catalogue (`behaviour/catalogue.yaml`, e.g. `EC-HB-1`)
    /// this scenario shows; every corpus scenario names at least one.
    #[serde(default)]
    pub covers: Vec<String>,
    /// A path to a cluster file (relative to the scenario) or an inline cluster.
    #[serde(default)]
    #[schemars(with = "Option<super::schema::ClusterSource>")]
    pub cluster: Option<Value>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// A snapshot file (`GET /sim/v1/snapshot`, relative to the scenario) to start
    /// from: its cluster, seed, inputs and virtual time. Step times stay absolute.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub end: Option<Millis>,
    #[serde(default)]
    #[schemars(with = "Vec<super::schema::StepSchema>")]
    pub steps: Vec<Value>,
    #[schemars(with = "Vec<super::schema::ExpectSchema>", length(min = 1))]
    pub expect: Vec<Value>,
}

/// Parses one item with serde and says which field an error is about: the path serde
/// walked, plus the field a `missing field`/`unknown field` message names.
pub fn typed<T: serde::de::DeserializeOwned>(v: Value, default_field: &str) -> Result<T, FieldErr> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let msg = crate::scenario::error::one_line(&e.inner().to_string());
        let named = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|p| msg.find(p).map(|i| &msg[i + p.len()..]))
            .and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), named) {
            (".", Some(f)) => f.to_string(),
            (".", None) => default_field.to_string(),
            (p, Some(f)) if !p.ends_with(f) => format!("{p}.{f}"),
            (p, _) => p.to_string(),
        };
        (field, msg)
    })
}

/// When a step runs, how it is named and what it expects: the keys of a step that are
/// not its action.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepTimingFile {
    pub at: Option<Millis>,
    pub after: Option<Millis>,
    pub when: Option<PatternFile>,
    pub from: Option<Millis>,
    pub delay: Option<Millis>,
    pub label: Option<String>,
    pub refused: Option<RefusedFile>,
    /// A fault's duration.
    pub duration: Option<Millis>,
    /// For the reader of the file only.
    #[allow(dead_code)]
    pub note: Option<String>,
}

impl StepTimingFile {
    pub const KEYS: &'static [&'static str] = &[
        "at", "after", "when", "from", "delay", "label", "refused", "duration", "note",
    ];
}

/// `refused: true` or a piece of the refusal message.
#[derive(Deserialize, Clone, JsonSchema)]
#[serde(
    untagged,
    expecting = "expected `true` or a piece of the refusal message"
)]
pub enum RefusedFile {
    Flag(bool),
    Containing(String),
}

/// What a step does.
#[derive(Clone, Debug)]
pub enum ActionFile {
    Op(Operation),
    /// Written with `fault:` as the tag (the REST body's `kind`).
    Fault(FaultKind),
    /// The label of the fault step to heal.
    Heal(String),
}

/// One step: its timing keys and its action, both typed.
pub struct StepFile {
    pub timing: StepTimingFile,
    pub action: ActionFile,
    /// The action's keys as written, for the step's text.
    pub fields: Mapping,
}

impl StepFile {
    /// Splits a step's keys into timing and action and parses both.
    pub fn parse(v: Value) -> Result<StepFile, FieldErr> {
        let Value::Mapping(map) = v else {
            return Err((
                String::new(),
                "a step is a mapping such as `{at: 90s, fault: server-crash, server: server1}`"
                    .into(),
            ));
        };
        let (mut timing, mut fields) = (Mapping::new(), Mapping::new());
        for (k, val) in map {
            let Some(key) = k.as_str() else {
                return Err((String::new(), "step keys are strings".into()));
            };
            if StepTimingFile::KEYS.contains(&key) {
                timing.insert(k, val);
            } else {
                fields.insert(k, val);
            }
        }
        let timing: StepTimingFile = typed(Value::Mapping(timing), "at")?;
        let action = action(&fields)?;
        Ok(StepFile {
            timing,
            action,
            fields,
        })
    }
}

fn action(fields: &Mapping) -> Result<ActionFile, FieldErr> {
    let tags: Vec<&str> = ["op", "fault", "heal"]
        .into_iter()
        .filter(|k| fields.contains_key(*k))
        .collect();
    match tags.as_slice() {
        ["op"] => typed(Value::Mapping(fields.clone()), "op").map(ActionFile::Op),
        ["fault"] => fault(fields).map(ActionFile::Fault),
        [_heal] => heal(fields).map(ActionFile::Heal),
        [] => Err(match fields.keys().filter_map(|k| k.as_str()).next() {
            Some(k) => (
                k.to_string(),
                format!("unknown field `{k}`; a step does `op`, `fault` or `heal`"),
            ),
            None => (
                "op".into(),
                "a step needs one of `op`, `fault` or `heal`".into(),
            ),
        }),
        [_, second, ..] => Err((
            second.to_string(),
            "a step does only one of `op`, `fault` and `heal`".into(),
        )),
    }
}

/// A fault step's fields with `fault` as the tag the fault kind calls `kind`.
fn fault(fields: &Mapping) -> Result<FaultKind, FieldErr> {
    let mut m = Mapping::new();
    for (k, val) in fields {
        let key = match k.as_str() {
            Some("fault") => Value::String("kind".into()),
            _ => k.clone(),
        };
        m.insert(key, val.clone());
    }
    typed(Value::Mapping(m), "fault").map_err(|(f, msg)| {
        let f = if f == "kind" { "fault".into() } else { f };
        (f, msg.replace("`kind`", "`fault`"))
    })
}

fn heal(fields: &Mapping) -> Result<String, FieldErr> {
    if let Some(extra) = fields
        .keys()
        .filter_map(|k| k.as_str())
        .find(|k| *k != "heal")
    {
        return Err((
            extra.to_string(),
            format!("unknown field `{extra}` for a heal step"),
        ));
    }
    match &fields["heal"] {
        Value::String(s) => Ok(s.clone()),
        _ => Err(("heal".into(), "expected a string".into())),
    }
}

/// The fields of a state condition, shared by `at`/`within` expectations and invariants.
#[derive(Deserialize, Default, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionFile {
    /// `true`, or the cluster's name.
    #[schemars(with = "Option<super::schema::ClusterFlag>")]
    pub cluster: Option<Value>,
    pub server: Option<String>,
    pub group: Option<String>,
    pub resource: Option<String>,
    pub monitor: Option<String>,
    pub heartbeat: Option<String>,
    pub resolver: Option<String>,
    /// An `md` resource: its mirror status (with `instance`, one server's).
    pub mirror: Option<String>,
    pub status: Option<String>,
    pub not: Option<String>,
    pub current: Option<String>,
    pub instance: Option<String>,
    pub view_from: Option<String>,
    pub online_on_servers: Option<u32>,
    pub suspended: Option<bool>,
    /// `true`: the condition is about every group, and holds when any group meets it
    /// (`never: {any_group: true, status: Offline}`: no group was ever Offline).
    pub any_group: Option<bool>,
}

impl ConditionFile {
    pub const KEYS: &'static [&'static str] = &[
        "cluster",
        "server",
        "group",
        "resource",
        "monitor",
        "heartbeat",
        "resolver",
        "mirror",
        "status",
        "not",
        "current",
        "instance",
        "view_from",
        "online_on_servers",
        "suspended",
        "any_group",
    ];
}

/// The form of an expectation and its window; an `at`/`within` expectation's state
/// condition is written beside these keys and parsed into `ExpectFile::condition`.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectFormFile {
    pub note: Option<String>,
    pub at: Option<Millis>,
    pub within: Option<Millis>,
    pub since: Option<String>,
    pub sequence: Option<Vec<PatternFile>>,
    pub count: Option<PatternFile>,
    pub exactly: Option<u64>,
    pub at_least: Option<u64>,
    pub at_most: Option<u64>,
    pub always: Option<ConditionFile>,
    pub never: Option<ConditionFile>,
    pub from: Option<Millis>,
    pub until: Option<Millis>,
}

/// One expectation: its form and, for `at`/`within`, the condition beside it.
pub struct ExpectFile {
    pub form: ExpectFormFile,
    /// `None` when no condition key is written.
    pub condition: Option<ConditionFile>,
}

impl ExpectFile {
    pub fn parse(v: Value) -> Result<ExpectFile, FieldErr> {
        let Value::Mapping(map) = v else {
            return Err((
                String::new(),
                "an expectation is a mapping such as `{at: 90s, group: failover1, status: Online}`"
                    .into(),
            ));
        };
        let (mut form, mut cond) = (Mapping::new(), Mapping::new());
        for (k, val) in map {
            if k.as_str().is_some_and(|k| ConditionFile::KEYS.contains(&k)) {
                cond.insert(k, val);
            } else {
                form.insert(k, val);
            }
        }
        let condition = if cond.is_empty() {
            None
        } else {
            Some(typed(Value::Mapping(cond), "")?)
        };
        Ok(ExpectFile {
            form: typed(Value::Mapping(form), "")?,
            condition,
        })
    }
}
