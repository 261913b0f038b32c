//! `clustersim bench`: a synthetic cluster under a seeded fault load, run as fast as
//! possible. Wall time is measured here, in the shell; the engine never reads a clock.

use crate::model::{parse_duration, Millis};
use crate::sim::{HeartbeatModel, Sim};
use crate::synth::{drive_with, FaultLoad, FaultStats, SynthSpec};
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
    #[arg(long, default_value_t = super::DEFAULT_SEED)]
    pub seed: u64,
    /// Time the run this many times (same seed, same events) and report the fastest.
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
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
    /// Keep only the last this many event-log entries, as `run` does (0: keep all).
    /// The engine's own state is what the figures are about; a log kept whole grows by
    /// a few hundred bytes an entry (millions of entries a day at 10,000 servers).
    #[arg(long, default_value_t = crate::scenario::runner::RUN_LOG_TAIL)]
    pub log_tail: usize,
    /// Override a setting of the synthetic cluster (`key=value`, repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// 10,000 servers take about 0.5 GB; beyond that a typo could exhaust memory.
pub const MAX_SERVERS: usize = 10_000;
/// Per-server state cells the engine may need, at most (about 10,000 servers on two paths).
const MAX_CELLS: u128 = 300_000_000;

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
    /// Timed runs; the figures below are from the fastest.
    pub runs: u32,
    /// Engine events processed (the sum of `run_until`'s returns).
    pub events: u64,
    /// Entries appended to the event log (those trimmed by `--log-tail` included).
    pub log_events: usize,
    /// Peak and final resident set size of the process, in MiB (Linux; 0 elsewhere).
    pub peak_rss_mib: f64,
    pub rss_mib: f64,
    pub sim_ms: u64,
    pub wall_ms: f64,
    /// CPU time of the same run (this thread's), when the platform can tell.
    pub cpu_ms: f64,
    pub events_per_sec: f64,
    /// Of `wall_ms`, the time spent inside the engine (`run_until`), without the fault
    /// load's own work (choosing faults, reading views to heal).
    pub engine_ms: f64,
    pub engine_cpu_ms: f64,
    pub engine_events_per_sec: f64,
    pub engine_events_per_cpu_sec: f64,
    /// sim_ms / wall_ms: how many times faster than real time.
    pub speedup: f64,
    #[serde(flatten)]
    pub faults: FaultStats,
    /// Servers and groups Online at the end (the fault load heals the cluster).
    pub servers_online: usize,
    pub groups_online: usize,
    /// Events per second of a bare `BinaryHeap` push/pop loop of as many events at
    /// `--heap-depth` (`--compare-heap`; the fastest of `runs`), by wall and CPU time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_events_per_sec: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_events_per_cpu_sec: Option<f64>,
    /// engine_events_per_cpu_sec / heap_events_per_cpu_sec: the "quarter of a bare heap"
    /// bar, in CPU time so that other work on the machine does not skew it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_to_heap: Option<f64>,
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

/// Builds the cluster (untimed), then times the run, `--repeat` times; the figures are
/// from the fastest run, which is the least disturbed by other work on the machine.
/// Errors are one line per problem.
pub fn run(args: &BenchArgs) -> Result<BenchReport, Vec<String>> {
    check_args(args)?;
    let model = build_model(args)?;
    let (best, last) = time_runs(args, &model)?;
    let heap = args.compare_heap.then(|| heap_rates(args, last.events));
    Ok(report(args, &model, &best, last, heap))
}

/// The last timed run: its counts, its end state and the fault load's tally.
struct LastRun {
    events: u64,
    log_events: usize,
    sim: Sim,
    faults: FaultStats,
}

/// Refuses sizes that would exhaust memory (the engine keeps per-pair state) and a
/// `--repeat` of 0, before anything is built.
fn check_args(args: &BenchArgs) -> Result<(), Vec<String>> {
    if args.servers == 0 || args.servers > MAX_SERVERS {
        return Err(vec![format!(
            "bench: --servers must be between 1 and {MAX_SERVERS} \
             (the engine keeps per-pair state: memory grows with servers squared)"
        )]);
    }
    let per_server = (args.servers as u128) * (args.heartbeat_paths.max(1) as u128)
        + (args.groups as u128)
            * (args.resources_per_group as u128 + args.monitors_per_group as u128);
    if (args.servers as u128) * per_server > MAX_CELLS {
        return Err(vec![format!(
            "bench: the cluster is too large to simulate in memory: servers x (servers x \
             heartbeat paths + groups x (resources + monitors per group)) must stay under \
             {MAX_CELLS}"
        )]);
    }
    if args.repeat == 0 {
        return Err(vec!["bench: --repeat must be at least 1".into()]);
    }
    Ok(())
}

/// The synthetic cluster file with `--set` applied, checked like any cluster file.
fn build_model(args: &BenchArgs) -> Result<Arc<crate::model::Model>, Vec<String>> {
    let file = crate::set::set_cluster(args.spec().cluster_file(), &args.set)
        .map_err(|e| vec![format!("bench: {e}")])?;
    let model = crate::model::Model::from_file(file, "<synthetic cluster>").map_err(|errs| {
        errs.iter()
            .map(|e| format!("bench: {e}"))
            .collect::<Vec<_>>()
    })?;
    Ok(Arc::new(model))
}

/// Times `--repeat` runs of the same seed, each from a fresh engine; the best time of
/// each figure and the last run. Runs that differ in their counts are an error: the
/// engine must be deterministic.
fn time_runs(
    args: &BenchArgs,
    model: &Arc<crate::model::Model>,
) -> Result<(Times, LastRun), Vec<String>> {
    let hb = if args.naive_heartbeats {
        HeartbeatModel::Naive
    } else {
        HeartbeatModel::Lazy
    };
    let mut best = Times::worst();
    let mut last: Option<LastRun> = None;
    for _ in 0..args.repeat {
        let mut sim = Sim::with_heartbeat_model(model.clone(), args.seed, hb);
        let mut load = FaultLoad::new(args.seed, args.fault_every, model);
        let mut t = Times::default();
        let (start, cpu_start) = (Instant::now(), thread_cpu());
        let events = drive_with(&mut sim, &mut load, args.duration.0, |sim, until| {
            let (t0, c0) = (Instant::now(), thread_cpu());
            let n = sim.run_until(until);
            t.engine_wall += t0.elapsed().as_secs_f64();
            t.engine_cpu += thread_cpu() - c0;
            let tail = args.log_tail;
            if tail > 0 && sim.events().len() > tail + tail / 4 {
                sim.trim_log(tail);
            }
            n
        });
        t.wall = start.elapsed().as_secs_f64();
        t.cpu = thread_cpu() - cpu_start;
        best = best.min(&t);
        if let Some(l) = &last {
            let e = l.events;
            if (e, l.log_events) != (events, log_len(&sim)) {
                return Err(vec![format!(
                    "bench: runs with the same seed differ ({e} then {events} events): \
                     the engine is not deterministic"
                )]);
            }
        }
        last = Some(LastRun {
            events,
            log_events: log_len(&sim),
            sim,
            faults: load.stats,
        });
    }
    let Some(last) = last else {
        return Err(vec!["bench: nothing ran".into()]);
    };
    Ok((best, last))
}

/// `--compare-heap`: the best (wall, CPU) event rates of a bare heap over `--repeat`
/// tries, with as many events as the engine processed.
fn heap_rates(args: &BenchArgs, events: u64) -> (f64, f64) {
    let mut best = (0.0f64, 0.0f64);
    for _ in 0..args.repeat {
        let (wall, cpu) = bare_heap_rate(events.max(1), args.heap_depth);
        best = (best.0.max(wall), best.1.max(cpu));
    }
    best
}

/// The JSON line's figures, rounded so that the line stays short.
fn report(
    args: &BenchArgs,
    model: &crate::model::Model,
    best: &Times,
    last: LastRun,
    heap: Option<(f64, f64)>,
) -> BenchReport {
    let LastRun {
        events,
        log_events,
        sim,
        faults,
    } = last;
    let sim_ms = sim.now();
    let view = sim.view();
    let online = crate::sim::status::ONLINE;
    let engine_per_cpu = rate(events as f64, best.engine_cpu);
    BenchReport {
        servers: model.servers.len(),
        groups: model.groups.len(),
        resources: model.resources.len(),
        monitors: model.monitors.len(),
        heartbeat_interval_ms: args.heartbeat_interval.0,
        fault_every_ms: args.fault_every.0,
        seed: args.seed,
        runs: args.repeat,
        events,
        log_events,
        peak_rss_mib: rss_mib("VmHWM:"),
        rss_mib: rss_mib("VmRSS:"),
        sim_ms,
        wall_ms: round(best.wall * 1e3, 1e6),
        cpu_ms: round(best.cpu * 1e3, 1e6),
        events_per_sec: round(rate(events as f64, best.wall), 1e3),
        engine_ms: round(best.engine_wall * 1e3, 1e6),
        engine_cpu_ms: round(best.engine_cpu * 1e3, 1e6),
        engine_events_per_sec: round(rate(events as f64, best.engine_wall), 1e3),
        engine_events_per_cpu_sec: round(engine_per_cpu, 1e3),
        speedup: round(sim_ms as f64 / (best.wall * 1e3), 1e3),
        faults,
        servers_online: view.servers.iter().filter(|s| s.status == online).count(),
        groups_online: view.groups.iter().filter(|g| g.status == online).count(),
        heap_events_per_sec: heap.map(|h| round(h.0, 1e3)),
        heap_events_per_cpu_sec: heap.map(|h| round(h.1, 1e3)),
        engine_to_heap: heap.map(|h| round(engine_per_cpu / h.1, 1e3)),
    }
}

/// Entries appended to the log, trimmed ones included.
fn log_len(sim: &Sim) -> usize {
    sim.events().len() + sim.events_dropped() as usize
}

/// A size line of `/proc/self/status` (`VmHWM:` peak, `VmRSS:` now) in MiB; 0 where
/// there is none.
fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    round(kib / 1024.0, 10.0)
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
pub fn bare_heap_rate(events: u64, depth: u64) -> (f64, f64) {
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
    let (start, cpu) = (Instant::now(), thread_cpu());
    let mut sum = 0u64;
    for seq in depth..depth + events {
        if let Some(Reverse((t, s))) = heap.pop() {
            sum = sum.wrapping_add(s);
            heap.push(Reverse((t + step(), seq)));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = thread_cpu() - cpu;
    std::hint::black_box(sum);
    (rate(events as f64, secs), rate(events as f64, cpu))
}

/// Wall and CPU seconds of one timed run, whole and inside the engine.
#[derive(Clone, Copy, Debug, Default)]
struct Times {
    wall: f64,
    cpu: f64,
    engine_wall: f64,
    engine_cpu: f64,
}

impl Times {
    fn worst() -> Times {
        let inf = f64::INFINITY;
        Times {
            wall: inf,
            cpu: inf,
            engine_wall: inf,
            engine_cpu: inf,
        }
    }
    /// Field by field: each figure from the run where it was lowest.
    fn min(&self, o: &Times) -> Times {
        Times {
            wall: self.wall.min(o.wall),
            cpu: self.cpu.min(o.cpu),
            engine_wall: self.engine_wall.min(o.engine_wall),
            engine_cpu: self.engine_cpu.min(o.engine_cpu),
        }
    }
}

/// CPU time of the calling thread in seconds; 0 where the platform cannot tell (the
/// CPU figures then read 0). Wall time on a shared machine counts other processes'
/// work too; CPU time does not.
#[cfg(target_os = "linux")]
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if ok {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu() -> f64 {
    0.0
}
