//! `clustersim journal show|cut DIR` (a `serve --state` directory, read and edited by
//! people) and `clustersim record --from URL --out FILE` (a live session as a
//! scenario file).

use crate::model::parse_duration;
use crate::persist::{self, FsyncPolicy, Record, Store};
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Print a state directory's journal readably, one record a line.
    Show { dir: PathBuf },
    /// Truncate a state directory's journal at a virtual time (e.g. `30m`): inputs
    /// after it are dropped and the clock is set back to it.
    Cut {
        dir: PathBuf,
        #[arg(long)]
        at: String,
    },
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// The journal of `dir` as text.
pub fn show(dir: &Path) -> Result<String, String> {
    let path = dir.join(persist::JOURNAL_FILE);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let d = persist::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let s = &d.state;
    let mut out = format!(
        "{}: format version {}, cluster {:?}, seed {}, clock {}, {} records\n",
        path.display(),
        persist::VERSION,
        s.model.cluster.name,
        s.journal.seed,
        s.clock,
        d.records
    );
    for e in &s.journal.entries {
        let input = serde_json::to_string(&e.input).unwrap_or_default();
        let _ = writeln!(out, "{:>14}  {input}", secs(e.at_ms));
    }
    let _ = writeln!(out, "{:>14}  (clock)", secs(s.now_ms));
    if let Some(p) = &d.problem {
        let _ = writeln!(out, "bad tail: {p}");
    }
    Ok(out)
}

/// Cuts `dir`'s journal at virtual time `at` (see [`JournalCmd::Cut`]).
pub fn cut(dir: &Path, at: &str) -> Result<String, String> {
    let at_ms = parse_duration(at).map_err(|e| format!("--at: {e}"))?.0;
    let d = persist::read_dir(dir)?;
    let s = d.state;
    let _lock = persist::lock::DirLock::acquire(dir).map_err(|e| e.to_string())?;
    let placeholder = Record::Clock { now_ms: 0 };
    let mut store = Store::open(dir, &placeholder, FsyncPolicy::EveryInput)?.store;
    let kept = crate::host::state_api::journal_at(&s.journal, at_ms)?;
    let dropped = s.journal.entries.len() - kept.entries.len();
    let header = Record::Header {
        model: Box::new(s.model),
        seed: s.journal.seed,
        clock: s.clock,
        speed: s.speed,
    };
    let now = s.now_ms.min(at_ms);
    store.rewrite(header, &kept, now)?;
    Ok(format!(
        "{}: cut at {}: kept {} inputs, dropped {dropped}\n",
        dir.display(),
        secs(now),
        kept.entries.len()
    ))
}

/// `clustersim record` options.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The cluster's URL: `http://HOST:PORT` (its listener) or
    /// `http://HOST:PORT/sim/v1/clusters/NAME` (any cluster of a fleet).
    #[arg(long)]
    pub from: String,
    /// Where to write the scenario file.
    #[arg(long)]
    pub out: PathBuf,
    /// Add the final status of every server and group as expectations.
    #[arg(long)]
    pub expect_final: bool,
    #[arg(long, default_value = "user")]
    pub user: String,
    #[arg(long, default_value = "password")]
    pub password: String,
}

/// Fetches the session as a scenario and writes it; the message says where.
pub fn record(a: &RecordArgs) -> Result<String, String> {
    let base = a.from.trim_end_matches('/');
    let mut url = if base.contains("/sim/v1/clusters/") {
        format!("{base}/journal?format=scenario")
    } else {
        format!("{base}/sim/v1/journal?format=scenario")
    };
    if a.expect_final {
        url.push_str("&expect=final");
    }
    use base64::Engine as _;
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", a.user, a.password));
    let resp = ureq::get(&url)
        .set("Authorization", &format!("Basic {token}"))
        .call();
    let text = match resp {
        Ok(r) => r.into_string().map_err(|e| format!("{url}: {e}"))?,
        Err(ureq::Error::Status(code, r)) => {
            let body = r.into_string().unwrap_or_default();
            return Err(format!("{url}: HTTP {code}: {body}"));
        }
        Err(e) => return Err(format!("{url}: {e}")),
    };
    std::fs::write(&a.out, &text).map_err(|e| format!("{}: {e}", a.out.display()))?;
    Ok(format!("recorded {} to {}\n", url, a.out.display()))
}
