//! Periodic full-state snapshots beside the journal (`DIR/snapshot-<offset>.css`), so
//! recovery restores the newest valid one and replays only the journal after it.
//!
//! Format, version 2 (integers little-endian; version 1 files, without the header,
//! are read as well):
//!
//! ```text
//! file    = magic "CSIMSNAP" (8)  version u32 (= 2)  length u64  crc32 u32  payload[length]
//! payload = journal_len u64   the journal's length (bytes) when the snapshot was taken
//!           journal_crc u32   CRC-32 of those journal bytes
//!           at_ms u64  inputs u64  speed f64   virtual time, inputs so far, realtime speed
//!           header_len u32  header[header_len]  the journal's header record, framed
//!           state[..]         `Sim::save_state` (its own magic and version)
//! ```
//!
//! A snapshot is used when its own checksum holds and the journal it was taken of is
//! still there: the journal starts with the same bytes (same length prefix, same
//! CRC), or, when the journal is damaged inside that prefix, it has the same header
//! record (or an unreadable one) and a record boundary at `journal_len`: a rewrite
//! removes the snapshots before its new journal takes the old one's name, so no
//! snapshot outlives the journal it was taken of. So a damaged byte that a snapshot
//! covers costs nothing, and a missing journal starts from the newest snapshot. An
//! invalid snapshot is renamed `*.corrupt-<unix time>` and the next older one is
//! tried, then the journal from zero. The file is written to `snapshot.tmp`, fsynced
//! and renamed; the newest [`SNAPSHOTS_KEPT`] are kept.

use crate::journal::Checkpoint;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const SNAPSHOT_MAGIC: &[u8; 8] = b"CSIMSNAP";
pub const SNAPSHOT_VERSION: u32 = 2;
/// Snapshots kept in the directory (the newest, and one to fall back to).
pub const SNAPSHOTS_KEPT: usize = 2;
const HEAD: usize = 8 + 4 + 8 + 4;
const META: usize = 8 + 4 + 8 + 8 + 8;
/// The bytes of a version 2 payload before its header.
const META_V2: usize = META + 4;

/// A snapshot read back and checked against the journal.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub file: PathBuf,
    /// The journal bytes it covers: records from here on are replayed after it.
    pub journal_len: u64,
    pub speed: f64,
    pub checkpoint: Checkpoint,
    /// The journal's framed header record (version 2): the model and seed, so the
    /// snapshot is usable without a readable journal header.
    pub header: Option<Vec<u8>>,
    /// The journal is damaged inside the bytes this snapshot covers (it stands in
    /// for them).
    pub covers_damage: bool,
}

/// Writes a snapshot of the state after the first `journal_len` journal bytes
/// (whose CRC-32 is `journal_crc`), then removes all but the newest kept ones.
pub fn write(
    dir: &Path,
    journal: (u64, u32),
    header: &[u8],
    speed: f64,
    cp: &Checkpoint,
) -> Result<PathBuf, String> {
    let (journal_len, journal_crc) = journal;
    let mut payload = Vec::with_capacity(META_V2 + header.len() + cp.state.len());
    payload.extend_from_slice(&journal_len.to_le_bytes());
    payload.extend_from_slice(&journal_crc.to_le_bytes());
    payload.extend_from_slice(&cp.at_ms.to_le_bytes());
    payload.extend_from_slice(&cp.inputs.to_le_bytes());
    payload.extend_from_slice(&speed.to_le_bytes());
    payload.extend_from_slice(&(header.len() as u32).to_le_bytes());
    payload.extend_from_slice(header);
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

/// Reads one snapshot file and checks it against `journal` (the journal's bytes;
/// `None`: there is no journal, and a version 2 snapshot stands alone).
pub fn read(path: &Path, journal: Option<&[u8]>) -> Result<Loaded, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.len() < HEAD || &bytes[..8] != SNAPSHOT_MAGIC {
        return Err("not a snapshot (no CSIMSNAP magic)".into());
    }
    let version = u32_at(&bytes, 8);
    if version != SNAPSHOT_VERSION && version != 1 {
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
    let (header, state) = match version {
        1 => (None, &payload[META..]),
        _ => {
            let n = payload
                .get(META..META_V2)
                .map(|b| u32_at(b, 0) as usize)
                .filter(|n| META_V2 + n <= payload.len())
                .ok_or("its header record is cut short")?;
            (
                Some(payload[META_V2..META_V2 + n].to_vec()),
                &payload[META_V2 + n..],
            )
        }
    };
    let journal_len = u64_at(payload, 0);
    let covers_damage = match journal {
        Some(j) => check_journal(j, journal_len, u32_at(payload, 8), header.as_deref())?,
        None if header.is_some() => true,
        None => return Err("there is no journal, and it has no header (version 1)".into()),
    };
    Ok(Loaded {
        file: path.to_path_buf(),
        journal_len,
        speed: f64::from_le_bytes(payload[28..36].try_into().expect("8")),
        checkpoint: Checkpoint {
            at_ms: u64_at(payload, 12),
            inputs: u64_at(payload, 20),
            state: Arc::new(state.to_vec()),
        },
        header,
        covers_damage,
    })
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4"))
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8"))
}

/// Whether the snapshot was taken of `journal`: `Ok(false)` when the journal starts
/// with the bytes it covers, `Ok(true)` when those are damaged but the journal is
/// still the same one (see the module), else why not.
fn check_journal(
    journal: &[u8],
    journal_len: u64,
    journal_crc: u32,
    header: Option<&[u8]>,
) -> Result<bool, String> {
    let prefix = journal.get(..journal_len as usize).ok_or_else(|| {
        format!(
            "it covers {journal_len} journal bytes; the journal has {}",
            journal.len()
        )
    })?;
    if crc32fast::hash(prefix) == journal_crc {
        return Ok(false);
    }
    let not_it = || "the journal is not the one it was taken of (rewritten or damaged)".to_string();
    let header = header.ok_or_else(not_it)?;
    let same_header = journal.get(super::PREAMBLE..super::PREAMBLE + header.len()) == Some(header);
    let unreadable_header = super::decode(journal).is_err();
    let at_boundary = super::next_record(journal, journal_len as usize).is_ok();
    if (same_header || unreadable_header) && at_boundary {
        Ok(true)
    } else {
        Err(not_it())
    }
}

/// The newest snapshot of `dir` valid for `journal`; each invalid newer one is renamed
/// `*.corrupt-<unix time>` and named in the returned problems.
pub fn newest_valid(dir: &Path, journal: Option<&[u8]>) -> (Option<Loaded>, Vec<String>) {
    let mut problems = Vec::new();
    for p in list(dir) {
        match read(&p, journal) {
            Ok(l) => return (Some(l), problems),
            Err(e) => {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("snapshot");
                let aside = super::aside_path(dir, &format!("{name}.corrupt"));
                let _ = std::fs::rename(&p, &aside);
                problems.push(format!(
                    "snapshot {} skipped: {e} (moved to {})",
                    p.display(),
                    aside.display()
                ));
            }
        }
    }
    (None, problems)
}
