//! One writer per state directory: `DIR/lock` is held with an exclusive `flock` for
//! as long as the directory is open, and says who holds it (`pid N`, then the
//! address the holder serves). A second process, or a second cluster of the same
//! process (flock locks belong to an open file, not to a process), is refused with
//! the holder named. The kernel drops the lock when the holder dies (kill -9
//! included), so a stale lock file never blocks a restart.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "lock";

/// Why a directory could not be locked.
#[derive(Debug, PartialEq, Eq)]
pub enum LockError {
    /// Another writer holds it: the directory and what its lock file says.
    Held { dir: PathBuf, holder: String },
    /// The lock file cannot be opened or locked.
    Io(String),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { dir, holder } => write!(
                f,
                "state directory {} is in use by another writer ({holder}); \
                 stop it or choose another directory",
                dir.display()
            ),
            LockError::Io(m) => f.write_str(m),
        }
    }
}

/// A held lock; dropping it releases the directory.
#[derive(Debug)]
pub struct DirLock {
    file: File,
}

impl DirLock {
    /// Locks `dir` (which exists) for this process, or names who holds it.
    pub fn acquire(dir: &Path) -> Result<DirLock, LockError> {
        DirLock::acquire_named(dir, LOCK_FILE)
    }

    /// As [`DirLock::acquire`], with the lock file `name` (the fleet's own lock sits
    /// beside the first cluster's in the same folder).
    pub fn acquire_named(dir: &Path, name: &str) -> Result<DirLock, LockError> {
        let path = dir.join(name);
        let io = |e: std::io::Error| LockError::Io(format!("{}: {e}", path.display()));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.split_whitespace().collect::<Vec<_>>().join(" ");
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder: if holder.is_empty() {
                        "a process that has not written its pid yet".into()
                    } else {
                        holder
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let lock = DirLock { file };
        lock.note(None).map_err(io)?;
        Ok(lock)
    }

    /// Writes who holds the lock: this process's pid and, once bound, its address.
    pub fn note(&self, address: Option<&str>) -> std::io::Result<()> {
        let mut text = format!("pid {}", std::process::id());
        if let Some(a) = address {
            text.push_str(&format!(" address {a}"));
        }
        text.push('\n');
        let mut f = &self.file;
        f.set_len(0)?;
        f.rewind()?;
        f.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_with_the_holder_named_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        first.note(Some("http://127.0.0.1:9")).unwrap();
        let e = DirLock::acquire(dir.path()).unwrap_err().to_string();
        let pid = format!("pid {} address http://127.0.0.1:9", std::process::id());
        assert!(e.contains(&pid) && e.contains("in use"), "{e}");
        drop(first);
        DirLock::acquire(dir.path()).unwrap();
    }
}
