//! One run and its row. A row is a pure function of the plan and the run index, so the
//! file does not depend on threads or shards. JSON lines start with a header line
//! (`{"sweep":…,"header":{…}}`) that `sweep report` and `sweep merge` read; CSV has a
//! header of column names.

use super::plan::{Plan, Variant};
use crate::scenario::runner::run_observed;
use crate::sim::Sim;
use crate::synth::{drive, FaultLoad};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    pub fn of(path: &std::path::Path) -> Format {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            Format::Csv
        } else {
            Format::Jsonl
        }
    }
}

/// What one run gave.
#[derive(Clone, Debug)]
pub struct RunRow {
    pub run: u64,
    pub point: u64,
    pub seed: u64,
    pub flagged: bool,
    /// Broken expectations and failed steps (and engine panics).
    pub failures: u32,
    pub final_status: String,
    /// Per expectation: held.
    pub expect: Vec<bool>,
    pub metrics: Vec<Option<f64>>,
}

/// Index of `metrics` holding the double-activation count.
fn double_index(plan: &Plan) -> Option<usize> {
    plan.metric_names
        .iter()
        .position(|n| n == "double_activation.count")
}

/// Runs run `r` of `plan` on `variant` (the variant of its point).
pub fn run_one(plan: &Plan, variant: &Variant, r: u64) -> RunRow {
    let (point, seed) = plan.locate(r);
    let measured = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        measure(plan, variant, seed)
    }));
    let (failures, final_status, expect, metrics) = match measured {
        Ok(m) => m,
        Err(_) => (
            1,
            "engine panicked".to_string(),
            vec![false; plan.expectations.len()],
            vec![None; plan.metric_names.len()],
        ),
    };
    let doubles = double_index(plan).and_then(|i| metrics[i]).unwrap_or(0.0);
    RunRow {
        run: r,
        point,
        seed,
        flagged: failures > 0 || doubles > 0.0,
        failures,
        final_status,
        expect,
        metrics,
    }
}

type Measured = (u32, String, Vec<bool>, Vec<Option<f64>>);

fn measure(plan: &Plan, variant: &Variant, seed: u64) -> Measured {
    match variant {
        Variant::Scenario(sc) => {
            let (o, view) = run_observed(sc, seed, |sim| sim.view());
            let metrics = plan.metrics.measure(&o.model, &o.events, &view, o.end_ms);
            let expect: Vec<bool> = (0..sc.expectations.len())
                .map(|i| {
                    let tag = format!("expect[{i}] ");
                    !o.failures.iter().any(|f| f.what.starts_with(&tag))
                })
                .collect();
            (
                o.failures.len() as u32,
                view.status.to_string(),
                expect,
                metrics,
            )
        }
        Variant::Synthetic { model, load } => {
            let mut sim = Sim::new(model.clone(), seed);
            let mut fl = FaultLoad::new(seed, load.fault_every, model);
            if let Some(k) = &load.fault_kinds {
                // Checked when the plan was loaded.
                fl = fl
                    .only_kinds(k)
                    .unwrap_or_else(|_| FaultLoad::new(seed, load.fault_every, model));
            }
            drive(&mut sim, &mut fl, load.duration.0);
            let view = sim.view();
            let metrics = plan
                .metrics
                .measure(model, sim.events(), &view, load.duration.0);
            (0, view.status.to_string(), Vec::new(), metrics)
        }
    }
}

/// A metric value in JSON: integers without a fraction.
fn num(x: Option<f64>) -> String {
    match x {
        None => "null".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 9e15 => format!("{}", v as i64),
        Some(v) => serde_json::Number::from_f64(v).map_or("null".into(), |n| n.to_string()),
    }
}

fn text(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The header line of a JSON lines file.
pub fn json_header(plan: &Plan) -> String {
    let base = match &plan.base {
        super::plan::PlanBase::Scenario { path, .. } => json!({"scenario": path}),
        super::plan::PlanBase::Synthetic(s) => json!({"synthetic": s}),
    };
    let factors: Vec<Value> = plan
        .levels
        .iter()
        .map(|l| {
            let values: Vec<Value> = l.values.iter().map(|v| v.0.clone()).collect();
            let sets: Vec<Vec<String>> = l
                .values
                .iter()
                .map(|v| {
                    v.1.iter()
                        .map(|(k, x)| format!("{k}={}", crate::set::render_value(x)))
                        .collect()
                })
                .collect();
            json!({"name": l.name, "values": values, "sets": sets})
        })
        .collect();
    let header = json!({
        "name": plan.file.name,
        "file": plan.origin,
        "base": base,
        "factors": factors,
        "sets": plan.sets.iter().map(|o| o.to_arg()).collect::<Vec<_>>(),
        "sample": plan.sample.as_ref().map(|s| s.len()),
        "seeds": plan.seeds.len(),
        "points": plan.points(),
        "runs": plan.runs(),
        "metrics": plan.metric_names,
        "expectations": plan.expectations,
    });
    format!("{{\"sweep\":{},\"header\":{header}}}", text(&plan.hash))
}

/// The CSV header line.
pub fn csv_header(plan: &Plan) -> String {
    let mut cols: Vec<String> = ["sweep", "run", "point", "seed"].map(String::from).to_vec();
    cols.extend(plan.levels.iter().map(|l| l.name.clone()));
    cols.extend(["flagged", "failures", "final_status"].map(String::from));
    cols.extend(plan.metric_names.iter().cloned());
    cols.extend((0..plan.expectations.len()).map(|i| format!("expect.{i}")));
    cols.iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",")
}

/// The row as one line (without the newline).
pub fn render(plan: &Plan, row: &RunRow, format: Format) -> String {
    let labels = plan.labels(row.point);
    match format {
        Format::Jsonl => {
            let mut s = format!(
                "{{\"sweep\":{},\"run\":{},\"point\":{},\"seed\":{},\"factors\":{{",
                text(&plan.hash),
                row.run,
                row.point,
                row.seed
            );
            for (i, (l, v)) in plan.levels.iter().zip(&labels).enumerate() {
                let sep = if i > 0 { "," } else { "" };
                s.push_str(&format!("{sep}{}:{v}", text(&l.name)));
            }
            s.push_str(&format!(
                "}},\"flagged\":{},\"failures\":{},\"final_status\":{},\"expect\":[",
                row.flagged,
                row.failures,
                text(&row.final_status)
            ));
            let ex: Vec<&str> = row
                .expect
                .iter()
                .map(|b| if *b { "true" } else { "false" })
                .collect();
            s.push_str(&ex.join(","));
            s.push_str("],\"metrics\":{");
            for (i, (n, v)) in plan.metric_names.iter().zip(&row.metrics).enumerate() {
                let sep = if i > 0 { "," } else { "" };
                s.push_str(&format!("{sep}{}:{}", text(n), num(*v)));
            }
            s.push_str("}}");
            s
        }
        Format::Csv => {
            let mut f: Vec<String> = vec![
                plan.hash.clone(),
                row.run.to_string(),
                row.point.to_string(),
                row.seed.to_string(),
            ];
            f.extend(
                labels
                    .iter()
                    .map(|v| csv_field(&crate::set::render_value(v))),
            );
            f.extend([
                row.flagged.to_string(),
                row.failures.to_string(),
                csv_field(&row.final_status),
            ]);
            f.extend(
                row.metrics
                    .iter()
                    .map(|v| if v.is_some() { num(*v) } else { String::new() }),
            );
            f.extend(
                row.expect
                    .iter()
                    .map(|b| if *b { "pass" } else { "fail" }.to_string()),
            );
            f.join(",")
        }
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The leading `sweep` and `run` of a row line (either format), without parsing the rest.
pub fn key_of(line: &str, format: Format) -> Option<(&str, u64)> {
    match format {
        Format::Jsonl => {
            let rest = line.strip_prefix("{\"sweep\":\"")?;
            let (hash, rest) = rest.split_once('"')?;
            let rest = rest.strip_prefix(",\"run\":")?;
            let end = rest.find(|c: char| !c.is_ascii_digit())?;
            Some((hash, rest[..end].parse().ok()?))
        }
        Format::Csv => {
            let mut it = line.splitn(3, ',');
            let hash = it.next()?;
            let run = it.next()?.parse().ok()?;
            Some((hash, run))
        }
    }
}
