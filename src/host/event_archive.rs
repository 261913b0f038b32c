//! The event log beyond memory (`serve --state DIR`): entries the retention limit
//! trims from the engine's in-memory log are first appended to `DIR/events.log`, one
//! JSON entry a line exactly as `GET /sim/v1/events` renders it, so `?since=` reaches
//! any range (paged by `limit` as ever).
//!
//! The file is derived data, not state: the log is a function of model + seed +
//! journal, so the file is started afresh when the engine starts (recovery replays
//! the whole log into memory and trims it again) and after a reset or restore. Line
//! `k` is entry `seq = k`; a sparse index (one offset every [`STRIDE`] lines) finds a
//! line with one seek and at most `STRIDE` skipped lines.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub const ARCHIVE_FILE: &str = "events.log";
const STRIDE: u64 = 1_024;

#[derive(Debug)]
pub struct EventArchive {
    path: PathBuf,
    file: std::io::BufWriter<File>,
    /// Offset of line `i * STRIDE`, for every such line written.
    index: Vec<u64>,
    /// Bytes written so far.
    len: u64,
    /// The seq of the next line (lines hold seq 0..next).
    next: u64,
}

impl EventArchive {
    /// Starts `dir`'s archive empty (see the module: it is derived from the journal).
    pub fn create(dir: &Path) -> std::io::Result<EventArchive> {
        let path = dir.join(ARCHIVE_FILE);
        let file = std::io::BufWriter::new(File::create(&path)?);
        Ok(EventArchive {
            path,
            file,
            index: Vec::new(),
            len: 0,
            next: 0,
        })
    }

    /// Keeps the first `upto` entries of `dir`'s archive and appends after them: a
    /// cluster recovered from a snapshot rebuilds only the log after it, and the
    /// entries trimmed before it are these. Fails when fewer are there.
    pub fn resume(dir: &Path, upto: u64) -> std::io::Result<EventArchive> {
        let path = dir.join(ARCHIVE_FILE);
        let mut reader = BufReader::new(File::open(&path)?);
        let (mut index, mut len, mut line) = (Vec::new(), 0u64, Vec::new());
        for k in 0..upto {
            if k % STRIDE == 0 {
                index.push(len);
            }
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                return Err(std::io::Error::other(format!(
                    "{}: {k} entries; the snapshot needs {upto}",
                    path.display()
                )));
            }
            len += n as u64;
        }
        let f = std::fs::OpenOptions::new().write(true).open(&path)?;
        f.set_len(len)?;
        let mut f = std::io::BufWriter::new(f);
        f.seek(SeekFrom::End(0))?;
        Ok(EventArchive {
            path,
            file: f,
            index,
            len,
            next: upto,
        })
    }

    /// Empties the archive (the log starts again at seq 0).
    pub fn clear(&mut self) -> std::io::Result<()> {
        *self = EventArchive::create(self.path.parent().unwrap_or(Path::new(".")))?;
        Ok(())
    }

    /// Entries archived: seq `0..archived()`.
    pub fn archived(&self) -> u64 {
        self.next
    }

    /// Appends entries `(seq, JSON)` in order; those already archived are skipped (a
    /// log rebuilt after a panic starts at seq 0 again).
    pub fn append<'a>(
        &mut self,
        entries: impl IntoIterator<Item = (u64, String)> + 'a,
    ) -> std::io::Result<()> {
        for (seq, text) in entries {
            if seq < self.next {
                continue;
            }
            if seq != self.next {
                return Err(std::io::Error::other(format!(
                    "event archive: entry {seq} after {} entries",
                    self.next
                )));
            }
            if self.next.is_multiple_of(STRIDE) {
                self.index.push(self.len);
            }
            self.file.write_all(text.as_bytes())?;
            self.file.write_all(b"\n")?;
            self.len += text.len() as u64 + 1;
            self.next += 1;
        }
        self.file.flush()
    }

    /// Up to `limit` archived entries from `since` on, as `(seq, JSON)`.
    pub fn read(&self, since: u64, limit: usize) -> std::io::Result<Vec<(u64, String)>> {
        if since >= self.next || limit == 0 {
            return Ok(Vec::new());
        }
        let block = (since / STRIDE) as usize;
        let mut f = File::open(&self.path)?;
        f.seek(SeekFrom::Start(self.index[block]))?;
        let mut seq = block as u64 * STRIDE;
        let mut out = Vec::new();
        for line in BufReader::new(f).lines() {
            let line = line?;
            if seq >= since {
                out.push((seq, line));
            }
            seq += 1;
            if out.len() == limit || seq == self.next {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(r: std::ops::Range<u64>) -> Vec<(u64, String)> {
        r.map(|s| (s, format!("{{\"seq\":{s}}}"))).collect()
    }

    #[test]
    fn any_range_reads_back_what_was_appended() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = EventArchive::create(dir.path()).unwrap();
        a.append(entries(0..3_000)).unwrap();
        a.append(entries(2_000..5_000)).unwrap(); // overlap skipped
        assert_eq!(a.archived(), 5_000);
        for (since, limit) in [
            (0, 10),
            (1_023, 3),
            (1_024, 1),
            (4_990, 100),
            (2_500, 2_000),
        ] {
            let want: Vec<_> = entries(since..(since + limit as u64).min(5_000));
            assert_eq!(a.read(since, limit).unwrap(), want, "since {since}");
        }
        assert!(a.read(5_000, 10).unwrap().is_empty());
        assert!(a.append(entries(5_001..5_002)).is_err(), "a gap is refused");
        let mut b = EventArchive::resume(dir.path(), 4_100).unwrap();
        assert!(b.read(4_100, 5).unwrap().is_empty(), "cut after 4,100");
        b.append(entries(4_100..4_200)).unwrap();
        assert_eq!(b.read(4_090, 20).unwrap(), entries(4_090..4_110));
        assert!(EventArchive::resume(dir.path(), 9_000).is_err());
        a.clear().unwrap();
        assert_eq!((a.archived(), a.read(0, 5).unwrap().len()), (0, 0));
    }
}
