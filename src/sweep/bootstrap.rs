//! Percentile bootstrap confidence intervals of a quantile, from a metric's histogram
//! (`Stat::counts`), seeded so the report is the same byte for byte.
//!
//! A bootstrap resample draws n values with replacement from the n observed ones; its
//! nearest-rank q-quantile is the r-th smallest draw (r = ceil(q n)). The draw indices
//! into the sorted sample are floor(U n) for uniform U, and floor is monotone, so the
//! r-th smallest index is floor(U_(r) n) with U_(r) ~ Beta(r, n - r + 1). One Beta draw
//! therefore gives one resample's quantile exactly, whatever n: [`RESAMPLES`] draws
//! cost the same for 10 runs per point as for a million.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};

/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 1000;
/// The seed every interval's stream derives from (with the point, metric and quantile).
pub const SEED: u64 = 0x5eed_b007;

/// The 95 % percentile-bootstrap interval of the `q` quantile of the sample `counts`
/// (ascending distinct values with their counts); `None` for an empty sample. `stream`
/// names the interval (point, metric, quantile) so each has its own seeded draws.
pub fn quantile_ci(counts: &[(f64, u64)], q: f64, stream: u64) -> Option<(f64, f64)> {
    let n: u64 = counts.iter().map(|c| c.1).sum();
    if n == 0 {
        return None;
    }
    let r = ((q * n as f64).ceil() as u64).clamp(1, n);
    let beta = Beta::new(r as f64, (n - r + 1) as f64).ok()?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    // Cumulative counts: the value at sorted index k is the first with cum > k.
    let cum: Vec<u64> = counts
        .iter()
        .scan(0, |acc, c| {
            *acc += c.1;
            Some(*acc)
        })
        .collect();
    let mut draws: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let k = ((beta.sample(&mut rng) * n as f64) as u64).min(n - 1);
            counts[cum.partition_point(|&c| c <= k)].0
        })
        .collect();
    draws.sort_by(f64::total_cmp);
    let at = |p: f64| draws[((p * RESAMPLES as f64).ceil() as usize).clamp(1, RESAMPLES) - 1];
    Some((at(0.025), at(0.975)))
}

/// The stream of an interval: its point, metric and quantile (in per mille).
pub fn stream(point: u64, metric: usize, q: f64) -> u64 {
    point
        .wrapping_mul(1_000_003)
        .wrapping_add(metric as u64)
        .wrapping_mul(1_009)
        .wrapping_add((q * 1000.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_brackets_the_median_and_repeats() {
        let counts: Vec<(f64, u64)> = (1..=100).map(|v| (v as f64, 1)).collect();
        let (lo, hi) = quantile_ci(&counts, 0.5, 7).unwrap();
        // The median of 1..=100 is 50; its 95 % interval is about 40..60.
        assert!(
            lo < 50.0 && hi > 50.0 && lo >= 35.0 && hi <= 65.0,
            "{lo}..{hi}"
        );
        assert_eq!(quantile_ci(&counts, 0.5, 7), Some((lo, hi)));
        assert_eq!(quantile_ci(&[(3.0, 5)], 0.95, 1), Some((3.0, 3.0)));
        assert_eq!(quantile_ci(&[], 0.5, 1), None);
    }

    #[test]
    fn the_interval_narrows_with_more_runs() {
        let small: Vec<(f64, u64)> = (1..=100).map(|v| (v as f64, 1)).collect();
        let large: Vec<(f64, u64)> = (1..=100).map(|v| (v as f64, 100)).collect();
        let w = |c: &[(f64, u64)]| {
            let (lo, hi) = quantile_ci(c, 0.5, 3).unwrap();
            hi - lo
        };
        assert!(
            w(&large) < w(&small) / 3.0,
            "{} vs {}",
            w(&large),
            w(&small)
        );
    }
}
