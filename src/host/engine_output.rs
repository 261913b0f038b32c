//! What the engine publishes: the snapshot status GETs read, new log entries for the
//! event stream, and the log's retention (trimmed entries go to the archive first).

use super::Engine;
use crate::host::ClockMode;
use crate::model::Model;
use crate::sim::ClusterView;
use std::sync::Arc;
use std::time::Instant;

/// What status GETs read: the cluster as seen by the first running server, and (with
/// per-server listeners) as each server sees it.
#[derive(Debug)]
pub struct Snapshot {
    /// The model in force (live reconfiguration swaps in new versions).
    pub model: Arc<Model>,
    /// Virtual time the configuration was last applied (0: as loaded).
    pub config_applied_ms: u64,
    pub view: ClusterView,
    /// Indexed by server id; empty unless per-server listeners are on.
    pub per_server: Vec<ClusterView>,
    /// Indexed by server id: powered and not hung (ground truth).
    pub reachable: Vec<bool>,
    /// Indexed by server id: power, boot and maintenance state (ground truth, for the
    /// hardware-facing faces).
    pub power: Vec<crate::sim::PowerState>,
    /// The latest rolling restart/upgrade/deploy records (`sim/rolling.rs`).
    pub rolling: Vec<crate::sim::RollingRecord>,
    /// Virtual time at publication.
    pub published_ms: u64,
    /// Realtime clock at publication: virtual time = `sim_base` + wall time since
    /// `wall_base` x `speed`, up to (not past) `next_event_ms`.
    pub clock: ClockMode,
    pub wall_base: Instant,
    pub sim_base: u64,
    pub speed: f64,
    pub next_event_ms: Option<u64>,
    /// Log entries dropped by the retention limit since t=0.
    pub events_dropped: u64,
    /// Resets and restores since the engine started: what was issued before one
    /// (an xCAT token) ends with it.
    pub resets: u64,
}

impl Snapshot {
    /// The view a listener answers with: its own server's, or the cluster's.
    pub fn view_for(&self, server: Option<usize>) -> &ClusterView {
        server
            .and_then(|s| self.per_server.get(s))
            .unwrap_or(&self.view)
    }

    /// Virtual time now, without asking the engine. In realtime mode it follows the
    /// wall clock but stops short of the next unprocessed event, so it never shows a
    /// time whose events are not in the view yet.
    pub fn now_ms(&self) -> u64 {
        match self.clock {
            ClockMode::Manual => self.published_ms,
            ClockMode::Realtime => {
                let t = sim_time_at(self.sim_base, self.wall_base, self.speed, Instant::now());
                let cap = self.next_event_ms.map_or(u64::MAX, |n| n.saturating_sub(1));
                t.min(cap).max(self.published_ms)
            }
        }
    }
}

pub(super) fn sim_time_at(sim_base: u64, wall_base: Instant, speed: f64, at: Instant) -> u64 {
    let wall = at.saturating_duration_since(wall_base).as_secs_f64();
    sim_base.saturating_add((wall * 1000.0 * speed) as u64)
}

/// Items of the event broadcast that feeds `/sim/v1/events/stream`.
#[derive(Clone, Debug)]
pub enum StreamItem {
    /// New log entries as (seq, JSON text), oldest first.
    Events(Arc<Vec<(u64, String)>>),
    /// The simulation was reset: sequence numbers start again.
    Reset,
}

impl Engine {
    /// Publishes a fresh snapshot and offers new log entries to stream subscribers.
    pub(super) fn publish(&mut self) {
        let model = &self.sim.model().clone();
        let view = self.sim.view();
        // Always, not only when the log grew: the view this snapshot serves is recorded.
        let logged = self.logged();
        self.history.observe(self.sim.now(), logged, &view);
        let n = model.servers.len();
        let mut reachable = vec![false; n];
        for s in &view.servers {
            if let Some(id) = model.server_id(&s.name) {
                reachable[id] = s.reachable;
            }
        }
        let per_server = if self.spec.per_server {
            (0..n).map(|s| self.sim.view_from(s)).collect()
        } else {
            Vec::new()
        };
        self.snap_tx.send_replace(Arc::new(Snapshot {
            model: model.clone(),
            config_applied_ms: self.sim.config_applied_ms(),
            published_ms: self.sim.now(),
            view,
            per_server,
            reachable,
            power: self.sim.power_states(),
            rolling: self.sim.rolling_records(),
            clock: self.spec.mode,
            wall_base: self.wall_base,
            sim_base: self.sim_base,
            speed: self.speed,
            next_event_ms: self.sim.next_event_time(),
            events_dropped: match &self.archive {
                Some(_) => 0,
                None => self.sim.events_dropped(),
            },
            resets: self.resets,
        }));

        let events = self.sim.events();
        let logged = self.logged();
        if logged > self.broadcast_upto {
            if self.events_tx.receiver_count() > 0 {
                let start = events.partition_point(|e| e.seq < self.broadcast_upto);
                let batch: Vec<(u64, String)> = events[start..]
                    .iter()
                    .map(|e| (e.seq, e.to_json(model).to_string()))
                    .collect();
                let _ = self.events_tx.send(StreamItem::Events(Arc::new(batch)));
            }
            self.broadcast_upto = logged;
        }
        self.retain();
    }

    /// Retention: trims the in-memory log in batches (so the front is not shifted at
    /// every event), archiving the trimmed entries first when there is an archive.
    fn retain(&mut self) {
        let keep = self.spec.retention;
        let len = self.sim.events().len();
        if len <= keep + keep / 4 {
            return;
        }
        if let Some(a) = &mut self.archive {
            let model = self.sim.model();
            let old = self.sim.events()[..len - keep]
                .iter()
                .map(|e| (e.seq, e.to_json(model).to_string()));
            if let Err(e) = a.append(old) {
                eprintln!(
                    "clustersim: cluster {:?}: the event archive cannot be written ({e}); older entries are no longer served",
                    self.spec.name
                );
                self.archive = None;
            }
        }
        self.sim.trim_log(keep);
        crate::host::memory::release_freed();
    }

    /// Log entries with `seq >= since`, at most `limit`: from the archive first when
    /// `since` is older than memory, then from memory.
    pub(super) fn events_from(&self, since: u64, limit: usize) -> Vec<(u64, String)> {
        let events = self.sim.events();
        let first_in_memory = events.first().map_or(self.logged(), |e| e.seq);
        let mut out = Vec::new();
        if let (Some(a), true) = (&self.archive, since < first_in_memory) {
            let n = limit.min((first_in_memory - since) as usize);
            match a.read(since, n) {
                Ok(v) => out = v,
                Err(e) => eprintln!(
                    "clustersim: cluster {:?}: event archive: {e}",
                    self.spec.name
                ),
            }
        }
        let from = out.last().map_or(since, |(s, _)| s + 1);
        let start = events.partition_point(|ev| ev.seq < from);
        out.extend(
            events[start..]
                .iter()
                .take(limit - out.len())
                .map(|ev| (ev.seq, ev.to_json(self.sim.model()).to_string())),
        );
        out
    }

    pub(super) fn clear_archive(&mut self) {
        if let Some(a) = &mut self.archive {
            if let Err(e) = a.clear() {
                eprintln!(
                    "clustersim: cluster {:?}: event archive: {e}",
                    self.spec.name
                );
                self.archive = None;
            }
        }
    }
}
