//! What each server knows of its peers (behaviour §0). A server that still counts a
//! peer as a member but no longer hears it (crash, hang, cut) keeps, in its answers and
//! in its judgement of operations, the statuses that peer last reported, until it
//! declares the peer down or hears it again. The copy is taken when the peer goes
//! quiet, so state costs nothing while every server hears every other.

use super::engine::Sim;
use super::group_state::RState;
use crate::model::ServerId;

/// A peer's statuses as an observer last heard them.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Frozen {
    /// Per resource: its state on the peer.
    pub rstate: Vec<RState>,
    /// Per group: its status on the peer.
    #[serde(deserialize_with = "crate::state_codec::intern::vec")]
    pub group: Vec<&'static str>,
    /// Per monitor: its status on the peer.
    #[serde(deserialize_with = "crate::state_codec::intern::vec")]
    pub mon: Vec<&'static str>,
}

impl Sim {
    fn freeze(&mut self, o: ServerId, j: ServerId) {
        if o == j || !self.members.believes_up[o][j] || self.members.known.contains_key(&(o, j)) {
            return;
        }
        let f = Frozen {
            rstate: (0..self.model.resources.len())
                .map(|r| self.rstate(r, j))
                .collect(),
            group: (0..self.model.groups.len())
                .map(|g| self.group_status_on(g, j))
                .collect(),
            mon: (0..self.model.monitors.len())
                .map(|m| self.mon_status(m, j))
                .collect(),
        };
        self.members.known.insert((o, j), f);
    }

    /// j is about to go quiet for everyone (crash, hang, NP action): every server that
    /// counts it keeps its last statuses.
    pub(crate) fn freeze_all_of(&mut self, j: ServerId) {
        if !self.servers[j].running() {
            return;
        }
        for o in 0..self.n() {
            if self.servers[o].running() {
                self.freeze(o, j);
            }
        }
    }

    /// After a change of links among `xs` and `ys`: pairs that no longer hear each
    /// other keep what they last heard.
    pub(crate) fn freeze_unheard(&mut self, xs: &[ServerId], ys: &[ServerId]) {
        for &x in xs {
            for &y in ys {
                for (o, j) in [(x, y), (y, x)] {
                    if o != j
                        && self.members.believes_up[o][j]
                        && self.servers[o].running()
                        && !self.hears_now(o, j)
                    {
                        self.freeze(o, j);
                    }
                }
            }
        }
    }

    /// o hears j again, or declared it down: it knows j's real statuses again.
    pub(crate) fn unfreeze(&mut self, o: ServerId, j: ServerId) {
        self.members.known.remove(&(o, j));
    }

    /// o stopped or restarted: it remembers nothing of its peers.
    pub(crate) fn forget_all(&mut self, o: ServerId) {
        let keys: Vec<_> = self
            .members
            .known
            .range((o, 0)..=(o, usize::MAX))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            self.members.known.remove(&k);
        }
    }

    /// What o knows of peer j, if j has gone quiet for it.
    pub(crate) fn frozen(&self, o: ServerId, j: ServerId) -> Option<&Frozen> {
        self.members.known.get(&(o, j))
    }

    /// Whether o believes group g holds resources on s.
    pub(crate) fn known_active(&self, o: ServerId, g: usize, s: ServerId) -> bool {
        if s != o && !self.members.believes_up[o][s] {
            return false;
        }
        match self.frozen(o, s) {
            Some(f) => self.model.groups[g]
                .resources
                .iter()
                .any(|&r| f.rstate[r] != RState::Offline),
            None => self.groups.active_on[g].contains(&s),
        }
    }

    /// Where o believes group g runs: o itself first, then its peers by index.
    pub(crate) fn known_current(&self, o: ServerId, g: usize) -> Option<ServerId> {
        if self.known_active(o, g, o) {
            return Some(o);
        }
        (0..self.n()).find(|&s| s != o && self.known_active(o, g, s))
    }

    /// The server that answers operations: the one set by `operate_from`, or the first
    /// running server by priority (what the cluster's single API address reaches).
    pub(crate) fn answering(&self) -> Option<ServerId> {
        self.answering
            .filter(|&s| self.servers[s].running())
            .or_else(|| self.first_running_observer())
    }

    /// An operator operation as server `server`'s API receives it: accepted or refused
    /// on what that server knows.
    pub fn operate_from(
        &mut self,
        server: ServerId,
        op: super::input::Operation,
    ) -> Result<(), super::input::InputError> {
        self.answering = Some(server);
        let r = self.operate(op);
        self.answering = None;
        r
    }
}
