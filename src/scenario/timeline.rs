//! The steps of a scenario once loaded: what to do (an operator operation, a fault, a
//! heal) and when (at a virtual time, or when an event matching a pattern is logged).
//! The agenda orders the timed work of a run.

use super::pattern::EventPattern;
use crate::sim::{FaultSpec, Operation};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Debug)]
pub struct Step {
    /// Position in the file's `steps` list.
    pub index: usize,
    pub label: Option<String>,
    pub timing: Timing,
    pub action: Action,
    /// The step expects the engine to refuse the input.
    pub refused: Refusal,
    /// The step as a person reads it, for messages and reports.
    pub text: String,
}

#[derive(Clone, Debug)]
pub enum Timing {
    /// At this virtual time (ms); `after` is resolved to this when the file is loaded.
    At(u64),
    /// When an event matches `pattern`, once, at or after `from`, then `delay` later.
    When {
        pattern: Box<EventPattern>,
        from: u64,
        delay: u64,
    },
}

#[derive(Clone, Debug)]
pub enum Action {
    Operate(Operation),
    Inject(FaultSpec),
    /// Heals the fault injected by the step with this label (the step's index).
    Heal {
        label: String,
        step: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The input must be accepted.
    No,
    /// The input must be refused.
    Any,
    /// The input must be refused with a message containing this text.
    Containing(String),
}

impl Step {
    pub fn at(&self) -> Option<u64> {
        match self.timing {
            Timing::At(t) => Some(t),
            Timing::When { .. } => None,
        }
    }
}

/// Timed work of a run. Items at one time run in this order: step actions first (in
/// file order), then checks, so a check at `t` sees what the steps at `t` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// Run step `i` (a timed step, or a trigger's delayed action).
    Step(usize),
    /// Evaluate expectation `i` (an `at` check or a `within` deadline).
    Check(usize),
}

impl Item {
    fn class(self) -> u8 {
        match self {
            Item::Step(_) => 0,
            Item::Check(_) => 1,
        }
    }
}

/// A min-queue of (time, item), ties broken by class then insertion order.
#[derive(Default)]
pub struct Agenda {
    heap: BinaryHeap<Reverse<(u64, u8, u64, Item)>>,
    seq: u64,
}

impl Agenda {
    pub fn push(&mut self, t: u64, item: Item) {
        self.seq += 1;
        self.heap.push(Reverse((t, item.class(), self.seq, item)));
    }
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((t, ..))| *t)
    }
    pub fn pop(&mut self) -> Option<(u64, Item)> {
        self.heap.pop().map(|Reverse((t, _, _, item))| (t, item))
    }
}

/// `90s`, `1500ms`, `2m`: a time for messages.
pub fn fmt_ms(ms: u64) -> String {
    crate::model::Millis(ms).to_string()
}

/// `93.215s`: an exact time for event listings.
pub fn fmt_secs(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agenda_runs_steps_before_checks_and_keeps_insertion_order() {
        let mut a = Agenda::default();
        a.push(10, Item::Check(0));
        a.push(10, Item::Step(2));
        a.push(5, Item::Check(1));
        a.push(10, Item::Step(1));
        let order: Vec<_> = std::iter::from_fn(|| a.pop()).collect();
        assert_eq!(
            order,
            vec![
                (5, Item::Check(1)),
                (10, Item::Step(2)),
                (10, Item::Step(1)),
                (10, Item::Check(0))
            ]
        );
    }
}
