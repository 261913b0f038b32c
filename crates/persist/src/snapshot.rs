//! Periodic full-state snapshots beside the journal (`DIR/snapshot-<offset>.css`), so
//! recovery restores the newest valid one and replays only the journal after it.
//!
//! Format, version 1 (integers little-endian):
//!
//! ```text
//! file    = magic "CSIMSNAP" (8)  version u32 (= 1)  length u64  crc32 u32  payload[length]
//! payload = journal_len u64   the journal's length (bytes) when the snapshot was taken
//!           journal_crc u32   CRC-32 of those journal bytes
//!           at_ms u64  inputs u64  speed f64   virtual time, inputs so far, realtime speed
//!           state[..]         `Sim::save_state` (its own magic and version)
//! ```
//!
//! A snapshot is used only when its own checksum holds and the journal still starts
//! with the bytes it was taken after (same length prefix, same CRC): a journal that was
//! rewritten (reset, restore, cut) or damaged before that point invalidates it. An
//! invalid snapshot is renamed `*.corrupt` and the next older one is tried, then the
//! journal from zero. The file is written to `snapshot.tmp`, fsynced and renamed; the
//! newest [`SNAPSHOTS_KEPT`] are kept.

use crate::journal::Checkpoint;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const SNAPSHOT_MAGIC: &[u8; 8] = b"CSIMSNAP";
pub const SNAPSHOT_VERSION: u32 = 1;
/// Snapshots kept in the directory (the newest, and one to fall back to).
pub const SNAPSHOTS_KEPT: usize = 2;
const HEAD: usize = 8 + 4 + 8 + 4;
const META: usize = 8 + 4 + 8 + 8 + 8;

/// A snapshot read back and checked against the journal.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub file: PathBuf,
    /// The journal bytes it covers: records from here on are replayed after it.
    pub journal_len: u64,
    pub speed: f64,
    pub checkpoint: Checkpoint,
}

/// Writes a snapshot of the state after the first `journal_len` journal bytes
/// (whose CRC-32 is `journal_crc`), then removes all but the newest kept ones.
pub fn write(
    dir: &Path,
    journal_len: u64,
    journal_crc: u32,
    speed: f64,
    cp: &Checkpoint,
) -> Result<PathBuf, String> {
    let mut payload = Vec::with_capacity(META + cp.state.len());
    payload.extend_from_slice(&journal_len.to_le_bytes());
    payload.extend_from_slice(&journal_crc.to_le_bytes());
    payload.extend_from_slice(&cp.at_ms.to_le_bytes());
    payload.extend_from_slice(&cp.inputs.to_le_bytes());
    payload.extend_from_slice(&speed.to_le_bytes());
    payload.extend_from_slice(&cp.state);
    let mut bytes = SNAPSHOT_MAGIC.to_vec();
    bytes.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    let path = dir.join(format!("snapshot-{journal_len:020}.css"));
    super::write_atomic(dir, "snapshot.tmp", &path, &bytes)?;
    for old in list(dir).into_iter().skip(SNAPSHOTS_KEPT) {
        let _ = std::fs::remove_file(old);
    }
    Ok(path)
}

/// The snapshot files of `dir`, newest (longest journal prefix) first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("snapshot-") && n.ends_with(".css"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.reverse();
    v
}

/// Removes every snapshot (the journal was rewritten: none describes it any more).
pub fn remove_all(dir: &Path) {
    for p in list(dir) {
        let _ = std::fs::remove_file(p);
    }
}

/// Reads one snapshot file and checks it against `journal` (the journal's bytes).
pub fn read(path: &Path, journal: &[u8]) -> Result<Loaded, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.len() < HEAD || &bytes[..8] != SNAPSHOT_MAGIC {
        return Err("not a snapshot (no CSIMSNAP magic)".into());
    }
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4"));
    let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8"));
    let version = u32_at(&bytes, 8);
    if version != SNAPSHOT_VERSION {
        return Err(format!("snapshot format version {version}"));
    }
    let len = u64_at(&bytes, 12);
    let payload = &bytes[HEAD..];
    if payload.len() as u64 != len || len < META as u64 {
        return Err(format!("torn: {} of {len} payload bytes", payload.len()));
    }
    if crc32fast::hash(payload) != u32_at(&bytes, 20) {
        return Err("its checksum does not match".into());
    }
    let journal_len = u64_at(payload, 0);
    let prefix = journal.get(..journal_len as usize).ok_or_else(|| {
        format!(
            "it covers {journal_len} journal bytes; the journal has {}",
            journal.len()
        )
    })?;
    if crc32fast::hash(prefix) != u32_at(payload, 8) {
        return Err("the journal is not the one it was taken of (rewritten or damaged)".into());
    }
    Ok(Loaded {
        file: path.to_path_buf(),
        journal_len,
        speed: f64::from_le_bytes(payload[28..36].try_into().expect("8")),
        checkpoint: Checkpoint {
            at_ms: u64_at(payload, 12),
            inputs: u64_at(payload, 20),
            state: Arc::new(payload[META..].to_vec()),
        },
    })
}

/// The newest snapshot of `dir` valid for `journal`; each invalid newer one is renamed
/// `*.corrupt` and named in the returned problems.
pub fn newest_valid(dir: &Path, journal: &[u8]) -> (Option<Loaded>, Vec<String>) {
    let mut problems = Vec::new();
    for p in list(dir) {
        match read(&p, journal) {
            Ok(l) => return (Some(l), problems),
            Err(e) => {
                let aside = p.with_extension("css.corrupt");
                let _ = std::fs::rename(&p, &aside);
                problems.push(format!("snapshot {} skipped: {e}", p.display()));
            }
        }
    }
    (None, problems)
}
