//! Synthetic clusters and a seeded fault load, for `clustersim bench` and the criterion
//! benches. The cluster is built as a [`ClusterFile`] and resolved by
//! [`Model::from_file`], so it passes the same validation as a hand-written file.
//!
//! Everything here is deterministic: the same [`SynthSpec`] gives the same model, and
//! the same seed gives the same fault sequence. Wall time is measured by the caller.

use crate::model::file::*;
use crate::model::{
    AutoManual, ConfigError, HeartbeatKind, Millis, Model, MonitorTiming, ResolverKind,
    ResourceKind, Settings, PRODUCT_MAX_SERVERS,
};
use crate::sim::{CheckResult, FaultKind, FaultSpec, Input, Operation, Sim};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The resolver every synthetic cluster has.
pub const RESOLVER: &str = "pingnp1";

/// The shape of a synthetic cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthSpec {
    pub servers: usize,
    pub groups: usize,
    pub resources_per_group: usize,
    pub monitors_per_group: usize,
    pub heartbeat_paths: usize,
    pub heartbeat_interval: Millis,
    /// `None`: 30 x the interval (the product's 3 s / 90 s ratio).
    pub heartbeat_timeout: Option<Millis>,
    /// Servers in each group's failover policy: a window rotating over the cluster.
    pub policy_width: usize,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec {
            servers: 32,
            groups: 8,
            resources_per_group: 2,
            monitors_per_group: 1,
            heartbeat_paths: 2,
            heartbeat_interval: Millis::secs(3),
            heartbeat_timeout: None,
            policy_width: 4,
        }
    }
}

/// Resource types cycle through this list; with default dependencies by type, each group
/// gets a small fip -> disk -> exec graph.
const KINDS: [ResourceKind; 3] = [ResourceKind::Fip, ResourceKind::Disk, ResourceKind::Exec];

fn monitor_type(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Fip => "fipw",
        ResourceKind::Disk => "diskw",
        _ => "genw",
    }
}

pub fn server_name(i: usize) -> String {
    format!("server{}", i + 1)
}
pub fn group_name(g: usize) -> String {
    format!("failover{}", g + 1)
}
fn resource_name(g: usize, r: usize) -> String {
    format!("{}{}-{}", KINDS[r % KINDS.len()].as_str(), g + 1, r + 1)
}
fn monitor_name(g: usize, m: usize) -> String {
    format!("mon{}-{}", g + 1, m + 1)
}

impl SynthSpec {
    pub fn heartbeat_timeout(&self) -> Millis {
        self.heartbeat_timeout
            .unwrap_or(Millis(self.heartbeat_interval.0.saturating_mul(30)))
    }

    /// Group `g`'s failover policy: `policy_width` consecutive servers starting at an
    /// offset that spreads the groups evenly over the cluster.
    pub fn policy(&self, g: usize) -> Vec<usize> {
        let n = self.servers.max(1);
        let width = self.policy_width.clamp(1, n);
        let start = g * n / self.groups.max(1);
        (0..width).map(|k| (start + k) % n).collect()
    }

    /// The cluster file. Every monitor runs on its group's policy servers only, so the
    /// monitoring load grows with groups, not with groups x servers.
    pub fn cluster_file(&self) -> ClusterFile {
        let interval = self.heartbeat_interval;
        let timeout = self.heartbeat_timeout();
        let settings = Settings {
            heartbeat_interval: interval,
            heartbeat_timeout: timeout,
            ..Settings::default()
        };
        let servers = (0..self.servers)
            .map(|i| ServerFile {
                name: server_name(i),
                priority: Some(i as u32),
                ip: None,
            })
            .collect();
        let heartbeats = (0..self.heartbeat_paths)
            .map(|k| HeartbeatFile {
                name: format!("lankhb{}", k + 1),
                kind: HeartbeatKind::Lankhb,
                interval: Some(interval),
                timeout: Some(timeout),
                servers: None,
            })
            .collect();
        let resolvers = vec![ResolverFile {
            name: RESOLVER.into(),
            kind: ResolverKind::Pingnp,
            target: Some("192.0.2.254".into()),
        }];
        let mut groups = Vec::new();
        let mut monitors = Vec::new();
        for g in 0..self.groups {
            let policy: Vec<String> = self.policy(g).into_iter().map(server_name).collect();
            let resources = (0..self.resources_per_group)
                .map(|r| ResourceFile {
                    name: resource_name(g, r),
                    kind: KINDS[r % KINDS.len()],
                    depends_on: None,
                    activation: ActivationFile::default(),
                    deactivation: DeactivationFile::default(),
                    mirror: None,
                })
                .collect();
            groups.push(GroupFile {
                name: group_name(g),
                startup: AutoManual::Auto,
                failover: AutoManual::Auto,
                failback: AutoManual::Manual,
                servers: Some(policy.clone()),
                exclusive: false,
                resources,
            });
            for m in 0..self.monitors_per_group {
                // Monitors watch the group's resources in turn (timing active, recovery
                // on the group); beyond them, an always-on user-mode monitor of the
                // servers with LocalServer recovery and a no-op final action.
                let watched = (m < self.resources_per_group).then_some(m);
                monitors.push(MonitorFile {
                    name: monitor_name(g, m),
                    kind: match watched {
                        Some(r) => monitor_type(KINDS[r % KINDS.len()]).into(),
                        None => "userw".into(),
                    },
                    target: watched.map(|r| resource_name(g, r)),
                    interval: None,
                    timeout: None,
                    retry: None,
                    timing: match watched {
                        Some(_) => MonitorTiming::Active,
                        None => MonitorTiming::Always,
                    },
                    servers: Some(policy.clone()),
                    recovery_target: match watched {
                        Some(_) => Some(group_name(g)),
                        None => Some("LocalServer".into()),
                    },
                    max_reactivation: Some(1),
                    max_failover: Some(1),
                    final_action: None,
                    ignore_timeout: false,
                });
            }
        }
        ClusterFile {
            cluster: ClusterSection {
                name: "synthetic".into(),
                lift_product_limits: self.servers > PRODUCT_MAX_SERVERS,
                awaits_hosts: false,
            },
            settings,
            servers,
            heartbeats,
            resolvers,
            groups,
            monitors,
            scripts: Vec::new(),
            mirror_connects: Vec::new(),
        }
    }

    /// The resolved model.
    pub fn model(&self) -> Result<Model, Vec<ConfigError>> {
        Model::from_file(self.cluster_file(), "<synthetic cluster>")
    }
}

/// What the fault load did, for the bench report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FaultStats {
    pub faults_injected: u64,
    pub faults_refused: u64,
    pub restarts_requested: u64,
    pub restarts_refused: u64,
    /// Servers left powered off (by an NP action or a final action) and power-cycled.
    pub power_cycles: u64,
    pub group_starts_requested: u64,
    pub group_starts_refused: u64,
}

/// A seeded fault load: every `every`, one random fault with a duration shorter than
/// the interval, so the cluster heals. After each fault has ended and its consequences
/// have been detected, a heal sweep brings the cluster back the way an operator would:
/// the product does not restart a server's cluster service by itself after an abnormal
/// stop, and has no power-on operation, so the sweep power-cycles machines that were
/// left off (a one-second `server-crash`, whose end powers the machine on), sends
/// `server-start` to servers whose service is stopped, and then `group-start` to groups
/// left Offline. Operations are serialised by the cluster, so a refused one is retried.
pub struct FaultLoad {
    rng: ChaCha8Rng,
    every: u64,
    next_fault: u64,
    /// When to sweep next; `None` when nothing needs healing.
    next_sweep: Option<u64>,
    /// From the end of a fault to the sweep: detection (heartbeat timeout), boot, slack.
    settle: u64,
    /// From a power cycle to the sweep that starts the server's service.
    boot: u64,
    /// Sweeps since the last fault; bounded so that something that cannot be healed does
    /// not cost a sweep every few seconds for the rest of the run.
    retries: u32,
    /// Slots of the fault table the load draws from; all when `None`.
    only: Option<Vec<u32>>,
    pub stats: FaultStats,
    /// Every input the load handed to the sim, with its time, when recording
    /// (`sweep --only R --scenario`: the load written out as explicit steps).
    recorded: Option<Vec<(u64, Input)>>,
}

/// The fault kinds the load draws, by their input names, with their slot in the table
/// of `random_fault` (server-crash has slots 0, 1 and the fallback: it is the likeliest).
pub const LOAD_FAULT_KINDS: [(&str, u32); 8] = [
    ("server-crash", 0),
    ("server-hang", 2),
    ("heartbeat-path-down", 3),
    ("partition", 4),
    ("resolver-target-down", 5),
    ("monitor-result", 6),
    ("activation-failure", 8),
    ("resource-failure", 9),
];

/// The fault generator's stream, apart from the engine's own generator on the same seed.
const FAULT_STREAM: u64 = 0xFA17;
/// Margin added to every wait, so the sweep comes after what it waits for.
const SLACK_MS: u64 = 5_000;
/// How soon a refused or follow-up operation is tried again.
const SWEEP_RETRY_MS: u64 = 10_000;
/// A power cycle: a server-crash this long, whose end powers the machine on.
const POWER_CYCLE_MS: u64 = 1_000;
/// Sweeps after one fault before the load gives up healing.
const MAX_SWEEP_RETRIES: u32 = 100;

impl FaultLoad {
    /// `every == 0` disables faults.
    pub fn new(seed: u64, every: Millis, model: &Model) -> FaultLoad {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(FAULT_STREAM);
        let every = every.0;
        let detect = model.paths.iter().map(|p| p.timeout.0).max().unwrap_or(0);
        let boot = model.settings.boot_duration.0 + SLACK_MS;
        FaultLoad {
            rng,
            every,
            // Half an interval in, so a run as long as one interval still gets a fault.
            next_fault: if every == 0 { u64::MAX } else { every / 2 },
            next_sweep: None,
            settle: detect + boot,
            boot,
            retries: 0,
            only: None,
            stats: FaultStats::default(),
            recorded: None,
        }
    }

    /// Records every input the load applies from now on ([`FaultLoad::recorded`]).
    pub fn recording(mut self) -> FaultLoad {
        self.recorded = Some(Vec::new());
        self
    }

    /// The inputs applied while recording, in order, with their virtual times.
    pub fn recorded(&self) -> &[(u64, Input)] {
        self.recorded.as_deref().unwrap_or_default()
    }

    fn note(&mut self, sim: &Sim, input: impl FnOnce() -> Input) {
        if let Some(r) = &mut self.recorded {
            r.push((sim.now(), input()));
        }
    }

    /// Draws only these kinds (names of [`LOAD_FAULT_KINDS`]), each equally likely.
    pub fn only_kinds(mut self, kinds: &[String]) -> Result<FaultLoad, String> {
        let mut slots = Vec::new();
        for k in kinds {
            let slot = LOAD_FAULT_KINDS
                .iter()
                .find(|(n, _)| n == k)
                .ok_or_else(|| {
                    let all: Vec<&str> = LOAD_FAULT_KINDS.iter().map(|(n, _)| *n).collect();
                    format!(
                        "fault kind `{k}` is not one the load draws: {}",
                        all.join(", ")
                    )
                })?;
            slots.push(slot.1);
        }
        if slots.is_empty() {
            return Err("fault_kinds: name at least one kind".into());
        }
        self.only = Some(slots);
        Ok(self)
    }

    /// The next virtual time at which the load wants to act.
    pub fn next_time(&self) -> u64 {
        self.next_sweep
            .map_or(self.next_fault, |s| s.min(self.next_fault))
    }

    /// Acts at `sim.now()`: heals if a sweep is due, then injects a fault if one is due.
    pub fn act(&mut self, sim: &mut Sim) {
        let now = sim.now();
        if self.next_sweep.is_some_and(|t| t <= now) {
            self.next_sweep = None;
            if let Some(delay) = self.heal(sim) {
                if self.retries < MAX_SWEEP_RETRIES {
                    self.retries += 1;
                    self.sweep_at(now + delay);
                }
            }
        }
        if self.next_fault <= now {
            self.next_fault = now + self.every;
            self.retries = 0;
            let spec = self.random_fault(sim);
            let end = now + spec.duration_ms.unwrap_or(0);
            self.note(sim, || Input::Fault(spec.clone()));
            match sim.inject(spec) {
                Ok(_) => self.stats.faults_injected += 1,
                Err(_) => self.stats.faults_refused += 1,
            }
            self.sweep_at(end + self.settle);
        }
    }

    fn sweep_at(&mut self, t: u64) {
        self.next_sweep = Some(self.next_sweep.map_or(t, |s| s.min(t)));
    }

    /// One heal sweep; returns when to sweep again, if something is still in progress.
    /// Servers come first (power, then service); groups only once every server is back,
    /// so that their failover policy has every server to choose from.
    fn heal(&mut self, sim: &mut Sim) -> Option<u64> {
        use crate::sim::status::{CAUTION, OFFLINE, ONLINE};
        let held = held_down(sim);
        let view = sim.view();
        let mut again: Option<u64> = None;
        let mut later = |d: u64| again = Some(again.map_or(d, |a| a.min(d)));
        let mut servers_done = true;
        for sv in &view.servers {
            if held.contains(&sv.name) {
                // Its fault heals by itself, and schedules a sweep for after that.
                servers_done = false;
                continue;
            }
            if !sv.reachable {
                let cycle = FaultSpec {
                    kind: FaultKind::ServerCrash {
                        server: sv.name.clone(),
                    },
                    at_ms: None,
                    duration_ms: Some(POWER_CYCLE_MS),
                };
                self.note(sim, || Input::Fault(cycle.clone()));
                if sim.inject(cycle).is_ok() {
                    self.stats.power_cycles += 1;
                }
                servers_done = false;
                later(POWER_CYCLE_MS + self.boot);
            } else if sv.status != ONLINE && sv.status != CAUTION {
                servers_done = false;
                self.stats.restarts_requested += 1;
                let start = Operation::ServerStart {
                    server: sv.name.clone(),
                };
                self.note(sim, || Input::Operation(start.clone()));
                if sim.operate(start).is_err() {
                    // Another operation is in progress, or the service is still stopping.
                    self.stats.restarts_refused += 1;
                }
                later(SWEEP_RETRY_MS);
            }
        }
        if servers_done {
            for g in view.groups.iter().filter(|g| g.status == OFFLINE) {
                self.stats.group_starts_requested += 1;
                let start = Operation::GroupStart {
                    group: Some(g.name.clone()),
                    target: None,
                };
                self.note(sim, || Input::Operation(start.clone()));
                if sim.operate(start).is_err() {
                    // Busy with another operation: try again. An accepted start is not
                    // repeated, whatever comes of it (a group may fail to start).
                    self.stats.group_starts_refused += 1;
                    later(SWEEP_RETRY_MS);
                }
            }
        }
        again
    }

    /// A random fault with a duration between 1/20 and 1/2 of the fault interval.
    fn random_fault(&mut self, sim: &Sim) -> FaultSpec {
        let model = sim.model().clone();
        let rng = &mut self.rng;
        let n = model.servers.len();
        let lo = (self.every / 20).max(1_000);
        let hi = (self.every / 2).max(lo + 1);
        let duration = rng.gen_range(lo..hi);
        let any_server = |rng: &mut ChaCha8Rng| model.servers[rng.gen_range(0..n)].name.clone();
        // Where a group runs now, so faults hit busy servers as often as idle ones.
        let view = sim.view();
        let group = (!model.groups.is_empty()).then(|| rng.gen_range(0..model.groups.len()));
        let running_on = group.and_then(|g| {
            view.group(&model.groups[g].name)
                .map(|v| v.current.clone())
                .filter(|c| c != crate::sim::status::NONE)
        });
        let busy_server =
            |rng: &mut ChaCha8Rng| running_on.clone().unwrap_or_else(|| any_server(rng));
        let resource = group.and_then(|g| model.groups[g].resources.choose(rng).copied());
        let slot = match &self.only {
            Some(only) => only[rng.gen_range(0..only.len())],
            None => rng.gen_range(0..10u32),
        };
        let kind = match slot {
            0 | 1 => FaultKind::ServerCrash {
                server: busy_server(rng),
            },
            2 => FaultKind::ServerHang {
                server: busy_server(rng),
            },
            3 if !model.paths.is_empty() => FaultKind::HeartbeatPathDown {
                server: any_server(rng),
                path: model.paths[rng.gen_range(0..model.paths.len())]
                    .name
                    .clone(),
            },
            4 if n > 1 => {
                // One server cut off from the rest; the resolver stays with the rest,
                // so the lone server loses the partition.
                let lone = busy_server(rng);
                let mut rest: Vec<String> = model
                    .servers
                    .iter()
                    .map(|s| s.name.clone())
                    .filter(|s| *s != lone)
                    .collect();
                rest.extend(model.resolvers.iter().map(|r| r.name.clone()));
                FaultKind::Partition {
                    sides: vec![vec![lone], rest],
                    paths: None,
                    oneway: false,
                }
            }
            5 if !model.resolvers.is_empty() => FaultKind::ResolverTargetDown {
                resolver: model.resolvers[rng.gen_range(0..model.resolvers.len())]
                    .name
                    .clone(),
            },
            6 | 7 if !model.monitors.is_empty() => FaultKind::MonitorResult {
                monitor: model.monitors[rng.gen_range(0..model.monitors.len())]
                    .name
                    .clone(),
                server: None,
                result: if rng.gen_bool(0.8) {
                    CheckResult::Error
                } else {
                    CheckResult::Caution
                },
            },
            8 if resource.is_some() => {
                let r = resource.unwrap_or_default();
                let policy = &model.groups[model.resources[r].group].policy;
                FaultKind::ActivationFailure {
                    resource: model.resources[r].name.clone(),
                    server: model.servers[policy[rng.gen_range(0..policy.len())]]
                        .name
                        .clone(),
                    times: Some(1),
                }
            }
            9 if resource.is_some() => FaultKind::ResourceFailure {
                resource: model.resources[resource.unwrap_or_default()].name.clone(),
                server: busy_server(rng),
            },
            _ => FaultKind::ServerCrash {
                server: busy_server(rng),
            },
        };
        FaultSpec {
            kind,
            at_ms: None,
            duration_ms: Some(duration),
        }
    }
}

/// Servers named by an active fault that keeps them down or cut off: they heal by
/// themselves when the fault ends.
fn held_down(sim: &Sim) -> std::collections::BTreeSet<String> {
    let mut held = std::collections::BTreeSet::new();
    for f in sim.faults() {
        if f.state != "active" {
            continue;
        }
        match f.spec.kind {
            FaultKind::ServerCrash { server } | FaultKind::ServerHang { server } => {
                held.insert(server);
            }
            FaultKind::Partition { sides, .. } => held.extend(sides.into_iter().flatten()),
            _ => {}
        }
    }
    held
}

/// Runs `sim` to `end_ms` under `load`; returns the engine events processed.
pub fn drive(sim: &mut Sim, load: &mut FaultLoad, end_ms: u64) -> u64 {
    drive_with(sim, load, end_ms, |sim, t| sim.run_until(t))
}

/// As [`drive`], with `run_until` replaced by `run` (which must call it), so that a
/// shell can time the engine apart from the load's own work.
pub fn drive_with(
    sim: &mut Sim,
    load: &mut FaultLoad,
    end_ms: u64,
    mut run: impl FnMut(&mut Sim, u64) -> u64,
) -> u64 {
    let mut events = 0;
    while sim.now() < end_ms {
        let t = load.next_time().min(end_ms);
        events += run(sim, t);
        if t < end_ms {
            load.act(sim);
        }
    }
    events
}

#[cfg(test)]
#[path = "synth_tests.rs"]
mod tests;
