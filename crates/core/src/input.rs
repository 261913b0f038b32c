//! Inputs to the engine: operator operations and faults. Both are plain data with names
//! (not indices), so the REST surface and scenario files deserialize them directly; the
//! engine resolves names when the input is applied and refuses unknown ones with the
//! list of valid names.

use serde::{Deserialize, Serialize};

/// Everything an operator can ask of the cluster (the REST surface's operations).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Operation {
    ClusterStart,
    ClusterStop,
    ClusterReboot,
    ClusterShutdown,
    ClusterSuspend,
    ClusterResume,
    ServerStart {
        server: String,
    },
    ServerStop {
        server: String,
    },
    ServerReboot {
        server: String,
    },
    ServerShutdown {
        server: String,
    },
    /// `group` absent: every group that can start on `target`.
    GroupStart {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// `group` absent: every group running on `target`.
    GroupStop {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// `target` absent: by failover policy.
    GroupMove {
        group: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    ResourceStart {
        resource: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    ResourceStop {
        resource: String,
    },
    /// `target` absent: every server of the monitor.
    MonitorSuspend {
        monitor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    MonitorResume {
        monitor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// clptoratio: `ratio` 1-10000; `duration_ms` required unless the ratio is 1.
    SetTimeoutRatio {
        ratio: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<u64>,
    },
    ResetTimeoutRatio,
    /// `target` is the address (or name) of the server that runs the script.
    ScriptRun {
        script: String,
        target: String,
        #[serde(default = "default_script_timeout")]
        timeout_s: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logdir: Option<String>,
    },
    ServerDummyFailureStart {
        server: String,
    },
    ServerDummyFailureStop {
        server: String,
    },
    MonitorDummyFailureStart {
        monitor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    MonitorDummyFailureStop {
        monitor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// The server's power, as a hardware manager switches it (see `sim/power.rs`).
    Power {
        server: String,
        action: PowerAction,
    },
    /// Maintenance on (`on: true`) or off: a server in maintenance is never a failover
    /// destination.
    Maintenance {
        server: String,
        on: bool,
    },
    /// Live reconfiguration (`sim/reconfig.rs`): a new server joins the running cluster,
    /// on every heartbeat path, Offline until its service starts (`start: true` starts
    /// it at once, as `server-start` would).
    ServerAdd {
        server: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ip: Option<String>,
        /// 0 is the master server; after the existing servers when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<u32>,
        #[serde(default, skip_serializing_if = "is_false")]
        start: bool,
    },
    /// Live reconfiguration: the server leaves the cluster (a running one stops first,
    /// its groups failing over to their next servers) and is removed from the configuration.
    ServerRemove {
        server: String,
    },
    /// Restart every server in turn, its groups moved away first (`sim/rolling.rs`).
    RollingRestart,
    /// As a rolling restart, with an upgrade of each drained server before its reboot.
    RollingUpgrade,
    /// As a rolling upgrade, to `version`.
    RollingDeploy {
        version: String,
    },
    /// clpmdctrl --recovery: copy mirror disk `resource` from the side with the latest
    /// data to the other; `full` copies everything (NORMAL mode).
    MirrorRecover {
        resource: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        full: bool,
    },
    /// clpbackup.sh / clprestore.sh `--pre` or `--post` (the X 5.x
    /// `/api/v1/mirrors/{backup|restore}/{preaction|postaction}`), with their options.
    MirrorAction {
        action: MirrorActionKind,
        stage: MirrorStage,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        no_shutdown: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        no_reboot: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        only_shutdown: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        only_reboot: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        online: bool,
        /// Restore only: the restored data is already on both servers; no copy.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        skip_copy: bool,
        /// Seconds the action may take before it is reported as timed out.
        #[serde(default = "default_mirror_timeout")]
        timeout_s: u64,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// xCAT `rpower` actions that change the power state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    /// Power on; the OS boots, then the cluster service starts.
    On,
    /// Power off at once, as a crash.
    Off,
    /// Orderly shutdown: the groups leave first, then the power goes off.
    Softoff,
    /// Hard reset of a powered-on server: a crash, then a boot.
    Reset,
    /// Off (if on), then on.
    Cycle,
    /// On if off, reset if on.
    Boot,
}

impl PowerAction {
    /// Whether the action ends with the server powered on.
    pub fn powers_on(self) -> bool {
        !matches!(self, PowerAction::Off | PowerAction::Softoff)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MirrorActionKind {
    Backup,
    Restore,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MirrorStage {
    Pre,
    Post,
}

fn default_script_timeout() -> u64 {
    180
}

/// clpbackup.sh / clprestore.sh's own default timeout [doc: 900 s].
pub fn default_mirror_timeout() -> u64 {
    900
}

/// A fault with its timing. `at_ms` absent: now. `duration_ms` absent: until healed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FaultSpec {
    #[serde(flatten)]
    pub kind: FaultKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Error,
    Caution,
    Timeout,
}

/// The kinds of fault, as in `POST /sim/v1/faults`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FaultKind {
    /// Power off: the server stops at once, silently.
    ServerCrash {
        server: String,
    },
    /// The server stops sending heartbeats and doing work, but keeps its resources.
    ServerHang {
        server: String,
    },
    HeartbeatPathDown {
        server: String,
        path: String,
    },
    /// Servers in different sides cannot hear each other on `paths` (all when absent).
    /// `oneway`: only traffic from the first side to the others is cut. A side may name
    /// a resolver: its target is then reachable from that side only.
    Partition {
        sides: Vec<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paths: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        oneway: bool,
    },
    ResolverTargetDown {
        resolver: String,
    },
    /// `server` absent: on every server of the monitor.
    MonitorResult {
        monitor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server: Option<String>,
        result: CheckResult,
    },
    /// `times` absent: once. `times: 0`: always.
    ActivationFailure {
        resource: String,
        server: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        times: Option<u32>,
    },
    DeactivationFailure {
        resource: String,
        server: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        times: Option<u32>,
    },
    /// The resource fails while online; its monitors see the error until it restarts.
    ResourceFailure {
        resource: String,
        server: String,
    },
    /// Mirror connect `connect` carries nothing; `server` absent: on every server.
    MirrorConnectDown {
        connect: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        server: Option<String>,
    },
}

impl FaultKind {
    pub const KINDS: &'static [&'static str] = &[
        "server-crash",
        "server-hang",
        "heartbeat-path-down",
        "partition",
        "resolver-target-down",
        "monitor-result",
        "activation-failure",
        "deactivation-failure",
        "resource-failure",
        "mirror-connect-down",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::ServerCrash { .. } => "server-crash",
            FaultKind::ServerHang { .. } => "server-hang",
            FaultKind::HeartbeatPathDown { .. } => "heartbeat-path-down",
            FaultKind::Partition { .. } => "partition",
            FaultKind::ResolverTargetDown { .. } => "resolver-target-down",
            FaultKind::MonitorResult { .. } => "monitor-result",
            FaultKind::ActivationFailure { .. } => "activation-failure",
            FaultKind::DeactivationFailure { .. } => "deactivation-failure",
            FaultKind::ResourceFailure { .. } => "resource-failure",
            FaultKind::MirrorConnectDown { .. } => "mirror-connect-down",
        }
    }
}

pub type FaultId = u64;

/// One input to the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Input {
    Operation(Operation),
    Fault(FaultSpec),
    Heal { heal: FaultId },
}

/// Why the engine refused an input. The message is shown to the user as is
/// (for REST operations it becomes `result.message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    /// A name that does not exist; the message lists the valid ones.
    Unknown(String),
    /// The input is well-formed but cannot be done now (busy, suspended, server down...).
    Refused(super::refusal::Refusal),
    /// A parameter out of range.
    Invalid(String),
}

impl InputError {
    /// `unknown server `x`; valid: a, b` — every refusal of a name lists the valid ones.
    pub(crate) fn unknown_name<'a>(
        what: &str,
        name: &str,
        valid: impl IntoIterator<Item = &'a str>,
    ) -> InputError {
        let valid: Vec<&str> = valid.into_iter().collect();
        InputError::Unknown(format!(
            "unknown {what} `{name}`; valid: {}",
            valid.join(", ")
        ))
    }

    pub fn message(&self) -> String {
        match self {
            InputError::Unknown(m) | InputError::Invalid(m) => m.clone(),
            InputError::Refused(r) => r.to_string(),
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_json_is_flat_and_kebab_case() {
        let f: FaultSpec = serde_json::from_str(
            r#"{"kind":"server-crash","server":"server1","at_ms":5,"duration_ms":100}"#,
        )
        .unwrap();
        assert_eq!(
            f.kind,
            FaultKind::ServerCrash {
                server: "server1".into()
            }
        );
        assert_eq!((f.at_ms, f.duration_ms), (Some(5), Some(100)));
        let p: FaultSpec = serde_json::from_str(
            r#"{"kind":"partition","sides":[["server1"],["server2","pingnp1"]],"oneway":true}"#,
        )
        .unwrap();
        assert!(matches!(p.kind, FaultKind::Partition { oneway: true, .. }));
    }

    #[test]
    fn operation_json_uses_op_tag() {
        let o: Operation =
            serde_json::from_str(r#"{"op":"group-move","group":"failover1","target":"server2"}"#)
                .unwrap();
        assert_eq!(
            o,
            Operation::GroupMove {
                group: "failover1".into(),
                target: Some("server2".into())
            }
        );
    }
}
