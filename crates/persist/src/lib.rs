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
//! keeps the records before it, copies the bad tail aside to
//! `journal.csj.corrupt-<offset>-<unix time>` and truncates the journal there; when a
//! snapshot covers the damage (or the journal is missing) it rebuilds the journal from
//! the snapshot and the records after it, moving the old files into
//! `replaced-<unix time>/`. Recovery deletes nothing. An append that fails is cut back
//! before anything else is written ([`Store::append`]), so a failed write never
//! hides the records after it.

pub mod journal;
pub mod lock;
pub mod scenario;
pub mod snapshot;
mod store;
pub use store::{JournalFile, Opened, Store};

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
    /// Set when recovery wrote a new journal (the old one missing, or damaged where
    /// a snapshot covers it): why, and where the old files went.
    pub repaired: Option<String>,
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

/// As [`decode`], from a snapshot when one is given: the header is read (from the
/// snapshot when it carries one, so a damaged journal header costs nothing), then
/// only the records after the bytes the snapshot covers. Without a journal (`bytes`
/// empty) a snapshot with a header is the whole state.
pub fn decode_after(bytes: &[u8], snap: Option<&snapshot::Loaded>) -> Result<Decoded, String> {
    let from_snapshot = snap.and_then(|s| s.header.as_deref());
    if from_snapshot.is_none() {
        check_preamble(bytes)?;
    }
    let header = match from_snapshot {
        Some(h) => next_record(h, 0).map(|r| r.map(|(r, _)| (r, PREAMBLE + h.len()))),
        None => next_record(bytes, PREAMBLE),
    };
    let (mut state, mut at) = match header {
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
    let mut problem = None;
    while at < bytes.len() {
        match next_record(bytes, at) {
            Ok(None) => break,
            Ok(Some((r, end))) => {
                state.apply(r);
                records += 1;
                at = end;
            }
            Err(e) => {
                problem = Some(format!(
                    "{e} at byte {at} after record {records}; {} bytes after it dropped",
                    bytes.len() - at
                ));
                break;
            }
        }
    }
    Ok(Decoded {
        state,
        records,
        good_len: at.min(bytes.len()) as u64,
        problem,
        snapshot: snap.map(|s| s.file.clone()),
        snapshot_problems: Vec::new(),
        repaired: None,
    })
}

fn check_preamble(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < PREAMBLE || &bytes[..8] != MAGIC {
        return Err("not a clustersim journal (no CSIMJRNL magic)".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION && version != 1 {
        return Err(format!(
            "journal format version {version}; this clustersim reads version {VERSION}"
        ));
    }
    Ok(())
}

/// `DIR/STEM-<unix time>` (`-N` added if that exists): where recovery puts what it
/// replaces, never overwriting what an earlier recovery kept.
pub fn aside_path(dir: &Path, stem: &str) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut aside = dir.join(format!("{stem}-{secs}"));
    let mut n = 2;
    while aside.exists() {
        aside = dir.join(format!("{stem}-{secs}-{n}"));
        n += 1;
    }
    aside
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
/// never part of either; an error means the change is not (or not surely) on disk.
/// Returns the new file opened for appending. Errors name the temporary file; a
/// partly written one is removed.
pub fn write_atomic(dir: &Path, tmp_name: &str, path: &Path, bytes: &[u8]) -> Result<File, String> {
    let tmp = dir.join(tmp_name);
    let io = |e: std::io::Error| format!("{}: {e}", tmp.display());
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        OpenOptions::new().append(true).open(&tmp)
    })();
    let file = match written {
        Ok(f) => f,
        Err(e) => {
            if tmp.is_file() {
                let _ = std::fs::remove_file(&tmp);
            }
            return Err(io(e));
        }
    };
    std::fs::rename(&tmp, path).map_err(io)?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("{}: the rename is not forced to disk: {e}", dir.display()))?;
    Ok(file)
}

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod faulty;
#[cfg(test)]
mod tests;
