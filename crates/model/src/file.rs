//! The cluster file as written by people: names instead of indices, defaults filled in
//! by serde. `resolve` turns it into a [`super::Model`] after validation.

use super::duration::Millis;
use super::settings::Settings;
use super::types::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    pub cluster: ClusterSection,
    #[serde(default)]
    pub settings: Settings,
    pub servers: Vec<ServerFile>,
    #[serde(default)]
    pub heartbeats: Vec<HeartbeatFile>,
    #[serde(default)]
    pub resolvers: Vec<ResolverFile>,
    #[serde(default)]
    pub groups: Vec<GroupFile>,
    #[serde(default)]
    pub monitors: Vec<MonitorFile>,
    #[serde(default)]
    pub scripts: Vec<ScriptFile>,
    /// Mirror disk connects (the networks `md` resources mirror over), like heartbeat paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirror_connects: Vec<super::mirror::MirrorConnectFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    pub name: String,
    /// Lifts the product's limits (2 to 32 servers) for experiments at scale.
    #[serde(default, skip_serializing_if = "is_false")]
    pub lift_product_limits: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    pub name: String,
    /// 0 is the master server; defaults to the position in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// The server's address: the target of `scripts/run` and of its own API listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatFile {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: HeartbeatKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Millis>,
    /// Servers on this path; all servers when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolverFile {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ResolverKind,
    /// The address pinged by `pingnp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    pub name: String,
    #[serde(default)]
    pub startup: AutoManual,
    #[serde(default)]
    pub failover: AutoManual,
    #[serde(default = "manual")]
    pub failback: AutoManual,
    /// Startup servers in failover-policy order; all servers by priority when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<String>>,
    /// Groups with `exclusive: true` never run together on one server.
    #[serde(default, skip_serializing_if = "is_false")]
    pub exclusive: bool,
    #[serde(default)]
    pub resources: Vec<ResourceFile>,
}

fn manual() -> AutoManual {
    AutoManual::Manual
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceFile {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ResourceKind,
    /// Explicit dependencies; the per-type default dependency when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<String>>,
    #[serde(default)]
    pub activation: ActivationFile,
    #[serde(default)]
    pub deactivation: DeactivationFile,
    /// `md` only: the mirror's servers, connects, size and device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<super::mirror::MirrorFile>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationFile {
    /// Simulated time to activate; the per-type default from settings when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_action: Option<FinalAction>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivationFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_action: Option<FinalAction>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorFile {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The monitored group resource, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    #[serde(default)]
    pub timing: MonitorTiming,
    /// Servers that run the monitor; all servers when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<String>>,
    /// A resource name, a group name, or `LocalServer`; the target's group when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_reactivation: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failover: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_action: Option<FinalAction>,
    /// "Do not retry/recover on timeout".
    #[serde(default, skip_serializing_if = "is_false")]
    pub ignore_timeout: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptFile {
    pub name: String,
    #[serde(default = "one_second")]
    pub duration: Millis,
    #[serde(default)]
    pub exit_code: i32,
}

fn one_second() -> Millis {
    Millis::secs(1)
}
