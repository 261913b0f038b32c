//! A read-only snapshot of the cluster as one server sees it, with the product's exact
//! status strings. The REST surface serves views; the engine never reads them back.

use serde::Serialize;

/// Product status strings [doc].
pub mod status {
    pub const UNKNOWN: &str = "Unknown";
    pub const NORMAL: &str = "Normal";
    pub const CAUTION: &str = "Caution";
    pub const ERROR: &str = "Error";
    pub const UNUSED: &str = "Unused";
    pub const SUSPEND: &str = "Suspend";
    pub const ONLINE: &str = "Online";
    pub const OFFLINE: &str = "Offline";
    pub const ONLINE_PENDING: &str = "Online Pending";
    pub const OFFLINE_PENDING: &str = "Offline Pending";
    pub const ONLINE_FAILURE: &str = "Online Failure";
    pub const OFFLINE_FAILURE: &str = "Offline Failure";
    /// Group `current` when the group runs nowhere [infer].
    pub const NONE: &str = "None";
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ClusterView {
    pub now_ms: u64,
    pub name: String,
    pub status: &'static str,
    /// The server whose point of view this is; `None` when no server is running.
    pub observer: Option<String>,
    pub toratio: u32,
    pub suspended: bool,
    /// An operator operation is in progress; a second one is refused.
    pub busy: bool,
    pub servers: Vec<ServerView>,
    pub heartbeats: Vec<PathView>,
    pub resolvers: Vec<ResolverView>,
    pub groups: Vec<GroupView>,
    pub resources: Vec<ResourceView>,
    pub monitors: Vec<MonitorView>,
    /// Mirror disks as their mirror agents report them (absent without `md` resources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<MirrorView>,
    /// The last backup / restore action's status (absent without `md` resources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror_actions: Option<MirrorActionsView>,
}

/// One mirror disk (`clpmdstat --mirror`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MirrorView {
    /// The `md` resource.
    pub name: String,
    pub device: String,
    /// "Mirror Status": `Normal`, `Recovering`, `Abnormal`.
    pub status: &'static str,
    pub size_mib: u64,
    pub servers: Vec<MirrorServerView>,
    pub recovery: Option<MirrorRecoveryView>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MirrorServerView {
    pub name: String,
    /// `Normal`, `Recovering`, `Error` or `Unknown`.
    pub status: &'static str,
    /// "Mirror Color": `GREEN`, `YELLOW`, `RED` or `GRAY`.
    pub color: &'static str,
    /// Whether this server holds the latest data.
    pub latest: bool,
    /// When this server last had the latest data (absent while it has it).
    pub last_update_ms: Option<u64>,
    /// When the mirror broke (absent while it is whole).
    pub break_time_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MirrorRecoveryView {
    pub from: String,
    pub to: String,
    /// `NORMAL` (full copy) or `FAST` (differential).
    pub mode: &'static str,
    pub bytes: u64,
    pub started_ms: u64,
    pub done_ms: u64,
}

/// `detail.status` of the mirror backup and restore status endpoints.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MirrorActionsView {
    pub backup: String,
    pub restore: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ServerView {
    pub name: String,
    pub status: &'static str,
    /// Address from the cluster file, if any.
    pub ip: Option<String>,
    /// Whether the machine itself is powered and not hung (ground truth, not the
    /// observer's belief): per-server listeners answer only while this holds.
    pub reachable: bool,
    /// Status of each heartbeat path from this server, as the observer receives it.
    pub paths: Vec<PathView>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PathView {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ResolverView {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct GroupView {
    pub name: String,
    pub status: &'static str,
    /// Server name, or `None`.
    pub current: String,
    pub resources: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ResourceView {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub current: String,
    pub group: String,
    pub depends_on: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MonitorView {
    pub name: String,
    /// The monitor type as the model names it (`fipw`, `userw`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    pub status: &'static str,
    pub servers: Vec<MonitorServerView>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MonitorServerView {
    pub name: String,
    pub status: &'static str,
}

impl ClusterView {
    pub fn group(&self, name: &str) -> Option<&GroupView> {
        self.groups.iter().find(|g| g.name == name)
    }
    pub fn server(&self, name: &str) -> Option<&ServerView> {
        self.servers.iter().find(|s| s.name == name)
    }
    pub fn resource(&self, name: &str) -> Option<&ResourceView> {
        self.resources.iter().find(|r| r.name == name)
    }
    pub fn monitor(&self, name: &str) -> Option<&MonitorView> {
        self.monitors.iter().find(|m| m.name == name)
    }
    pub fn mirror(&self, name: &str) -> Option<&MirrorView> {
        self.mirrors.iter().find(|m| m.name == name)
    }
}
