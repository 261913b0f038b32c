//! Group and resource state: each resource's activation state on each server, where
//! each group is active and was last started, the activation tasks in progress, and
//! the statuses that follow from them. The `Task` machinery that changes this state
//! is `sim/group.rs`; everything else reads it through the methods here.

use super::engine::Sim;
use super::event::EventKind;
use super::group::Task;
use crate::model::{Model, ServerId};
use std::collections::BTreeMap;

/// The group module's state.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Groups {
    /// Resource state, indexed `resource * n_servers + server`.
    pub rstate: Vec<RState>,
    /// Per group: servers where any of its resources is not Offline.
    pub active_on: Vec<Vec<ServerId>>,
    /// Per group: the server it was last started on (where peers expect it).
    pub home: Vec<Option<ServerId>>,
    /// Per resource: failovers caused by its activation failures, reset on success.
    pub act_failovers: Vec<u32>,
    pub tasks: BTreeMap<u64, Task>,
}

impl Groups {
    /// Everything Offline, nothing in progress.
    pub fn new(model: &Model, n: usize) -> Groups {
        Groups {
            rstate: vec![RState::Offline; model.resources.len() * n],
            active_on: vec![Vec::new(); model.groups.len()],
            home: vec![None; model.groups.len()],
            act_failovers: vec![0; model.resources.len()],
            tasks: BTreeMap::new(),
        }
    }
}

/// Activation state of one resource on one server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum RState {
    #[default]
    Offline,
    OnlinePending,
    Online,
    OnlineFailure,
    OfflinePending,
    OfflineFailure,
}

impl RState {
    pub fn status(self) -> &'static str {
        use super::view::status::*;
        match self {
            RState::Offline => OFFLINE,
            RState::OnlinePending => ONLINE_PENDING,
            RState::Online => ONLINE,
            RState::OnlineFailure => ONLINE_FAILURE,
            RState::OfflinePending => OFFLINE_PENDING,
            RState::OfflineFailure => OFFLINE_FAILURE,
        }
    }
}

impl Sim {
    pub(crate) fn rstate(&self, r: usize, s: ServerId) -> RState {
        self.groups.rstate[r * self.n() + s]
    }

    /// Sets a resource's state and keeps the group's `active_on` and status events true.
    pub(crate) fn set_rstate(&mut self, r: usize, s: ServerId, st: RState) {
        let n = self.n();
        let old = self.groups.rstate[r * n + s];
        if old == st {
            return;
        }
        let g = self.model.resources[r].group;
        let before = self.group_status_on(g, s);
        self.groups.rstate[r * n + s] = st;
        let active = self.model.groups[g]
            .resources
            .iter()
            .any(|&x| self.groups.rstate[x * n + s] != RState::Offline);
        let list = &mut self.groups.active_on[g];
        match (active, list.binary_search(&s)) {
            (true, Err(i)) => {
                list.insert(i, s);
                self.note_active(g, s, true);
            }
            (false, Ok(i)) => {
                list.remove(i);
                self.note_active(g, s, false);
            }
            _ => {}
        }
        let after = self.group_status_on(g, s);
        if before != after {
            self.log_at(s, EventKind::GroupStatus, |e| {
                e.group = Some(g);
                e.status = Some(after);
            });
        }
        // Monitors of this resource start or stop with it (timing `active`), and a
        // resource failure ends when the resource is deactivated.
        if st == RState::Offline {
            self.env.faults.clear_resource_failure(r, s);
        }
        if old == RState::Online || st == RState::Online {
            self.mon_refresh_target(r, s);
        }
    }

    /// The group's status on one server, from its resources there.
    pub(crate) fn group_status_on(&self, g: usize, s: ServerId) -> &'static str {
        use super::view::status::*;
        let n = self.n();
        let mut any = [false; 6];
        for &r in &self.model.groups[g].resources {
            any[self.groups.rstate[r * n + s] as usize] = true;
        }
        let has = |st: RState| any[st as usize];
        // A group reads Pending until its task is done, not Online between two resources.
        let stage = self
            .groups
            .tasks
            .values()
            .find(|t| t.group == g && t.server() == s)
            .map(|t| t.stage);
        let active = any[1..].iter().any(|&x| x);
        if has(RState::OnlineFailure) {
            ONLINE_FAILURE
        } else if has(RState::OfflineFailure) {
            OFFLINE_FAILURE
        } else if active && stage == Some(super::group::Stage::Activate) {
            ONLINE_PENDING
        } else if active && stage == Some(super::group::Stage::Deactivate) {
            OFFLINE_PENDING
        } else if has(RState::OnlinePending) {
            ONLINE_PENDING
        } else if has(RState::OfflinePending) {
            OFFLINE_PENDING
        } else if has(RState::Online) {
            ONLINE
        } else {
            OFFLINE
        }
    }

    /// Logs a `group-status` event if g's status on s is no longer `before`.
    pub(crate) fn note_group_status(&mut self, g: usize, s: ServerId, before: &'static str) {
        let after = self.group_status_on(g, s);
        if after != before {
            self.log_at(s, EventKind::GroupStatus, |e| {
                e.group = Some(g);
                e.status = Some(after);
            });
        }
    }

    /// The highest-priority server of the group's policy that can start it now.
    pub(crate) fn startup_server(&self, g: usize) -> Option<ServerId> {
        self.model.groups[g]
            .policy
            .iter()
            .copied()
            .find(|&s| self.servers[s].running() && self.exclusive_ok(g, s))
    }

    /// Exclusive groups never run together on one server.
    pub(crate) fn exclusive_ok(&self, g: usize, s: ServerId) -> bool {
        if !self.model.groups[g].exclusive {
            return true;
        }
        !self
            .groups
            .active_on
            .iter()
            .enumerate()
            .any(|(other, on)| other != g && self.model.groups[other].exclusive && on.contains(&s))
    }
}
