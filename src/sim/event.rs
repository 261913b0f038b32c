//! The event log: every state change the engine makes, in order, with the product's
//! alert (module, id, message) where the product would raise one and, for failovers and
//! recovery actions, the reason in words.

use super::alert;
use crate::model::Model;
use serde_json::{json, Map, Value};

/// What happened. `as_str` is the `kind` field of the JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    ServiceStarted,
    ServiceStopped,
    ServerPoweredOff,
    ServerPoweredOn,
    ServerHung,
    ServerResumed,
    ServerStatus,
    ServerUp,
    ServerDown,
    AutoStartSuppressed,
    StartupWait,
    StartupComplete,
    StartupTimeout,
    PathDown,
    PathUp,
    ResolverError,
    ResolverNormal,
    NetworkPartition,
    NpAction,
    BothActive,
    GroupStarting,
    GroupStarted,
    GroupStartFailed,
    GroupStopping,
    GroupStopped,
    GroupStopFailed,
    GroupMoving,
    GroupMoved,
    GroupMoveFailed,
    FailoverStarting,
    FailoverDone,
    FailoverFailed,
    FailbackStarting,
    FailbackDone,
    FailbackFailed,
    DestinationChosen,
    NoDestination,
    NotStartable,
    GroupStatus,
    ResourceActivating,
    ResourceActivated,
    ResourceActivationFailed,
    ResourceDeactivating,
    ResourceDeactivated,
    ResourceDeactivationFailed,
    ResourceStatus,
    SingleResourceStarting,
    SingleResourceStarted,
    SingleResourceStopping,
    SingleResourceStopped,
    ActivationRetry,
    ActivationFailover,
    DeactivationRetry,
    FinalAction,
    FinalActionSuppressed,
    MonitorError,
    MonitorCaution,
    MonitorNormal,
    MonitorStatus,
    MonitorSuspended,
    MonitorResumed,
    RecoveryRestart,
    RecoveryFailover,
    RecoveryFinalAction,
    RecoveryExhausted,
    RecoverySkipped,
    ClusterSuspended,
    ClusterResumed,
    OperationRequested,
    TimeoutRatioSet,
    TimeoutRatioReset,
    ScriptStarted,
    ScriptFinished,
    DummyFailureStarted,
    DummyFailureStopped,
    FaultInjected,
    FaultHealed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        use EventKind::*;
        match self {
            ServiceStarted => "service-started",
            ServiceStopped => "service-stopped",
            ServerPoweredOff => "server-powered-off",
            ServerPoweredOn => "server-powered-on",
            ServerHung => "server-hung",
            ServerResumed => "server-resumed",
            ServerStatus => "server-status",
            ServerUp => "server-up",
            ServerDown => "server-down",
            AutoStartSuppressed => "auto-start-suppressed",
            StartupWait => "startup-wait",
            StartupComplete => "startup-complete",
            StartupTimeout => "startup-timeout",
            PathDown => "path-down",
            PathUp => "path-up",
            ResolverError => "resolver-error",
            ResolverNormal => "resolver-normal",
            NetworkPartition => "network-partition",
            NpAction => "np-action",
            BothActive => "both-active",
            GroupStarting => "group-starting",
            GroupStarted => "group-started",
            GroupStartFailed => "group-start-failed",
            GroupStopping => "group-stopping",
            GroupStopped => "group-stopped",
            GroupStopFailed => "group-stop-failed",
            GroupMoving => "group-moving",
            GroupMoved => "group-moved",
            GroupMoveFailed => "group-move-failed",
            FailoverStarting => "failover-starting",
            FailoverDone => "failover-done",
            FailoverFailed => "failover-failed",
            FailbackStarting => "failback-starting",
            FailbackDone => "failback-done",
            FailbackFailed => "failback-failed",
            DestinationChosen => "destination-chosen",
            NoDestination => "no-destination",
            NotStartable => "not-startable",
            GroupStatus => "group-status",
            ResourceActivating => "resource-activating",
            ResourceActivated => "resource-activated",
            ResourceActivationFailed => "resource-activation-failed",
            ResourceDeactivating => "resource-deactivating",
            ResourceDeactivated => "resource-deactivated",
            ResourceDeactivationFailed => "resource-deactivation-failed",
            ResourceStatus => "resource-status",
            SingleResourceStarting => "single-resource-starting",
            SingleResourceStarted => "single-resource-started",
            SingleResourceStopping => "single-resource-stopping",
            SingleResourceStopped => "single-resource-stopped",
            ActivationRetry => "activation-retry",
            ActivationFailover => "activation-failover",
            DeactivationRetry => "deactivation-retry",
            FinalAction => "final-action",
            FinalActionSuppressed => "final-action-suppressed",
            MonitorError => "monitor-error",
            MonitorCaution => "monitor-caution",
            MonitorNormal => "monitor-normal",
            MonitorStatus => "monitor-status",
            MonitorSuspended => "monitor-suspended",
            MonitorResumed => "monitor-resumed",
            RecoveryRestart => "recovery-restart",
            RecoveryFailover => "recovery-failover",
            RecoveryFinalAction => "recovery-final-action",
            RecoveryExhausted => "recovery-exhausted",
            RecoverySkipped => "recovery-skipped",
            ClusterSuspended => "cluster-suspended",
            ClusterResumed => "cluster-resumed",
            OperationRequested => "operation",
            TimeoutRatioSet => "timeout-ratio-set",
            TimeoutRatioReset => "timeout-ratio-reset",
            ScriptStarted => "script-started",
            ScriptFinished => "script-finished",
            DummyFailureStarted => "dummy-failure-started",
            DummyFailureStopped => "dummy-failure-stopped",
            FaultInjected => "fault-injected",
            FaultHealed => "fault-healed",
        }
    }
}

/// An argument of an alert message, kept as an index until the message is rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Server(usize),
    Group(usize),
    Resource(usize),
    Monitor(usize),
    Path(usize),
    Resolver(usize),
    Text(String),
    Int(i64),
}

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub seq: u64,
    pub t_ms: u64,
    pub kind: EventKind,
    /// The server where it happened (for alerts: the server that raised it).
    pub server: Option<usize>,
    /// The other server involved (the peer lost, the destination chosen, ...).
    pub peer: Option<usize>,
    pub group: Option<usize>,
    pub resource: Option<usize>,
    pub monitor: Option<usize>,
    pub path: Option<usize>,
    pub resolver: Option<usize>,
    /// A product status string after the change (`Online Pending`, `Error`, ...).
    pub status: Option<&'static str>,
    pub fault: Option<u64>,
    /// (module, id) of the product alert.
    pub alert: Option<(&'static str, u16)>,
    pub args: Vec<Arg>,
    /// Why, in words: which monitor, which count, which policy entry, what was excluded.
    pub reason: Option<String>,
}

impl Event {
    pub fn new(kind: EventKind) -> Event {
        Event {
            seq: 0,
            t_ms: 0,
            kind,
            server: None,
            peer: None,
            group: None,
            resource: None,
            monitor: None,
            path: None,
            resolver: None,
            status: None,
            fault: None,
            alert: None,
            args: Vec::new(),
            reason: None,
        }
    }

    /// The product's message text with its arguments filled in.
    pub fn message(&self, model: &Model) -> Option<String> {
        let (module, id) = self.alert?;
        let def = alert::lookup(module, id);
        let args: Vec<String> = self.args.iter().map(|a| arg_text(model, a)).collect();
        Some(alert::render(def.message, &args))
    }

    /// The JSON form served by `/sim/v1/events` and written by `--events`.
    pub fn to_json(&self, model: &Model) -> Value {
        let mut m = Map::new();
        m.insert("seq".into(), json!(self.seq));
        m.insert("t_ms".into(), json!(self.t_ms));
        m.insert("kind".into(), json!(self.kind.as_str()));
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        };
        put(
            "server",
            self.server.map(|s| model.servers[s].name.as_str()),
        );
        put("peer", self.peer.map(|s| model.servers[s].name.as_str()));
        put("group", self.group.map(|g| model.groups[g].name.as_str()));
        put(
            "resource",
            self.resource.map(|r| model.resources[r].name.as_str()),
        );
        put(
            "monitor",
            self.monitor.map(|x| model.monitors[x].name.as_str()),
        );
        put("path", self.path.map(|p| model.paths[p].name.as_str()));
        put(
            "resolver",
            self.resolver.map(|r| model.resolvers[r].name.as_str()),
        );
        put("status", self.status);
        if let Some(f) = self.fault {
            m.insert("fault".into(), json!(f));
        }
        if let Some((module, id)) = self.alert {
            let def = alert::lookup(module, id);
            m.insert("module".into(), json!(module));
            m.insert("level".into(), json!(def.level));
            m.insert("id".into(), json!(id));
            m.insert("message".into(), json!(self.message(model)));
        }
        if let Some(r) = &self.reason {
            m.insert("reason".into(), json!(r));
        }
        Value::Object(m)
    }
}

fn arg_text(model: &Model, a: &Arg) -> String {
    match a {
        Arg::Server(s) => model.servers[*s].name.clone(),
        Arg::Group(g) => model.groups[*g].name.clone(),
        Arg::Resource(r) => model.resources[*r].name.clone(),
        Arg::Monitor(m) => model.monitors[*m].name.clone(),
        Arg::Path(p) => model.paths[*p].name.clone(),
        Arg::Resolver(r) => model.resolvers[*r].name.clone(),
        Arg::Text(t) => t.clone(),
        Arg::Int(i) => i.to_string(),
    }
}
