//! Whole-log expectations (`sequence`, `count`) judged event by event as the run logs
//! them, so a run needs to keep only a bounded tail of its log (issue #12: a five-year
//! scenario runs in constant memory) and still gives the verdicts and messages a pass
//! over the whole log would give.

use super::expect::Check;
use super::file::Scenario;
use super::timeline::fmt_secs;
use crate::sim::Event;

/// Times listed in a message at most; past it the message says how many more.
pub const MAX_LISTED: usize = 100;

/// Times of matching events: how many, and the first [`MAX_LISTED`].
#[derive(Clone, Debug, Default)]
struct Times {
    n: u64,
    first: Vec<u64>,
}

impl Times {
    fn push(&mut self, t: u64) {
        self.n += 1;
        if self.first.len() < MAX_LISTED {
            self.first.push(t);
        }
    }

    fn list(&self) -> String {
        let mut s: Vec<String> = self.first.iter().map(|t| fmt_secs(*t)).collect();
        let more = self.n - self.first.len() as u64;
        if more > 0 {
            s.push(format!("and {more} more"));
        }
        s.join(", ")
    }
}

/// The running state of one expectation.
#[derive(Clone, Debug)]
enum State {
    /// Not a whole-log expectation.
    Other,
    /// Items matched so far, the time of the last match, and per item the times of
    /// every event in the window it matched (for "it happened only earlier").
    Sequence {
        next: usize,
        last_t: Option<u64>,
        seen: Vec<Times>,
    },
    Count(Times),
}

/// The folds of a scenario's expectations, indexed like `sc.expectations`.
pub struct Folds(Vec<State>);

impl Folds {
    pub fn new(sc: &Scenario) -> Folds {
        Folds(
            sc.expectations
                .iter()
                .map(|x| match &x.check {
                    Check::Sequence { items, .. } => State::Sequence {
                        next: 0,
                        last_t: None,
                        seen: vec![Times::default(); items.len()],
                    },
                    Check::Count { .. } => State::Count(Times::default()),
                    _ => State::Other,
                })
                .collect(),
        )
    }

    /// Takes one logged event into account.
    pub fn observe(&mut self, sc: &Scenario, e: &Event) {
        for (x, state) in sc.expectations.iter().zip(&mut self.0) {
            match (&x.check, state) {
                (Check::Sequence { items, window }, State::Sequence { next, last_t, seen })
                    if window.contains(e.t_ms) =>
                {
                    for (item, times) in items.iter().zip(seen.iter_mut()) {
                        if item.matches(e, &sc.model) {
                            times.push(e.t_ms);
                        }
                    }
                    if *next < items.len() && items[*next].matches(e, &sc.model) {
                        *next += 1;
                        *last_t = Some(e.t_ms);
                    }
                }
                (
                    Check::Count {
                        pattern, window, ..
                    },
                    State::Count(times),
                ) if window.contains(e.t_ms) && pattern.matches(e, &sc.model) => times.push(e.t_ms),
                _ => {}
            }
        }
    }

    /// The verdict on expectation `x` at the end of the run: `None` passes, `Some` says
    /// what was seen. Only for `sequence` and `count`.
    pub fn verdict(&self, sc: &Scenario, x: usize) -> Option<String> {
        match (&sc.expectations[x].check, &self.0[x]) {
            (Check::Sequence { items, .. }, State::Sequence { next, last_t, seen }) => {
                let next = *next;
                if next == items.len() {
                    return None;
                }
                let after = match (next, last_t) {
                    (0, _) | (_, None) => String::new(),
                    (_, Some(t)) => {
                        format!(" after `{}` at {}", items[next - 1].text, fmt_secs(*t))
                    }
                };
                let alone = if seen[next].n == 0 {
                    "it never happened".to_string()
                } else {
                    format!("it happened only earlier, at {}", seen[next].list())
                };
                Some(format!(
                    "matched {next} of {} items; no `{}`{after} ({alone})",
                    items.len(),
                    items[next].text
                ))
            }
            (Check::Count { bound, .. }, State::Count(times)) => {
                if bound.holds(times.n) {
                    None
                } else if times.n == 0 {
                    Some("none happened".to_string())
                } else {
                    Some(format!("{} happened, at {}", times.n, times.list()))
                }
            }
            _ => None,
        }
    }
}
