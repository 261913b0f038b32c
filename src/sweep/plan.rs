//! A loaded sweep: the base, the factors' levels, the seeds and the metrics, with the
//! mapping from a run index to its point and seed. Run `r` is point `r / seeds`, seed
//! `r % seeds`; a point's factor values are the digits of its index, the last factor
//! varying fastest. `--sample N` keeps N points chosen without replacement (Floyd's
//! algorithm on a ChaCha8 stream seeded with `sample_seed`), in index order.

use super::file::{Base, Levels, SweepFile, Synthetic};
use super::metrics::MetricSet;
use crate::model::{ClusterFile, Model};
use crate::scenario::{self, Scenario};
use crate::set::{apply_to_cluster, apply_to_scenario, full_key, render_value, Override};
use crate::synth::SynthSpec;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub struct Plan {
    pub file: SweepFile,
    /// The sweep file as named on the command line.
    pub origin: String,
    pub base: PlanBase,
    pub levels: Vec<Levels>,
    pub seeds: Vec<u64>,
    /// `--set` overrides applied to every run, before the factors'.
    pub sets: Vec<Override>,
    /// Sampled point indices (sorted); every point when `None`.
    pub sample: Option<Vec<u64>>,
    pub metrics: MetricSet,
    pub metric_names: Vec<String>,
    /// Expectation texts of a scenario base.
    pub expectations: Vec<String>,
    /// Identifies the sweep file, its base, the overrides, the sample and the build.
    pub hash: String,
}

pub enum PlanBase {
    Scenario { path: String, scenario: Scenario },
    Synthetic(Synthetic),
}

/// What one point runs: a scenario, or a synthetic cluster and its load.
pub enum Variant {
    Scenario(Scenario),
    Synthetic { model: Arc<Model>, load: Synthetic },
}

impl Plan {
    /// Loads `path` (and its base), checks every factor value on the base.
    pub fn load(path: &Path, sets: Vec<Override>, sample: Option<u64>) -> Result<Plan, String> {
        let origin = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{origin}: cannot read: {e}"))?;
        let file = SweepFile::parse(&text, &origin)?;
        let levels = file.levels().map_err(|e| format!("{origin}: {e}"))?;
        let seeds = file.seed_list().map_err(|e| format!("{origin}: {e}"))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut hashed = vec![text.clone()];
        let base = match file.base.base().map_err(|e| format!("{origin}: {e}"))? {
            Base::Scenario(rel) => {
                let p = normalize(&dir.join(&rel));
                let scenario = scenario::load(&p).map_err(|e| format!("{origin}: base: {e}"))?;
                hashed.push(std::fs::read_to_string(&p).unwrap_or_default());
                hashed.push(scenario.model.to_yaml());
                PlanBase::Scenario {
                    path: p.display().to_string(),
                    scenario,
                }
            }
            Base::Synthetic(s) => PlanBase::Synthetic(s),
        };
        let base_model = match &base {
            PlanBase::Scenario { scenario, .. } => scenario.model.clone(),
            PlanBase::Synthetic(s) => Arc::new(
                spec(s)
                    .model()
                    .map_err(|e| format!("{origin}: base: {}", join(&e)))?,
            ),
        };
        let metrics =
            MetricSet::resolve(&file.metrics, &base_model).map_err(|e| format!("{origin}: {e}"))?;
        let metric_names = metrics.names(&base_model);
        let expectations = match &base {
            PlanBase::Scenario { scenario, .. } => scenario
                .expectations
                .iter()
                .map(|x| x.text.clone())
                .collect(),
            PlanBase::Synthetic(_) => Vec::new(),
        };
        hashed.extend(sets.iter().map(Override::to_arg));
        hashed.push(format!("sample={sample:?}"));
        let mut plan = Plan {
            file,
            origin,
            base,
            levels,
            seeds,
            sets,
            sample: None,
            metrics,
            metric_names,
            expectations,
            hash: String::new(),
        };
        plan.hash = super::hash::sweep_id(&hashed);
        let total = plan.full_points()?;
        if let Some(n) = sample {
            plan.sample = Some(choose(total, n, plan.file.sample_seed));
        }
        if plan.runs() > super::file::MAX_RUNS {
            return Err(format!(
                "{}: more than {} runs",
                plan.origin,
                super::file::MAX_RUNS
            ));
        }
        plan.check_levels()?;
        Ok(plan)
    }

    /// Points of the full factorial.
    pub fn full_points(&self) -> Result<u64, String> {
        self.levels.iter().try_fold(1u64, |acc, l| {
            acc.checked_mul(l.values.len() as u64)
                .filter(|n| *n <= super::file::MAX_RUNS)
                .ok_or_else(|| format!("{}: the factors have too many combinations", self.origin))
        })
    }

    /// Points this sweep runs.
    pub fn points(&self) -> u64 {
        match &self.sample {
            Some(s) => s.len() as u64,
            None => self.full_points().unwrap_or(0),
        }
    }

    pub fn runs(&self) -> u64 {
        self.points().saturating_mul(self.seeds.len() as u64)
    }

    /// (point index in the full factorial, seed) of run `r`.
    pub fn locate(&self, r: u64) -> (u64, u64) {
        let n = self.seeds.len() as u64;
        let pos = r / n;
        let point = self.sample.as_ref().map_or(pos, |s| s[pos as usize]);
        (point, self.seeds[(r % n) as usize])
    }

    /// The value index of every factor at `point`.
    pub fn digits(&self, mut point: u64) -> Vec<usize> {
        let mut d = vec![0; self.levels.len()];
        for (i, l) in self.levels.iter().enumerate().rev() {
            let n = l.values.len() as u64;
            d[i] = (point % n) as usize;
            point /= n;
        }
        d
    }

    /// The factor labels of `point`.
    pub fn labels(&self, point: u64) -> Vec<&Value> {
        let d = self.digits(point);
        self.levels
            .iter()
            .zip(d)
            .map(|(l, i)| &l.values[i].0)
            .collect()
    }

    /// Every override of `point`: the command line's, then the factors'.
    pub fn overrides(&self, point: u64) -> Vec<Override> {
        let mut out = self.sets.clone();
        for (l, i) in self.levels.iter().zip(self.digits(point)) {
            for (k, v) in &l.values[i].1 {
                out.push(Override {
                    key: k.clone(),
                    value: v.clone(),
                });
            }
        }
        out
    }

    /// Builds what `point` runs.
    pub fn variant(&self, point: u64) -> Result<Variant, String> {
        let sets = self.overrides(point);
        match &self.base {
            PlanBase::Scenario { scenario, .. } => {
                apply_to_scenario(scenario, &sets).map(Variant::Scenario)
            }
            PlanBase::Synthetic(base) => {
                let (load, cluster): (Vec<_>, Vec<_>) = sets
                    .into_iter()
                    .partition(|o| o.key.starts_with("synthetic."));
                let load = synthetic_with(base, &load)?;
                let file: ClusterFile = apply_to_cluster(&spec(&load).cluster_file(), &cluster)?;
                let model = Model::from_file(file, "<synthetic cluster>").map_err(|e| join(&e))?;
                if let Some(k) = &load.fault_kinds {
                    crate::synth::FaultLoad::new(0, load.fault_every, &model).only_kinds(k)?;
                }
                Ok(Variant::Synthetic {
                    model: Arc::new(model),
                    load,
                })
            }
        }
    }

    /// Every factor value alone on the base; every point too when there are few.
    fn check_levels(&self) -> Result<(), String> {
        for o in &self.sets {
            let by_factor = self.levels.iter().any(|l| {
                l.values
                    .iter()
                    .any(|v| v.1.iter().any(|(k, _)| full_key(k) == full_key(&o.key)))
            });
            if by_factor {
                return Err(format!(
                    "--set {}: a factor of {} sets `{}` per point",
                    o.to_arg(),
                    self.origin,
                    o.key
                ));
            }
        }
        if let PlanBase::Scenario { scenario, .. } = &self.base {
            apply_to_scenario(scenario, &self.sets)?;
        }
        let points = self.points();
        let check = |p: u64| {
            self.variant(p).map(|_| ()).map_err(|e| {
                let at: Vec<String> = self
                    .levels
                    .iter()
                    .zip(self.labels(p))
                    .map(|(l, v)| format!("{}={}", l.name, render_value(v)))
                    .collect();
                format!(
                    "{}: the point {} does not load: {e}",
                    self.origin,
                    at.join(" ")
                )
            })
        };
        if points <= 4096 {
            return (0..points)
                .try_for_each(|pos| check(self.sample.as_ref().map_or(pos, |s| s[pos as usize])));
        }
        let mut stride = 1u64;
        for l in self.levels.iter().rev() {
            for i in 0..l.values.len() as u64 {
                check(i * stride)?;
            }
            stride *= l.values.len() as u64;
        }
        Ok(())
    }

    /// The command that replays run `r` on its own.
    pub fn replay(&self, r: u64) -> String {
        let (point, seed) = self.locate(r);
        match &self.base {
            PlanBase::Scenario { path, .. } => {
                let mut cmd = format!("clustersim run {} --seed {seed}", shell(path));
                for o in self.overrides(point) {
                    cmd.push_str(&format!(" --set {}", shell(&o.to_arg())));
                }
                cmd
            }
            PlanBase::Synthetic(_) => {
                let mut cmd = format!("clustersim sweep {}", shell(&self.origin));
                for o in &self.sets {
                    cmd.push_str(&format!(" --set {}", shell(&o.to_arg())));
                }
                if let Some(s) = &self.sample {
                    cmd.push_str(&format!(" --sample {}", s.len()));
                }
                format!("{cmd} --only {r}")
            }
        }
    }
}

fn spec(s: &Synthetic) -> SynthSpec {
    SynthSpec {
        servers: s.servers,
        groups: s.groups,
        resources_per_group: s.resources_per_group,
        monitors_per_group: s.monitors_per_group,
        heartbeat_paths: s.heartbeat_paths,
        heartbeat_interval: s.heartbeat_interval,
        heartbeat_timeout: s.heartbeat_timeout,
        ..SynthSpec::default()
    }
}

/// The synthetic base with `synthetic.<field>` overrides applied.
fn synthetic_with(base: &Synthetic, sets: &[Override]) -> Result<Synthetic, String> {
    if sets.is_empty() {
        return Ok(base.clone());
    }
    let mut doc = serde_json::to_value(base).map_err(|e| e.to_string())?;
    for o in sets {
        let field = o.key.trim_start_matches("synthetic.");
        match doc.get_mut(field) {
            Some(slot) => *slot = o.value.clone(),
            None => {
                return Err(format!(
                    "--set {}: the synthetic base has no field `{field}`",
                    o.to_arg()
                ))
            }
        }
    }
    serde_json::from_value(doc).map_err(|e| format!("synthetic base: {e}"))
}

fn join(errs: &[crate::model::ConfigError]) -> String {
    errs.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `n` distinct indices below `total`, sorted (all of them when `n >= total`).
fn choose(total: u64, n: u64, seed: u64) -> Vec<u64> {
    if n >= total {
        return (0..total).collect();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut set = BTreeSet::new();
    for j in total - n..total {
        let t = rng.gen_range(0..=j);
        if !set.insert(t) {
            set.insert(j);
        }
    }
    set.into_iter().collect()
}

/// `a/b/../c` as `a/c`, so replay commands name paths plainly.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Quotes for a POSIX shell when needed.
pub fn shell(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_is_seeded_distinct_and_sorted() {
        let a = choose(1000, 10, 7);
        assert_eq!(a, choose(1000, 10, 7));
        assert_ne!(a, choose(1000, 10, 8));
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[9] < 1000);
        assert_eq!(choose(5, 10, 1), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn paths_and_quotes() {
        assert_eq!(
            normalize(Path::new("a/b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(normalize(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(shell("k=30s"), "k=30s");
        assert_eq!(shell("k=[\"a\",\"b\"]"), "'k=[\"a\",\"b\"]'");
    }
}
