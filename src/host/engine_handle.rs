//! The handle faces and the control API hold to a cluster's engine: sending commands,
//! reading the published snapshot, subscribing to the event stream.

use super::*;

/// A cheap, cloneable handle to one cluster's engine: what faces and the control API
/// hold. The engine stops when every handle is dropped.
#[derive(Clone)]
pub struct ClusterHandle {
    tx: mpsc::UnboundedSender<Envelope>,
    snap: watch::Receiver<Arc<Snapshot>>,
    events_tx: broadcast::Sender<StreamItem>,
    pub mode: ClockMode,
}

impl ClusterHandle {
    /// Starts the engine as a task on the current tokio runtime.
    pub fn spawn(spec: EngineSpec) -> ClusterHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events_tx, _) = broadcast::channel(256);
        let (sim, journal, now_ms) = match &spec.start {
            Some(s) => (
                replay(spec.model.clone(), &s.journal, s.now_ms),
                s.journal.clone(),
                s.now_ms,
            ),
            None => (
                Sim::new(spec.model.clone(), spec.seed),
                Journal::new(spec.seed),
                0,
            ),
        };
        let first = Snapshot {
            model: sim.model().clone(),
            config_applied_ms: sim.config_applied_ms(),
            view: sim.view(),
            per_server: Vec::new(),
            reachable: Vec::new(),
            power: sim.power_states(),
            rolling: sim.rolling_records(),
            published_ms: 0,
            clock: spec.mode,
            wall_base: Instant::now(),
            sim_base: 0,
            speed: spec.speed,
            next_event_ms: None,
            events_dropped: 0,
            resets: 0,
        };
        let (snap_tx, snap) = watch::channel(Arc::new(first));
        let handle = ClusterHandle {
            tx,
            snap,
            events_tx: events_tx.clone(),
            mode: spec.mode,
        };
        let from_checkpoint = spec
            .start
            .as_ref()
            .is_some_and(|s| s.journal.base.is_some());
        let archive = spec.durable.as_ref().and_then(|d| {
            let dropped = sim.events_dropped();
            let resumed = (from_checkpoint && dropped > 0)
                .then(|| EventArchive::resume(&d.info.dir, dropped))
                .and_then(|r| {
                    r.map_err(|e| eprintln!("clustersim: cluster {:?}: event archive: {e}; entries before the snapshot's log are not served", spec.name)).ok()
                });
            resumed
                .map(Ok)
                .unwrap_or_else(|| EventArchive::create(&d.info.dir))
                .map_err(|e| eprintln!("clustersim: cluster {:?}: event archive: {e}", spec.name))
                .ok()
        });
        let cadence = crate::host::checkpoint::Cadence::new(
            spec.checkpoint_every,
            spec.snapshot_every_ms,
            now_ms,
        );
        let mut engine = Engine {
            history: crate::host::history::History::new(spec.retention),
            cadence,
            archive,
            journal,
            speed: spec.speed,
            spec,
            sim,
            wall_base: Instant::now(),
            sim_base: now_ms,
            snap_tx,
            events_tx,
            broadcast_upto: 0,
            stalled: false,
            behind: false,
            advancing: None,
            resets: 0,
        };
        engine.publish();
        tokio::spawn(async move {
            run(engine, rx).await;
            // The engine (its world and log) is dropped by now: give the pages back.
            crate::host::memory::release_freed();
        });
        handle
    }

    /// The model in force, from the latest snapshot (servers may have joined or left).
    pub fn model(&self) -> Arc<Model> {
        self.snapshot().model.clone()
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

    /// Runs `cmd` on the engine at this wall instant. A new snapshot is published
    /// before the reply is sent, so a GET that follows sees its effect.
    pub async fn send(&self, cmd: Command) -> Result<Reply, EngineError> {
        let (reply, rx) = oneshot::channel();
        let env = Envelope {
            at: Instant::now(),
            cmd,
            reply,
        };
        self.tx.send(env).map_err(|_| EngineError::Gone)?;
        rx.await.map_err(|_| EngineError::Gone)?
    }
}

/// A reply of the wrong kind: a bug in the engine, answered like a panic.
pub fn unexpected(reply: Reply) -> EngineError {
    EngineError::Panicked(format!("unexpected reply {reply:?}"))
}
