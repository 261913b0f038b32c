//! Vocabulary shared by the file format and the resolved model.

use serde::{Deserialize, Serialize};
use std::fmt;

pub type ServerId = usize;
pub type PathId = usize;
pub type ResolverId = usize;
pub type GroupId = usize;
pub type ResourceId = usize;
pub type MonitorId = usize;
pub type ScriptId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HeartbeatKind {
    Lankhb,
    Lanhb,
    Diskhb,
    Witnesshb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResolverKind {
    Pingnp,
    Majority,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AutoManual {
    #[default]
    Auto,
    Manual,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MonitorTiming {
    #[default]
    Always,
    Active,
}

/// Group resource types, by the product's short names.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Fip,
    Vip,
    Disk,
    Md,
    Hd,
    Volmgr,
    Nas,
    Ddns,
    Exec,
    Vm,
    Awsvip,
    Awseip,
    Awsdns,
    Azurepp,
    Azuredns,
}

impl ResourceKind {
    /// Every type, in declaration order.
    pub const ALL: &'static [ResourceKind] = &[
        ResourceKind::Fip,
        ResourceKind::Vip,
        ResourceKind::Disk,
        ResourceKind::Md,
        ResourceKind::Hd,
        ResourceKind::Volmgr,
        ResourceKind::Nas,
        ResourceKind::Ddns,
        ResourceKind::Exec,
        ResourceKind::Vm,
        ResourceKind::Awsvip,
        ResourceKind::Awseip,
        ResourceKind::Awsdns,
        ResourceKind::Azurepp,
        ResourceKind::Azuredns,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Fip => "fip",
            ResourceKind::Vip => "vip",
            ResourceKind::Disk => "disk",
            ResourceKind::Md => "md",
            ResourceKind::Hd => "hd",
            ResourceKind::Volmgr => "volmgr",
            ResourceKind::Nas => "nas",
            ResourceKind::Ddns => "ddns",
            ResourceKind::Exec => "exec",
            ResourceKind::Vm => "vm",
            ResourceKind::Awsvip => "awsvip",
            ResourceKind::Awseip => "awseip",
            ResourceKind::Awsdns => "awsdns",
            ResourceKind::Azurepp => "azurepp",
            ResourceKind::Azuredns => "azuredns",
        }
    }

    /// Position in the default dependency order [assume]: IP and cloud types first, then
    /// volume managers, disk-like types, ddns, and exec/vm last. A resource with no
    /// explicit `depends_on` depends on every resource of its group with a lower tier.
    pub fn default_tier(self) -> u8 {
        use ResourceKind::*;
        match self {
            Fip | Vip | Awsvip | Awseip | Awsdns | Azurepp | Azuredns => 0,
            Volmgr => 1,
            Disk | Md | Hd | Nas => 2,
            Ddns => 3,
            Exec | Vm => 4,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Final actions for activation/deactivation failures and monitor errors, with the
/// product's numeric codes 0-5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FinalAction {
    /// 0: no operation, go on activating the next resource.
    NoOperationContinue,
    /// 1: no operation, do not activate the next resource (also "no operation" for monitors).
    NoOperation,
    /// 2: stop the group.
    StopGroup,
    /// 3: stop the cluster service.
    StopClusterService,
    /// 4: stop the cluster service and shut down the OS.
    ShutdownOs,
    /// 5: stop the cluster service and reboot the OS.
    RebootOs,
}

impl FinalAction {
    pub fn code(self) -> u8 {
        match self {
            FinalAction::NoOperationContinue => 0,
            FinalAction::NoOperation => 1,
            FinalAction::StopGroup => 2,
            FinalAction::StopClusterService => 3,
            FinalAction::ShutdownOs => 4,
            FinalAction::RebootOs => 5,
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            FinalAction::NoOperationContinue => "no operation (activate next resource)",
            FinalAction::NoOperation => "no operation (not activate next resource)",
            FinalAction::StopGroup => "stop group",
            FinalAction::StopClusterService => "stop cluster service",
            FinalAction::ShutdownOs => "stop cluster service and shutdown OS",
            FinalAction::RebootOs => "stop cluster service and reboot OS",
        }
    }
    /// Actions that take the server out of the cluster.
    pub fn leaves_cluster(self) -> bool {
        matches!(
            self,
            FinalAction::StopClusterService | FinalAction::ShutdownOs | FinalAction::RebootOs
        )
    }
}

/// What the network-partition resolution makes the losing side do.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NpAction {
    StopClusterService,
    #[default]
    ShutdownOs,
    RebootOs,
}
