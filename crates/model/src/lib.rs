//! The cluster model: what servers, heartbeat paths, resolvers, groups, resources,
//! monitors and scripts exist, with every default applied and every name resolved to an
//! index. Built once from a YAML file (or the embedded default) and then read-only.

pub mod calendar;
pub mod duration;
pub mod file;
pub mod limits;
pub mod mirror;
mod reconfig;
pub mod settings;
pub mod types;
mod validate;

pub use duration::{parse_duration, Millis};
pub use file::ClusterFile;
pub use reconfig::DEPARTED_BASE;
pub use settings::{InitialState, Settings};
pub use types::*;
pub use validate::ConfigError;

use std::collections::BTreeMap;

/// The embedded default cluster, served when no file is given.
pub const DEFAULT_CLUSTER_YAML: &str = include_str!("default_cluster.yaml");

/// The product supports 2 to 32 servers per cluster.
pub const PRODUCT_MAX_SERVERS: usize = 32;

#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub settings: Settings,
    pub servers: Vec<Server>,
    pub paths: Vec<HeartbeatPath>,
    pub resolvers: Vec<Resolver>,
    pub groups: Vec<Group>,
    pub resources: Vec<Resource>,
    pub monitors: Vec<Monitor>,
    pub scripts: Vec<Script>,
    /// Mirror connects (networks of mirror disks), and the mirror of each `md` resource.
    pub mirror_connects: Vec<mirror::MirrorConnect>,
    pub mirrors: Vec<mirror::MirrorDisk>,
    /// The file this model was resolved from, for `GET /sim/v1/config`.
    pub source: ClusterFile,
    /// Names of servers removed by live reconfiguration, oldest first: the event log
    /// refers to the k-th as [`DEPARTED_BASE`]` + k` (see `model/reconfig.rs`).
    pub departed: Vec<String>,
    index: Names,
    /// Lookups the engine asks on every event, worked out once (`Derived::of`).
    derived: Derived,
}

/// What follows from the model and is asked often: kept with it so that a question
/// costs what its answer holds, not a pass over every server or monitor.
#[derive(Clone, Debug, Default)]
struct Derived {
    /// Servers by (priority, declaration order), master first.
    by_priority: Vec<ServerId>,
    /// Per resource: the monitors whose target it is, by index.
    watchers: Vec<Vec<MonitorId>>,
    /// Per monitor: the servers it runs on, by index.
    monitor_servers: Vec<Vec<ServerId>>,
    /// Per server: the monitors that run on it, by index.
    server_monitors: Vec<Vec<MonitorId>>,
    /// Every heartbeat path links every server (then two alive servers hear each other
    /// unless a fault says otherwise).
    full_mesh: bool,
}

impl Derived {
    fn of(
        servers: &[Server],
        paths: &[HeartbeatPath],
        resources: usize,
        monitors: &[Monitor],
    ) -> Derived {
        let mut by_priority: Vec<ServerId> = (0..servers.len()).collect();
        by_priority.sort_by_key(|&s| (servers[s].priority, s));
        let mut watchers = vec![Vec::new(); resources];
        for (m, mon) in monitors.iter().enumerate() {
            if let Some(r) = mon.target {
                watchers[r].push(m);
            }
        }
        let on = |v: &[bool]| v.iter().enumerate().filter(|x| *x.1).map(|x| x.0).collect();
        let mut server_monitors = vec![Vec::new(); servers.len()];
        for (m, mon) in monitors.iter().enumerate() {
            for (s, _) in mon.on_server.iter().enumerate().filter(|x| *x.1) {
                server_monitors[s].push(m);
            }
        }
        Derived {
            server_monitors,
            by_priority,
            watchers,
            monitor_servers: monitors.iter().map(|m| on(&m.on_server)).collect(),
            full_mesh: !paths.is_empty() && paths.iter().all(|p| p.on_server.iter().all(|&b| b)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Server {
    pub name: String,
    pub priority: u32,
    pub ip: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HeartbeatPath {
    pub name: String,
    pub kind: HeartbeatKind,
    pub interval: Millis,
    pub timeout: Millis,
    /// Indexed by server: whether the server is on this path.
    pub on_server: Vec<bool>,
}

#[derive(Clone, Debug)]
pub struct Resolver {
    pub name: String,
    pub kind: ResolverKind,
    pub target: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub startup: AutoManual,
    pub failover: AutoManual,
    pub failback: AutoManual,
    /// Failover policy: startup servers, highest priority first.
    pub policy: Vec<ServerId>,
    pub exclusive: bool,
    /// Resources in declaration order.
    pub resources: Vec<ResourceId>,
    /// Resources in activation (topological) order; deactivation is the reverse.
    pub start_order: Vec<ResourceId>,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub name: String,
    pub kind: ResourceKind,
    pub group: GroupId,
    pub depends_on: Vec<ResourceId>,
    pub activation_duration: Millis,
    pub activation_retry: u32,
    pub failover_threshold: u32,
    pub activation_final_action: FinalAction,
    pub deactivation_duration: Millis,
    pub deactivation_retry: u32,
    pub deactivation_final_action: FinalAction,
    /// `md` resources: their index in `Model::mirrors`.
    pub mirror: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryTarget {
    Resource(ResourceId),
    Group(GroupId),
    LocalServer,
}

#[derive(Clone, Debug)]
pub struct Monitor {
    pub name: String,
    pub kind: String,
    pub target: Option<ResourceId>,
    pub interval: Millis,
    pub timeout: Millis,
    pub retry: u32,
    pub timing: MonitorTiming,
    /// Indexed by server: whether the monitor runs there.
    pub on_server: Vec<bool>,
    pub recovery: RecoveryTarget,
    pub max_reactivation: u32,
    pub max_failover: u32,
    pub final_action: FinalAction,
    pub ignore_timeout: bool,
}

#[derive(Clone, Debug)]
pub struct Script {
    pub name: String,
    pub duration: Millis,
    pub exit_code: i32,
}

#[derive(Clone, Debug, Default)]
struct Names {
    servers: BTreeMap<String, ServerId>,
    paths: BTreeMap<String, PathId>,
    resolvers: BTreeMap<String, ResolverId>,
    groups: BTreeMap<String, GroupId>,
    resources: BTreeMap<String, ResourceId>,
    monitors: BTreeMap<String, MonitorId>,
    scripts: BTreeMap<String, ScriptId>,
    mirror_connects: BTreeMap<String, usize>,
}

impl Model {
    /// Parses and validates a cluster file. `origin` names the file in error messages.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Model, Vec<ConfigError>> {
        limits::check_yaml_text(text).map_err(|e| {
            vec![ConfigError {
                file: origin.to_string(),
                at: e.place(),
                problem: e.problem,
            }]
        })?;
        let file: ClusterFile =
            serde_norway::from_str(text).map_err(|e| vec![ConfigError::from_yaml(origin, &e)])?;
        Model::from_file(file, origin)
    }

    pub fn from_file(file: ClusterFile, origin: &str) -> Result<Model, Vec<ConfigError>> {
        validate::resolve(file, origin)
    }

    /// The embedded default cluster (two servers, `failover1` and `failover2`).
    pub fn default_cluster() -> Model {
        Model::from_yaml(DEFAULT_CLUSTER_YAML, "<default cluster>")
            .expect("the embedded default cluster is valid")
    }

    pub fn server_id(&self, name: &str) -> Option<ServerId> {
        self.index.servers.get(name).copied()
    }
    pub fn path_id(&self, name: &str) -> Option<PathId> {
        self.index.paths.get(name).copied()
    }
    pub fn resolver_id(&self, name: &str) -> Option<ResolverId> {
        self.index.resolvers.get(name).copied()
    }
    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.index.groups.get(name).copied()
    }
    pub fn resource_id(&self, name: &str) -> Option<ResourceId> {
        self.index.resources.get(name).copied()
    }
    pub fn monitor_id(&self, name: &str) -> Option<MonitorId> {
        self.index.monitors.get(name).copied()
    }
    pub fn script_id(&self, name: &str) -> Option<ScriptId> {
        self.index.scripts.get(name).copied()
    }
    pub fn mirror_connect_id(&self, name: &str) -> Option<usize> {
        self.index.mirror_connects.get(name).copied()
    }
    /// The mirror of resource `r`, if it is an `md` resource.
    pub fn mirror_of(&self, r: ResourceId) -> Option<&mirror::MirrorDisk> {
        self.resources[r].mirror.map(|k| &self.mirrors[k])
    }
    /// The server whose `ip` is `ip`, or whose name is `ip` (handy on loopback).
    pub fn server_by_ip(&self, ip: &str) -> Option<ServerId> {
        self.servers
            .iter()
            .position(|s| s.ip.as_deref() == Some(ip))
            .or_else(|| self.server_id(ip))
    }

    /// Renders the cluster as YAML (the embedded default prints as written).
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(&self.source).expect("cluster file serialises")
    }

    /// Servers by priority, master first.
    pub fn servers_by_priority(&self) -> Vec<ServerId> {
        self.derived.by_priority.clone()
    }

    /// Servers by priority, master first, without a copy.
    pub fn priority_order(&self) -> &[ServerId] {
        &self.derived.by_priority
    }

    /// The monitors whose target is resource `r`, by index.
    pub fn watchers(&self, r: ResourceId) -> &[MonitorId] {
        &self.derived.watchers[r]
    }

    /// The servers monitor `m` runs on, by index.
    pub fn monitor_servers(&self, m: MonitorId) -> &[ServerId] {
        &self.derived.monitor_servers[m]
    }

    /// The monitors that run on server `s`, by index.
    pub fn server_monitors(&self, s: ServerId) -> &[MonitorId] {
        &self.derived.server_monitors[s]
    }

    /// Whether every heartbeat path links every server.
    pub fn full_mesh(&self) -> bool {
        self.derived.full_mesh
    }
}
