//! Indexes that let membership questions cost what their answer holds rather than a
//! pass over every server or group. "Which servers may o not hear, or not be heard by,
//! right now" is answered from the few servers that are down or cut off (every other
//! pair of alive servers hears each other on a fully meshed cluster); "which groups
//! may o find orphaned" from the groups whose home it no longer counts. The indexes
//! are kept by the setters below, which every change of a server's liveness or of a
//! group's home goes through, and rebuilt after a restore or a reconfiguration.

use super::engine::{ServerState, Sim};
use crate::model::ServerId;
use std::collections::{BTreeMap, BTreeSet};

/// The derived indexes (not saved: rebuilt from the state they index).
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// Servers that are not alive (powered off, hung or with the service stopped).
    dead: BTreeSet<ServerId>,
    /// Per server: the groups whose home it is.
    homes: BTreeMap<ServerId, BTreeSet<usize>>,
    /// Per server: the groups active on it (the inverse of `Groups::active_on`).
    active: BTreeMap<ServerId, BTreeSet<usize>>,
}

impl Reach {
    /// The groups active on s, in increasing order.
    pub fn active_groups(&self, s: ServerId) -> impl Iterator<Item = usize> + '_ {
        self.active.get(&s).into_iter().flatten().copied()
    }
}

/// Above this many candidates a plain pass over every server is as cheap.
fn worth_it(candidates: usize, all: usize) -> bool {
    candidates * 8 < all
}

impl Sim {
    /// Changes a server's state (power, hang, service) and keeps the index of dead
    /// servers true. Every such change goes through here.
    pub(crate) fn server_set(&mut self, s: ServerId, f: impl FnOnce(&mut ServerState)) {
        f(&mut self.servers[s]);
        if self.servers[s].alive() {
            self.members.reach.dead.remove(&s);
        } else {
            self.members.reach.dead.insert(s);
        }
    }

    /// Sets where group g is expected to run, keeping the index by home.
    pub(crate) fn set_home(&mut self, g: usize, h: Option<ServerId>) {
        if let Some(old) = self.groups.home[g] {
            if let Some(set) = self.members.reach.homes.get_mut(&old) {
                set.remove(&g);
                if set.is_empty() {
                    self.members.reach.homes.remove(&old);
                }
            }
        }
        if let Some(h) = h {
            self.members.reach.homes.entry(h).or_default().insert(g);
        }
        self.groups.home[g] = h;
    }

    /// Group g became active (`on`) or idle on s: keeps the inverse of `active_on`.
    pub(crate) fn note_active(&mut self, g: usize, s: ServerId, on: bool) {
        let idx = &mut self.members.reach.active;
        if on {
            idx.entry(s).or_default().insert(g);
        } else if let Some(set) = idx.get_mut(&s) {
            set.remove(&g);
            if set.is_empty() {
                idx.remove(&s);
            }
        }
    }

    /// The first group from `from` on that is active on s.
    pub(crate) fn next_active_on(&self, s: ServerId, from: usize) -> Option<usize> {
        self.members
            .reach
            .active
            .get(&s)?
            .range(from..)
            .next()
            .copied()
    }

    /// Rebuilds every index from the state (after a restore or a reconfiguration).
    pub(crate) fn reach_rebuild(&mut self) {
        let mut r = Reach::default();
        for (s, st) in self.servers.iter().enumerate() {
            if !st.alive() {
                r.dead.insert(s);
            }
        }
        for (g, h) in self.groups.home.iter().enumerate() {
            if let Some(h) = *h {
                r.homes.entry(h).or_default().insert(g);
            }
        }
        for (g, on) in self.groups.active_on.iter().enumerate() {
            for &s in on {
                r.active.entry(s).or_default().insert(g);
            }
        }
        self.members.reach = r;

        self.env.rebuild_index();
    }

    /// The servers x for which `hears_now(o, x) && hears_now(x, o)` may be false, in
    /// increasing order; None when that cannot be told cheaply (then any may be).
    fn maybe_unheard(&self, o: ServerId) -> Option<Vec<ServerId>> {
        let n = self.n();
        if !self.model.full_mesh() || !self.servers[o].alive() || self.env.any_path_down(o) {
            return None;
        }
        let mut v: Vec<ServerId> = self.members.reach.dead.iter().copied().collect();
        v.extend(self.env.servers_with_paths_down());
        if !worth_it(v.len(), n) {
            return None;
        }
        v.extend(self.env.faults.cut_off_from(o));
        if !worth_it(v.len(), n) {
            return None;
        }
        v.sort_unstable();
        v.dedup();
        Some(v)
    }

    /// The first server by index that o counts as a member but cannot hand a group
    /// over to (they do not hear each other both ways now).
    pub(crate) fn first_unreachable(&self, o: ServerId) -> Option<ServerId> {
        let bad =
            |x: ServerId| x != o && self.members.believes_up.get(o, x) && !self.can_hand_over(o, x);
        match self.maybe_unheard(o) {
            Some(v) => v.into_iter().find(|&x| bad(x)),
            None => (0..self.n()).find(|&x| bad(x)),
        }
    }

    /// The first group from `from` on whose home is a server other than o that o does
    /// not count: the only groups o can find orphaned. Asked afresh at every step, so
    /// a change made while handling one group is seen for the next.
    pub(crate) fn next_orphan_candidate(&self, o: ServerId, from: usize) -> Option<usize> {
        let groups = self.model.groups.len();
        if from >= groups {
            return None;
        }
        let lost: Vec<ServerId> = self.members.believes_up.row(o, false).collect();
        if !worth_it(lost.len(), groups.max(1)) {
            return Some(from);
        }
        lost.into_iter()
            .filter(|&h| h != o)
            .filter_map(|h| {
                self.members
                    .reach
                    .homes
                    .get(&h)?
                    .range(from..)
                    .next()
                    .copied()
            })
            .min()
    }
}
