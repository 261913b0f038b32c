//! Streaming statistics in bounded memory: count, mean and variance (Welford), max, and
//! quantiles from a histogram that is exact while a metric has at most
//! [`EXACT_LIMIT`] distinct values and turns into a log-bucket sketch beyond
//! (relative error at most [`ALPHA`], the DDSketch construction). Memory per metric is
//! therefore bounded whatever the number of runs. The state depends only on the
//! multiset of values, except for the floating-point sums, which are fed in run order.

use std::collections::BTreeMap;

/// Distinct values kept exactly before switching to the sketch.
pub const EXACT_LIMIT: usize = 2048;
/// Relative accuracy of the sketch's quantiles.
pub const ALPHA: f64 = 0.01;

#[derive(Clone, Debug, Default)]
pub struct Stat {
    pub n: u64,
    mean: f64,
    m2: f64,
    pub max: f64,
    pub min: f64,
    hist: Hist,
}

#[derive(Clone, Debug)]
enum Hist {
    /// Value (as ordered bits of a non-negative f64) to count.
    Exact(BTreeMap<u64, u64>),
    /// Zero count, then log-bucket index to count.
    Sketch(u64, BTreeMap<i32, u64>),
}

impl Default for Hist {
    fn default() -> Self {
        Hist::Exact(BTreeMap::new())
    }
}

fn gamma() -> f64 {
    (1.0 + ALPHA) / (1.0 - ALPHA)
}

fn bucket(x: f64) -> i32 {
    (x.ln() / gamma().ln()).ceil() as i32
}

fn bucket_value(i: i32) -> f64 {
    2.0 * gamma().powi(i) / (gamma() + 1.0)
}

impl Stat {
    /// Adds one value; negative and non-finite values are not metrics and are ignored.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() || x < 0.0 {
            return;
        }
        self.n += 1;
        if self.n == 1 {
            (self.min, self.max) = (x, x);
        }
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        match &mut self.hist {
            Hist::Exact(m) => {
                *m.entry(x.to_bits()).or_default() += 1;
                if m.len() > EXACT_LIMIT {
                    self.switch_to_sketch();
                }
            }
            Hist::Sketch(zero, b) => {
                if x == 0.0 {
                    *zero += 1;
                } else {
                    *b.entry(bucket(x)).or_default() += 1;
                }
            }
        }
    }

    fn switch_to_sketch(&mut self) {
        let Hist::Exact(m) = &self.hist else { return };
        let mut zero = 0;
        let mut b = BTreeMap::new();
        for (&bits, &c) in m {
            let x = f64::from_bits(bits);
            if x == 0.0 {
                zero += c;
            } else {
                *b.entry(bucket(x)).or_default() += c;
            }
        }
        self.hist = Hist::Sketch(zero, b);
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Half-width of the 95 % confidence interval of the mean (normal approximation).
    pub fn ci95(&self) -> Option<f64> {
        (self.n > 1).then(|| 1.96 * (self.m2 / (self.n - 1) as f64).sqrt() / (self.n as f64).sqrt())
    }

    /// The `q` quantile (nearest rank), exact or within [`ALPHA`].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        if q >= 1.0 {
            return Some(self.max);
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        match &self.hist {
            Hist::Exact(m) => {
                for (&bits, &c) in m {
                    seen += c;
                    if seen >= rank {
                        return Some(f64::from_bits(bits));
                    }
                }
            }
            Hist::Sketch(zero, b) => {
                seen = *zero;
                if seen >= rank {
                    return Some(0.0);
                }
                for (&i, &c) in b {
                    seen += c;
                    if seen >= rank {
                        return Some(bucket_value(i).clamp(self.min, self.max));
                    }
                }
            }
        }
        Some(self.max)
    }

    /// The distinct values (a sketch bucket's representative value once a sketch) with
    /// their counts, ascending: what the ECDF, the outliers and the bootstrap read.
    pub fn counts(&self) -> Vec<(f64, u64)> {
        match &self.hist {
            Hist::Exact(m) => m.iter().map(|(&b, &c)| (f64::from_bits(b), c)).collect(),
            Hist::Sketch(zero, b) => (*zero > 0)
                .then_some((0.0, *zero))
                .into_iter()
                .chain(
                    b.iter()
                        .map(|(&i, &c)| (bucket_value(i).clamp(self.min, self.max), c)),
                )
                .collect(),
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self.hist, Hist::Exact(_))
    }
}

/// A number for tables: integers as such, others with up to three decimals.
pub fn fmt_num(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        Some(v) => format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_few_distinct_values() {
        let mut s = Stat::default();
        for x in [3.0, 1.0, 2.0, 2.0, 10.0] {
            s.add(x);
        }
        assert!(s.is_exact());
        assert_eq!(s.quantile(0.5), Some(2.0));
        assert_eq!(s.quantile(0.99), Some(10.0));
        assert_eq!(s.quantile(0.0), Some(1.0));
        assert_eq!(s.mean(), Some(3.6));
        assert_eq!(s.max, 10.0);
        // sd of [3,1,2,2,10] is sqrt(13.3); CI half-width 1.96*sd/sqrt(5).
        let ci = s.ci95().unwrap();
        assert!(
            (ci - 1.96 * 13.3f64.sqrt() / 5f64.sqrt()).abs() < 1e-9,
            "{ci}"
        );
    }

    #[test]
    fn sketch_quantiles_stay_within_the_relative_error() {
        let mut s = Stat::default();
        for i in 1..=100_000u64 {
            s.add(i as f64);
        }
        assert!(!s.is_exact());
        for q in [0.5, 0.95, 0.99] {
            let want = q * 100_000.0;
            let got = s.quantile(q).unwrap();
            assert!(
                (got - want).abs() <= want * 2.0 * ALPHA,
                "q{q}: {got} vs {want}"
            );
        }
        assert_eq!(s.quantile(1.0), Some(100_000.0));
        assert_eq!(s.mean(), Some(50_000.5));
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(fmt_num(Some(90000.0)), "90000");
        assert_eq!(fmt_num(Some(1.25)), "1.25");
        assert_eq!(fmt_num(None), "-");
    }
}
