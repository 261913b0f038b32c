//! Rolling operations: restart, upgrade and deploy through the cluster's servers one at
//! a time, as Commissaire's `clusterexec` does (`serial: 1`, hosts in member order).
//!
//! For each server, in server order: its groups are moved to other Online servers (one
//! operator move at a time, by failover policy) and the job waits until they are Online
//! there; an upgrade or deploy then spends `rolling_upgrade_duration` on the drained
//! server; the server is rebooted and the job waits up to `rolling_host_timeout` for it
//! to come back Online (running and counted by every running peer). The first failure
//! stops the job with status `failed`, the failing server left in `in_process`.
//!
//! The job is a timed state machine polled every `rolling_check_interval` of virtual
//! time (`Ev::RollingTick`), so it is deterministic like the rest of the core, and its
//! moves and reboot are ordinary operator operations (logged as `operation` events).

use super::engine::{Ev, Sim};
use super::event::EventKind;
use super::input::{InputError, Operation};
use crate::model::ServerId;
use serde::{Deserialize, Serialize};

/// Which rolling operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RollingKind {
    Restart,
    Upgrade,
    Deploy,
}

impl RollingKind {
    pub const ALL: [RollingKind; 3] = [
        RollingKind::Restart,
        RollingKind::Upgrade,
        RollingKind::Deploy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RollingKind::Restart => "restart",
            RollingKind::Upgrade => "upgrade",
            RollingKind::Deploy => "deploy",
        }
    }

    /// The name of the finished list in Commissaire's record.
    pub fn done_list(self) -> &'static str {
        match self {
            RollingKind::Restart => "restarted",
            RollingKind::Upgrade => "upgraded",
            RollingKind::Deploy => "deployed",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Commissaire's operation status vocabulary.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RollingStatus {
    InProcess,
    Finished,
    Failed,
}

impl RollingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RollingStatus::InProcess => "in_process",
            RollingStatus::Finished => "finished",
            RollingStatus::Failed => "failed",
        }
    }
}

/// The queryable record of the latest rolling operation of one kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema, serde::Deserialize)]
pub struct RollingRecord {
    pub kind: RollingKind,
    pub status: RollingStatus,
    /// Deploy only: the version being deployed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Servers done, in order (names).
    pub done: Vec<String>,
    /// The server being processed (left here when the job fails on it).
    pub in_process: Vec<String>,
    pub started_ms: u64,
    pub finished_ms: Option<u64>,
    /// Why it failed, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Stage {
    /// Moving the server's groups away.
    Drain,
    /// Upgrading the drained server until the given time.
    Upgrade { until: u64 },
    /// The reboot is to be requested (waits while another operation runs).
    Reboot,
    /// Waiting for the server to come back Online.
    Return { went_down: bool },
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Job {
    kind: RollingKind,
    order: Vec<ServerId>,
    next: usize,
    stage: Stage,
    /// When the current stage times out.
    deadline: u64,
    /// Groups moved off the current server (they must be Online elsewhere).
    moved: Vec<usize>,
}

/// Rolling state kept beside the engine's state.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct RollingCtl {
    records: [Option<RollingRecord>; 3],
    job: Option<Job>,
    gen: u64,
}

/// What one poll of the job decided.
enum Step {
    Wait,
    Stage(Stage),
    HostDone,
    Fail(String),
}

impl Sim {
    /// Whether a rolling operation is under way (it holds server ids).
    pub(crate) fn rolling_in_progress(&self) -> bool {
        self.rolling.job.is_some()
    }

    /// Checks a rolling operation of `kind` (to `version` for a deploy).
    pub(crate) fn plan_rolling(
        &self,
        kind: RollingKind,
        version: Option<String>,
    ) -> Result<super::ops::Step, InputError> {
        if version.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(InputError::Invalid("version must not be empty".into()));
        }
        if let Some(j) = &self.rolling.job {
            return Err(InputError::Refused(
                super::refusal::Refusal::RollingAlreadyInProcess(j.kind.as_str()),
            ));
        }
        Ok(super::ops::Step::Rolling { kind, version })
    }

    /// Starts a planned rolling operation.
    pub(crate) fn exec_rolling(&mut self, kind: RollingKind, version: Option<String>) {
        self.rolling.records[kind.index()] = Some(RollingRecord {
            kind,
            status: RollingStatus::InProcess,
            version,
            done: Vec::new(),
            in_process: Vec::new(),
            started_ms: self.kernel.now(),
            finished_ms: None,
            reason: None,
        });
        self.log(EventKind::RollingStarted, |e| {
            e.reason = Some(kind.as_str().into())
        });
        self.rolling.job = Some(Job {
            kind,
            order: (0..self.n()).collect(),
            next: 0,
            stage: Stage::Drain,
            deadline: 0,
            moved: Vec::new(),
        });
        self.rolling_host_begin();
        self.rolling_schedule();
    }

    /// The latest record of each kind that has run, in kind order.
    pub fn rolling_records(&self) -> Vec<RollingRecord> {
        self.rolling.records.iter().flatten().cloned().collect()
    }

    /// The latest record of one kind.
    pub fn rolling_record(&self, kind: RollingKind) -> Option<&RollingRecord> {
        self.rolling.records[kind.index()].as_ref()
    }

    fn rolling_schedule(&mut self) {
        self.rolling.gen += 1;
        let gen = self.rolling.gen;
        let at = self.kernel.now() + self.model.settings.rolling_check_interval.0.max(1);
        self.schedule(at, Ev::RollingTick { gen });
    }

    fn record_mut(&mut self, kind: RollingKind) -> &mut RollingRecord {
        self.rolling.records[kind.index()]
            .as_mut()
            .expect("a running job has a record")
    }

    /// Puts the job's next server in process (or finishes the job).
    fn rolling_host_begin(&mut self) {
        let Some(job) = self.rolling.job.as_mut() else {
            return;
        };
        let kind = job.kind;
        let Some(&s) = job.order.get(job.next) else {
            self.rolling_end(RollingStatus::Finished, None);
            return;
        };
        job.stage = Stage::Drain;
        job.moved.clear();
        job.deadline = self.kernel.now() + self.model.settings.rolling_host_timeout.0;
        let name = self.model.servers[s].name.clone();
        self.record_mut(kind).in_process.push(name);
        self.log_at(s, EventKind::RollingHostStarted, |e| {
            e.reason = Some(kind.as_str().into())
        });
    }

    fn rolling_end(&mut self, status: RollingStatus, reason: Option<String>) {
        let Some(job) = self.rolling.job.take() else {
            return;
        };
        let now = self.kernel.now();
        let rec = self.record_mut(job.kind);
        rec.status = status;
        rec.finished_ms = Some(now);
        rec.reason = reason.clone();
        let kind = if status == RollingStatus::Failed {
            EventKind::RollingFailed
        } else {
            EventKind::RollingFinished
        };
        let server = job.order.get(job.next).copied();
        self.log(kind, |e| {
            e.server = server.filter(|_| status == RollingStatus::Failed);
            e.reason = Some(reason.unwrap_or_else(|| job.kind.as_str().into()));
        });
    }

    pub(crate) fn rolling_tick(&mut self, gen: u64) {
        if gen != self.rolling.gen {
            return;
        }
        let Some(job) = self.rolling.job.clone() else {
            return;
        };
        let s = job.order[job.next];
        let step = match job.stage {
            Stage::Drain => self.rolling_drain(&job, s),
            Stage::Upgrade { until } if self.kernel.now() >= until => Step::Stage(Stage::Reboot),
            Stage::Upgrade { .. } => Step::Wait,
            Stage::Reboot => self.rolling_reboot(s),
            Stage::Return { went_down } => self.rolling_return(&job, s, went_down),
        };
        match step {
            Step::Wait => {}
            Step::Stage(st) => {
                if let Some(j) = self.rolling.job.as_mut() {
                    j.stage = st;
                }
            }
            Step::HostDone => {
                let kind = job.kind;
                let name = self.model.servers[s].name.clone();
                let rec = self.record_mut(kind);
                rec.in_process.retain(|x| *x != name);
                rec.done.push(name);
                self.log_at(s, EventKind::RollingHostDone, |e| {
                    e.reason = Some(kind.done_list().into())
                });
                if let Some(j) = self.rolling.job.as_mut() {
                    j.next += 1;
                }
                self.rolling_host_begin();
            }
            Step::Fail(why) => self.rolling_end(RollingStatus::Failed, Some(why)),
        }
        if self.rolling.job.is_some() {
            self.rolling_schedule();
        }
    }

    /// Moves the server's groups away, one operator move at a time.
    fn rolling_drain(&mut self, job: &Job, s: ServerId) -> Step {
        let name = self.model.servers[s].name.clone();
        if !self.servers[s].running() {
            return Step::Fail(format!("Server {name} is not running."));
        }
        if self.kernel.now() >= job.deadline {
            return Step::Fail(format!(
                "The groups of server {name} did not move within the timeout."
            ));
        }
        let on_s: Vec<usize> = (0..self.model.groups.len())
            .filter(|&g| self.groups.active_on[g].contains(&s))
            .collect();
        if let Some(&g) = on_s.iter().find(|&&g| self.task_of_group(g).is_none()) {
            if self.busy() {
                return Step::Wait;
            }
            let op = Operation::GroupMove {
                group: self.model.groups[g].name.clone(),
                target: None,
            };
            if let Err(e) = self.operation(op) {
                return Step::Fail(e.message().to_string());
            }
            if let Some(j) = self.rolling.job.as_mut() {
                j.moved.push(g);
            }
            return Step::Wait;
        }
        let settled = on_s.is_empty()
            && job.moved.iter().all(|&g| {
                self.task_of_group(g).is_none()
                    && self.groups.active_on[g]
                        .iter()
                        .any(|&t| self.group_status_on(g, t) == super::view::status::ONLINE)
            });
        if !settled {
            return Step::Wait;
        }
        match job.kind {
            RollingKind::Restart => Step::Stage(Stage::Reboot),
            _ => Step::Stage(Stage::Upgrade {
                until: self.kernel.now() + self.model.settings.rolling_upgrade_duration.0,
            }),
        }
    }

    fn rolling_reboot(&mut self, s: ServerId) -> Step {
        if self.busy() {
            return Step::Wait;
        }
        let server = self.model.servers[s].name.clone();
        if let Err(e) = self.operation(Operation::ServerReboot { server }) {
            return Step::Fail(e.message().to_string());
        }
        if let Some(j) = self.rolling.job.as_mut() {
            j.deadline = self.kernel.now() + self.model.settings.rolling_host_timeout.0;
        }
        Step::Stage(Stage::Return { went_down: false })
    }

    /// Back Online: running, and counted as a member by every running peer.
    fn rolling_return(&mut self, job: &Job, s: ServerId, went_down: bool) -> Step {
        let down = !self.servers[s].running();
        let counted = (0..self.n())
            .filter(|&o| o != s && self.servers[o].running())
            .all(|o| self.members.believes_up.get(o, s));
        if went_down && !down && counted {
            return Step::HostDone;
        }
        if self.kernel.now() >= job.deadline {
            let name = &self.model.servers[s].name;
            return Step::Fail(format!(
                "Server {name} did not come back online within {} s.",
                self.model.settings.rolling_host_timeout.0 / 1000
            ));
        }
        if down && !went_down {
            return Step::Stage(Stage::Return { went_down: true });
        }
        Step::Wait
    }
}
