//! What each server knows of its peers (behaviour §0). A server that still counts a
//! peer as a member but no longer hears it (crash, hang, cut) keeps, in its answers and
//! in its judgement of operations, the statuses that peer last reported, until it
//! declares the peer down or hears it again. The copy is taken when the peer goes
//! quiet, so state costs nothing while every server hears every other.

use super::engine::Sim;
use super::group_state::RState;
use crate::model::ServerId;
use std::sync::Arc;

/// A peer's statuses as an observer last heard them. Most entries are the same
/// (Offline: a server hosts few of the groups), so each list keeps that value once
/// and the others by index.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Frozen {
    /// Per resource: its state on the peer.
    pub rstate: Sparse<RState>,
    /// Per group: its status on the peer.
    #[serde(deserialize_with = "sparse_texts")]
    pub group: Sparse<&'static str>,
    /// Per monitor: its status on the peer.
    #[serde(deserialize_with = "sparse_texts")]
    pub mon: Sparse<&'static str>,
}

fn sparse_texts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Sparse<&'static str>, D::Error> {
    crate::state_codec::intern::vec(d).map(Sparse::from_vec)
}

/// A list of `len` values, all `common` but those in `other` (by index, increasing).
/// Saved as the whole list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sparse<T> {
    len: usize,
    common: T,
    other: Vec<(usize, T)>,
}

impl<T: Clone + PartialEq> Sparse<T> {
    /// `len` values, `common` except at the indexes `other` gives (increasing).
    pub fn new(len: usize, common: T, other: impl Iterator<Item = (usize, T)>) -> Sparse<T> {
        let other = other.filter(|(_, v)| *v != common).collect();
        Sparse { len, common, other }
    }

    fn from_vec(v: Vec<T>) -> Sparse<T>
    where
        T: Default,
    {
        let common = v.first().cloned().unwrap_or_default();
        let len = v.len();
        Sparse::new(len, common, v.into_iter().enumerate())
    }
}

impl<T> std::ops::Index<usize> for Sparse<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "index {i} out of a list of {}", self.len);
        match self.other.binary_search_by_key(&i, |x| x.0) {
            Ok(k) => &self.other[k].1,
            Err(_) => &self.common,
        }
    }
}

impl<T: serde::Serialize> serde::Serialize for Sparse<T> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.len))?;
        for i in 0..self.len {
            seq.serialize_element(&self[i])?;
        }
        seq.end()
    }
}

impl<'de, T: serde::Deserialize<'de> + Clone + PartialEq + Default> serde::Deserialize<'de>
    for Sparse<T>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sparse<T>, D::Error> {
        Vec::<T>::deserialize(d).map(Sparse::from_vec)
    }
}

/// A peer's frozen statuses, shared by every observer that froze them at the same
/// moment: a crash in a cluster of n servers costs one copy, not n.
#[derive(Clone, Debug)]
pub(crate) struct Shared(pub Arc<Frozen>);

impl std::ops::Deref for Shared {
    type Target = Frozen;
    fn deref(&self) -> &Frozen {
        &self.0
    }
}

impl serde::Serialize for Shared {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Shared {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shared, D::Error> {
        Frozen::deserialize(d).map(|f| Shared(Arc::new(f)))
    }
}

impl Sim {
    /// j's statuses now, as its peers would keep them. Only the groups active on j
    /// (and their resources) and the monitors with a cell for j can differ from
    /// Offline (a monitor elsewhere reads as one without a cell), so only those are
    /// looked at.
    fn snapshot_of(&self, j: ServerId) -> Shared {
        use super::view::status::OFFLINE;
        let m = &self.model;
        let active: Vec<usize> = self.members.reach.active_groups(j).collect();
        let mut res: Vec<(usize, RState)> = active
            .iter()
            .flat_map(|&g| {
                m.groups[g]
                    .resources
                    .iter()
                    .map(|&r| (r, self.rstate(r, j)))
            })
            .collect();
        res.sort_unstable_by_key(|x| x.0);
        let groups = active.iter().map(|&g| (g, self.group_status_on(g, j)));
        let common = self.mon_status_elsewhere(j);
        let mut mons: Vec<usize> = self.monitors.inst.written_on(j).collect();
        mons.extend_from_slice(m.server_monitors(j));
        mons.sort_unstable();
        mons.dedup();
        let mon = mons.into_iter().map(|i| (i, self.mon_status(i, j)));
        Shared(Arc::new(Frozen {
            rstate: Sparse::new(m.resources.len(), RState::Offline, res.into_iter()),
            group: Sparse::new(m.groups.len(), OFFLINE, groups),
            mon: Sparse::new(m.monitors.len(), common, mon),
        }))
    }

    /// o keeps what it last heard of j. `taken` holds j's snapshot once taken in this
    /// step (nothing changes between two observers' freezes of one step).
    fn freeze(&mut self, o: ServerId, j: ServerId, taken: &mut Option<(ServerId, Shared)>) {
        if o == j || !self.members.believes_up.get(o, j) || self.members.known.contains_key(&(o, j))
        {
            return;
        }
        let f = match taken {
            Some((x, f)) if *x == j => f.clone(),
            _ => {
                let f = self.snapshot_of(j);
                *taken = Some((j, f.clone()));
                f
            }
        };
        self.members.known.insert((o, j), f);
    }

    /// j is about to go quiet for everyone (crash, hang, NP action): every server that
    /// counts it keeps its last statuses.
    pub(crate) fn freeze_all_of(&mut self, j: ServerId) {
        if !self.servers[j].running() {
            return;
        }
        let mut taken = None;
        for o in 0..self.n() {
            if self.servers[o].running() {
                self.freeze(o, j, &mut taken);
            }
        }
    }

    /// After a change of links among `xs` and `ys`: pairs that no longer hear each
    /// other keep what they last heard.
    pub(crate) fn freeze_unheard(&mut self, xs: &[ServerId], ys: &[ServerId]) {
        let mut taken = None;
        for &x in xs {
            for &y in ys {
                for (o, j) in [(x, y), (y, x)] {
                    if o != j
                        && self.members.believes_up.get(o, j)
                        && self.servers[o].running()
                        && !self.hears_now(o, j)
                    {
                        self.freeze(o, j, &mut taken);
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
        self.members.known.get(&(o, j)).map(|f| &*f.0)
    }

    /// Whether o believes group g holds resources on s.
    pub(crate) fn known_active(&self, o: ServerId, g: usize, s: ServerId) -> bool {
        if s != o && !self.members.believes_up.get(o, s) {
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
        self.first_known_active(o, g, &[o])
    }

    /// The first server by index, not in `except`, where o believes group g holds
    /// resources. Only two kinds of server can be one: those where g is active, and
    /// the quiet peers o keeps statuses of; so only those are looked at.
    pub(crate) fn first_known_active(
        &self,
        o: ServerId,
        g: usize,
        except: &[ServerId],
    ) -> Option<ServerId> {
        let ok = |s: &ServerId| !except.contains(s) && self.known_active(o, g, *s);
        let active = self.groups.active_on[g].iter().copied().find(ok);
        let bound = active.unwrap_or(usize::MAX);
        let quiet = self
            .members
            .known
            .range((o, 0)..(o, bound))
            .map(|(&(_, s), _)| s)
            .find(ok);
        quiet.or(active)
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
