//! Engine benchmarks (`cargo bench`), small sample counts so the whole run takes a few
//! minutes on two cores.
//!
//! The `queue` and `engine` groups measure thread CPU time (`elem/cpu-s`), so that other
//! work on a shared machine does not skew their ratio; the `cluster` group measures wall
//! time, as the real-time bars do.
//!
//! - `queue/*`: events per second of the engine's own `EventQueue` and of a bare
//!   `BinaryHeap` "hold" loop (pop one, push one later) at two queue depths.
//! - `engine/*`: events per second of full `Sim` runs. The bar is that the engine
//!   processes events at no less than a quarter of the bare heap's rate: compare the
//!   `elem/s` of `engine/sim_32x8_naive_heartbeats` with
//!   `queue/binary_heap_hold_59584` (a bare heap as deep as that run's queue).
//! - `cluster/32x8_day_faults`: 32 servers, 8 groups, 24 simulated hours, a fault an hour
//!   (bar: at least 100,000x real time, i.e. under 864 ms per iteration).
//! - `scaling/<servers>`: 32 ... 10,000 servers, one hour, a fault every 10 minutes:
//!   the cost's growth with the cluster (bar: at most servers^1.15 from 100 to 10,000).
//! - `cluster/1000x100_hour_1s_hb`: 1,000 servers, 100 groups, 1 s heartbeats, one
//!   simulated hour (bar: at least 1,000x real time, i.e. under 3.6 s per iteration).

use clustersim::kernel::queue::{EventQueue, Phase};
use clustersim::model::{Millis, Model};
use clustersim::sim::{HeartbeatModel, Sim};
use clustersim::synth::{drive, FaultLoad, SynthSpec};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

const HOUR: u64 = 3_600_000;
/// Pop+push cycles per queue-bench iteration.
const OPS: u64 = 1_000_000;
/// Queue depths for the hold loops: a small queue, and the depth the engine's queue
/// holds in `engine/sim_32x8_naive_heartbeats` (measured: 59,584 pending events, mostly
/// heartbeat deadlines), so that the engine is compared with a bare heap of its own size.
const DEPTHS: [u64; 2] = [1024, 59_584];

/// A repeatable stream of time increments, uniform in 1..=2 x depth (an LCG: no
/// allocation, no branching), so a hold loop keeps its queue at `depth`.
struct Steps {
    state: u64,
    span: u64,
}
impl Steps {
    fn new(depth: u64) -> Steps {
        Steps {
            state: 7,
            span: 2 * depth,
        }
    }
    fn next(&mut self) -> u64 {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        1 + (self.state >> 33) % self.span
    }
}

fn bare_heap_hold(depth: u64) -> u64 {
    let mut steps = Steps::new(depth);
    let mut heap = BinaryHeap::with_capacity(depth as usize + 1);
    for seq in 0..depth {
        heap.push(Reverse((steps.next(), seq)));
    }
    let mut sum = 0u64;
    for seq in depth..depth + OPS {
        if let Some(Reverse((t, s))) = heap.pop() {
            sum = sum.wrapping_add(s);
            heap.push(Reverse((t + steps.next(), seq)));
        }
    }
    sum
}

fn event_queue_hold(depth: u64) -> u64 {
    let mut steps = Steps::new(depth);
    let mut q = EventQueue::new();
    for seq in 0..depth {
        q.push(steps.next(), Phase::Now, seq);
    }
    let mut sum = 0u64;
    for seq in depth..depth + OPS {
        if let Some((t, s)) = q.pop() {
            sum = sum.wrapping_add(s);
            q.push(t + steps.next(), Phase::Now, seq);
        }
    }
    sum
}

fn model(spec: &SynthSpec) -> Arc<Model> {
    Arc::new(spec.model().expect("synthetic cluster is valid"))
}

/// One run of `model` to `end` under a fault load; returns the engine events processed.
fn run(model: &Arc<Model>, hb: HeartbeatModel, end: u64, fault_every: Millis) -> u64 {
    let mut sim = Sim::with_heartbeat_model(model.clone(), 1, hb);
    let mut load = FaultLoad::new(1, fault_every, model);
    drive(&mut sim, &mut load, end)
}

/// The calling thread's CPU time, in nanoseconds.
fn cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Thread CPU time as criterion's measurement: on a machine shared with other work,
/// wall time counts the others' work too, and a ratio of two wall-time figures taken at
/// different moments says little. CPU time keeps the queue/engine comparison honest.
struct ThreadCpu;
struct CpuFormatter;

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical_ns {
            t if t < 1e3 => (1.0, "ns cpu"),
            t if t < 1e6 => (1e3, "us cpu"),
            t if t < 1e9 => (1e6, "ms cpu"),
            _ => (1e9, "s cpu"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(
        &self,
        typical_ns: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let n = match throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Elements(n) => *n,
        } as f64;
        let (div, unit) = match n * 1e9 / typical_ns {
            r if r < 1e3 => (1.0, "elem/cpu-s"),
            r if r < 1e6 => (1e3, "Kelem/cpu-s"),
            _ => (1e6, "Melem/cpu-s"),
        };
        values.iter_mut().for_each(|v| *v = n * 1e9 / *v / div);
        unit
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// The queue alone: the engine's `EventQueue` against a bare `BinaryHeap`.
fn queue(c: &mut Criterion<ThreadCpu>) {
    let mut g = c.benchmark_group("queue");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(OPS));
    for depth in DEPTHS {
        g.bench_function(format!("binary_heap_hold_{depth}"), |b| {
            b.iter(|| black_box(bare_heap_hold(depth)))
        });
        g.bench_function(format!("event_queue_hold_{depth}"), |b| {
            b.iter(|| black_box(event_queue_hold(depth)))
        });
    }
    g.finish();
}

/// The whole engine's event rate (elem/s = engine events per second), to compare with
/// `queue/binary_heap_hold_*`.
fn engine(c: &mut Criterion<ThreadCpu>) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    // A steady load: in the naive model every heartbeat of 32 servers on two paths is an
    // event. Setup (untimed) builds the sim and runs it two minutes, past the heartbeat
    // timeout, so the queue is at its steady depth; the timed part is the next ten
    // minutes, with a fault every minute.
    let m32 = model(&SynthSpec::default());
    let (warm, end) = (2 * 60_000, 12 * 60_000);
    let warmed = || {
        let mut sim = Sim::with_heartbeat_model(m32.clone(), 1, HeartbeatModel::Naive);
        let mut load = FaultLoad::new(1, Millis::secs(60), &m32);
        drive(&mut sim, &mut load, warm);
        (sim, load)
    };
    let n = {
        let (mut sim, mut load) = warmed();
        drive(&mut sim, &mut load, end)
    };
    g.throughput(Throughput::Elements(n));
    g.bench_function("sim_32x8_naive_heartbeats", |b| {
        b.iter_batched(
            warmed,
            |(mut sim, mut load)| black_box(drive(&mut sim, &mut load, end)),
            BatchSize::PerIteration,
        )
    });
    // The lazy model on the same cluster for a day: fewer events, each doing more.
    let n = run(&m32, HeartbeatModel::Lazy, 24 * HOUR, Millis(HOUR));
    g.throughput(Throughput::Elements(n));
    g.bench_function("sim_32x8_lazy_day", |b| {
        b.iter(|| black_box(run(&m32, HeartbeatModel::Lazy, 24 * HOUR, Millis(HOUR))))
    });
    g.finish();
}

fn clusters(c: &mut Criterion) {
    let mut g = c.benchmark_group("cluster");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    let m32 = model(&SynthSpec::default());
    g.bench_function("32x8_day_faults", |b| {
        b.iter_batched(
            || Sim::new(m32.clone(), 1),
            |mut sim| {
                let mut load = FaultLoad::new(1, Millis(HOUR), &m32);
                black_box(drive(&mut sim, &mut load, 24 * HOUR))
            },
            BatchSize::PerIteration,
        )
    });

    let big = model(&SynthSpec {
        servers: 1000,
        groups: 100,
        heartbeat_interval: Millis::secs(1),
        ..SynthSpec::default()
    });
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("1000x100_hour_1s_hb", |b| {
        b.iter_batched(
            || Sim::new(big.clone(), 1),
            |mut sim| {
                let mut load = FaultLoad::new(1, Millis(HOUR), &big);
                black_box(drive(&mut sim, &mut load, HOUR))
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// Cluster sizes of the `scaling` group.
const SIZES: [usize; 6] = [32, 100, 300, 1_000, 3_000, 10_000];

/// `scaling/<servers>`: the issue-25 cluster (groups = servers / 10, 3 resources and a
/// monitor per group, 1 s heartbeats) for one simulated hour with a fault every 10
/// minutes, engine built inside the timing (whole-run cost). The bar: from 100 to
/// 10,000 servers the time grows at most as servers^1.15 (`scripts/scaling-fit.sh`
/// fits it over criterion's estimates of one run).
fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("scaling");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in SIZES {
        let m = model(&SynthSpec {
            servers: n,
            groups: (n / 10).max(1),
            resources_per_group: 3,
            monitors_per_group: 1,
            heartbeat_interval: Millis::secs(1),
            ..SynthSpec::default()
        });
        g.bench_function(format!("{n}"), |b| {
            b.iter(|| {
                let mut sim = Sim::new(m.clone(), 7);
                let mut load = FaultLoad::new(7, Millis::secs(600), &m);
                black_box(drive(&mut sim, &mut load, HOUR))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = rates;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = queue, engine
}
criterion_group!(bars, clusters);
criterion_group!(growth, scaling);
criterion_main!(rates, bars, growth);
