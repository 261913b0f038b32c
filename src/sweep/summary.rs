//! The summary per point (factor combination): runs, flagged runs and, per metric,
//! n, mean with its 95 % confidence interval, p50, p95, p99 and max, in bounded memory
//! (see `stats`). At most [`MAX_POINTS`] points are summarised; a sampled sweep over
//! more points says how many it left out.

use super::stats::{fmt_num, Stat};
use std::collections::BTreeMap;

pub const MAX_POINTS: usize = 10_000;

#[derive(Clone, Debug)]
pub struct PointStats {
    /// `name=value` of each factor.
    pub labels: Vec<String>,
    pub runs: u64,
    pub flagged: u64,
    pub stats: Vec<Stat>,
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub metrics: Vec<String>,
    pub points: BTreeMap<u64, PointStats>,
    /// Runs of points beyond [`MAX_POINTS`], not summarised.
    pub left_out: u64,
}

impl Summary {
    pub fn new(metrics: Vec<String>) -> Summary {
        Summary {
            metrics,
            ..Summary::default()
        }
    }

    pub fn add(
        &mut self,
        point: u64,
        labels: impl FnOnce() -> Vec<String>,
        flagged: bool,
        values: &[Option<f64>],
    ) {
        if !self.points.contains_key(&point) && self.points.len() >= MAX_POINTS {
            self.left_out += 1;
            return;
        }
        let n = self.metrics.len();
        let p = self.points.entry(point).or_insert_with(|| PointStats {
            labels: labels(),
            runs: 0,
            flagged: 0,
            stats: vec![Stat::default(); n],
        });
        p.runs += 1;
        p.flagged += u64::from(flagged);
        for (s, v) in p.stats.iter_mut().zip(values) {
            if let Some(x) = v {
                s.add(*x);
            }
        }
    }

    /// The summary as a plain-text table, one block per point.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let width = self
            .metrics
            .iter()
            .map(|m| m.len())
            .max()
            .unwrap_or(6)
            .max(6);
        for (point, p) in &self.points {
            let what = if p.labels.is_empty() {
                "(no factors)".to_string()
            } else {
                p.labels.join("  ")
            };
            out.push_str(&format!(
                "point {point}: {what}\n  runs {}, flagged {}\n",
                p.runs, p.flagged
            ));
            out.push_str(&format!(
                "  {:<width$} {:>8} {:>12} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
                "metric", "n", "mean", "±95%", "p50", "p95", "p99", "max"
            ));
            for (name, s) in self.metrics.iter().zip(&p.stats) {
                if s.n == 0 {
                    continue;
                }
                out.push_str(&format!(
                    "  {name:<width$} {:>8} {:>12} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
                    s.n,
                    fmt_num(s.mean()),
                    fmt_num(s.ci95()),
                    fmt_num(s.quantile(0.5)),
                    fmt_num(s.quantile(0.95)),
                    fmt_num(s.quantile(0.99)),
                    fmt_num(Some(s.max)),
                ));
            }
        }
        if self.left_out > 0 {
            out.push_str(&format!(
                "({} runs of points beyond the first {MAX_POINTS} are not summarised)\n",
                self.left_out
            ));
        }
        out
    }
}
