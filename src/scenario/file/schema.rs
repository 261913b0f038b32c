//! `scenarios/scenario.schema.json`, generated from the typed file structures (`raw.rs`),
//! the engine's `Operation` and `FaultKind`, and the event vocabulary. A step is written
//! flat (`{at: 90s, fault: server-crash, server: server1}`), so its schema is the
//! operation or fault variant's object with the timing keys added.

use super::raw::{ConditionFile, ExpectFormFile, ScenarioFile, StepTimingFile};
use crate::model::ClusterFile;
use crate::sim::{FaultKind, Operation};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// A path to a cluster file (relative to the scenario) or an inline cluster.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ClusterSource {
    /// A cluster file, relative to the scenario.
    Path(String),
    /// An inline cluster (the cluster file format).
    Inline(Box<ClusterFile>),
}

/// `cluster: true`, or the cluster's name.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ClusterFlag {
    Flag(bool),
    Name(String),
}

fn properties(schema: &Value) -> Map<String, Value> {
    schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// One step: an operation, a fault or a heal, with its timing keys.
pub struct StepSchema;

impl JsonSchema for StepSchema {
    fn schema_name() -> Cow<'static, str> {
        "Step".into()
    }
    fn json_schema(gen: &mut SchemaGenerator) -> Schema {
        let timing = properties(&StepTimingFile::json_schema(gen).to_value());
        let untimed = |mut v: Value, keep_duration: bool| {
            let props = v["properties"].as_object_mut().expect("an object variant");
            for (k, p) in &timing {
                if keep_duration || k != "duration" {
                    props.insert(k.clone(), p.clone());
                }
            }
            v
        };
        let mut variants = Vec::new();
        let ops = Operation::json_schema(gen).to_value();
        for v in ops["oneOf"].as_array().into_iter().flatten() {
            variants.push(untimed(v.clone(), false));
        }
        let faults = FaultKind::json_schema(gen).to_value();
        for v in faults["oneOf"].as_array().into_iter().flatten() {
            variants.push(untimed(retag(v.clone(), "kind", "fault"), true));
        }
        let heal = json!({
            "type": "object",
            "properties": {"heal": {"type": "string", "description": "The label of the fault step to heal."}},
            "required": ["heal"],
            "additionalProperties": false,
        });
        variants.push(untimed(heal, false));
        Schema::try_from(json!({
            "description": "When (`at`, `after` or `when`) and what: an operation (`op`), a fault (`fault`) or a heal (`heal`).",
            "oneOf": variants,
        }))
        .expect("an object schema")
    }
}

/// A fault variant with its tag renamed (`kind` in REST bodies, `fault` in scenarios).
fn retag(mut v: Value, from: &str, to: &str) -> Value {
    if let Some(props) = v["properties"].as_object_mut() {
        if let Some(p) = props.remove(from) {
            props.insert(to.into(), p);
        }
    }
    if let Some(req) = v["required"].as_array_mut() {
        for r in req.iter_mut().filter(|r| r.as_str() == Some(from)) {
            *r = json!(to);
        }
    }
    v
}

/// One expectation: its form keys and, for `at`/`within`, a state condition beside them.
pub struct ExpectSchema;

impl JsonSchema for ExpectSchema {
    fn schema_name() -> Cow<'static, str> {
        "Expectation".into()
    }
    fn json_schema(gen: &mut SchemaGenerator) -> Schema {
        let mut props = properties(&ExpectFormFile::json_schema(gen).to_value());
        props.extend(properties(&ConditionFile::json_schema(gen).to_value()));
        Schema::try_from(json!({
            "description": "One of `at`, `within`, `sequence`, `count`, `always`, `never`; see scenarios/README.md.",
            "type": "object",
            "properties": props,
            "additionalProperties": false,
        }))
        .expect("an object schema")
    }
}

/// The JSON Schema of a scenario file, as committed in `scenarios/scenario.schema.json`.
pub fn scenario_schema() -> Value {
    let gen = SchemaGenerator::new(SchemaSettings::draft07());
    gen.into_root_schema_for::<ScenarioFile>().to_value()
}
