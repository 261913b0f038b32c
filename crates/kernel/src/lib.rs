//! The simulation kernel: virtual time, the event queue, the processed counter, the
//! append-only log with its retention, and the seeded random stream. It knows nothing
//! of EXPRESSCLUSTER: it is generic over the queued event payload `E` and the log
//! record `R`, and the product's behaviour (the `clustersim-core` crate) sits on top of it.
//!
//! Invariant: time never goes backwards; the order in which events come out is a pure
//! function of what went in (`queue`); a record's `seq` is its position in the log
//! since t=0, whatever retention trimmed. Nothing here reads a clock or an OS source
//! of randomness.

pub mod queue;

pub use queue::{EventQueue, Phase};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A log record the kernel stamps with its sequence number and virtual time.
pub trait Record {
    fn stamp(&mut self, seq: u64, t_ms: u64);
}

/// Virtual clock, event queue and log of one simulation.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Kernel<E, R> {
    seed: u64,
    now: u64,
    queue: EventQueue<E>,
    processed: u64,
    /// Phase and key of the event being processed.
    cursor: (Phase, u64),
    log: Vec<R>,
    /// Entries dropped from the front of `log` by [`Kernel::trim_log`].
    log_dropped: u64,
}

impl<E, R: Record> Kernel<E, R> {
    /// At t=0 with an empty queue and log.
    pub fn new(seed: u64) -> Self {
        Kernel {
            seed,
            now: 0,
            queue: EventQueue::new(),
            processed: 0,
            cursor: (Phase::Now, 0),
            log: Vec::new(),
            log_dropped: 0,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The random stream of this seed: the one source of randomness a simulation has.
    pub fn rng(&self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed)
    }

    /// A stream of its own for a later, separate use (servers joining a running
    /// simulation), so its draws are not the first draws of [`Kernel::rng`] again:
    /// the seed mixed with `salt`.
    pub fn derived_rng(&self, salt: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed ^ salt)
    }

    /// Virtual time in ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Phase and key of the event being processed (which simultaneous events have run).
    pub fn cursor(&self) -> (Phase, u64) {
        self.cursor
    }

    /// Queues `ev` at `at` (never before now), in the behaviour phase.
    pub fn schedule(&mut self, at: u64, ev: E) {
        self.queue.push(at.max(self.now), Phase::Now, ev);
    }

    /// Queues `ev` at `at` (never before now) in `phase`, ordered by `key` among its
    /// simultaneous peers.
    pub fn schedule_keyed(&mut self, at: u64, phase: Phase, key: u64, ev: E) {
        self.queue.push_keyed(at.max(self.now), phase, key, ev);
    }

    pub fn next_event_time(&self) -> Option<u64> {
        self.queue.peek_time()
    }

    /// The next event if it is due at or before `until`: the clock moves to its time.
    pub fn pop_until(&mut self, until: u64) -> Option<E> {
        if self.queue.peek_time()? > until {
            return None;
        }
        self.pop()
    }

    /// The next event: the clock moves to its time and the counter counts it.
    pub fn pop(&mut self) -> Option<E> {
        let (t, phase, key, ev) = self.queue.pop_keyed()?;
        debug_assert!(t >= self.now, "time went backwards");
        self.now = t;
        self.cursor = (phase, key);
        self.processed += 1;
        Some(ev)
    }

    /// Moves the clock to `t` if it is later (after the events due by then ran).
    pub fn advance_to(&mut self, t: u64) {
        self.now = self.now.max(t);
    }

    /// Whether any queued event satisfies `f` (a scan: for rare checks only).
    pub fn any_queued(&self, f: impl Fn(&E) -> bool) -> bool {
        self.queue.any(f)
    }

    /// Rewrites every queued event and its key (see [`EventQueue::rewrite`]).
    pub fn rewrite_queue(&mut self, f: impl FnMut(u64, E) -> Option<(u64, E)>) {
        self.queue.rewrite(f);
    }

    /// Appends `r`, stamped with its sequence number and the current time.
    pub fn append(&mut self, mut r: R) {
        r.stamp(self.log_dropped + self.log.len() as u64, self.now);
        self.log.push(r);
    }

    /// The log as retained.
    pub fn log(&self) -> &[R] {
        &self.log
    }

    /// The retained log, to rewrite records in place (renumbering after a reconfiguration).
    pub fn log_mut(&mut self) -> &mut [R] {
        &mut self.log
    }

    /// Drops the oldest entries so at most `keep` remain; returns how many were dropped.
    /// Sequence numbers keep counting from the first entry.
    pub fn trim_log(&mut self, keep: usize) -> u64 {
        let n = self.log.len().saturating_sub(keep);
        self.log.drain(..n);
        self.log_dropped += n as u64;
        n as u64
    }

    /// Entries dropped by [`Kernel::trim_log`] since t=0.
    pub fn log_dropped(&self) -> u64 {
        self.log_dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Rec(&'static str, u64, u64);
    impl Record for Rec {
        fn stamp(&mut self, seq: u64, t_ms: u64) {
            (self.1, self.2) = (seq, t_ms);
        }
    }

    #[test]
    fn the_clock_follows_the_events_and_never_goes_back() {
        let mut k: Kernel<&str, Rec> = Kernel::new(7);
        k.schedule(50, "b");
        k.schedule(10, "a");
        assert_eq!(k.pop_until(5), None);
        assert_eq!(k.pop_until(60), Some("a"));
        assert_eq!((k.now(), k.processed()), (10, 1));
        k.schedule(0, "late"); // in the past: runs now, not before
        assert_eq!(k.pop(), Some("late"));
        assert_eq!(k.now(), 10);
        k.advance_to(3);
        assert_eq!(k.now(), 10);
        k.advance_to(40);
        assert_eq!(k.pop(), Some("b"));
        assert_eq!(k.now(), 50);
    }

    #[test]
    fn log_sequence_numbers_survive_trimming() {
        let mut k: Kernel<(), Rec> = Kernel::new(0);
        for name in ["a", "b", "c"] {
            k.append(Rec(name, 0, 0));
        }
        assert_eq!(k.trim_log(1), 2);
        k.append(Rec("d", 0, 0));
        assert_eq!(k.log(), &[Rec("c", 2, 0), Rec("d", 3, 0)]);
        assert_eq!(k.log_dropped(), 2);
    }

    #[test]
    fn the_random_stream_is_a_function_of_the_seed() {
        use rand::Rng;
        let a: u64 = Kernel::<(), Rec>::new(3).rng().gen();
        let b: u64 = Kernel::<(), Rec>::new(3).rng().gen();
        let c: u64 = Kernel::<(), Rec>::new(4).rng().gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
