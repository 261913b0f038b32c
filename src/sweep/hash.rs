//! The sweep id carried by every row: a 64-bit FNV-1a hash of the build (the running
//! executable's bytes) and of everything that decides the rows (the sweep file, its base
//! scenario and cluster, the `--set` overrides, `--sample`). Shards of one sweep share it;
//! `sweep merge` refuses rows of another sweep or another build. It identifies, it does
//! not authenticate.

use std::sync::OnceLock;

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

pub fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

/// The running build: the hash of the executable's bytes, or of the version when the
/// executable cannot be read.
pub fn build_id() -> u64 {
    static ID: OnceLock<u64> = OnceLock::new();
    *ID.get_or_init(|| {
        let exe = std::env::current_exe().and_then(std::fs::read);
        let seed = fnv1a(OFFSET, env!("CARGO_PKG_VERSION").as_bytes());
        match exe {
            Ok(bytes) => fnv1a(seed, &bytes),
            Err(_) => seed,
        }
    })
}

/// The sweep id, as 16 hex digits.
pub fn sweep_id(parts: &[String]) -> String {
    let mut h = fnv1a(OFFSET, b"clustersim sweep rows v1");
    h = fnv1a(h, &build_id().to_le_bytes());
    for p in parts {
        h = fnv1a(h, &(p.len() as u64).to_le_bytes());
        h = fnv1a(h, p.as_bytes());
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector_and_sensitivity() {
        // FNV-1a 64 of "a" (the published test vector).
        assert_eq!(fnv1a(OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        let a = sweep_id(&["x".into(), "y".into()]);
        assert_eq!(a, sweep_id(&["x".into(), "y".into()]));
        assert_ne!(a, sweep_id(&["xy".into()]));
        assert_eq!(a.len(), 16);
    }
}
