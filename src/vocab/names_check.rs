//! The vocabulary's `names` (which cluster objects a field names, `names_of`) held
//! against the engine's own name resolver: for every fault kind and operation, a body
//! built from those names is accepted, and an unknown name in each named field is
//! refused for that very field.

use super::{names_of, vocabulary};
use crate::model::Model;
use crate::sim::names::{check_fault, check_operation, NameError};
use crate::sim::{FaultKind, Operation};
use serde_json::{json, Map, Value};

fn cluster(file: &str) -> Model {
    let path = format!("{}/scenarios/clusters/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the corpus cluster is there");
    Model::from_yaml(&text, &path).expect("the corpus cluster is valid")
}

/// The first name of cluster file section `section` for input `input` (mirror-recover
/// takes only mirror disks among the resources; every other input takes any).
fn first(model: &Model, input: &str, section: &str) -> Option<String> {
    let of = |v: Vec<&String>| v.first().map(|s| s.to_string());
    match section {
        "servers" => of(model.servers.iter().map(|x| &x.name).collect()),
        "heartbeats" => of(model.paths.iter().map(|x| &x.name).collect()),
        "resolvers" => of(model.resolvers.iter().map(|x| &x.name).collect()),
        "groups" => of(model.groups.iter().map(|x| &x.name).collect()),
        "resources" => model
            .resources
            .iter()
            .find(|r| input != "mirror-recover" || r.mirror.is_some())
            .map(|r| r.name.clone()),
        "monitors" => of(model.monitors.iter().map(|x| &x.name).collect()),
        "scripts" => of(model.scripts.iter().map(|x| &x.name).collect()),
        "mirror_connects" => of(model.mirror_connects.iter().map(|x| &x.name).collect()),
        other => panic!("names_of names an unknown section {other}"),
    }
}

fn is_array(f: &Value) -> bool {
    f["type"] == "array"
        || f["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("array")))
}

/// A valid value for field `f` in `model`, or None when the model has no such object.
fn value(model: &Model, input: &str, f: &Value) -> Option<Value> {
    let name = f["name"].as_str().unwrap();
    let names = names_of(input, name);
    if name == "sides" {
        let s: Vec<&str> = model.servers.iter().map(|s| s.name.as_str()).collect();
        return Some(json!([[s[0]], [s[1]]]));
    }
    if let Some(section) = names.first() {
        let n = first(model, input, section)?;
        return Some(if is_array(f) { json!([n]) } else { json!(n) });
    }
    if let Some(choice) = f["enum"].get(0) {
        return Some(choice.clone());
    }
    let ty = f["type"]
        .as_str()
        .or_else(|| f["type"][0].as_str())
        .unwrap_or("string");
    Some(match ty {
        "boolean" => json!(false),
        "integer" => json!(1),
        _ => json!("new1"),
    })
}

/// The body of `input` with every required and every named field filled in.
fn body(model: &Model, tag: &str, input: &str, fields: &[Value]) -> Option<Map<String, Value>> {
    let mut b = Map::new();
    b.insert(tag.into(), json!(input));
    for f in fields {
        if f["required"] == true || f.get("names").is_some() {
            b.insert(f["name"].as_str().unwrap().into(), value(model, input, f)?);
        }
    }
    Some(b)
}

fn check(model: &Model, tag: &str, b: &Map<String, Value>) -> Result<(), NameError> {
    let v = Value::Object(b.clone());
    if tag == "kind" {
        let k: FaultKind = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
        check_fault(model, &k)
    } else {
        let o: Operation = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
        check_operation(model, &o)
    }
}

#[test]
fn every_named_field_names_what_the_engine_resolves() {
    let models = [cluster("two-node.yaml"), cluster("two-node-mirror.yaml")];
    for (section, tag) in [("fault_kinds", "kind"), ("operations", "op")] {
        let inputs = vocabulary(&models[0])[section].as_object().unwrap().clone();
        for (input, fields) in &inputs {
            let fields = fields.as_array().unwrap();
            let mut checked = false;
            for model in &models {
                let Some(good) = body(model, tag, input, fields) else {
                    continue;
                };
                check(model, tag, &good).unwrap_or_else(|e| panic!("{input}: {good:?}: {e:?}"));
                for f in fields.iter().filter(|f| f.get("names").is_some()) {
                    let name = f["name"].as_str().unwrap();
                    let mut bad = good.clone();
                    bad[name] = match name {
                        "sides" => json!([[good["sides"][0][0], "nosuch"], good["sides"][1]]),
                        _ if is_array(f) => json!(["nosuch"]),
                        _ => json!("nosuch"),
                    };
                    let e = check(model, tag, &bad)
                        .expect_err(&format!("{input}.{name}: nosuch accepted"));
                    assert_eq!(e.field, name, "{input}: {e:?}");
                }
                checked = true;
            }
            assert!(checked, "no corpus cluster has every object {input} names");
        }
    }
}
