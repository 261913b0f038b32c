//! One vocabulary, generated copies. Fault kinds, operations, inputs, event kinds,
//! statuses, settings and the scenario file are defined once, as Rust types; this module
//! derives from them (with `schemars`) every copy other parts need:
//!
//! - `scenarios/scenario.schema.json` ([`scenario_schema`]),
//! - the vocabulary and request-body components of `src/faces/expresscluster/openapi.json`
//!   ([`openapi_components`]),
//! - the dashboard's `GET /sim/v1/vocabulary` ([`vocabulary`]).
//!
//! `tests/generated.rs` regenerates the committed files in memory and fails when they
//! are stale; `UPDATE_EXPECT=1 cargo test --release --test generated` rewrites them.

#[cfg(test)]
mod names_check;
mod records;

pub use crate::scenario::file::scenario_schema;
pub use crate::scenario::pattern::Status;
pub use crate::sim::FaultState;
pub use records::{EventRecord, VocabularyRecord};

use crate::model::{Model, ResourceKind};
use crate::scenario::pattern::STATUSES;
use crate::sim::{EventKind, FaultInfo, FaultSpec, Operation};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// The component schemas of `openapi.json` that come from Rust types, keyed by their
/// component name. Other components (the product's response bodies) stay hand-written.
pub fn openapi_components() -> Map<String, Value> {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut gen = SchemaGenerator::new(settings);
    let mut roots = Map::new();
    roots.insert("Fault".into(), FaultSpec::json_schema(&mut gen).to_value());
    roots.insert(
        "FaultInfo".into(),
        FaultInfo::json_schema(&mut gen).to_value(),
    );
    roots.insert(
        "Event".into(),
        EventRecord::json_schema(&mut gen).to_value(),
    );
    roots.insert(
        "Operation".into(),
        Operation::json_schema(&mut gen).to_value(),
    );
    roots.insert(
        "Vocabulary".into(),
        VocabularyRecord::json_schema(&mut gen).to_value(),
    );
    for (k, v) in gen.take_definitions(true) {
        roots.entry(k).or_insert(v);
    }
    roots
}

/// `openapi.json` with its generated components replaced by the current ones. Only
/// those entries of `components.schemas` are rewritten, line by line, so the rest of
/// the hand-written document keeps its order and layout.
pub fn openapi_document(committed: &str) -> Result<String, String> {
    let mut lines: Vec<String> = committed.lines().map(String::from).collect();
    let start = lines
        .iter()
        .position(|l| l == "    \"schemas\": {")
        .ok_or("openapi.json has no components.schemas at 4 spaces")?;
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l == "    }" || l == "    },")
            .ok_or("components.schemas is not closed")?;
    let mut body: Vec<String> = lines[start + 1..end].to_vec();
    for (name, schema) in openapi_components() {
        let text = entry(&name, &schema);
        let open = format!("      \"{name}\": {{");
        match body.iter().position(|l| *l == open) {
            Some(i) => {
                let close = i + body[i..]
                    .iter()
                    .position(|l| l == "      }" || l == "      },")
                    .ok_or(format!("component {name} is not closed"))?;
                let comma = body[close].ends_with(',');
                let mut new: Vec<String> = text.lines().map(String::from).collect();
                if comma {
                    new.last_mut().expect("an entry has lines").push(',');
                }
                body.splice(i..=close, new);
            }
            None => {
                if let Some(last) = body.last_mut() {
                    last.push(',');
                }
                body.extend(text.lines().map(String::from));
            }
        }
    }
    lines.splice(start + 1..end, body);
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

/// `"name": {...}` at the indentation of a component entry (six spaces).
fn entry(name: &str, schema: &Value) -> String {
    let text = serde_json::to_string_pretty(schema).expect("a JSON value renders");
    let mut out = format!("      \"{name}\": ");
    for (i, l) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("\n      ");
        }
        out.push_str(l);
    }
    out
}

/// JSON with two-space indentation and a final newline, as the committed copies are.
pub fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("a JSON value renders");
    s.push('\n');
    s
}

/// What kind of cluster object a field of input kind `input` names, as the section of
/// the cluster file that lists them (a form offers those names). Checked against the
/// engine's own name resolver (`sim::names`) by the tests below.
pub fn names_of(input: &str, field: &str) -> &'static [&'static str] {
    match (input, field) {
        ("server-add", "server") => &[], // a new server's name
        (_, "server" | "target") => &["servers"],
        (_, "path" | "paths") => &["heartbeats"],
        (_, "resolver") => &["resolvers"],
        (_, "group") => &["groups"],
        (_, "resource") => &["resources"],
        (_, "monitor") => &["monitors"],
        (_, "script") => &["scripts"],
        (_, "connect") => &["mirror_connects"],
        (_, "sides") => &["servers", "resolvers"],
        _ => &[],
    }
}

/// One input kind's fields, read from its schema: name, JSON type, required, choices,
/// and the kind of object it names.
fn fields_of(variant: &Value, tag: &str, input: &str) -> Value {
    let required: Vec<&str> = variant["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = variant["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let fields: Vec<Value> = props
        .iter()
        .filter(|(k, _)| k.as_str() != tag)
        .map(|(k, p)| {
            let mut f = json!({"name": k, "required": required.contains(&k.as_str())});
            for key in ["type", "enum", "description", "items", "minimum"] {
                if let Some(v) = p.get(key) {
                    f[key] = v.clone();
                }
            }
            if let Some(r) = p.get("$ref").and_then(Value::as_str) {
                f["enum"] = json!(enum_of(r));
                f["type"] = json!("string");
            }
            let names = names_of(input, k);
            if !names.is_empty() {
                f["names"] = json!(names);
            }
            f
        })
        .collect();
    Value::Array(fields)
}

/// The string choices of a referenced enum (`CheckResult`).
fn enum_of(reference: &str) -> Vec<String> {
    let all = openapi_components();
    let name = reference.rsplit('/').next().unwrap_or_default();
    let Some(schema) = all.get(name) else {
        return Vec::new();
    };
    let words = |a: &Vec<Value>| -> Vec<String> {
        a.iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    if let Some(a) = schema.get("enum").and_then(Value::as_array) {
        return words(a);
    }
    // Variants with doc comments come out as `oneOf` of `const`s.
    schema["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("const").or_else(|| v["enum"].get(0)))
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// Kind name -> its fields, for a tagged enum's schema (`oneOf` of tagged objects).
fn kinds(schema: &Value, tag: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for v in schema["oneOf"].as_array().into_iter().flatten() {
        let name = v["properties"][tag]["const"]
            .as_str()
            .or_else(|| v["properties"][tag]["enum"][0].as_str());
        if let Some(name) = name {
            out.insert(name.to_string(), fields_of(v, tag, name));
        }
    }
    out
}

/// `GET /sim/v1/vocabulary`: the kinds and fields of faults and operations, event
/// kinds, statuses, the default dependency tiers of resource types, and this cluster's
/// resolved resource dependencies, so that the dashboard keeps no copy of its own.
pub fn vocabulary(model: &Model) -> Value {
    let mut gen = SchemaGenerator::default();
    let faults = crate::sim::FaultKind::json_schema(&mut gen).to_value();
    let ops = Operation::json_schema(&mut gen).to_value();
    let tiers: Map<String, Value> = ResourceKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), json!(k.default_tier())))
        .collect();
    let deps: Map<String, Value> = model
        .resources
        .iter()
        .map(|r| {
            let on: Vec<&str> = r
                .depends_on
                .iter()
                .map(|d| model.resources[*d].name.as_str())
                .collect();
            (r.name.clone(), json!(on))
        })
        .collect();
    json!({
        "fault_kinds": kinds(&faults, "kind"),
        "fault_timing": ["at_ms", "duration_ms"],
        "operations": kinds(&ops, "op"),
        "event_kinds": EventKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "statuses": STATUSES,
        "resource_tiers": tiers,
        "dependencies": deps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_lists_every_fault_kind_with_its_fields() {
        let v = vocabulary(&Model::default_cluster());
        let kinds = v["fault_kinds"].as_object().unwrap();
        let names: Vec<&str> = kinds.keys().map(String::as_str).collect();
        let mut want = crate::sim::FaultKind::KINDS.to_vec();
        want.sort();
        let mut got = names.clone();
        got.sort();
        assert_eq!(got, want);
        let mr = kinds["monitor-result"].as_array().unwrap();
        let result = mr.iter().find(|f| f["name"] == "result").unwrap();
        assert_eq!(result["required"], true);
        assert_eq!(result["enum"], json!(["error", "caution", "timeout"]));
        let server = mr.iter().find(|f| f["name"] == "server").unwrap();
        assert_eq!(server["required"], false);
        assert!(v["operations"]["group-move"].is_array());
        assert_eq!(v["resource_tiers"]["volmgr"], 1);
    }
}
