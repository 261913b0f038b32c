//! Engine benchmarks (`cargo bench`), small sample counts so the whole run takes a few
//! minutes on two cores.
//!
//! - `events/*`: events per second of the engine's own queue, of a bare `BinaryHeap`
//!   loop of the same shape, and of full `Sim` runs. The bar is that a full `Sim` run
//!   processes events at no less than a quarter of the bare heap's rate: compare the
//!   `elem/s` figures of `events/binary_heap_hold` and `events/sim_*`.
//! - `cluster/32x8_day_faults`: 32 servers, 8 groups, 24 simulated hours, a fault an hour
//!   (bar: at least 100,000x real time, i.e. under 864 ms per iteration).
//! - `cluster/1000x100_hour_1s_hb`: 1,000 servers, 100 groups, 1 s heartbeats, one
//!   simulated hour (bar: at least 1,000x real time, i.e. under 3.6 s per iteration).

use clustersim::model::{Millis, Model};
use clustersim::sim::queue::{EventQueue, Phase};
use clustersim::sim::{HeartbeatModel, Sim};
use clustersim::synth::{drive, FaultLoad, SynthSpec};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

const HOUR: u64 = 3_600_000;
/// Pending events held by the queue benches, about what a mid-size cluster keeps queued.
const DEPTH: u64 = 1024;
/// Pop+push cycles per queue-bench iteration.
const OPS: u64 = 1_000_000;

/// A repeatable stream of time increments (an LCG: no allocation, no branching).
struct Steps(u64);
impl Steps {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % 4096
    }
}

fn bare_heap_hold() -> u64 {
    let mut steps = Steps(7);
    let mut heap = BinaryHeap::with_capacity(DEPTH as usize + 1);
    for seq in 0..DEPTH {
        heap.push(Reverse((steps.next(), seq)));
    }
    let mut sum = 0u64;
    for seq in DEPTH..DEPTH + OPS {
        if let Some(Reverse((t, s))) = heap.pop() {
            sum = sum.wrapping_add(s);
            heap.push(Reverse((t + 1 + steps.next(), seq)));
        }
    }
    sum
}

fn event_queue_hold() -> u64 {
    let mut steps = Steps(7);
    let mut q = EventQueue::new();
    for seq in 0..DEPTH {
        q.push(steps.next(), Phase::Now, seq);
    }
    let mut sum = 0u64;
    for seq in DEPTH..DEPTH + OPS {
        if let Some((t, s)) = q.pop() {
            sum = sum.wrapping_add(s);
            q.push(t + 1 + steps.next(), Phase::Now, seq);
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

fn events(c: &mut Criterion) {
    let mut g = c.benchmark_group("events");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Elements(OPS));
    g.bench_function("binary_heap_hold", |b| {
        b.iter(|| black_box(bare_heap_hold()))
    });
    g.bench_function("event_queue_hold", |b| {
        b.iter(|| black_box(event_queue_hold()))
    });

    // A full engine under a steady load: every heartbeat of 32 servers on two paths is an
    // event in the naive model; ten simulated minutes with a fault every minute.
    let m32 = model(&SynthSpec::default());
    let naive_end = 10 * 60_000;
    let n = run(&m32, HeartbeatModel::Naive, naive_end, Millis::secs(60));
    g.throughput(Throughput::Elements(n));
    g.bench_function("sim_32x8_naive_heartbeats_10min", |b| {
        b.iter(|| {
            black_box(run(
                &m32,
                HeartbeatModel::Naive,
                naive_end,
                Millis::secs(60),
            ))
        })
    });
    // The lazy model on the same cluster for a day: fewer, more varied events.
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

criterion_group!(benches, events, clusters);
criterion_main!(benches);
