//! A cluster's engine: a tokio task, the only owner of the cluster's [`Sim`]. Faces
//! and the control API never touch the simulation directly and never block on it:
//! - status GETs read the latest published [`Snapshot`] from a `watch` channel;
//! - everything else is a [`Command`] sent with the wall instant it was received at,
//!   answered with a [`Reply`] ([`ClusterHandle::send`]).
//!
//! Engines are tasks on the shared runtime (worker threads sized to the cores), so an
//! idle cluster costs nothing: the task sleeps until a command arrives or, in realtime
//! mode, until its next scheduled event is due; it never wakes periodically. The
//! virtual time shown between events is computed from the wall clock when it is read
//! ([`Snapshot::now_ms`]).
//!
//! Every applied input is journaled. A panic while running a command (a bug) restores
//! the cluster from model + seed + journal to its state before the command, and the
//! command is answered with [`EngineError::Panicked`] (a 500).

use super::command::{ClockInfo, Command, EngineError, Reply};
use super::event_archive::EventArchive;
use super::journal::{replay, Journal};
use super::limits::{MAX_TIME_MS, SLICE_EVENTS};
use super::ClockMode;
use crate::model::Model;
use crate::sim::Sim;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

#[path = "engine_handle.rs"]
mod handle;
#[path = "engine_output.rs"]
mod output;
#[path = "engine_requests.rs"]
mod requests;
pub use handle::{unexpected, ClusterHandle};
use output::sim_time_at;
pub use output::{Snapshot, StreamItem};

struct Envelope {
    at: Instant,
    cmd: Command,
    reply: oneshot::Sender<Result<Reply, EngineError>>,
}

/// How a cluster's engine starts.
#[derive(Clone, Debug)]
pub struct EngineSpec {
    /// For messages (stderr on a panic).
    pub name: String,
    pub model: Arc<Model>,
    pub seed: u64,
    pub mode: ClockMode,
    pub speed: f64,
    /// Publish each server's own view (per-server listeners).
    pub per_server: bool,
    /// Accept [`Command::ApplyThenPanic`] (tests).
    pub allow_panic_hook: bool,
    /// `--state DIR`: every input is appended there before it is answered.
    pub durable: Option<super::state::Durable>,
    /// Start from this journal instead of t=0 (recovery, fork).
    pub start: Option<super::state::Start>,
    /// Log entries kept in memory (`--event-retention`); older ones go to the state
    /// directory's archive when there is one (`host::event_archive`), else are dropped.
    pub retention: usize,
    /// `--checkpoint-every` (inputs) and `--snapshot-every` (virtual ms): see
    /// `host::checkpoint`.
    pub checkpoint_every: u64,
    pub snapshot_every_ms: u64,
}

/// The engine task's state.
struct Engine {
    spec: EngineSpec,
    sim: Sim,
    journal: Journal,
    speed: f64,
    wall_base: Instant,
    sim_base: u64,
    snap_tx: watch::Sender<Arc<Snapshot>>,
    events_tx: broadcast::Sender<StreamItem>,
    /// Log entries with a lower seq have been offered to the broadcast.
    broadcast_upto: u64,
    /// Realtime catch-up panicked: stop waking for events (they would panic again
    /// at once) until a command gets through.
    stalled: bool,
    /// Realtime catch-up stopped at a slice boundary: wake again at once.
    behind: bool,
    /// A manual advance running slice by slice; answered when it reaches its target.
    advancing: Option<Advancing>,
    /// Resets and restores so far (`Snapshot::resets`).
    resets: u64,
    /// `--state`: the log entries trimmed from memory.
    archive: Option<EventArchive>,
    /// The answering server's status changes (`GET /sim/v1/history`).
    history: super::history::History,
    /// When the journal is next checkpointed (`host::checkpoint`).
    cadence: super::checkpoint::Cadence,
}

struct Advancing {
    target: u64,
    logged_before: u64,
    processed_before: u64,
    reply: oneshot::Sender<Result<Reply, EngineError>>,
}

impl Engine {
    fn realtime(&self) -> bool {
        self.spec.mode == ClockMode::Realtime
    }

    /// Log entries ever written (the next seq).
    fn logged(&self) -> u64 {
        self.sim.events_dropped() + self.sim.events().len() as u64
    }

    /// Runs toward virtual time `target` for at most [`SLICE_EVENTS`] events; true
    /// when it got there (the clock is then at `target`).
    fn run_slice(&mut self, target: u64) -> bool {
        for _ in 0..SLICE_EVENTS {
            match self.sim.next_event_time() {
                Some(t) if t <= target => {
                    self.sim.step();
                    self.observe_history();
                }
                _ => {
                    self.sim.run_until(target);
                    return true;
                }
            }
        }
        false
    }

    /// Records the answering server's status changes when the log grew (every state
    /// change logs), so the timeline can show what `/api/v1` answered at each moment.
    fn observe_history(&mut self) {
        let logged = self.logged();
        if self.history.stale(logged) {
            self.history
                .observe(self.sim.now(), logged, &self.sim.view());
        }
    }

    /// Realtime: runs the simulation toward wall instant `at`, one slice at most
    /// (`behind` says whether it is still short of it).
    fn catch_up(&mut self, at: Instant) {
        if self.realtime() {
            let target =
                sim_time_at(self.sim_base, self.wall_base, self.speed, at).min(MAX_TIME_MS);
            self.behind = target > self.sim.now() && !self.run_slice(target);
        }
    }

    /// One slice of the running manual advance; answers it when done (or panicked).
    fn advance_slice(&mut self) {
        let Some(target) = self.advancing.as_ref().map(|a| a.target) else {
            return;
        };
        let ran = self.guarded(|e| e.run_slice(target));
        if ran == Ok(false) {
            self.publish();
            return;
        }
        let Some(a) = self.advancing.take() else {
            return;
        };
        let marked = match (&ran, &self.spec.durable) {
            (Ok(_), Some(d)) => d.clock(self.sim.now(), true),
            _ => Ok(()),
        };
        self.checkpoint();
        let answer = ran
            .map_err(EngineError::Panicked)
            .and_then(|_| marked.map_err(EngineError::Unrecorded))
            .map(|()| Reply::Advanced {
                now_ms: self.sim.now(),
                events: (self.logged() - a.logged_before) as usize,
                processed: self.sim.processed() - a.processed_before,
            });
        self.publish();
        self.answer(a.reply, answer);
    }

    /// Sends `answer` once the records it acknowledges are durable (group commit with
    /// `--state`, see `host::group_commit`); the engine goes on meanwhile.
    fn answer(
        &self,
        reply: oneshot::Sender<Result<Reply, EngineError>>,
        answer: Result<Reply, EngineError>,
    ) {
        let Some(d) = &self.spec.durable else {
            let _ = reply.send(answer);
            return;
        };
        d.release(Box::new(move |synced| {
            let answer = match synced {
                Ok(()) => answer,
                Err(e) => Err(EngineError::NotDurable(e)),
            };
            let _ = reply.send(answer);
        }));
    }

    /// Realtime: the wall instant the next scheduled event is due (`None`: sleep until
    /// a command). Far-off events are checked again after a day. One virtual ms of
    /// slack so float rounding never wakes the task just before the event is due.
    fn next_wake(&self) -> Option<Instant> {
        if !self.realtime() || self.stalled {
            return None;
        }
        if self.behind {
            return Some(Instant::now());
        }
        let t = self.sim.next_event_time()?;
        let ahead_ms = (t.saturating_sub(self.sim_base) + 1) as f64 / self.speed;
        let ahead = Duration::from_secs_f64((ahead_ms / 1000.0).min(86_400.0));
        Some(self.wall_base + ahead)
    }

    fn clock(&self) -> ClockInfo {
        ClockInfo {
            now_ms: self.sim.now(),
            mode: self.spec.mode.as_str(),
            speed: self.speed,
            seed: self.sim.seed(),
        }
    }

    fn execute(&mut self, cmd: Command) -> Result<Reply, EngineError> {
        Ok(match cmd {
            Command::Apply(input) => self.apply(None, input)?,
            Command::ApplyFrom { from, input } => self.apply(from, input)?,
            Command::ApplyThenPanic(input) => {
                if !self.spec.allow_panic_hook {
                    return Err(EngineError::NotAllowed("the panic hook is off"));
                }
                self.apply(None, input)?;
                panic!("injected panic (test hook) after applying an input");
            }
            // Started in `handle`; a second one while the first runs is refused.
            Command::Advance { .. } => {
                return Err(EngineError::NotAllowed(
                    "an advance is already running; wait for its answer",
                ))
            }
            Command::SetSpeed { speed } => {
                self.sim_base = self.sim.now();
                self.wall_base = Instant::now();
                self.speed = speed;
                if let Some(d) = &self.spec.durable {
                    d.speed(speed).map_err(EngineError::Unrecorded)?;
                }
                Reply::Clock(self.clock())
            }
            Command::Reset { seed } => {
                // On disk first: a reset that cannot be written is refused, not undone
                // by the next restart.
                let seed = seed.unwrap_or_else(|| self.sim.seed());
                if let Some(d) = &self.spec.durable {
                    d.rewrite(&Journal::new(seed), 0)
                        .map_err(EngineError::Unrecorded)?;
                }
                if let Some(a) = self.advancing.take() {
                    let _ = a.reply.send(Err(EngineError::NotAllowed(
                        "the simulation was reset during the advance",
                    )));
                }
                self.sim = Sim::new(self.spec.model.clone(), seed);
                self.journal = Journal::new(seed);
                self.resets += 1;
                self.cadence.restart(0);
                self.wall_base = Instant::now();
                self.sim_base = 0;
                self.broadcast_upto = 0;
                self.behind = false;
                self.clear_archive();
                self.history.clear();
                let _ = self.events_tx.send(StreamItem::Reset);
                Reply::Clock(self.clock())
            }
            Command::Clock => Reply::Clock(self.clock()),
            Command::Faults => Reply::Faults(self.sim.fault_history()),
            Command::Events { since, limit } => Reply::Events(self.events_from(since, limit)),
            Command::History { since, limit } => Reply::History(self.history.since(since, limit)),
            Command::Journal => Reply::Journal(self.whole_journal()),
            Command::Restore(start) => self.restore(start)?,
            Command::GroupOnlineMs => {
                Reply::GroupOnlineMs(super::uptime::group_online_ms(&self.sim))
            }
            Command::View { server } => Reply::View(Box::new(match server {
                Some(id) => self.sim.view_from(id),
                None => self.sim.view(),
            })),
            Command::Metrics { open_metrics, http } => Reply::Text(super::metrics::render(
                &self.sim,
                self.speed,
                self.spec.mode == ClockMode::Manual,
                &http,
                open_metrics,
                self.spec.durable.as_ref().map(|d| d.info.problems().len()),
            )),
        })
    }

    /// Journals `input` (on disk first with `--state`: one that cannot be written is
    /// not applied, and answers 503) and applies it.
    fn apply(
        &mut self,
        from: Option<usize>,
        input: crate::sim::Input,
    ) -> Result<Reply, EngineError> {
        let busy_before = self.sim.busy();
        if let Some(d) = &self.spec.durable {
            d.input(self.sim.now(), from, &input)
                .map_err(EngineError::Unrecorded)?;
        }
        self.journal
            .record_from(self.sim.now(), from, input.clone());
        Ok(Reply::Applied {
            result: super::journal::apply_entry(&mut self.sim, from, input),
            busy_before,
        })
    }

    /// Checkpoints the journal when one is due (outside `guarded`, whose panic
    /// restore counts entries of the journal as it was before the command).
    fn checkpoint(&mut self) {
        let d = self.spec.durable.as_ref();
        let name = &self.spec.name;
        self.cadence
            .maybe_take(name, &self.sim, &mut self.journal, d, self.speed);
    }

    /// The journal since the last reset: from disk when the one in memory starts at
    /// a checkpoint and there is a state directory (else as it is, checkpoint first).
    fn whole_journal(&self) -> super::journal::Journal {
        match (&self.journal.base, &self.spec.durable) {
            (Some(_), Some(d)) => d.read_journal().unwrap_or_else(|e| {
                eprintln!(
                    "clustersim: cluster {:?}: the journal cannot be read back ({e}); answering from its checkpoint",
                    self.spec.name
                );
                self.journal.clone()
            }),
            _ => self.journal.clone(),
        }
    }

    /// Replaces the cluster's state with `start`'s journal replayed to its time
    /// (`POST /sim/v1/restore`); stream subscribers see a reset.
    /// The new journal is on disk before the state changes: one that cannot be
    /// written leaves the cluster as it was (503).
    fn restore(&mut self, start: super::state::Start) -> Result<Reply, EngineError> {
        let sim = replay(self.spec.model.clone(), &start.journal, start.now_ms);
        if let Some(d) = &self.spec.durable {
            d.rewrite(&start.journal, start.now_ms)
                .map_err(EngineError::Unrecorded)?;
        }
        self.sim = sim;
        self.journal = start.journal;
        self.resets += 1;
        self.cadence.restart(start.now_ms);
        self.wall_base = Instant::now();
        self.sim_base = start.now_ms;
        self.broadcast_upto = 0;
        self.clear_archive();
        self.history.clear();
        let _ = self.events_tx.send(StreamItem::Reset);
        Ok(Reply::Clock(self.clock()))
    }

    /// Runs `f` (catch-up and/or a command); after a panic, puts the sim back as it
    /// was before and says why.
    fn guarded<R>(&mut self, f: impl FnOnce(&mut Engine) -> R) -> Result<R, String> {
        let (before_ms, journal_len) = (self.sim.now(), self.journal.entries.len());
        let history_mark = self.history.mark();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        ran.map_err(|payload| {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            self.journal.entries.truncate(journal_len);
            self.sim = replay(self.spec.model.clone(), &self.journal, before_ms);
            self.broadcast_upto = self.broadcast_upto.min(self.logged());
            self.history.roll_back(history_mark);
            if let Some(d) = &self.spec.durable {
                // The input that panicked was journaled; if it cannot be dropped from
                // disk, a restart replays it (and the panic names it on stderr).
                if let Err(e) = d.rewrite(&self.journal, before_ms) {
                    eprintln!("clustersim: cluster {:?}: {e}", self.spec.name);
                }
            }
            eprintln!(
                "clustersim: cluster {:?}: the engine panicked ({why}); restored to t={before_ms} ms from the journal ({journal_len} inputs)",
                self.spec.name
            );
            tracing::error!(cluster = %self.spec.name, "engine panic: {why}; restored");
            why
        })
    }

    fn handle(&mut self, env: Envelope) {
        let Envelope { at, cmd, reply } = env;
        if let (Command::Advance { ms }, None) = (&cmd, &self.advancing) {
            self.advancing = Some(Advancing {
                target: self
                    .sim
                    .now()
                    .saturating_add(*ms)
                    .min(MAX_TIME_MS.max(self.sim.now())),
                logged_before: self.logged(),
                processed_before: self.sim.processed(),
                reply,
            });
            return;
        }
        let answer = match self.guarded(|e| {
            e.catch_up(at);
            e.execute(cmd)
        }) {
            Ok(r) => {
                self.stalled = false;
                r
            }
            Err(why) => Err(EngineError::Panicked(why)),
        };
        self.checkpoint();
        self.publish();
        self.answer(reply, answer);
    }

    /// Realtime: an event fell due with no command around it.
    fn tick(&mut self) {
        let processed = self.sim.processed();
        if self.guarded(|e| e.catch_up(Instant::now())).is_err() {
            self.stalled = true;
        }
        if self.sim.processed() != processed {
            if let Some(d) = &self.spec.durable {
                let _ = d.clock(self.sim.now(), false); // named on stderr
            }
            self.checkpoint();
            self.publish();
        }
    }
}

async fn run(mut engine: Engine, mut rx: mpsc::UnboundedReceiver<Envelope>) {
    loop {
        // A long advance: answer whatever is waiting, run one slice, let others run.
        if engine.advancing.is_some() {
            loop {
                match rx.try_recv() {
                    Ok(env) => engine.handle(env),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => return,
                }
            }
            engine.advance_slice();
            tokio::task::yield_now().await;
            continue;
        }
        let env = match engine.next_wake() {
            None => rx.recv().await,
            Some(at) => {
                tokio::select! {
                    biased;
                    env = rx.recv() => env,
                    _ = tokio::time::sleep_until(at.into()) => {
                        engine.tick();
                        continue;
                    }
                }
            }
        };
        match env {
            Some(env) => engine.handle(env),
            None => return,
        }
    }
}
