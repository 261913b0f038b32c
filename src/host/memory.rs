//! Giving freed memory back to the system. glibc's allocator keeps pages it freed
//! (from the event log trimmed by its retention, answers, snapshots) mapped in each
//! thread's arena, so under steady load RSS creeps up although the heap does not
//! (measured: `examples/soak.rs ... load`, issue #12). After a log trim the engine asks
//! for the free pages to be returned, at most once a second for the whole process.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch of the last release.
static LAST: AtomicU64 = AtomicU64::new(0);
/// A trailing release is scheduled (see [`release_freed`]).
static ARMED: AtomicBool = AtomicBool::new(false);

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Returns free heap pages to the system (glibc `malloc_trim`; a no-op elsewhere), at
/// most once a second. A call within the same second as the last release schedules
/// one trailing release a second later, so the last of a burst (a fleet's clusters
/// deleted one after another, their engines ending after the answer) is never skipped.
pub fn release_freed() {
    if LAST.swap(now_secs(), Ordering::AcqRel) != now_secs() {
        trim();
        return;
    }
    if !ARMED.swap(true, Ordering::AcqRel) {
        let later = std::thread::Builder::new()
            .name("release freed".into())
            .spawn(|| {
                std::thread::sleep(std::time::Duration::from_secs(1));
                ARMED.store(false, Ordering::Release);
                LAST.store(now_secs(), Ordering::Release);
                trim();
            });
        if later.is_err() {
            ARMED.store(false, Ordering::Release);
        }
    }
}

fn trim() {
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
