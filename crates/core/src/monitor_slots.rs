//! Per (monitor, server) state kept only where the monitor runs. A monitor runs on its
//! group's few servers, so a table of every monitor on every server (1,000 monitors
//! on 10,000 servers: 10 million cells) would be almost all unused cells. Cells of a
//! server the monitor does not run on are made when first written (an operator may
//! name any server) and read as the default until then.
//!
//! Saved states keep the old shape, a `monitor * n_servers + server` list; a decoded
//! one is laid out on every server until [`Slots::compact`] (which knows the model)
//! shrinks it.

use crate::model::{Model, ServerId};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub(crate) struct Slots<T> {
    n: usize,
    /// Per monitor: the servers it has cells for, increasing.
    lists: Vec<Vec<ServerId>>,
    /// Per monitor: where its cells start in `cells`.
    start: Vec<usize>,
    cells: Vec<T>,
    /// Cells of other pairs, made when first written.
    off: BTreeMap<(usize, ServerId), T>,
    empty: T,
}

impl<T: Clone + Default + PartialEq> Slots<T> {
    /// Cells for each monitor's own servers. `fill` is called for every pair in
    /// `monitor * n + server` order (a seeded draw keeps its sequence), and what it
    /// returns for the other pairs is dropped.
    pub fn new(
        lists: Vec<Vec<ServerId>>,
        n: usize,
        mut fill: impl FnMut(usize, ServerId) -> T,
    ) -> Slots<T> {
        let mut start = Vec::with_capacity(lists.len());
        let mut cells = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        for (m, list) in lists.iter().enumerate() {
            start.push(cells.len());
            let mut k = 0;
            for s in 0..n {
                let v = fill(m, s);
                if list.get(k) == Some(&s) {
                    cells.push(v);
                    k += 1;
                }
            }
        }
        Slots {
            n,
            lists,
            start,
            cells,
            off: BTreeMap::new(),
            empty: T::default(),
        }
    }

    /// The servers each monitor of `model` runs on.
    pub fn lists_of(model: &Model) -> Vec<Vec<ServerId>> {
        (0..model.monitors.len())
            .map(|m| model.monitor_servers(m).to_vec())
            .collect()
    }

    /// A `monitor * n + server` table laid out on `lists`: values of other pairs are
    /// kept (when not the default) if `keep_off`, else dropped (they are never read).
    pub fn from_dense(dense: &[T], n: usize, lists: Vec<Vec<ServerId>>, keep_off: bool) -> Self {
        let mut t = Slots::new(lists, n, |m, s| dense[m * n + s].clone());
        if keep_off {
            for (i, v) in dense.iter().enumerate() {
                let (m, s) = (i / n.max(1), i % n.max(1));
                if *v != t.empty && t.slot(m, s).is_none() {
                    t.off.insert((m, s), v.clone());
                }
            }
        }
        t
    }

    /// Every pair, `monitor * n + server`.
    pub fn to_dense(&self) -> Vec<T> {
        let mut v = Vec::with_capacity(self.len());
        for m in 0..self.lists.len() {
            for s in 0..self.n {
                v.push(self[(m, s)].clone());
            }
        }
        v
    }

    /// Re-lays the table on `model`'s monitors (after a decode or a reconfiguration).
    pub fn compact(&mut self, model: &Model, keep_off: bool) {
        let dense = self.to_dense();
        *self = Slots::from_dense(&dense, self.n, Slots::<T>::lists_of(model), keep_off);
    }

    /// Pairs the table stands for: monitors × servers.
    pub fn len(&self) -> usize {
        self.lists.len() * self.n
    }

    /// Monitors with a cell for s made by a write off their lists.
    pub fn written_on(&self, s: ServerId) -> impl Iterator<Item = usize> + '_ {
        self.off.keys().filter(move |k| k.1 == s).map(|k| k.0)
    }

    fn slot(&self, m: usize, s: ServerId) -> Option<usize> {
        let i = self.lists.get(m)?.binary_search(&s).ok()?;
        Some(self.start[m] + i)
    }
}

impl<T: Clone + Default + PartialEq> std::ops::Index<(usize, ServerId)> for Slots<T> {
    type Output = T;
    fn index(&self, (m, s): (usize, ServerId)) -> &T {
        match self.slot(m, s) {
            Some(i) => &self.cells[i],
            None => self.off.get(&(m, s)).unwrap_or(&self.empty),
        }
    }
}

impl<T: Clone + Default + PartialEq> std::ops::IndexMut<(usize, ServerId)> for Slots<T> {
    fn index_mut(&mut self, (m, s): (usize, ServerId)) -> &mut T {
        assert!(
            m < self.lists.len() && s < self.n,
            "monitor cell out of range"
        );
        match self.slot(m, s) {
            Some(i) => &mut self.cells[i],
            None => self.off.entry((m, s)).or_default(),
        }
    }
}

impl<T: Clone + Default + PartialEq + Serialize> Serialize for Slots<T> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.len()))?;
        for m in 0..self.lists.len() {
            for s in 0..self.n {
                seq.serialize_element(&self[(m, s)])?;
            }
        }
        seq.end()
    }
}

/// A decoded `monitor * n + server` list of `monitors` monitors, laid out on every
/// server (exact, if large, until compacted).
pub(crate) fn decoded<T: Clone + Default + PartialEq>(dense: Vec<T>, monitors: usize) -> Slots<T> {
    if monitors == 0 && !dense.is_empty() {
        // Cells without monitors: a shape the check refuses.
        return Slots::new(vec![Vec::new()], 1, |_, _| T::default());
    }
    let n = dense.len().checked_div(monitors).unwrap_or(0);
    let lists = vec![(0..n).collect(); monitors];
    let mut t = Slots::from_dense(&dense, n, lists, true);
    if n * monitors != dense.len() {
        // A list that is not monitors × servers: keep the count wrong so that the
        // shape check refuses the state.
        t.n = usize::MAX / monitors.max(1);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::{decoded, Slots};

    #[test]
    fn cells_off_the_lists_read_default_until_written_and_survive_a_round_trip() {
        let mut draws = 0;
        let mut t = Slots::new(vec![vec![1, 3], vec![0]], 4, |m, s| {
            draws += 1;
            10 * m + s + 1
        });
        assert_eq!(draws, 8, "every pair is drawn");
        assert_eq!((t[(0, 1)], t[(0, 3)], t[(1, 0)], t[(0, 2)]), (2, 4, 11, 0));
        t[(1, 2)] = 7;
        assert_eq!(t.to_dense(), [0, 2, 0, 4, 11, 0, 7, 0]);
        let back = decoded(t.to_dense(), 2);
        assert_eq!(back.to_dense(), t.to_dense());
        assert_eq!(back.len(), 8);
        let json = serde_json::to_string(&t).expect("serializes");
        assert_eq!(json, "[0,2,0,4,11,0,7,0]");
    }
}
