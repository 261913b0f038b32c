//! The journal's store: the one write path of a journal file (`JournalFile`), appends
//! that are whole or absent (a failed append is cut back before the next one), and
//! opening a state folder with recovery from snapshots.

use super::*;
/// Where a journal's bytes go: the real file, or in tests a store that fails, cuts
/// or flips bytes on purpose (`faulty`). Small so that every write path goes through it.
pub trait JournalFile: Send + Sync + std::fmt::Debug {
    /// Appends all of `bytes` at the end, or fails (possibly after writing part).
    fn append(&self, bytes: &[u8]) -> std::io::Result<()>;
    /// Cuts the file back to its first `len` bytes.
    fn truncate(&self, len: u64) -> std::io::Result<()>;
    /// Forces what was written to the disk.
    fn sync(&self) -> std::io::Result<()>;
}

/// The journal file, opened in append mode (a truncation moves the end back, so the
/// next append lands right after the last good record).
impl JournalFile for File {
    fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut f: &File = self;
        f.write_all(bytes)
    }
    fn truncate(&self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }
    fn sync(&self) -> std::io::Result<()> {
        self.sync_data()
    }
}

/// An open journal, appended to by one engine.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    /// Shared with the group-commit thread, which fsyncs it (`host::group_commit`).
    file: Arc<dyn JournalFile>,
    /// The framed header record (snapshots carry a copy).
    header: Vec<u8>,
    /// An append failed and its bytes are not cut off yet: nothing more is written
    /// until they are, so every record after a failure starts at a good boundary.
    pub(super) torn: bool,
    policy: FsyncPolicy,
    unsynced: u32,
    /// Bytes in the journal and their running CRC-32 (what a snapshot is checked by).
    pub(super) len: u64,
    crc: crc32fast::Hasher,
}

/// What [`Store::open`] found.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    /// The recovered state (`None`: the directory was new and got `fresh`'s header).
    pub recovered: Option<Decoded>,
}

impl Store {
    /// Opens `dir`'s journal, creating `dir` and the journal (with `fresh` as its
    /// header) when absent. A bad tail is moved aside and cut off (see the module).
    pub fn open(dir: &Path, fresh: &Record, policy: FsyncPolicy) -> Result<Opened, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create state directory {}: {e}", dir.display()))?;
        let path = dir.join(JOURNAL_FILE);
        let io = |e: std::io::Error| format!("{}: {e}", path.display());
        let bytes = match std::fs::read(&path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let (snap, snapshot_problems) = snapshot::newest_valid(dir, bytes.as_deref());
        if bytes.is_none() && snap.is_none() {
            let store = Store::write_new(dir, std::slice::from_ref(fresh), policy)?;
            return Ok(Opened {
                store,
                recovered: None,
            });
        }
        let journal = bytes.as_deref().unwrap_or_default();
        let mut decoded = match decode_after(journal, snap.as_ref()) {
            Err(e) if snap.is_some() && bytes.is_some() => {
                // A snapshot whose header record does not decode: the journal decides.
                let mut d = decode(journal).map_err(|e| format!("{}: {e}", path.display()))?;
                d.snapshot_problems.push(format!("snapshot not used: {e}"));
                d
            }
            r => r.map_err(|e| format!("{}: {e}", path.display()))?,
        };
        decoded.snapshot_problems.splice(0..0, snapshot_problems);
        let rebuild = match (&bytes, &snap) {
            (None, Some(s)) => Some(format!(
                "{JOURNAL_FILE} was missing; started from snapshot {}",
                s.file.display()
            )),
            (Some(_), Some(s)) if s.covers_damage && decoded.snapshot.is_some() => Some(format!(
                "the journal is damaged within its first {} bytes, which snapshot {} covers",
                s.journal_len,
                s.file.display()
            )),
            _ => None,
        };
        if let Some(why) = rebuild {
            return Store::rebuild(dir, decoded, why, policy);
        }
        Store::cut_tail(dir, journal, decoded, policy)
    }

    /// Opens a journal whose good records end at `decoded.good_len`: a bad tail is
    /// copied aside (`journal.csj.corrupt-<offset>-<unix time>`), then cut off.
    fn cut_tail(
        dir: &Path,
        bytes: &[u8],
        decoded: Decoded,
        policy: FsyncPolicy,
    ) -> Result<Opened, String> {
        let path = dir.join(JOURNAL_FILE);
        let io = |e: std::io::Error| format!("{}: {e}", path.display());
        let good = decoded.good_len as usize;
        if decoded.problem.is_some() {
            let aside = aside_path(dir, &format!("{JOURNAL_FILE}.corrupt-{good}"));
            std::fs::write(&aside, &bytes[good..]).map_err(io)?;
        }
        let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        file.set_len(decoded.good_len).map_err(io)?;
        file.sync_all().map_err(io)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes[..good]);
        let header_end = match next_record(bytes, PREAMBLE) {
            Ok(Some((_, end))) => end,
            _ => PREAMBLE,
        };
        let store = Store {
            dir: dir.to_path_buf(),
            file: Arc::new(file),
            header: bytes[PREAMBLE..header_end].to_vec(),
            torn: false,
            policy,
            unsynced: 0,
            len: decoded.good_len,
            crc,
        };
        Ok(Opened {
            store,
            recovered: Some(decoded),
        })
    }

    /// Writes a new journal of what `decoded` recovered (its snapshot's state as a
    /// checkpoint record, then the records after it), after moving the old journal
    /// and every snapshot into `DIR/replaced-<unix time>/` (nothing is deleted).
    fn rebuild(
        dir: &Path,
        mut decoded: Decoded,
        why: String,
        policy: FsyncPolicy,
    ) -> Result<Opened, String> {
        let folder = aside_path(dir, "replaced");
        let io = |e: std::io::Error| format!("{}: {e}", folder.display());
        std::fs::create_dir(&folder).map_err(io)?;
        let journal = dir.join(JOURNAL_FILE);
        let old = snapshot::list(dir)
            .into_iter()
            .chain(Some(journal).filter(|p| p.exists()));
        for p in old {
            let to = folder.join(p.file_name().unwrap_or_default());
            std::fs::rename(&p, &to).map_err(io)?;
        }
        let s = &decoded.state;
        let header = Record::Header {
            model: Box::new(s.model.clone()),
            seed: s.journal.seed,
            clock: s.clock.clone(),
            speed: s.speed,
        };
        let store = Store::write_new(dir, &records_of(header, &s.journal, s.now_ms), policy)?;
        decoded.repaired = Some(format!("{why}; the old files are in {}", folder.display()));
        Ok(Opened {
            store,
            recovered: Some(decoded),
        })
    }

    /// Writes a complete journal of `records` atomically (tmp file, fsync, rename).
    pub fn write_new(dir: &Path, records: &[Record], policy: FsyncPolicy) -> Result<Store, String> {
        let path = dir.join(JOURNAL_FILE);
        let mut bytes = preamble();
        for r in records {
            bytes.extend(frame(r));
        }
        // The old journal's snapshots go first, so none outlives it (`snapshot`); the
        // handle is opened before the rename: it is the new journal whatever happens
        // after, never the old one unlinked.
        snapshot::remove_all(dir);
        let file = write_atomic(dir, "journal.tmp", &path, &bytes)?;
        let header = records.first().map(frame).unwrap_or_default();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes);
        Ok(Store {
            dir: dir.to_path_buf(),
            file: Arc::new(file),
            header,
            torn: false,
            policy,
            unsynced: 0,
            len: bytes.len() as u64,
            crc,
        })
    }

    /// Replaces the journal with `header` + `journal` + the clock (reset, restore,
    /// cut, panic recovery).
    pub fn rewrite(
        &mut self,
        header: Record,
        journal: &Journal,
        now_ms: u64,
    ) -> Result<(), String> {
        let records = records_of(header, journal, now_ms);
        *self = Store::write_new(&self.dir.clone(), &records, self.policy)?;
        Ok(())
    }

    /// A store on `file` holding `header` alone (tests: the fault injector).
    pub fn start_on(
        file: Arc<dyn JournalFile>,
        header: &Record,
        policy: FsyncPolicy,
    ) -> std::io::Result<Store> {
        let mut bytes = preamble();
        bytes.extend(frame(header));
        file.append(&bytes)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes);
        Ok(Store {
            dir: PathBuf::new(),
            file,
            header: frame(header),
            torn: false,
            policy,
            unsynced: 0,
            len: bytes.len() as u64,
            crc,
        })
    }

    /// Appends a record whole or not at all; `durable`: an acknowledged change.
    /// Returns true when the record still needs an fsync before its answer
    /// (`every-input`: the caller hands the answer to the group commit,
    /// [`Store::file`]); `batch:N` fsyncs here. On an error (disk full, short write,
    /// failed fsync) the file is cut back to the last good record before anything
    /// else is written, so later records stay readable after it.
    pub fn append(&mut self, r: &Record, durable: bool) -> std::io::Result<bool> {
        self.cut_torn()?;
        let bytes = frame(r);
        let written = self.file.append(&bytes).and_then(|()| match self.policy {
            FsyncPolicy::Batch(n) if self.unsynced + 1 >= n => self.file.sync(),
            _ => Ok(()),
        });
        if let Err(e) = written {
            self.torn = true;
            let _ = self.cut_torn();
            return Err(e);
        }
        self.len += bytes.len() as u64;
        self.crc.update(&bytes);
        self.unsynced += 1;
        match self.policy {
            FsyncPolicy::EveryInput => Ok(durable),
            FsyncPolicy::Batch(n) => {
                if self.unsynced >= n {
                    self.unsynced = 0;
                }
                Ok(false)
            }
        }
    }

    /// Cuts off the bytes of a failed append (a no-op when there are none); fails
    /// while the file cannot be cut, and then nothing is appended.
    fn cut_torn(&mut self) -> std::io::Result<()> {
        if self.torn {
            self.file.truncate(self.len)?;
            self.torn = false;
        }
        Ok(())
    }

    /// Writes a snapshot: `cp` is the state after every record written so far.
    pub fn snapshot(&self, speed: f64, cp: &Checkpoint) -> Result<PathBuf, String> {
        let journal = (self.len, self.crc.clone().finalize());
        snapshot::write(&self.dir, journal, &self.header, speed, cp)
    }

    /// The journal file now (a rewrite replaces it), for the group commit's fsync.
    pub fn file(&self) -> Arc<dyn JournalFile> {
        self.file.clone()
    }
}
