//! Real responses and files against the generated schemas: what the server answers on
//! `/sim/v1` and `/api/v1`, and every corpus scenario, must validate against the
//! documents generated from the Rust types (`src/faces/expresscluster/openapi.json`,
//! `scenarios/scenario.schema.json`), and wrong shapes must not.

mod rest_support;

use serde_json::{json, Value};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A validator for one component of `openapi.json`.
fn component(name: &str) -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("src/faces/expresscluster/openapi.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::validator_for(&schema).expect("the component compiles")
}

fn assert_valid(v: &jsonschema::Validator, what: &str, instance: &Value) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
}

#[test]
fn control_responses_match_the_generated_schemas() {
    let s = rest_support::manual(&[]);
    let fault = component("Fault");
    let bodies = [
        json!({"kind": "server-crash", "server": "server1"}),
        json!({"kind": "partition", "sides": [["server1"], ["server2"]], "at_ms": 500000}),
        json!({"kind": "monitor-result", "monitor": "fipw1", "result": "caution", "duration_ms": 60000}),
        json!({"kind": "activation-failure", "resource": "fip2", "server": "server1", "times": 0}),
    ];
    for b in &bodies {
        assert_valid(&fault, "a fault body the server accepts", b);
        let r = s.post("/sim/v1/faults", Some(&b.to_string()));
        assert_eq!(r.status, 200, "{b}: {}", r.text);
    }
    // A shape the server refuses is also outside the schema.
    let bad = json!({"kind": "monitor-result", "monitor": "fipw1", "result": "broken"});
    assert!(!fault.is_valid(&bad));
    assert_eq!(s.post("/sim/v1/faults", Some(&bad.to_string())).status, 400);

    let info = component("FaultInfo");
    let faults = s.get("/sim/v1/faults").body;
    let list = faults.as_array().expect("a list of faults");
    assert_eq!(list.len(), bodies.len());
    for f in list {
        assert_valid(&info, "GET /sim/v1/faults item", f);
    }
    s.advance(600_000);
    let event = component("Event");
    let events = s.get("/sim/v1/events").body;
    let events = events.as_array().expect("a list of events");
    assert!(events.iter().any(|e| e["kind"] == "failover-starting"));
    for e in events {
        assert_valid(&event, "GET /sim/v1/events item", e);
    }
    let vocabulary = s.get("/sim/v1/vocabulary").body;
    assert_valid(
        &component("Vocabulary"),
        "GET /sim/v1/vocabulary",
        &vocabulary,
    );
    assert_eq!(
        vocabulary["dependencies"]["script1"],
        json!(["fip1"]),
        "{vocabulary}"
    );
}

#[test]
fn product_responses_match_their_documented_schemas() {
    let s = rest_support::manual(&[]);
    for (path, name) in [
        ("/api/v1/servers", "ServersResponse"),
        ("/api/v1/groups", "GroupsResponse"),
        ("/api/v1/resources", "ResourcesResponse"),
        ("/api/v1/monitors", "MonitorsResponse"),
        ("/api/v1/metrics/groups/uptime", "UptimeResponse"),
    ] {
        assert_valid(&component(name), path, &s.get(path).body);
    }
    let r = s.post("/api/v1/groups/failover1/move", None);
    assert_valid(&component("OperationResult"), "a group move", &r.body);
}

fn yaml_to_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    serde_json::to_value(v).unwrap()
}

#[test]
fn every_corpus_scenario_matches_the_scenario_schema() {
    let text = std::fs::read_to_string(root().join("scenarios/scenario.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let v = jsonschema::validator_for(&schema).expect("the scenario schema compiles");
    let files = clustersim::scenario::cli::discover(&[root().join("scenarios")]).unwrap();
    for f in &files {
        assert_valid(&v, &f.display().to_string(), &yaml_to_json(f));
    }
    // Shape errors the loader refuses, the schema refuses too.
    for name in [
        "unknown-step-field",
        "missing-field",
        "missing-name",
        "refused-not-a-flag",
    ] {
        let f = root().join(format!("tests/broken_scenarios/{name}.yaml"));
        assert!(!v.is_valid(&yaml_to_json(&f)), "{name} passes the schema");
    }
}
