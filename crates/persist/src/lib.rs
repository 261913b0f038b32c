//! The on-disk state of a cluster (`serve --state DIR`): one append-only journal file,
//! `DIR/journal.csj`. Model + seed + the ordered inputs with their virtual times is
//! the whole state (the engine is deterministic), so the file holds exactly that.
//!
//! Format, version 2 (all integers little-endian; version 1 files, which have no
//! checkpoint records, are read as well):
//!
//! ```text
//! file    = magic "CSIMJRNL" (8 bytes)  version u32 (= 2)  record*
//! record  = length u32  crc32 u32  payload[length]
//! payload = one JSON object (serde_json), tagged by "type":
//!   {"type":"header","model":{cluster file},"seed":S,"clock":"manual","speed":1.0}
//!   {"type":"input","at_ms":T,"input":{operation|fault|heal}}   an applied input
//!   {"type":"clock","now_ms":T}                                 the clock moved
//!   {"type":"speed","speed":X}                                  realtime speed
//!   {"type":"checkpoint","at_ms":T,"inputs":N,"state":BASE64}   the state after the
//!        N inputs before it (`Sim::save_state`): written by a rewrite of a journal
//!        whose older inputs were checkpointed out of memory (`--checkpoint-every`)
//! ```
//!
//! Beside the journal, `snapshot-<offset>.css` files hold the full state after the
//! journal's first `offset` bytes ([`snapshot`]): recovery restores the newest valid
//! one and replays only the records after it.
//!
//! The first record is the header; a reset rewrites the file with a new header
//! (write to `journal.tmp`, fsync, rename). `crc32` is CRC-32 (IEEE) of the payload.
//! A record whose length runs past the end of the file, whose checksum does not match
//! or whose payload does not parse ends the good part of the file: [`Store::open`]
//! keeps the records before it, moves the bad tail aside to `journal.corrupt-<offset>`
//! (nothing is deleted) and truncates the journal there.

pub mod journal;
pub mod scenario;
pub mod snapshot;

// The lower crates under the module names these files use (`crate::sim::...`).
use clustersim_core as sim;
use clustersim_model as model;

use crate::journal::{Checkpoint, Journal};
use crate::model::{ClusterFile, Model};
use crate::sim::Input;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const MAGIC: &[u8; 8] = b"CSIMJRNL";
pub const VERSION: u32 = 2;
const PREAMBLE: usize = 12;
/// A record longer than this is corruption, not data (a model is far smaller).
const MAX_RECORD: u32 = 64 << 20;
pub const JOURNAL_FILE: &str = "journal.csj";

/// One record's payload.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Record {
    Header {
        model: Box<ClusterFile>,
        seed: u64,
        clock: String,
        speed: f64,
    },
    Input {
        at_ms: u64,
        input: Input,
        /// The server whose own address received an operation (see `JournalEntry::from`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<usize>,
    },
    Clock {
        now_ms: u64,
    },
    Speed {
        speed: f64,
    },
    Checkpoint(Checkpoint),
}

/// When appended records are forced to disk (`--state-fsync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Every input, advance and speed change is fsynced before it is answered. Inputs
    /// that arrive together share one fsync (group commit): each answer waits for the
    /// first fsync that started after its record was written.
    EveryInput,
    /// Records are written (to the page cache) before the answer, fsynced after at
    /// most N of them: a process kill loses nothing, a power cut up to N-1.
    Batch(u32),
}

impl std::str::FromStr for FsyncPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<FsyncPolicy, String> {
        let bad = || format!("fsync policy {s:?} is not `every-input` or `batch:N` (N >= 1)");
        match s {
            "every-input" => Ok(FsyncPolicy::EveryInput),
            _ => match s.strip_prefix("batch:").map(str::parse::<u32>) {
                Some(Ok(n)) if n >= 1 => Ok(FsyncPolicy::Batch(n)),
                _ => Err(bad()),
            },
        }
    }
}

/// What the records of a journal describe.
#[derive(Clone, Debug)]
pub struct State {
    pub model: ClusterFile,
    pub clock: String,
    pub speed: f64,
    pub journal: Journal,
    /// The latest virtual time recorded.
    pub now_ms: u64,
}

impl State {
    pub fn model(&self) -> Result<Model, String> {
        Model::from_file(self.model.clone(), "state journal").map_err(|errs| {
            let v: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            v.join("; ")
        })
    }

    fn apply(&mut self, r: Record) {
        match r {
            Record::Header { .. } => {}
            Record::Input { at_ms, input, from } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.journal.record_from(at_ms, from, input);
            }
            Record::Clock { now_ms } => self.now_ms = self.now_ms.max(now_ms),
            Record::Speed { speed } => self.speed = speed,
            Record::Checkpoint(c) => {
                self.now_ms = self.now_ms.max(c.at_ms);
                self.journal.entries.clear();
                self.journal.base = Some(c);
            }
        }
    }
}

/// A journal file read back: the state of its good records, where they end, and
/// what was wrong after them.
#[derive(Debug)]
pub struct Decoded {
    pub state: State,
    pub records: usize,
    pub good_len: u64,
    /// Set when bytes after `good_len` were not a complete, valid record.
    pub problem: Option<String>,
    /// The snapshot recovery started from (its records were not decoded).
    pub snapshot: Option<PathBuf>,
    /// Snapshots that were not valid (newer than the one used, if any).
    pub snapshot_problems: Vec<String>,
}

/// Frames one payload: length, checksum, bytes.
pub fn frame(r: &Record) -> Vec<u8> {
    let payload = serde_json::to_vec(r).expect("records serialize");
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn preamble() -> Vec<u8> {
    let mut v = MAGIC.to_vec();
    v.extend_from_slice(&VERSION.to_le_bytes());
    v
}

/// The next record at `at`: `Ok(None)` at the end, `Err` for a torn or bad record.
fn next_record(bytes: &[u8], at: usize) -> Result<Option<(Record, usize)>, String> {
    if at == bytes.len() {
        return Ok(None);
    }
    let rest = &bytes[at..];
    if rest.len() < 8 {
        return Err(format!("a torn record frame ({} bytes)", rest.len()));
    }
    let len = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes"));
    let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
    if len > MAX_RECORD {
        return Err(format!("a record length of {len} bytes"));
    }
    let Some(payload) = rest.get(8..8 + len as usize) else {
        return Err(format!("a torn record ({} of {len} bytes)", rest.len() - 8));
    };
    if crc32fast::hash(payload) != crc {
        return Err("a record whose checksum does not match".into());
    }
    let r = serde_json::from_slice(payload).map_err(|e| format!("an unreadable record: {e}"))?;
    Ok(Some((r, at + 8 + len as usize)))
}

/// Reads a whole journal file. Errors only when nothing usable is there (no magic,
/// another version, no valid header); a bad tail is reported in [`Decoded::problem`].
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    decode_after(bytes, None)
}

/// As [`decode`], from a snapshot when one is given: the header is read, then only
/// the records after the bytes the snapshot covers.
pub fn decode_after(bytes: &[u8], snap: Option<&snapshot::Loaded>) -> Result<Decoded, String> {
    if bytes.len() < PREAMBLE || &bytes[..8] != MAGIC {
        return Err("not a clustersim journal (no CSIMJRNL magic)".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION && version != 1 {
        return Err(format!(
            "journal format version {version}; this clustersim reads version {VERSION}"
        ));
    }
    let (mut state, mut at) = match next_record(bytes, PREAMBLE) {
        Ok(Some((
            Record::Header {
                model,
                seed,
                clock,
                speed,
            },
            end,
        ))) => (
            State {
                model: *model,
                clock,
                speed,
                journal: Journal::new(seed),
                now_ms: 0,
            },
            end,
        ),
        Ok(_) => return Err("the journal has no header record".into()),
        Err(e) => return Err(format!("the header record is bad: {e}")),
    };
    let mut records = 1;
    if let Some(s) = snap {
        at = s.journal_len as usize;
        state.now_ms = s.checkpoint.at_ms;
        state.speed = s.speed;
        state.journal.base = Some(s.checkpoint.clone());
    }
    loop {
        match next_record(bytes, at) {
            Ok(None) => break,
            Ok(Some((r, end))) => {
                state.apply(r);
                records += 1;
                at = end;
            }
            Err(e) => {
                let problem = format!(
                    "{e} at byte {at} after record {records}; {} bytes after it dropped",
                    bytes.len() - at
                );
                return Ok(Decoded {
                    state,
                    records,
                    good_len: at as u64,
                    problem: Some(problem),
                    snapshot: snap.map(|s| s.file.clone()),
                    snapshot_problems: Vec::new(),
                });
            }
        }
    }
    Ok(Decoded {
        state,
        records,
        good_len: at as u64,
        problem: None,
        snapshot: snap.map(|s| s.file.clone()),
        snapshot_problems: Vec::new(),
    })
}

/// An open journal, appended to by one engine.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    /// Shared with the group-commit thread, which fsyncs it (`host::group_commit`).
    file: Arc<File>,
    policy: FsyncPolicy,
    unsynced: u32,
    /// Bytes in the journal and their running CRC-32 (what a snapshot is checked by).
    len: u64,
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
        if !path.exists() {
            let store = Store::write_new(dir, std::slice::from_ref(fresh), policy)?;
            return Ok(Opened {
                store,
                recovered: None,
            });
        }
        let bytes = std::fs::read(&path).map_err(io)?;
        let (snap, snapshot_problems) = snapshot::newest_valid(dir, &bytes);
        let mut decoded = match decode_after(&bytes, snap.as_ref()) {
            Err(e) if snap.is_some() => {
                // A snapshot whose header record does not decode: the journal decides.
                let mut d = decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                d.snapshot_problems.push(format!("snapshot not used: {e}"));
                d
            }
            r => r.map_err(|e| format!("{}: {e}", path.display()))?,
        };
        decoded.snapshot_problems.splice(0..0, snapshot_problems);
        if decoded.problem.is_some() {
            let aside = dir.join(format!("journal.corrupt-{}", decoded.good_len));
            std::fs::write(&aside, &bytes[decoded.good_len as usize..]).map_err(io)?;
        }
        let file = OpenOptions::new().write(true).open(&path).map_err(io)?;
        file.set_len(decoded.good_len).map_err(io)?;
        file.sync_all().map_err(io)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes[..decoded.good_len as usize]);
        let mut store = Store {
            dir: dir.to_path_buf(),
            file: Arc::new(file),
            policy,
            unsynced: 0,
            len: decoded.good_len,
            crc,
        };
        store.seek_end().map_err(io)?;
        Ok(Opened {
            store,
            recovered: Some(decoded),
        })
    }

    fn seek_end(&mut self) -> std::io::Result<()> {
        use std::io::Seek;
        (&*self.file).seek(std::io::SeekFrom::End(0)).map(|_| ())
    }

    /// Writes a complete journal of `records` atomically (tmp file, fsync, rename).
    pub fn write_new(dir: &Path, records: &[Record], policy: FsyncPolicy) -> Result<Store, String> {
        let path = dir.join(JOURNAL_FILE);
        let mut bytes = preamble();
        for r in records {
            bytes.extend(frame(r));
        }
        write_atomic(dir, "journal.tmp", &path, &bytes)?;
        let io = |e: std::io::Error| format!("{}: {e}", path.display());
        let file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        snapshot::remove_all(dir);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes);
        Ok(Store {
            dir: dir.to_path_buf(),
            file: Arc::new(file),
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

    /// Appends a record; `durable`: an acknowledged change. Returns true when the
    /// record still needs an fsync before its answer (`every-input`: the caller hands
    /// the answer to the group commit, [`Store::file`]); `batch:N` fsyncs here.
    pub fn append(&mut self, r: &Record, durable: bool) -> std::io::Result<bool> {
        let bytes = frame(r);
        (&*self.file).write_all(&bytes)?;
        self.len += bytes.len() as u64;
        self.crc.update(&bytes);
        self.unsynced += 1;
        match self.policy {
            FsyncPolicy::EveryInput => Ok(durable),
            FsyncPolicy::Batch(n) => {
                if self.unsynced >= n {
                    self.file.sync_data()?;
                    self.unsynced = 0;
                }
                Ok(false)
            }
        }
    }

    /// Writes a snapshot: `cp` is the state after every record written so far.
    pub fn snapshot(&self, speed: f64, cp: &Checkpoint) -> Result<PathBuf, String> {
        snapshot::write(&self.dir, self.len, self.crc.clone().finalize(), speed, cp)
    }

    /// The journal file now (a rewrite replaces it), for the group commit's fsync.
    pub fn file(&self) -> Arc<File> {
        self.file.clone()
    }
}

/// The records that describe `header`'s cluster with `journal` at `now_ms`.
pub fn records_of(header: Record, journal: &Journal, now_ms: u64) -> Vec<Record> {
    let header = match header {
        Record::Header {
            model,
            clock,
            speed,
            ..
        } => Record::Header {
            model,
            seed: journal.seed,
            clock,
            speed,
        },
        other => other,
    };
    let mut v = vec![header];
    v.extend(journal.base.clone().map(Record::Checkpoint));
    v.extend(journal.entries.iter().map(|e| Record::Input {
        at_ms: e.at_ms,
        input: e.input.clone(),
        from: e.from,
    }));
    v.push(Record::Clock { now_ms });
    v
}

/// Reads `dir`'s journal without changing it (`journal show`).
pub fn read_dir(dir: &Path) -> Result<Decoded, String> {
    let path = dir.join(JOURNAL_FILE);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `bytes` to `path` through `dir/tmp_name`: written, fsynced, renamed over
/// `path`, then the directory fsynced, so a crash leaves the old file or the new one,
/// never part of either. Errors name the temporary file.
pub(crate) fn write_atomic(
    dir: &Path,
    tmp_name: &str,
    path: &Path,
    bytes: &[u8],
) -> Result<(), String> {
    let tmp = dir.join(tmp_name);
    let io = |e: std::io::Error| format!("{}: {e}", tmp.display());
    let mut f = File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests;
