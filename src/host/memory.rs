//! Giving freed memory back to the system. glibc's allocator keeps pages it freed
//! (from the event log trimmed by its retention, answers, snapshots) mapped in each
//! thread's arena, so under steady load RSS creeps up although the heap does not
//! (measured: `examples/soak.rs ... load`, issue #12). After a log trim the engine asks
//! for the free pages to be returned, at most once a second for the whole process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch of the last release.
static LAST: AtomicU64 = AtomicU64::new(0);

/// Returns free heap pages to the system (glibc `malloc_trim`); a no-op elsewhere
/// and when called again within the same second.
pub fn release_freed() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if LAST.swap(now, Ordering::AcqRel) == now {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
