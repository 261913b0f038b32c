//! `clustersim bench`: a synthetic cluster under a seeded fault load, run as fast as
//! possible. Wall time is measured here, in the shell; the engine never reads a clock.

use crate::model::{parse_duration, Millis};
use crate::sim::{HeartbeatModel, Sim};
use crate::synth::{drive, FaultLoad, FaultStats, SynthSpec};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// Servers in the synthetic cluster (more than 32 lifts the product limit).
    #[arg(long, default_value_t = 32)]
    pub servers: usize,
    /// Failover groups, spread over the servers in windows of four.
    #[arg(long, default_value_t = 8)]
    pub groups: usize,
    /// Group resources per group (fip, disk, exec, ... in turn).
    #[arg(long, default_value_t = 2)]
    pub resources_per_group: usize,
    /// Monitors per group (one per resource, then user-mode monitors).
    #[arg(long, default_value_t = 1)]
    pub monitors_per_group: usize,
    /// Kernel-mode LAN heartbeat paths.
    #[arg(long, default_value_t = 2)]
    pub heartbeat_paths: usize,
    /// Heartbeat interval.
    #[arg(long, default_value = "3s", value_parser = duration)]
    pub heartbeat_interval: Millis,
    /// Heartbeat timeout [default: 30 x the interval].
    #[arg(long, value_parser = duration)]
    pub heartbeat_timeout: Option<Millis>,
    /// Simulated time to run.
    #[arg(long, default_value = "24h", value_parser = duration)]
    pub duration: Millis,
    /// One random fault per this much simulated time (`0s`: no faults).
    #[arg(long, default_value = "1h", value_parser = duration)]
    pub fault_every: Millis,
    /// Seed of the engine and of the fault load.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Send every heartbeat as an engine event (the naive model the lazy one is checked
    /// against): a steady event load for measuring the engine's event rate.
    #[arg(long)]
    pub naive_heartbeats: bool,
    /// Also time a bare `BinaryHeap` push/pop loop of as many events, for comparison.
    #[arg(long)]
    pub compare_heap: bool,
    /// Pending events held by the `--compare-heap` loop; match it to the engine's queue
    /// (about 59,600 for the default cluster with `--naive-heartbeats`).
    #[arg(long, default_value_t = 1024)]
    pub heap_depth: u64,
}

fn duration(s: &str) -> Result<Millis, String> {
    parse_duration(s)
}

/// The JSON line `bench` prints.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub servers: usize,
    pub groups: usize,
    pub resources: usize,
    pub monitors: usize,
    pub heartbeat_interval_ms: u64,
    pub fault_every_ms: u64,
    pub seed: u64,
    /// Engine events processed (the sum of `run_until`'s returns).
    pub events: u64,
    /// Entries in the event log.
    pub log_events: usize,
    pub sim_ms: u64,
    pub wall_ms: f64,
    pub events_per_sec: f64,
    /// sim_ms / wall_ms: how many times faster than real time.
    pub speedup: f64,
    #[serde(flatten)]
    pub faults: FaultStats,
    /// Servers and groups Online at the end (the fault load heals the cluster).
    pub servers_online: usize,
    pub groups_online: usize,
    /// Events per second of a bare `BinaryHeap` push/pop loop (`--compare-heap`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_events_per_sec: Option<f64>,
}

impl BenchArgs {
    pub fn spec(&self) -> SynthSpec {
        SynthSpec {
            servers: self.servers,
            groups: self.groups,
            resources_per_group: self.resources_per_group,
            monitors_per_group: self.monitors_per_group,
            heartbeat_paths: self.heartbeat_paths,
            heartbeat_interval: self.heartbeat_interval,
            heartbeat_timeout: self.heartbeat_timeout,
            ..SynthSpec::default()
        }
    }
}

/// Builds the cluster (untimed), then times the run. Errors are one line per problem.
pub fn run(args: &BenchArgs) -> Result<BenchReport, Vec<String>> {
    if args.servers == 0 {
        return Err(vec!["bench: --servers must be at least 1".into()]);
    }
    let model = args.spec().model().map_err(|errs| {
        errs.iter()
            .map(|e| format!("bench: {e}"))
            .collect::<Vec<_>>()
    })?;
    let model = Arc::new(model);
    let hb = if args.naive_heartbeats {
        HeartbeatModel::Naive
    } else {
        HeartbeatModel::Lazy
    };
    let mut sim = Sim::with_heartbeat_model(model.clone(), args.seed, hb);
    let mut load = FaultLoad::new(args.seed, args.fault_every, &model);

    let start = Instant::now();
    let events = drive(&mut sim, &mut load, args.duration.0);
    let wall = start.elapsed().as_secs_f64();

    let wall_ms = wall * 1e3;
    let sim_ms = sim.now();
    let view = sim.view();
    let online = crate::sim::status::ONLINE;
    Ok(BenchReport {
        servers: model.servers.len(),
        groups: model.groups.len(),
        resources: model.resources.len(),
        monitors: model.monitors.len(),
        heartbeat_interval_ms: args.heartbeat_interval.0,
        fault_every_ms: args.fault_every.0,
        seed: args.seed,
        events,
        log_events: sim.events().len(),
        sim_ms,
        wall_ms: round(wall_ms, 1e6),
        events_per_sec: round(rate(events as f64, wall), 1e3),
        speedup: round(sim_ms as f64 / wall_ms, 1e3),
        faults: load.stats,
        servers_online: view.servers.iter().filter(|s| s.status == online).count(),
        groups_online: view.groups.iter().filter(|g| g.status == online).count(),
        heap_events_per_sec: args
            .compare_heap
            .then(|| round(bare_heap_rate(events.max(1), args.heap_depth), 1e3)),
    })
}

fn rate(count: f64, secs: f64) -> f64 {
    if secs > 0.0 {
        count / secs
    } else {
        f64::INFINITY
    }
}

fn round(x: f64, scale: f64) -> f64 {
    if x.is_finite() {
        (x * scale).round() / scale
    } else {
        // JSON has no infinity; a run too short to time reports 0.
        0.0
    }
}

/// Events per second of the leanest possible event loop: a `BinaryHeap` of
/// (time, sequence) holding `depth` pending events, each pop followed by one push of a
/// later event (the classic "hold" model). Increments come from a fixed LCG, uniform in
/// 1..=2 x depth, so the run is repeatable and the heap stays at `depth`.
pub fn bare_heap_rate(events: u64, depth: u64) -> f64 {
    let depth = depth.max(1);
    let mut heap = BinaryHeap::with_capacity(depth as usize + 1);
    let mut lcg: u64 = 0x2545_F491_4F6C_DD1D;
    let mut step = || {
        lcg = lcg
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        1 + (lcg >> 33) % (2 * depth)
    };
    for seq in 0..depth {
        heap.push(Reverse((step(), seq)));
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for seq in depth..depth + events {
        if let Some(Reverse((t, s))) = heap.pop() {
            sum = sum.wrapping_add(s);
            heap.push(Reverse((t + step(), seq)));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(sum);
    rate(events as f64, secs)
}
