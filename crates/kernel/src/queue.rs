//! The event queue: a binary heap ordered by (time, phase, key, insertion sequence).
//!
//! `phase` splits one millisecond in three: behaviour (`Now`), then heartbeat timeouts
//! (`Deadline`), then heartbeat transmissions (`Late`), so a fault at t stops the
//! heartbeat sent at t. `key` orders simultaneous heartbeat events by link rather than
//! by when they were scheduled, so the lazy and naive heartbeat models, which schedule
//! them at different moments, process them in the same order. Everything else has key 0
//! and keeps insertion order: the order of simultaneous events is a pure function of
//! the inputs.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Phase {
    Now = 0,
    Deadline = 1,
    Late = 2,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry<T> {
    time: u64,
    phase: Phase,
    key: u64,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for earliest first.
        other.key().cmp(&self.key())
    }
}
impl<T> Entry<T> {
    fn key(&self) -> (u64, Phase, u64, u64) {
        (self.time, self.phase, self.key, self.seq)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
pub struct EventQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    pub fn push(&mut self, time: u64, phase: Phase, item: T) {
        self.push_keyed(time, phase, 0, item);
    }

    pub fn push_keyed(&mut self, time: u64, phase: Phase, key: u64, item: T) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            phase,
            key,
            seq: self.seq,
            item,
        });
    }

    pub fn pop(&mut self) -> Option<(u64, T)> {
        self.heap.pop().map(|e| (e.time, e.item))
    }

    /// Pops with the phase and key the event was scheduled with.
    pub fn pop_keyed(&mut self) -> Option<(u64, Phase, u64, T)> {
        self.heap.pop().map(|e| (e.time, e.phase, e.key, e.item))
    }

    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.time)
    }

    /// Rewrites every queued item and its key, dropping those `f` maps to `None` (live
    /// reconfiguration renumbers servers). Survivors keep their time, phase and
    /// insertion sequence, so with an order-preserving renumbering their order stays.
    pub fn rewrite(&mut self, mut f: impl FnMut(u64, T) -> Option<(u64, T)>) {
        let old = std::mem::take(&mut self.heap).into_vec();
        self.heap = old
            .into_iter()
            .filter_map(|e| {
                let (time, phase, seq) = (e.time, e.phase, e.seq);
                let (key, item) = f(e.key, e.item)?;
                Some(Entry {
                    time,
                    phase,
                    key,
                    seq,
                    item,
                })
            })
            .collect();
    }

    /// Whether any queued item satisfies `f` (a scan: for rare checks only).
    pub fn any(&self, f: impl Fn(&T) -> bool) -> bool {
        self.heap.iter().any(|e| f(&e.item))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_phase_then_insertion() {
        let mut q = EventQueue::new();
        q.push(5, Phase::Late, "late5");
        q.push(5, Phase::Now, "now5a");
        q.push(1, Phase::Late, "late1");
        q.push(5, Phase::Now, "now5b");
        q.push_keyed(5, Phase::Deadline, 9, "deadline5k9");
        q.push_keyed(5, Phase::Deadline, 2, "deadline5k2");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, x)| x)).collect();
        assert_eq!(
            order,
            [
                "late1",
                "now5a",
                "now5b",
                "deadline5k2",
                "deadline5k9",
                "late5"
            ]
        );
    }
}
