//! Shrinking a schedule that breaks the property to a minimal one: fewer faults, then
//! shorter durations, then earlier and rounder times, repeated until nothing changes.
//! Each try is one run; a try is kept when the property still breaks. Deterministic
//! (one thread, a fixed order), so the shrunk schedule is a function of the found one.
//! Servers are not removed: the schedule and the property name them, and a smaller
//! cluster is another configuration, not a smaller schedule of this one.

use super::search::Hunt;
use super::vocab::{Fault, Schedule};

/// Runs a shrink may spend.
pub const MAX_SHRINK_RUNS: u64 = 5_000;

/// The shrunk schedule and the runs it took.
pub fn shrink(h: &Hunt, found: &Schedule) -> (Schedule, u64) {
    let mut s = found.clone();
    let mut runs = 0u64;
    let breaks = |c: &Schedule, runs: &mut u64| {
        *runs += 1;
        h.run(c).is_some()
    };
    loop {
        let before = s.clone();
        // Fewer faults.
        let mut j = 0;
        while j < s.len() && s.len() > 1 && runs < MAX_SHRINK_RUNS {
            let mut c = s.clone();
            c.remove(j);
            if breaks(&c, &mut runs) {
                s = c;
            } else {
                j += 1;
            }
        }
        // Shorter durations, the shortest that still breaks it.
        for j in 0..s.len() {
            for d in h.vocab.shorter(s[j].duration) {
                if runs >= MAX_SHRINK_RUNS {
                    break;
                }
                let c = with(
                    &s,
                    j,
                    Fault {
                        duration: d,
                        ..s[j]
                    },
                );
                if breaks(&c, &mut runs) {
                    s = c;
                    break;
                }
            }
        }
        // Earlier and rounder times.
        for j in 0..s.len() {
            for t in earlier(h, &s, j) {
                if runs >= MAX_SHRINK_RUNS {
                    break;
                }
                let c = with(&s, j, Fault { at: t, ..s[j] });
                if breaks(&c, &mut runs) {
                    s = c;
                    break;
                }
            }
        }
        if s == before || runs >= MAX_SHRINK_RUNS {
            return (s, runs);
        }
    }
}

/// `s` with fault `j` replaced, in time order again.
fn with(s: &Schedule, j: usize, f: Fault) -> Schedule {
    let mut c = s.clone();
    c[j] = f;
    c.sort();
    c
}

/// Earlier start times for fault `j`, earliest first: the window's start, the previous
/// fault's time, halfway there, and the time rounded down to a second.
fn earlier(h: &Hunt, s: &Schedule, j: usize) -> Vec<u64> {
    let t = s[j].at;
    let floor = if j == 0 {
        h.vocab.window.0
    } else {
        s[j - 1].at
    };
    let mut out = vec![h.vocab.window.0, floor, floor + (t - floor) / 2];
    let round = t - t % 1000;
    if round >= h.vocab.window.0 {
        out.push(round);
    }
    out.retain(|x| *x < t && *x >= h.vocab.window.0);
    out.sort();
    out.dedup();
    out
}
