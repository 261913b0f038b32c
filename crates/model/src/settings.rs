//! Every behaviour the reference marks [assume] is a named setting here, with the
//! product's documented value (or our best reading of it) as the default. The YAML key
//! is the field name; `ARCHITECTURE.md` and `README.md` list them.

use super::duration::Millis;
use super::types::{FinalAction, NpAction, ResourceKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Heartbeat interval for paths that do not set one [doc: Linux default 3 s].
    pub heartbeat_interval: Millis,
    /// Heartbeat timeout for paths that do not set one [doc: Linux default 90 s].
    pub heartbeat_timeout: Millis,
    /// Randomise each server's heartbeat phase within the interval from the seed, so
    /// detection times differ between servers as they do on real machines.
    pub heartbeat_phase_jitter: bool,
    /// How long cluster start waits for all servers [assume 5 min].
    pub startup_wait: Millis,
    /// `running`: at t=0 every server is Online and every auto-start group Online on its
    /// first startup server. `stopped`: the cluster service is stopped everywhere.
    pub initial_state: InitialState,
    /// What the losing side of a network partition does [doc: shut down the OS].
    pub np_action: NpAction,
    /// With `majority` resolution and an even split, the side holding the master server
    /// (priority 0) survives [assume].
    pub majority_tie_master_wins: bool,
    /// With a network-partition resolver, the surviving side waits this long after it
    /// declared a peer down by heartbeat timeout before it fails the peer's groups over.
    /// The other side times out up to one heartbeat interval later; waiting that long
    /// lets it run its NP action first, so no group runs on both sides [assume: absent
    /// = the longest heartbeat interval of the cluster's paths; `0s` = no wait].
    pub np_failover_wait: Option<Millis>,
    /// With a resolver, a server that learns that a running peer declared it down (it
    /// hears that peer's heartbeats, which carry its membership, after a one-way cut or
    /// on resuming from a hang) runs the NP action instead of rejoining [infer].
    pub stop_when_declared_down: bool,
    /// Monitor interval when a monitor sets none [assume 60 s].
    pub monitor_interval: Millis,
    /// Monitor timeout when a monitor sets none [assume 120 s].
    pub monitor_timeout: Millis,
    /// Monitor retry count when a monitor sets none [assume 1].
    pub monitor_retry: u32,
    /// [doc: 3]
    pub monitor_max_reactivation: u32,
    /// [doc: 1]
    pub monitor_max_failover: u32,
    /// [doc: no operation]
    pub monitor_final_action: FinalAction,
    /// [doc: 0]
    pub activation_retry: u32,
    /// [doc: 1]
    pub activation_failover_threshold: u32,
    /// [doc: no operation, do not activate the next resource]
    pub activation_final_action: FinalAction,
    /// [doc: 0]
    pub deactivation_retry: u32,
    /// [doc: stop cluster service and shut down OS]
    pub deactivation_final_action: FinalAction,
    /// Per-type activation time [assume].
    pub activation_durations: ResourceDurations,
    /// Per-type deactivation time [assume].
    pub deactivation_durations: ResourceDurations,
    /// Time from power-on (or the reboot request) to a running OS [assume 60 s].
    pub boot_duration: Millis,
    /// After an abnormal stop (crash, hang, NP action) the cluster service does not start
    /// by itself; an operator starts it (`cl 18`) [doc].
    pub auto_start_after_abnormal_stop: bool,
    /// Stopping the cluster service on one server fails its groups over to the others
    /// (the peers are told at once; no heartbeat timeout) [assume].
    pub server_stop_fails_over_groups: bool,
    /// While the cluster is suspended a server loss does not fail groups over [assume].
    pub suspend_blocks_failover: bool,
    /// The date of virtual time 0 (ISO 8601): every date the API shows and the event
    /// log's `time` [assume: a fixed date, `2026-01-01T00:00:00.000Z`, so runs repeat].
    pub epoch: String,
    /// A rolling restart/upgrade/deploy gives each server this long to move its groups
    /// away, and again to come back Online after its reboot [assume: Commissaire's
    /// restart playbook waits 200 s for the host's SSH port].
    pub rolling_host_timeout: Millis,
    /// How long a rolling upgrade or deploy spends upgrading each drained server
    /// before rebooting it [assume 30 s].
    pub rolling_upgrade_duration: Millis,
    /// How often a rolling operation checks its progress [assume 1 s; Commissaire's
    /// playbook polls every 5 s].
    pub rolling_check_interval: Millis,
    /// Data partition size of a mirror disk that sets none, in MiB [assume 10240].
    pub mirror_disk_size_mib: u64,
    /// Mirror recovery copy rate, MiB per second: a copy of N MiB takes N / rate
    /// seconds [assume 100, a 1 Gbit/s mirror connect].
    pub mirror_copy_rate_mib_s: u64,
    /// How fast the active side changes data while the mirror is broken, KiB per
    /// second; a differential copy moves what changed, at most the whole disk
    /// [assume 1024].
    pub mirror_change_rate_kib_s: u64,
    /// Auto mirror recovery: when the mirror connects again, copy from the side with
    /// the latest data to the other at once [doc: on by default].
    pub auto_mirror_recovery: bool,
    /// Mirror recovery copies only the changed blocks (the product's `FAST` mode)
    /// when both sides' difference information exists; `false` always copies all
    /// (`NORMAL`) [doc: differential by default].
    pub mirror_differential_copy: bool,
    /// How long clpbackup.sh / clprestore.sh themselves run before their cluster
    /// effect (service stop, shutdown, reboot) [assume 5 s].
    pub mirror_action_duration: Millis,
    /// How long the answering server waits for a peer it still believes up before an
    /// operation that needs that peer fails with the communication error (behaviour §0:
    /// a crashed, powered-off or hung peer does not answer) [assume 180 s: the "Server
    /// Internal Timeout" of the cluster properties' Timeout tab, as remembered from the
    /// Reference Guide].
    pub internal_communication_timeout: Millis,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum InitialState {
    #[default]
    Running,
    Stopped,
}

/// Durations per resource type; `default` covers the types not listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceDurations {
    pub default: Millis,
    pub fip: Option<Millis>,
    pub vip: Option<Millis>,
    pub disk: Option<Millis>,
    pub md: Option<Millis>,
    pub exec: Option<Millis>,
    pub vm: Option<Millis>,
}

impl Default for ResourceDurations {
    fn default() -> Self {
        ResourceDurations {
            default: Millis::secs(2),
            fip: Some(Millis::secs(1)),
            vip: Some(Millis::secs(1)),
            disk: Some(Millis::secs(3)),
            md: Some(Millis::secs(5)),
            exec: Some(Millis::secs(2)),
            vm: Some(Millis::secs(10)),
        }
    }
}

impl ResourceDurations {
    pub fn for_kind(&self, kind: ResourceKind) -> Millis {
        let specific = match kind {
            ResourceKind::Fip => self.fip,
            ResourceKind::Vip => self.vip,
            ResourceKind::Disk => self.disk,
            ResourceKind::Md => self.md,
            ResourceKind::Exec => self.exec,
            ResourceKind::Vm => self.vm,
            _ => None,
        };
        specific.unwrap_or(self.default)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            heartbeat_interval: Millis::secs(3),
            heartbeat_timeout: Millis::secs(90),
            heartbeat_phase_jitter: true,
            startup_wait: Millis::secs(300),
            initial_state: InitialState::Running,
            np_action: NpAction::ShutdownOs,
            majority_tie_master_wins: true,
            np_failover_wait: None,
            stop_when_declared_down: true,
            monitor_interval: Millis::secs(60),
            monitor_timeout: Millis::secs(120),
            monitor_retry: 1,
            monitor_max_reactivation: 3,
            monitor_max_failover: 1,
            monitor_final_action: FinalAction::NoOperation,
            activation_retry: 0,
            activation_failover_threshold: 1,
            activation_final_action: FinalAction::NoOperation,
            deactivation_retry: 0,
            deactivation_final_action: FinalAction::ShutdownOs,
            activation_durations: ResourceDurations::default(),
            deactivation_durations: ResourceDurations::default(),
            boot_duration: Millis::secs(60),
            auto_start_after_abnormal_stop: false,
            server_stop_fails_over_groups: true,
            suspend_blocks_failover: true,
            epoch: super::calendar::DEFAULT_EPOCH.to_string(),
            rolling_host_timeout: Millis::secs(200),
            rolling_upgrade_duration: Millis::secs(30),
            rolling_check_interval: Millis::secs(1),
            mirror_disk_size_mib: 10_240,
            mirror_copy_rate_mib_s: 100,
            mirror_change_rate_kib_s: 1_024,
            auto_mirror_recovery: true,
            mirror_differential_copy: true,
            mirror_action_duration: Millis::secs(5),
            internal_communication_timeout: Millis::secs(180),
        }
    }
}
