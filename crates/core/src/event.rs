//! The event log: every state change the engine makes, in order, with the product's
//! alert (module, id, message) where the product would raise one and, for failovers and
//! recovery actions, the reason in words.

use super::alert;
use crate::model::Model;
use serde_json::{json, Map, Value};

/// Declares `EventKind` from one table, so the variants, their log names (`as_str`, the
/// `kind` field of the JSON form) and the list of all kinds cannot drift apart.
macro_rules! event_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// What happened.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[derive(serde::Serialize, serde::Deserialize)]
        pub enum EventKind {
            $($variant,)*
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }
        }
    };
}

event_kinds! {
    ServiceStarted => "service-started",
    ServiceStopped => "service-stopped",
    ServerPoweredOff => "server-powered-off",
    ServerPoweredOn => "server-powered-on",
    ServerHung => "server-hung",
    ServerResumed => "server-resumed",
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
    FailoverBlocked => "failover-blocked",
    GroupStatus => "group-status",
    ResourceActivating => "resource-activating",
    ResourceActivated => "resource-activated",
    ResourceActivationFailed => "resource-activation-failed",
    ResourceDeactivating => "resource-deactivating",
    ResourceDeactivated => "resource-deactivated",
    ResourceDeactivationFailed => "resource-deactivation-failed",
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
    OperationFailed => "operation-failed",
    TimeoutRatioSet => "timeout-ratio-set",
    TimeoutRatioReset => "timeout-ratio-reset",
    ScriptStarted => "script-started",
    ScriptFinished => "script-finished",
    DummyFailureStarted => "dummy-failure-started",
    DummyFailureStopped => "dummy-failure-stopped",
    FaultInjected => "fault-injected",
    FaultHealed => "fault-healed",
    ServerAdded => "server-added",
    ServerRemoved => "server-removed",
    RollingStarted => "rolling-started",
    RollingHostStarted => "rolling-host-started",
    RollingHostDone => "rolling-host-done",
    RollingFinished => "rolling-finished",
    RollingFailed => "rolling-failed",
    MirrorAgentStarted => "mirror-agent-started",
    MirrorAgentStopped => "mirror-agent-stopped",
    MirrorStatus => "mirror-status",
    MirrorBreak => "mirror-break",
    MirrorRecoveryMode => "mirror-recovery-mode",
    MirrorRecoveryStarting => "mirror-recovery-starting",
    MirrorRecoveryDone => "mirror-recovery-done",
    MirrorRecoveryFailed => "mirror-recovery-failed",
    MirrorActivationRefused => "mirror-activation-refused",
    MirrorActionStarted => "mirror-action-started",
    MirrorActionDone => "mirror-action-done",
}

impl EventKind {
    /// The kind whose log name is `name`.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// An argument of an alert message, kept as an index until the message is rendered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
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

impl crate::kernel::Record for Event {
    fn stamp(&mut self, seq: u64, t_ms: u64) {
        self.seq = seq;
        self.t_ms = t_ms;
    }
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

    /// The objects the event names, as (field, name) pairs in a fixed order:
    /// server, peer, group, resource, monitor, path, resolver.
    pub fn named<'m>(&self, model: &'m Model) -> Vec<(&'static str, &'m str)> {
        let fields = [
            ("server", self.server.map(|x| model.server_name(x))),
            ("peer", self.peer.map(|x| model.server_name(x))),
            ("group", self.group.map(|x| model.groups[x].name.as_str())),
            (
                "resource",
                self.resource.map(|x| model.resources[x].name.as_str()),
            ),
            (
                "monitor",
                self.monitor.map(|x| model.monitors[x].name.as_str()),
            ),
            ("path", self.path.map(|x| model.paths[x].name.as_str())),
            (
                "resolver",
                self.resolver.map(|x| model.resolvers[x].name.as_str()),
            ),
        ];
        fields
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f, v)))
            .collect()
    }

    /// The JSON form served by `/sim/v1/events` and written by `--events`.
    pub fn to_json(&self, model: &Model) -> Value {
        let mut m = Map::new();
        m.insert("seq".into(), json!(self.seq));
        m.insert("t_ms".into(), json!(self.t_ms));
        m.insert(
            "time".into(),
            json!(crate::model::calendar::date_at(
                &model.settings.epoch,
                self.t_ms
            )),
        );
        m.insert("kind".into(), json!(self.kind.as_str()));
        for (field, name) in self.named(model) {
            m.insert(field.into(), json!(name));
        }
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        };
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
        Arg::Server(s) => model.server_name(*s).to_string(),
        Arg::Group(g) => model.groups[*g].name.clone(),
        Arg::Resource(r) => model.resources[*r].name.clone(),
        Arg::Monitor(m) => model.monitors[*m].name.clone(),
        Arg::Path(p) => model.paths[*p].name.clone(),
        Arg::Resolver(r) => model.resolvers[*r].name.clone(),
        Arg::Text(t) => t.clone(),
        Arg::Int(i) => i.to_string(),
    }
}

/// The schema of an event-log entry's `kind` (the generated documents, `tests/generated.rs`).
impl schemars::JsonSchema for EventKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventKind".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        schemars::json_schema!({
            "description": "What happened: the `kind` of an event-log entry.",
            "type": "string",
            "enum": names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn every_kind_has_a_distinct_name_that_round_trips() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.as_str()), Some(*k));
        }
        let mut names: Vec<_> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
    }
}
