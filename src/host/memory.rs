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

/// Allocations of at least this size are mapped on their own and unmapped when freed.
const MAP_AT_BYTES: i32 = 1 << 20;

/// Fixes glibc's mmap threshold at [`MAP_AT_BYTES`] (once per process). By default
/// the threshold rises to the size of the largest mapped block freed so far, so after
/// the first freed checkpoint (a few MB, `host::checkpoint`) every later one is carved
/// from the heap and its pages stay resident; a fixed threshold returns them at once.
pub fn map_large_allocations() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only sets an allocator parameter.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MAP_AT_BYTES);
        }
    });
}
