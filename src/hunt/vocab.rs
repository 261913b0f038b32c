//! The fault vocabulary a hunt draws from: which faults (kinds, on which targets), how
//! many at most, when (a time window) and for how long (durations), and the decision
//! points an exhaustive search tries. Every concrete fault is a `FaultKind` checked
//! against the model by the core's resolver, so a schedule never names what the
//! cluster has not.

use super::error::HuntError;
use super::faults::{allowed, instances, targets};
use crate::model::{parse_duration, Model};
use crate::sim::names::check_fault;
use crate::sim::FaultKind;

/// At most this many faults in one schedule.
pub const MAX_FAULTS: usize = 8;
/// At most this many distinct concrete faults in a vocabulary.
pub const MAX_VOCABULARY: usize = 10_000;

/// One fault of a schedule: which (an index into `Vocabulary::faults`), when, how long
/// (`None`: until the end of the run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fault {
    pub at: u64,
    pub what: usize,
    pub duration: Option<u64>,
}

/// Faults in time order.
pub type Schedule = Vec<Fault>;

/// How long a fault lasts: one duration, a range drawn from, or until the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lasting {
    Fixed(u64),
    Range(u64, u64),
    Forever,
}

#[derive(Clone, Debug)]
pub struct Vocabulary {
    pub kinds: Vec<&'static str>,
    pub faults: Vec<FaultKind>,
    pub max_faults: usize,
    /// Faults start at or after `window.0` and at or before `window.1`.
    pub window: (u64, u64),
    pub durations: Vec<Lasting>,
    /// When every run ends.
    pub end: u64,
    /// Exhaustive search: offsets of a fault's start from the previous fault's (the
    /// first fault's from the window's start).
    pub offsets: Vec<u64>,
    /// Exhaustive search: durations tried.
    pub lengths: Vec<Option<u64>>,
}

/// What the command line says about the vocabulary (all text, checked here).
#[derive(Clone, Debug, Default)]
pub struct VocabSpec {
    pub kinds: Option<String>,
    pub targets: Option<String>,
    pub faults: usize,
    pub window: String,
    pub durations: String,
    pub end: Option<String>,
}

impl Vocabulary {
    pub fn build(model: &Model, spec: &VocabSpec) -> Result<Vocabulary, HuntError> {
        if spec.faults == 0 || spec.faults > MAX_FAULTS {
            return Err(HuntError::new(
                "--faults",
                format!("{}: write 1 to {MAX_FAULTS}", spec.faults),
            ));
        }
        let (kinds, faults) = concrete(model, spec)?;
        let window = window(&spec.window)?;
        let durations = durations(&spec.durations)?;
        let (interval, timeout) = heartbeat(model);
        let longest = durations
            .iter()
            .map(|d| match d {
                Lasting::Fixed(x) | Lasting::Range(_, x) => *x,
                Lasting::Forever => 0,
            })
            .max()
            .unwrap_or(0);
        let end = match &spec.end {
            Some(e) => duration("--end", e)?,
            None => window.1 + longest + 2 * timeout + 60_000,
        };
        if end <= window.1 {
            return Err(HuntError::new("--end", "the run must end after the window"));
        }
        let offsets = offsets(model, interval, timeout, window);
        let lengths = lengths(&durations, interval, timeout);
        Ok(Vocabulary {
            kinds,
            faults,
            max_faults: spec.faults,
            window,
            durations,
            end,
            offsets,
            lengths,
        })
    }

    /// Schedules of exactly `k` faults in the exhaustive enumeration.
    pub fn exhaustive_size(&self, k: usize) -> u64 {
        let one = (self.faults.len() as u64)
            .saturating_mul(self.offsets.len() as u64)
            .saturating_mul(self.lengths.len() as u64);
        (0..k).fold(1u64, |acc, _| acc.saturating_mul(one))
    }

    /// The `i`-th schedule of the exhaustive enumeration: every one-fault schedule
    /// first, then every two-fault one, ...; `None` past the end.
    pub fn exhaustive(&self, mut i: u64) -> Option<Schedule> {
        for k in 1..=self.max_faults {
            let n = self.exhaustive_size(k);
            if i < n {
                return Some(self.unrank(k, i));
            }
            i -= n;
        }
        None
    }

    fn unrank(&self, k: usize, mut i: u64) -> Schedule {
        let (nf, no, nl) = (
            self.faults.len() as u64,
            self.offsets.len() as u64,
            self.lengths.len() as u64,
        );
        let mut digits = Vec::with_capacity(k);
        for _ in 0..k {
            let d = i % (nf * no * nl);
            i /= nf * no * nl;
            digits.push(d);
        }
        digits.reverse();
        let mut t = self.window.0;
        digits
            .into_iter()
            .map(|d| {
                let (what, rest) = ((d % nf) as usize, d / nf);
                let (off, len) = ((rest % no) as usize, (rest / no) as usize);
                t = (t + self.offsets[off]).min(self.window.1);
                Fault {
                    at: t,
                    what,
                    duration: self.lengths[len],
                }
            })
            .collect()
    }

    /// The `i`-th random schedule of `seed`: its own ChaCha8 stream, so it does not
    /// depend on which thread or shard draws it.
    pub fn random(&self, seed: u64, i: u64) -> Schedule {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(i);
        let k = rng.gen_range(1..=self.max_faults);
        let mut s: Schedule = (0..k)
            .map(|_| {
                let what = rng.gen_range(0..self.faults.len());
                let at = rng.gen_range(self.window.0..=self.window.1);
                let duration = match self.durations[rng.gen_range(0..self.durations.len())] {
                    Lasting::Fixed(d) => Some(d),
                    Lasting::Range(a, b) => Some(rng.gen_range(a..=b)),
                    Lasting::Forever => None,
                };
                Fault { at, what, duration }
            })
            .collect();
        s.sort();
        s
    }

    /// The shortest durations the shrinker tries for a fault, shortest first.
    pub fn shorter(&self, d: Option<u64>) -> Vec<Option<u64>> {
        let mut out: Vec<Option<u64>> = self
            .lengths
            .iter()
            .copied()
            .filter(|l| match (l, d) {
                (Some(a), Some(b)) => *a < b,
                (Some(_), None) => true,
                (None, _) => false,
            })
            .collect();
        if let Some(b) = d {
            // Halvings towards the shortest allowed duration.
            let min = self.min_duration();
            let mut x = b / 2;
            while x >= min && x > 0 {
                out.push(Some(x));
                x /= 2;
            }
            if b % 1000 != 0 && b > 1000 {
                out.push(Some(b - b % 1000));
            }
        }
        out.retain(|l| self.allows(*l));
        out.sort();
        out.dedup();
        out
    }

    fn min_duration(&self) -> u64 {
        self.durations
            .iter()
            .filter_map(|d| match d {
                Lasting::Fixed(x) | Lasting::Range(x, _) => Some(*x),
                Lasting::Forever => None,
            })
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Whether the vocabulary allows this duration.
    pub fn allows(&self, l: Option<u64>) -> bool {
        self.durations.iter().any(|d| match (d, l) {
            (Lasting::Forever, None) => true,
            (Lasting::Fixed(x), Some(y)) => *x == y,
            (Lasting::Range(a, b), Some(y)) => (*a..=*b).contains(&y),
            _ => false,
        })
    }

    /// A count per kind, for the report: `partition x1, server-crash x2`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .kinds
            .iter()
            .map(|k| {
                let n = self.faults.iter().filter(|f| f.name() == *k).count();
                format!("{k} x{n}")
            })
            .collect();
        parts.join(", ")
    }
}

/// The kinds that have faults on this cluster, and every concrete fault of them.
fn concrete(
    model: &Model,
    spec: &VocabSpec,
) -> Result<(Vec<&'static str>, Vec<FaultKind>), HuntError> {
    let kinds = kinds(spec.kinds.as_deref())?;
    let targets = targets(model, spec.targets.as_deref())?;
    let mut faults = Vec::new();
    for &k in &kinds {
        let all = instances(model, k);
        let before = faults.len();
        faults.extend(
            all.into_iter()
                .filter(|f| check_fault(model, f).is_ok())
                .filter(|f| targets.as_ref().is_none_or(|t| allowed(model, f, t))),
        );
        if faults.len() == before && spec.kinds.is_some() {
            return Err(HuntError::new(
                "--kinds",
                format!("{k}: the cluster (and --targets) leave no such fault"),
            ));
        }
    }
    let kinds: Vec<&'static str> = kinds
        .into_iter()
        .filter(|k| faults.iter().any(|f| f.name() == *k))
        .collect();
    if faults.is_empty() {
        return Err(HuntError::new(
            "--targets",
            "no fault of the cluster names only these",
        ));
    }
    if faults.len() > MAX_VOCABULARY {
        return Err(HuntError::new(
            "--kinds",
            format!(
                "{} faults; at most {MAX_VOCABULARY} (narrow --kinds or --targets)",
                faults.len()
            ),
        ));
    }
    Ok((kinds, faults))
}

/// The shortest heartbeat interval and the longest heartbeat timeout of the paths.
pub fn heartbeat(model: &Model) -> (u64, u64) {
    let interval = model.paths.iter().map(|p| p.interval.0).min();
    let timeout = model.paths.iter().map(|p| p.timeout.0).max();
    (
        interval.unwrap_or(model.settings.heartbeat_interval.0),
        timeout.unwrap_or(model.settings.heartbeat_timeout.0),
    )
}

/// Offsets that matter: at once, one heartbeat interval, around the heartbeat timeout,
/// and each monitor's time to an error (interval x (retry + 1)).
fn offsets(model: &Model, interval: u64, timeout: u64, window: (u64, u64)) -> Vec<u64> {
    let mut o = vec![
        0,
        interval,
        timeout.saturating_sub(interval),
        timeout,
        timeout + interval,
    ];
    o.extend(
        model
            .monitors
            .iter()
            .map(|m| m.interval.0 * (u64::from(m.retry) + 1)),
    );
    o.retain(|x| *x <= window.1 - window.0);
    o.sort();
    o.dedup();
    o
}

/// Durations that matter: each fixed one, until the end, and in each range its ends
/// and the heartbeat interval and timeout around which detection changes.
fn lengths(durations: &[Lasting], interval: u64, timeout: u64) -> Vec<Option<u64>> {
    let mut out = Vec::new();
    for d in durations {
        match *d {
            Lasting::Fixed(x) => out.push(Some(x)),
            Lasting::Forever => out.push(None),
            Lasting::Range(a, b) => {
                let points = [
                    a,
                    b,
                    interval,
                    timeout.saturating_sub(interval),
                    timeout,
                    timeout + interval,
                    2 * timeout,
                ];
                out.extend(points.into_iter().filter(|x| (a..=b).contains(x)).map(Some));
            }
        }
    }
    out.sort_by_key(|l| l.unwrap_or(u64::MAX));
    out.dedup();
    out
}

fn kinds(text: Option<&str>) -> Result<Vec<&'static str>, HuntError> {
    let Some(text) = text else {
        return Ok(FaultKind::KINDS.to_vec());
    };
    let mut out = Vec::new();
    for k in text.split(',').map(str::trim) {
        match FaultKind::KINDS.iter().find(|x| **x == k) {
            Some(x) if !out.contains(x) => out.push(*x),
            Some(_) => {}
            None => {
                return Err(HuntError::new(
                    "--kinds",
                    format!(
                        "`{k}` is not a fault kind; the kinds are {}",
                        FaultKind::KINDS.join(", ")
                    ),
                ))
            }
        }
    }
    Ok(out)
}

fn window(text: &str) -> Result<(u64, u64), HuntError> {
    let (a, b) = text.split_once("..").ok_or_else(|| {
        HuntError::new(
            "--window",
            format!("`{text}`: write FROM..UNTIL, e.g. 10s..5m"),
        )
    })?;
    let (a, b) = (duration("--window", a)?, duration("--window", b)?);
    if b < a {
        return Err(HuntError::new(
            "--window",
            format!("`{text}`: UNTIL comes before FROM"),
        ));
    }
    Ok((a, b))
}

fn durations(text: &str) -> Result<Vec<Lasting>, HuntError> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim) {
        let d = if item == "forever" {
            Lasting::Forever
        } else if let Some((a, b)) = item.split_once("..") {
            let (a, b) = (duration("--durations", a)?, duration("--durations", b)?);
            if b < a || a == 0 {
                return Err(HuntError::new(
                    "--durations",
                    format!("`{item}`: need 0 < FROM <= UNTIL"),
                ));
            }
            Lasting::Range(a, b)
        } else {
            match duration("--durations", item)? {
                0 => {
                    return Err(HuntError::new(
                        "--durations",
                        "a duration must be longer than 0",
                    ))
                }
                d => Lasting::Fixed(d),
            }
        };
        out.push(d);
    }
    Ok(out)
}

fn duration(place: &str, text: &str) -> Result<u64, HuntError> {
    parse_duration(text.trim())
        .map(|m| m.0)
        .map_err(|e| HuntError::new(place, format!("`{}`: {e}", text.trim())))
}
