//! `clustersim hunt merge PART...`: the parts of one hunt (same id, shards 0..N-1 each
//! once) joined into what the unsharded hunt prints: the lowest breaking schedule, or
//! the sum of the schedules tried.

use super::cli::{print, Verdict};
use super::error::HuntError;
use std::path::{Path, PathBuf};

pub fn merge(parts: &[PathBuf], out: Option<&Path>) -> Result<Verdict, HuntError> {
    let mut all: Vec<Verdict> = Vec::new();
    for p in parts {
        let place = p.display().to_string();
        let text = std::fs::read_to_string(p)
            .map_err(|e| HuntError::new(&place, format!("cannot read: {e}")))?;
        let v: Verdict = serde_json::from_str(&text)
            .map_err(|e| HuntError::new(&place, format!("not a hunt part: {e}")))?;
        if let Some(first) = all.first() {
            if first.hunt != v.hunt || first.shard.1 != v.shard.1 {
                return Err(HuntError::new(
                    &place,
                    "a part of another hunt (or another build, or another shard count)",
                ));
            }
        }
        all.push(v);
    }
    let n = all[0].shard.1;
    let mut seen: Vec<u64> = all.iter().map(|v| v.shard.0).collect();
    seen.sort();
    if seen != (0..n).collect::<Vec<_>>() {
        return Err(HuntError::new(
            "hunt merge",
            format!("need shards 0 to {} once each; got {seen:?}", n - 1),
        ));
    }
    let lowest = all
        .iter()
        .filter_map(|v| v.found.as_ref().map(|f| (f.index, v)))
        .min_by_key(|(i, _)| *i)
        .map(|(_, v)| v.clone());
    let merged = match lowest {
        Some(v) => Verdict { shard: (0, 1), ..v },
        None => Verdict {
            tried: all.iter().map(|v| v.tried).sum(),
            shard: (0, 1),
            ..all[0].clone()
        },
    };
    print(&merged, out)?;
    Ok(merged)
}
