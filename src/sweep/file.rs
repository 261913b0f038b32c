//! The sweep file (YAML): a base, factors, seeds and the metrics to collect. The types
//! here are the format; `scenarios/sweep.schema.json` is generated from them.

use crate::model::{parse_duration, Millis};
use crate::set::{parse_value, render_value};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// A sweep: every combination of the factors' values (a *point*), each under every seed.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub base: BaseFile,
    /// Varied settings; the last one varies fastest in run order.
    #[serde(default)]
    pub factors: Vec<Factor>,
    pub seeds: Seeds,
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// Seed of `--sample N`'s choice of points.
    #[serde(default)]
    pub sample_seed: u64,
}

/// What every run starts from: exactly one of `scenario` and `synthetic`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseFile {
    /// A scenario file, relative to the sweep file; its expectations are judged per run.
    pub scenario: Option<String>,
    /// A synthetic cluster under a seeded random fault load, as `clustersim bench` runs.
    pub synthetic: Option<Synthetic>,
}

/// The base, checked.
#[derive(Clone, Debug)]
pub enum Base {
    Scenario(String),
    Synthetic(Synthetic),
}

impl BaseFile {
    pub fn base(&self) -> Result<Base, String> {
        match (&self.scenario, &self.synthetic) {
            (Some(s), None) => Ok(Base::Scenario(s.clone())),
            (None, Some(s)) => Ok(Base::Synthetic(s.clone())),
            _ => Err("base: give exactly one of `scenario` (a file) and `synthetic`".into()),
        }
    }
}

/// The synthetic cluster and its fault load. Factors address these fields as
/// `synthetic.<field>`.
#[derive(Clone, Debug, serde::Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Synthetic {
    pub servers: usize,
    pub groups: usize,
    pub resources_per_group: usize,
    pub monitors_per_group: usize,
    pub heartbeat_paths: usize,
    #[schemars(with = "String")]
    pub heartbeat_interval: Millis,
    /// Default: 30 x the interval.
    #[schemars(with = "Option<String>")]
    pub heartbeat_timeout: Option<Millis>,
    /// Simulated time of each run.
    #[schemars(with = "String")]
    pub duration: Millis,
    /// One random fault per this much simulated time (`0s`: none).
    #[schemars(with = "String")]
    pub fault_every: Millis,
    /// Fault kinds the load draws from (all kinds when omitted), e.g. `[server-crash, partition]`.
    pub fault_kinds: Option<Vec<String>>,
}

impl Default for Synthetic {
    fn default() -> Self {
        Synthetic {
            servers: 4,
            groups: 2,
            resources_per_group: 2,
            monitors_per_group: 1,
            heartbeat_paths: 2,
            heartbeat_interval: Millis::secs(3),
            heartbeat_timeout: None,
            duration: Millis(6 * 3_600_000),
            fault_every: Millis(3_600_000),
            fault_kinds: None,
        }
    }
}

/// One varied setting (`key` with `values` or `range`), or several set together
/// (`name` with `values` that are mappings of key to value).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// A `--set` key: `settings.heartbeat_timeout`, `resolvers.pingnp1.type`, `synthetic.fault_every`.
    pub key: Option<String>,
    /// The factor's column name; required when the values are mappings.
    pub name: Option<String>,
    pub values: Option<Vec<Value>>,
    pub range: Option<RangeSpec>,
}

/// Numbers or durations from `from` to `to` inclusive, by `step`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    pub from: Value,
    pub to: Value,
    pub step: Value,
}

/// `10000` (seeds 1 to 10,000), a list `[1, 5, 9]`, or `{from: 100, count: 50}`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Seeds {
    Count(u64),
    List(Vec<u64>),
    Span { from: u64, count: u64 },
}

/// Which metrics each row carries; all of them by default.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSpec {
    /// Groups whose downtime, detection, recovery and failovers are measured (default: all).
    pub groups: Option<Vec<String>>,
    /// Event kinds to count per run.
    pub events: Vec<String>,
    /// Per-group metrics: any of `downtime`, `detect`, `recover`, `failovers`.
    pub per_group: Vec<String>,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        MetricsSpec {
            groups: None,
            events: [
                "server-down",
                "failover-starting",
                "np-action",
                "both-active",
            ]
            .map(String::from)
            .to_vec(),
            per_group: PER_GROUP.map(String::from).to_vec(),
        }
    }
}

/// The per-group metric families.
pub const PER_GROUP: [&str; 4] = ["downtime", "detect", "recover", "failovers"];

/// Refuses more runs than this: a typo in a range should not start a year of work.
pub const MAX_RUNS: u64 = 1_000_000_000_000;

/// A factor resolved to its values: each value is a list of `--set` overrides.
#[derive(Clone, Debug)]
pub struct Levels {
    pub name: String,
    /// Per value: the label shown in rows, and the overrides it stands for.
    pub values: Vec<(Value, Vec<(String, Value)>)>,
}

impl SweepFile {
    pub fn parse(text: &str, origin: &str) -> Result<SweepFile, String> {
        crate::model::limits::check_yaml(text, origin)?;
        serde_norway::from_str(text).map_err(|e| format!("{origin}: {e}"))
    }

    pub fn seed_list(&self) -> Result<Vec<u64>, String> {
        let list = match &self.seeds {
            Seeds::Count(n) => (1..=*n).collect(),
            Seeds::List(l) => l.clone(),
            Seeds::Span { from, count } => (0..*count).map(|k| from.wrapping_add(k)).collect(),
        };
        if list.is_empty() {
            return Err("seeds: at least one seed is needed".into());
        }
        if list.len() > 100_000_000 {
            return Err("seeds: at most 100,000,000 seeds".into());
        }
        Ok(list)
    }

    /// Every factor with its values, checked.
    pub fn levels(&self) -> Result<Vec<Levels>, String> {
        self.factors
            .iter()
            .enumerate()
            .map(|(i, f)| f.levels().map_err(|e| format!("factors[{i}]: {e}")))
            .collect()
    }
}

impl Factor {
    fn levels(&self) -> Result<Levels, String> {
        let values = match (&self.values, &self.range) {
            (Some(v), None) => v.clone(),
            (None, Some(r)) => r.expand()?,
            _ => return Err("give either `values` or `range`".into()),
        };
        if values.is_empty() {
            return Err("`values` is empty".into());
        }
        let name = match (&self.key, &self.name) {
            (_, Some(n)) => n.clone(),
            (Some(k), None) => k.clone(),
            (None, None) => return Err("give a `key` (or a `name` for mappings of keys)".into()),
        };
        let mut out = Vec::new();
        for (j, v) in values.into_iter().enumerate() {
            let sets = match (&self.key, &v) {
                (Some(k), v) => vec![(k.clone(), v.clone())],
                (None, Value::Object(map)) => {
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                (None, _) => {
                    return Err(format!(
                        "values[{j}]: without `key`, each value is a mapping of keys to values"
                    ))
                }
            };
            let label = match (&self.key, &v) {
                (None, Value::Object(_)) => Value::String(
                    sets.iter()
                        .map(|(k, v)| format!("{k}={}", render_value(v)))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => v,
            };
            out.push((label, sets));
        }
        Ok(Levels { name, values: out })
    }
}

impl RangeSpec {
    fn expand(&self) -> Result<Vec<Value>, String> {
        let num = |v: &Value| v.as_f64();
        if let (Some(a), Some(b), Some(s)) = (num(&self.from), num(&self.to), num(&self.step)) {
            if s <= 0.0 || (b - a) / s > 1e6 {
                return Err(
                    "range: `step` must be positive and give at most 1,000,000 values".into(),
                );
            }
            let ints = [&self.from, &self.to, &self.step]
                .iter()
                .all(|v| v.is_i64() || v.is_u64());
            let n = ((b - a) / s + 1e-9).floor().max(-1.0) as i64 + 1;
            return Ok((0..n)
                .map(|k| {
                    let x = a + s * k as f64;
                    if ints {
                        Value::from(x.round() as i64)
                    } else {
                        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                    }
                })
                .collect());
        }
        let dur = |v: &Value, what: &str| -> Result<u64, String> {
            v.as_str()
                .ok_or_else(|| format!("range: `{what}` is neither a number nor a duration"))
                .and_then(|s| {
                    parse_duration(s)
                        .map(|m| m.0)
                        .map_err(|e| format!("range: `{what}`: {e}"))
                })
        };
        let (a, b, s) = (
            dur(&self.from, "from")?,
            dur(&self.to, "to")?,
            dur(&self.step, "step")?,
        );
        if s == 0 || b.saturating_sub(a) / s > 1_000_000 {
            return Err("range: `step` must be positive and give at most 1,000,000 values".into());
        }
        Ok((a..=b)
            .step_by(s as usize)
            .map(|ms| Value::String(Millis(ms).to_string()))
            .collect())
    }
}

/// A factor value as a number, for plots against the factor (durations in ms).
pub fn numeric(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| {
        v.as_str()
            .and_then(|s| parse_duration(s).ok())
            .map(|m| m.0 as f64)
    })
}

/// A YAML text value, as `--set` reads it (used for the schema's examples and tests).
pub fn yaml(text: &str) -> Value {
    parse_value(text).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(factors: &str) -> SweepFile {
        SweepFile::parse(
            &format!("name: t\nbase: {{scenario: x.yaml}}\nseeds: 3\nfactors:\n{factors}"),
            "t",
        )
        .unwrap()
    }

    #[test]
    fn ranges_of_numbers_and_durations_expand_inclusively() {
        let f = file("  - {key: heartbeat_timeout, range: {from: 30s, to: 90s, step: 30s}}\n  - {key: monitor_retry, range: {from: 0, to: 2, step: 1}}\n");
        let l = f.levels().unwrap();
        let v: Vec<Value> = l[0].values.iter().map(|x| x.0.clone()).collect();
        assert_eq!(v, vec![yaml("30s"), yaml("1m"), yaml("90s")]);
        assert_eq!(l[1].values.len(), 3);
        assert_eq!(l[1].values[2].0, Value::from(2));
        assert_eq!(f.seed_list().unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn mappings_set_several_keys_at_once() {
        let f = file("  - name: heartbeat\n    values:\n      - {heartbeat_interval: 1s, heartbeat_timeout: 10s}\n      - {heartbeat_interval: 3s, heartbeat_timeout: 90s}\n");
        let l = f.levels().unwrap();
        assert_eq!(l[0].name, "heartbeat");
        assert_eq!(l[0].values[0].1.len(), 2);
        assert_eq!(
            l[0].values[0].0,
            yaml("heartbeat_interval=1s heartbeat_timeout=10s")
        );
    }

    #[test]
    fn bad_factors_are_named() {
        let e = file("  - {key: a}\n").levels().unwrap_err();
        assert!(e.contains("factors[0]") && e.contains("values"), "{e}");
        let e = file("  - {name: a, values: [1]}\n").levels().unwrap_err();
        assert!(e.contains("mapping"), "{e}");
        let e = file("  - {key: a, range: {from: 1s, to: 2s, step: 0s}}\n")
            .levels()
            .unwrap_err();
        assert!(e.contains("step"), "{e}");
        assert!(
            SweepFile::parse("name: t\nbase: {scenario: x}\nseeds: 1\nbogus: 1\n", "f")
                .unwrap_err()
                .contains("bogus")
        );
    }
}
