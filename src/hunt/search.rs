//! The search: schedule `i` of a hunt is a pure function of the vocabulary, the mode
//! and the seed (random: its own ChaCha8 stream; exhaustive: the `i`-th of the
//! enumeration), and each is run as a scenario through the scenario runner, so the
//! property is judged exactly as `clustersim run` judges it. Workers claim indices from
//! a counter; the answer is the lowest index that breaks the property, so it depends
//! neither on the thread count nor on the shards.

use super::property::Property;
use super::vocab::{Schedule, Vocabulary};
use crate::model::Model;
use crate::scenario::expect::Expectation;
use crate::scenario::file::check_expectation;
use crate::scenario::timeline::{fmt_ms, Action, Refusal, Step, Timing};
use crate::scenario::{run_kept, Keep, Outcome, Scenario};
use crate::sim::FaultSpec;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Random,
    Exhaustive,
}

/// Everything a run needs, built once.
pub struct Hunt {
    pub model: Arc<Model>,
    pub properties: Vec<Property>,
    pub vocab: Vocabulary,
    pub mode: Mode,
    pub seed: u64,
    /// The property's expectations for a schedule of `k` faults, at `[k]`.
    compiled: Vec<Vec<Expectation>>,
}

impl Hunt {
    /// Compiles the properties for every schedule length; an expectation that does not
    /// check against the cluster is bad input (`Err((field, problem))`).
    pub fn new(
        model: Arc<Model>,
        properties: Vec<Property>,
        vocab: Vocabulary,
        mode: Mode,
        seed: u64,
    ) -> Result<Hunt, (String, String)> {
        let mut compiled = vec![Vec::new()];
        for k in 1..=vocab.max_faults {
            let steps = labelled_steps(k);
            let mut list = Vec::new();
            for p in &properties {
                for v in p.expectations(k) {
                    let i = list.len();
                    list.push(check_expectation(&model, &steps, i, v)?);
                }
            }
            compiled.push(list);
        }
        Ok(Hunt {
            model,
            properties,
            vocab,
            mode,
            seed,
            compiled,
        })
    }

    /// Schedule `i`, or `None` past the end of an exhaustive enumeration.
    pub fn candidate(&self, i: u64) -> Option<Schedule> {
        match self.mode {
            Mode::Random => Some(self.vocab.random(self.seed, i)),
            Mode::Exhaustive => self.vocab.exhaustive(i),
        }
    }

    /// Schedules there are (exhaustive), or `None` (random: as many as asked for).
    pub fn space(&self) -> Option<u64> {
        match self.mode {
            Mode::Random => None,
            Mode::Exhaustive => Some(
                (1..=self.vocab.max_faults)
                    .fold(0u64, |a, k| a.saturating_add(self.vocab.exhaustive_size(k))),
            ),
        }
    }

    /// The schedule as a scenario with the property's expectations.
    pub fn scenario(&self, s: &Schedule) -> Scenario {
        let steps = s
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let kind = self.vocab.faults[f.what].clone();
                let label = format!("fault{}", i + 1);
                let mut text = format!(
                    "steps[{i}] [{label}] at {}: fault {}",
                    fmt_ms(f.at),
                    kind.name()
                );
                if let Some(d) = f.duration {
                    text.push_str(&format!(" for {}", fmt_ms(d)));
                }
                Step {
                    index: i,
                    label: Some(label),
                    timing: Timing::At(f.at),
                    action: Action::Inject(FaultSpec {
                        kind,
                        at_ms: None,
                        duration_ms: f.duration,
                    }),
                    refused: Refusal::No,
                    text,
                }
            })
            .collect();
        Scenario {
            file: "<hunt>".into(),
            name: "hunt".into(),
            description: String::new(),
            model: self.model.clone(),
            seed: self.seed,
            from: None,
            end: Some(self.vocab.end),
            steps,
            expectations: self.compiled[s.len().min(self.vocab.max_faults)].clone(),
            covers: Vec::new(),
        }
    }

    /// Runs the schedule; the outcome when the property broke.
    pub fn run(&self, s: &Schedule) -> Option<Outcome> {
        let o = run_kept(&self.scenario(s), self.seed, Keep::Tail);
        violated(&o).then_some(o)
    }
}

/// Whether an expectation failed (a refused fault step is not a violation: the
/// schedule asked for something the cluster could not take then).
pub fn violated(o: &Outcome) -> bool {
    o.failures.iter().any(|f| f.what.starts_with("expect["))
}

/// `k` steps labelled `fault1..faultk`, for compiling expectations that anchor on them.
fn labelled_steps(k: usize) -> Vec<Step> {
    (0..k)
        .map(|i| Step {
            index: i,
            label: Some(format!("fault{}", i + 1)),
            timing: Timing::At(0),
            action: Action::Inject(FaultSpec {
                kind: crate::sim::FaultKind::ResolverTargetDown {
                    resolver: String::new(),
                },
                at_ms: None,
                duration_ms: None,
            }),
            refused: Refusal::No,
            text: String::new(),
        })
        .collect()
}

/// How long a search may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    Runs(u64),
    /// Wall-clock milliseconds (the answer then depends on the machine's speed).
    Millis(u64),
}

/// Which schedule indices this process tries: `first + k * step`.
#[derive(Clone, Copy, Debug)]
pub struct Shard {
    pub first: u64,
    pub step: u64,
}

/// What a search found.
#[derive(Clone, Debug)]
pub struct Found {
    /// The lowest schedule index that broke the property, and its schedule.
    pub first: Option<(u64, Schedule)>,
    /// Schedules tried when nothing was found (with a run budget: every one of this
    /// shard's indices below the budget).
    pub tried: u64,
}

/// Runs the search on `threads` threads; `tick` is called after each schedule.
pub fn search(
    h: &Hunt,
    shard: Shard,
    budget: Budget,
    threads: usize,
    tick: &(dyn Fn() + Sync),
) -> Found {
    let limit = match budget {
        Budget::Runs(n) => n,
        Budget::Millis(_) => u64::MAX,
    };
    let limit = h.space().map_or(limit, |s| s.min(limit));
    // Positions k of this shard: index first + k * step < limit.
    let count = if shard.first < limit {
        (limit - shard.first).div_ceil(shard.step)
    } else {
        0
    };
    let deadline = match budget {
        Budget::Millis(ms) => Some(Instant::now() + std::time::Duration::from_millis(ms)),
        Budget::Runs(_) => None,
    };
    let next = AtomicU64::new(0);
    let best = AtomicU64::new(u64::MAX);
    let done = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= count || k > best.load(Ordering::Relaxed) {
                    return;
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return;
                }
                let i = shard.first + k * shard.step;
                let Some(s) = h.candidate(i) else { return };
                if h.run(&s).is_some() {
                    best.fetch_min(k, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
                tick();
            });
        }
    });
    let k = best.load(Ordering::Relaxed);
    let first = (k != u64::MAX).then(|| {
        let i = shard.first + k * shard.step;
        (i, h.candidate(i).unwrap_or_default())
    });
    Found {
        first,
        tried: done.load(Ordering::Relaxed),
    }
}
