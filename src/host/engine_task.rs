//! The engine thread: the only owner of the [`Sim`]. HTTP handlers never touch the
//! simulation directly and never block on it:
//! - status GETs read the latest published [`Snapshot`] from a `watch` channel;
//! - everything else is a closure sent to this thread with the wall instant it was
//!   received at, answered through a oneshot channel ([`EngineHandle::call`]).
//!
//! In realtime mode the thread advances the simulation from the wall clock (times
//! `speed`), catching up to each command's arrival instant before running it, so an
//! operation is a timestamped input. In manual mode time moves only when a command
//! says so (`/sim/v1/clock/advance`).

use super::ClockMode;
use crate::model::Model;
use crate::sim::{ClusterView, Sim};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, oneshot, watch};

/// What status GETs read: the cluster as seen by the first running server, and (with
/// per-server listeners) as each server sees it.
#[derive(Debug)]
pub struct Snapshot {
    pub view: ClusterView,
    /// Indexed by server id; empty unless per-server listeners are on.
    pub per_server: Vec<ClusterView>,
    /// Indexed by server id: powered and not hung (ground truth).
    pub reachable: Vec<bool>,
    pub now_ms: u64,
}

impl Snapshot {
    /// The view a listener answers with: its own server's, or the cluster's.
    pub fn view_for(&self, server: Option<usize>) -> &ClusterView {
        server
            .and_then(|s| self.per_server.get(s))
            .unwrap_or(&self.view)
    }
}

/// Items of the event broadcast that feeds `/sim/v1/events/stream`.
#[derive(Clone, Debug)]
pub enum StreamItem {
    /// New log entries as (seq, JSON text), oldest first.
    Events(Arc<Vec<(u64, String)>>),
    /// The simulation was reset: sequence numbers start again.
    Reset,
}

type Job = Box<dyn FnOnce(&mut Engine) + Send>;

struct Cmd {
    at: Instant,
    job: Job,
}

/// The engine thread's state, handed to every command closure.
pub struct Engine {
    pub sim: Sim,
    pub model: Arc<Model>,
    pub mode: ClockMode,
    pub speed: f64,
    wall_base: Instant,
    sim_base: u64,
    per_server: bool,
    snap_tx: watch::Sender<Arc<Snapshot>>,
    events_tx: broadcast::Sender<StreamItem>,
    /// Log entries up to this index have been offered to the broadcast.
    broadcast_upto: usize,
}

impl Engine {
    /// Back to the initial state (same model), with `seed` or the current seed.
    pub fn reset(&mut self, seed: Option<u64>) {
        let seed = seed.unwrap_or_else(|| self.sim.seed());
        self.sim = Sim::new(self.model.clone(), seed);
        self.wall_base = Instant::now();
        self.sim_base = 0;
        self.broadcast_upto = 0;
        let _ = self.events_tx.send(StreamItem::Reset);
    }

    /// Realtime: changes the speed from now on (virtual time stays continuous).
    pub fn set_speed(&mut self, speed: f64) {
        let now = Instant::now();
        self.catch_up(now);
        self.sim_base = self.sim.now();
        self.wall_base = now;
        self.speed = speed;
    }

    /// Realtime: the virtual time that corresponds to wall instant `at`.
    fn sim_time_at(&self, at: Instant) -> u64 {
        let wall = at.saturating_duration_since(self.wall_base).as_secs_f64();
        self.sim_base + (wall * 1000.0 * self.speed) as u64
    }

    /// Realtime: runs the simulation up to wall instant `at`. Returns events processed.
    fn catch_up(&mut self, at: Instant) -> u64 {
        if self.mode != ClockMode::Realtime {
            return 0;
        }
        let target = self.sim_time_at(at);
        if target > self.sim.now() {
            self.sim.run_until(target)
        } else {
            0
        }
    }

    /// Realtime: how long to sleep before the next scheduled event is due (bounded so
    /// the published clock stays fresh).
    fn next_wake(&self) -> Duration {
        const MAX: Duration = Duration::from_millis(50);
        match self.sim.next_event_time() {
            Some(t) => {
                let now = self.sim.now();
                let ms = t.saturating_sub(now) as f64 / self.speed;
                Duration::from_secs_f64(ms / 1000.0).clamp(Duration::from_millis(1), MAX)
            }
            None => MAX,
        }
    }

    /// Publishes a fresh snapshot and offers new log entries to stream subscribers.
    fn publish(&mut self) {
        let view = self.sim.view();
        let n = self.model.servers.len();
        let mut reachable = vec![false; n];
        for s in &view.servers {
            if let Some(id) = self.model.server_id(&s.name) {
                reachable[id] = s.reachable;
            }
        }
        let per_server = if self.per_server {
            (0..n).map(|s| self.sim.view_from(s)).collect()
        } else {
            Vec::new()
        };
        let snap = Snapshot {
            now_ms: self.sim.now(),
            view,
            per_server,
            reachable,
        };
        self.snap_tx.send_replace(Arc::new(snap));

        let events = self.sim.events();
        if events.len() > self.broadcast_upto {
            if self.events_tx.receiver_count() > 0 {
                let batch: Vec<(u64, String)> = events[self.broadcast_upto..]
                    .iter()
                    .map(|e| (e.seq, e.to_json(&self.model).to_string()))
                    .collect();
                let _ = self.events_tx.send(StreamItem::Events(Arc::new(batch)));
            }
            self.broadcast_upto = events.len();
        }
    }
}

/// A cheap, cloneable handle to the engine thread.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Cmd>,
    snap: watch::Receiver<Arc<Snapshot>>,
    events_tx: broadcast::Sender<StreamItem>,
    pub model: Arc<Model>,
    pub mode: ClockMode,
}

/// The engine thread has stopped (it panicked): answered as the table's 500.
#[derive(Debug)]
pub struct EngineGone;

impl EngineHandle {
    /// Starts the engine thread over `model` and waits for its first snapshot.
    pub fn spawn(
        model: Arc<Model>,
        seed: u64,
        mode: ClockMode,
        speed: f64,
        per_server: bool,
    ) -> std::io::Result<EngineHandle> {
        let (tx, rx) = mpsc::channel::<Cmd>();
        let (events_tx, _) = broadcast::channel(1024);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let m = model.clone();
        let etx = events_tx.clone();
        std::thread::Builder::new()
            .name("clustersim-engine".into())
            .spawn(move || {
                let sim = Sim::new(m.clone(), seed);
                let first = Snapshot {
                    view: sim.view(),
                    per_server: Vec::new(),
                    reachable: Vec::new(),
                    now_ms: 0,
                };
                let (snap_tx, snap_rx) = watch::channel(Arc::new(first));
                let mut engine = Engine {
                    sim,
                    model: m,
                    mode,
                    speed,
                    wall_base: Instant::now(),
                    sim_base: 0,
                    per_server,
                    snap_tx,
                    events_tx: etx,
                    broadcast_upto: 0,
                };
                engine.publish();
                if ready_tx.send(snap_rx).is_err() {
                    return;
                }
                run(engine, rx);
            })?;
        let snap = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the simulation engine failed to start"))?;
        Ok(EngineHandle {
            tx,
            snap,
            events_tx,
            model,
            mode,
        })
    }

    /// The latest published snapshot (never blocks on the engine).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snap.borrow().clone()
    }

    /// A receiver that is notified at each publication (listeners watch reachability).
    pub fn watch(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snap.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StreamItem> {
        self.events_tx.subscribe()
    }

    /// Runs `f` on the engine thread at this wall instant and returns its answer. A new
    /// snapshot is published before the answer is sent, so a GET that follows sees it.
    pub async fn call<R, F>(&self, f: F) -> Result<R, EngineGone>
    where
        R: Send + 'static,
        F: FnOnce(&mut Engine) -> R + Send + 'static,
    {
        let (reply_tx, reply_rx) = oneshot::channel();
        let job: Job = Box::new(move |engine: &mut Engine| {
            let answer = f(engine);
            engine.publish();
            let _ = reply_tx.send(answer);
        });
        self.tx
            .send(Cmd {
                at: Instant::now(),
                job,
            })
            .map_err(|_| EngineGone)?;
        reply_rx.await.map_err(|_| EngineGone)
    }
}

fn run(mut engine: Engine, rx: mpsc::Receiver<Cmd>) {
    loop {
        let cmd = match engine.mode {
            ClockMode::Manual => match rx.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            },
            ClockMode::Realtime => match rx.recv_timeout(engine.next_wake()) {
                Ok(c) => Some(c),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            },
        };
        match cmd {
            Some(Cmd { at, job }) => {
                // A panic in the engine (a bug) fails this request with the table's 500
                // (its reply channel is dropped) but keeps the server up.
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    engine.catch_up(at);
                    job(&mut engine);
                }));
                if ran.is_err() {
                    tracing::error!("the simulation engine panicked while handling a request");
                }
            }
            None => {
                let len_before = engine.sim.events().len();
                let processed = engine.catch_up(Instant::now());
                if processed > 0 || engine.sim.events().len() != len_before {
                    engine.publish();
                }
            }
        }
    }
}
