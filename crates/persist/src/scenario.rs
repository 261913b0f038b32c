//! A recorded session as a scenario file (`GET /sim/v1/journal?format=scenario`,
//! `clustersim record`): the cluster inline, the seed, and every journaled input as a
//! timeline step at its virtual time, in the documented format of
//! `scenarios/README.md` (plain YAML, not the parser's types). `clustersim run` of it
//! reproduces the session's event log byte for byte: the runner, like replay,
//! processes the events due at a step's time before the step.
//!
//! Refused inputs become `refused: true` steps; a heal names the label given to the
//! fault step whose id it heals (`f<id>`). The journal is replayed here to learn both.

use crate::journal::Journal;
use crate::model::Model;
use crate::sim::{Applied, Input, Sim};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Renders the scenario. `expect_final`: the final state of every server and group
/// at the end as expectations; otherwise the one expectation is the number of
/// injected faults (a scenario needs at least one).
pub fn render(
    name: &str,
    model: &Arc<Model>,
    journal: &Journal,
    now_ms: u64,
) -> Result<String, String> {
    render_with(name, model, journal, now_ms, false)
}

pub fn render_with(
    name: &str,
    model: &Arc<Model>,
    journal: &Journal,
    now_ms: u64,
    expect_final: bool,
) -> Result<String, String> {
    if let Some(b) = &journal.base {
        return Err(format!(
            "the session's first {} inputs (before t={} ms) were checkpointed out of memory; \
             a session is recorded whole from a cluster served with --state DIR, or with \
             --checkpoint-every 0",
            b.inputs, b.at_ms
        ));
    }
    let (steps, mut sim) = steps(model, journal)?;
    sim.run_until(now_ms);
    let expect = if expect_final {
        final_state(&sim, now_ms)
    } else {
        let n = sim
            .events()
            .iter()
            .filter(|e| e.kind.as_str() == "fault-injected")
            .count();
        vec![json!({"count": {"kind": "fault-injected"}, "exactly": n})]
    };
    let doc = json!({
        "name": format!("recorded session of cluster {name}"),
        "description": format!("Recorded from cluster {name} at t={now_ms} ms ({} inputs)", journal.entries.len()),
        "cluster": model.source,
        "seed": journal.seed,
        "end": format!("{now_ms}ms"),
        "steps": steps,
        "expect": expect,
    });
    let body = serde_norway::to_string(&doc).map_err(|e| e.to_string())?;
    Ok(format!(
        "# Recorded by clustersim; `clustersim run` replays it to the same event log.\n{body}"
    ))
}

/// Every journaled input as a scenario step (at its time; faults labelled `f<id>`,
/// refused inputs `refused: true`), and the sim after the last one (replayed to learn
/// both). The journal must be whole (no checkpoint base).
pub fn steps(model: &Arc<Model>, journal: &Journal) -> Result<(Vec<Value>, Sim), String> {
    if let Some(b) = &journal.base {
        return Err(format!(
            "the session's first {} inputs (before t={} ms) were checkpointed out of memory",
            b.inputs, b.at_ms
        ));
    }
    let mut sim = Sim::new(model.clone(), journal.seed);
    let mut labels: BTreeMap<u64, String> = BTreeMap::new();
    let mut steps = Vec::new();
    for (i, e) in journal.entries.iter().enumerate() {
        sim.run_until(e.at_ms);
        let mut step = Map::new();
        step.insert("at".into(), json!(format!("{}ms", e.at_ms)));
        match &e.input {
            Input::Operation(op) => {
                let v = serde_json::to_value(op).map_err(|e| e.to_string())?;
                step.extend(v.as_object().cloned().unwrap_or_default());
            }
            Input::Fault(spec) => {
                if spec.at_ms.is_some() {
                    return Err(format!(
                        "journal entry {i}: a fault scheduled with at_ms has no scenario step form"
                    ));
                }
                let v = serde_json::to_value(&spec.kind).map_err(|e| e.to_string())?;
                let mut fields = v.as_object().cloned().unwrap_or_default();
                let kind = fields.remove("kind").unwrap_or(Value::Null);
                step.insert("fault".into(), kind);
                step.extend(fields);
                if let Some(d) = spec.duration_ms {
                    step.insert("duration".into(), json!(format!("{d}ms")));
                }
            }
            Input::Heal { heal } => match labels.get(heal) {
                Some(l) => {
                    step.insert("heal".into(), json!(l));
                }
                None => {
                    return Err(format!(
                        "journal entry {i}: heals fault {heal}, which no recorded step injected"
                    ))
                }
            },
        }
        match sim.apply(e.input.clone()) {
            Ok(Applied::Fault(id)) => {
                let l = format!("f{id}");
                step.insert("label".into(), json!(l));
                labels.insert(id, l);
            }
            Ok(_) => {}
            Err(_) => {
                step.insert("refused".into(), json!(true));
            }
        }
        steps.push(Value::Object(step));
    }
    Ok((steps, sim))
}

/// Every server's and group's status (and where each group runs) at the end.
fn final_state(sim: &Sim, now_ms: u64) -> Vec<Value> {
    let view = sim.view();
    let at = format!("{now_ms}ms");
    let mut v: Vec<Value> = view
        .servers
        .iter()
        .map(|s| json!({"at": at, "server": s.name, "status": s.status}))
        .collect();
    v.extend(
        view.groups
            .iter()
            .map(|g| json!({"at": at, "group": g.name, "status": g.status, "current": g.current})),
    );
    v
}
