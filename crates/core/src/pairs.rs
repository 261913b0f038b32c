//! A square table of flags, one per (observer, peer) pair, packed 64 to a word. The
//! membership's `believes_up` and `declared_down` are two of them: n²/8 bytes rather
//! than n² (12.5 MB each at 10,000 servers), and "the peers o counts" or "does not
//! count" is a scan of n/64 words. Saved states keep the old shape (rows of booleans).

use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PairBits {
    n: usize,
    /// Words per row.
    w: usize,
    bits: Vec<u64>,
}

impl PairBits {
    /// n × n flags, all clear.
    pub fn new(n: usize) -> PairBits {
        let w = n.div_ceil(64);
        PairBits {
            n,
            w,
            bits: vec![0; n * w],
        }
    }

    /// Rows (observers), which is also the number of columns.
    pub fn len(&self) -> usize {
        self.n
    }

    #[inline]
    pub fn get(&self, o: usize, j: usize) -> bool {
        debug_assert!(o < self.n && j < self.n);
        self.bits[o * self.w + j / 64] >> (j % 64) & 1 == 1
    }

    #[inline]
    pub fn set(&mut self, o: usize, j: usize, v: bool) {
        assert!(j < self.n, "peer {j} out of range");
        let word = &mut self.bits[o * self.w + j / 64];
        if v {
            *word |= 1 << (j % 64);
        } else {
            *word &= !(1 << (j % 64));
        }
    }

    /// Clears every flag of row o.
    pub fn clear_row(&mut self, o: usize) {
        self.bits[o * self.w..(o + 1) * self.w].fill(0);
    }

    /// The columns of row o whose flag is `v`, in increasing order.
    pub fn row(&self, o: usize, v: bool) -> impl Iterator<Item = usize> + '_ {
        let n = self.n;
        let words = &self.bits[o * self.w..(o + 1) * self.w];
        words.iter().enumerate().flat_map(move |(i, &word)| {
            let mut x = if v { word } else { !word };
            std::iter::from_fn(move || {
                if x == 0 {
                    return None;
                }
                let b = x.trailing_zeros() as usize;
                x &= x - 1;
                Some(i * 64 + b)
            })
            .take_while(move |&j| j < n)
        })
    }

    fn to_rows(&self) -> Vec<Vec<bool>> {
        (0..self.n)
            .map(|o| (0..self.n).map(|j| self.get(o, j)).collect())
            .collect()
    }

    fn from_rows(rows: &[Vec<bool>]) -> PairBits {
        let mut t = PairBits::new(rows.len());
        for (o, row) in rows.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if v {
                    t.set(o, j, true);
                }
            }
        }
        t
    }

    /// Live reconfiguration: a server joins, counting nobody and counted by nobody.
    pub fn push_server(&mut self) {
        let mut rows = self.to_rows();
        rows.iter_mut().for_each(|r| r.push(false));
        rows.push(vec![false; self.n + 1]);
        *self = PairBits::from_rows(&rows);
    }

    /// Live reconfiguration: server x leaves; ids above it move down by one.
    pub fn remove_server(&mut self, x: usize) {
        let mut rows = self.to_rows();
        rows.remove(x);
        rows.iter_mut().for_each(|r| {
            r.remove(x);
        });
        *self = PairBits::from_rows(&rows);
    }
}

impl Serialize for PairBits {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_rows().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PairBits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PairBits, D::Error> {
        let rows = Vec::<Vec<bool>>::deserialize(d)?;
        if rows.iter().any(|r| r.len() != rows.len()) {
            return Err(D::Error::custom("a pair table is not square"));
        }
        Ok(PairBits::from_rows(&rows))
    }
}

#[cfg(test)]
mod tests {
    use super::PairBits;

    #[test]
    fn rows_list_set_and_clear_columns_in_order() {
        let mut t = PairBits::new(70);
        for j in [0, 5, 63, 64, 69] {
            t.set(3, j, true);
        }
        assert_eq!(t.row(3, true).collect::<Vec<_>>(), [0, 5, 63, 64, 69]);
        assert_eq!(t.row(3, false).count(), 65);
        assert!(!t.row(3, false).any(|j| j >= 70));
        t.set(3, 64, false);
        assert!(!t.get(3, 64) && t.get(3, 69) && !t.get(2, 69));
        t.remove_server(4);
        assert_eq!(t.len(), 69);
        assert_eq!(t.row(3, true).collect::<Vec<_>>(), [0, 4, 62, 68]);
        t.push_server();
        assert_eq!(t.len(), 70);
        assert!(!t.get(69, 3) && !t.get(3, 69));
        let json = serde_json::to_string(&t).expect("serializes");
        assert_eq!(serde_json::from_str::<PairBits>(&json).expect("reads"), t);
    }
}
