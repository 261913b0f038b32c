//! A test-only journal store that fails on purpose, in the manner of TigerBeetle's
//! storage fault injection: appends that fail before writing (a full disk), short
//! writes that stop part-way through a record, failed fsyncs and truncations that fail
//! a chosen number of times; [`flip`] then damages a byte of what is on "disk".
//! The property test (`fault_tests.rs`) drives a [`Store`](super::Store) on it.

use super::JournalFile;
use std::collections::BTreeMap;
use std::io::{Error, ErrorKind};
use std::sync::Mutex;

/// What one append call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Fails with nothing written (ENOSPC at the first byte).
    Fail,
    /// Writes this many bytes of the record (at most its length - 1), then fails.
    Short(usize),
    /// Writes the record, then its fsync fails (a `batch:N` store fsyncs in append).
    FailSync,
}

#[derive(Debug, Default)]
struct Disk {
    bytes: Vec<u8>,
    /// Append calls so far (the key of `plan`).
    appends: usize,
    plan: BTreeMap<usize, Fault>,
    /// Truncations still to fail.
    truncate_failures: u32,
    sync_armed: bool,
}

/// The store: bytes in memory and a plan of faults by append call number.
#[derive(Debug, Default)]
pub struct FaultyFile {
    disk: Mutex<Disk>,
}

fn no_space() -> Error {
    Error::new(ErrorKind::StorageFull, "No space left on device (injected)")
}

impl FaultyFile {
    /// A store whose `n`-th append call (from 0) does `plan[n]`, and whose next
    /// `truncate_failures` truncations fail.
    pub fn new(plan: BTreeMap<usize, Fault>, truncate_failures: u32) -> FaultyFile {
        FaultyFile {
            disk: Mutex::new(Disk {
                plan,
                truncate_failures,
                ..Disk::default()
            }),
        }
    }

    /// What a crash leaves: every byte written (the page cache survives a process kill).
    pub fn bytes(&self) -> Vec<u8> {
        self.disk.lock().unwrap().bytes.clone()
    }
}

impl JournalFile for FaultyFile {
    fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut d = self.disk.lock().unwrap();
        let n = d.appends;
        d.appends += 1;
        match d.plan.get(&n).copied() {
            Some(Fault::Fail) => Err(no_space()),
            Some(Fault::Short(k)) => {
                let k = k.min(bytes.len().saturating_sub(1));
                d.bytes.extend_from_slice(&bytes[..k]);
                Err(no_space())
            }
            Some(Fault::FailSync) => {
                d.bytes.extend_from_slice(bytes);
                d.sync_armed = true;
                Ok(())
            }
            None => {
                d.bytes.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    fn truncate(&self, len: u64) -> std::io::Result<()> {
        let mut d = self.disk.lock().unwrap();
        if d.truncate_failures > 0 {
            d.truncate_failures -= 1;
            return Err(Error::other("truncate failed (injected)"));
        }
        d.bytes.truncate(len as usize);
        Ok(())
    }

    fn sync(&self) -> std::io::Result<()> {
        let mut d = self.disk.lock().unwrap();
        if std::mem::take(&mut d.sync_armed) {
            return Err(Error::other("fsync failed (injected)"));
        }
        Ok(())
    }
}

/// `bytes` with the byte at `at` XORed with `mask` (non-zero): a corrupt sector.
pub fn flip(mut bytes: Vec<u8>, at: usize, mask: u8) -> Vec<u8> {
    bytes[at] ^= mask;
    bytes
}
