//! `serve --state DIR`: a cluster's journal on disk (format: `crate::persist`). The
//! engine appends every input, clock move and speed change before it answers; on
//! start an existing DIR is replayed so the cluster resumes where it was (same
//! virtual time, event log, faults and groups: the engine is deterministic).

use super::fleet::ClusterSpec;
use super::group_commit::{Counters, GroupCommit, Release};
use super::journal::Journal;
use crate::model::Model;
use crate::persist::{FsyncPolicy, Record, State, Store};
use crate::sim::Input;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where a cluster starts from instead of t=0: a journal replayed up to `now_ms`
/// (recovery, fork, restore).
#[derive(Clone, Debug)]
pub struct Start {
    pub journal: Journal,
    pub now_ms: u64,
}

/// What `GET /sim/v1/state` shows about a cluster's state directory.
#[derive(Clone, Debug, Serialize)]
pub struct StateInfo {
    pub dir: PathBuf,
    pub fsync: String,
    /// Records read back at start (0: a new directory).
    pub recovered_records: usize,
    /// What was wrong with the journal's tail at start, if anything.
    pub recovery_problem: Option<String>,
    /// The snapshot recovery restored (records after it were replayed), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_snapshot: Option<PathBuf>,
    /// Snapshots skipped at start (damaged, or of another journal), newest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub snapshot_problems: Vec<String>,
    /// Group commit (`every-input`): fsyncs run and answers they released.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "counters")]
    pub group_commit: Option<Arc<super::group_commit::Counters>>,
}

fn counters<S: serde::Serializer>(c: &Option<Arc<Counters>>, s: S) -> Result<S::Ok, S::Error> {
    c.as_deref().serialize(s)
}

struct Inner {
    store: Store,
    header: Record,
    /// When the last unacknowledged clock mark was written (realtime ticks).
    last_mark: Option<std::time::Instant>,
    /// A durable record was written since the last answer was queued for an fsync.
    dirty: bool,
    /// `every-input`: the thread that fsyncs and then releases answers.
    commit: Option<GroupCommit>,
}

/// Realtime clock marks (no request waits for them) are written at most this often,
/// so a fast clock cannot grow the journal without bound.
const MARK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// An open state directory, shared by the cluster's engine (appends) and handlers.
#[derive(Clone)]
pub struct Durable {
    inner: Arc<Mutex<Inner>>,
    pub info: StateInfo,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Durable({})", self.info.dir.display())
    }
}

impl Durable {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Appends an input before it is applied; an error refuses the input.
    pub fn input(&self, at_ms: u64, from: Option<usize>, input: &Input) -> Result<(), String> {
        let r = Record::Input {
            at_ms,
            input: input.clone(),
            from,
        };
        self.with(|i| i.append(&r, true))
            .map_err(|e| format!("the state journal cannot be written: {e}"))
    }

    /// Records that the clock reached `now_ms` (`durable`: answered to a client).
    /// Realtime marks (`durable` false) are thinned to one per [`MARK_EVERY`].
    pub fn clock(&self, now_ms: u64, durable: bool) {
        let r = self.with(|i| {
            let now = std::time::Instant::now();
            if !durable && i.last_mark.is_some_and(|t| now - t < MARK_EVERY) {
                return Ok(());
            }
            i.last_mark = Some(now);
            i.append(&Record::Clock { now_ms }, durable)
        });
        self.log(r);
    }

    pub fn speed(&self, speed: f64) {
        self.log(self.with(|i| i.append(&Record::Speed { speed }, true)));
    }

    /// Replaces the journal on disk (reset, restore, panic recovery).
    pub fn rewrite(&self, journal: &Journal, now_ms: u64) {
        let r = self.with(|i| {
            let h = i.header.clone();
            i.dirty = false; // the rewrite is fsynced
            i.store.rewrite(h, journal, now_ms)
        });
        if let Err(e) = r {
            eprintln!("clustersim: state {}: {e}", self.info.dir.display());
        }
    }

    /// Writes a snapshot of the state after every record written so far.
    pub fn snapshot(&self, speed: f64, cp: &super::journal::Checkpoint) -> Result<(), String> {
        self.with(|i| i.store.snapshot(speed, cp)).map(|_| ())
    }

    /// The whole journal on disk (every input since the last reset; the in-memory
    /// one may start at a checkpoint).
    pub fn read_journal(&self) -> Result<Journal, String> {
        crate::persist::read_dir(&self.info.dir).map(|d| d.state.journal)
    }

    /// Runs `release` once every durable record written so far is on disk: at once
    /// when nothing awaits an fsync, else after the group commit's next fsync.
    pub fn release(&self, release: Release) {
        let queued = self.with(|i| match (&i.commit, i.dirty) {
            (Some(c), true) => {
                i.dirty = false;
                c.after_sync(i.store.file(), release);
                None
            }
            _ => Some(release),
        });
        if let Some(r) = queued {
            r(Ok(()));
        }
    }

    fn log(&self, r: std::io::Result<()>) {
        if let Err(e) = r {
            eprintln!(
                "clustersim: state {}: cannot write the journal: {e}",
                self.info.dir.display()
            );
        }
    }
}

impl Inner {
    fn append(&mut self, r: &Record, durable: bool) -> std::io::Result<()> {
        let needs_sync = self.store.append(r, durable)?;
        self.dirty |= needs_sync;
        Ok(())
    }
}

/// A recovered cluster: its model (from the journal) and where it starts.
pub type Resumed = (Arc<Model>, Start);

fn header_of(spec: &ClusterSpec) -> Record {
    Record::Header {
        model: Box::new(spec.model.source.clone()),
        seed: spec.seed,
        clock: spec.clock.as_str().into(),
        speed: spec.speed,
    }
}

/// Opens (or creates) `dir` for `spec`'s cluster. An existing journal wins over the
/// command line's cluster file and seed (it is what the cluster was); the model is
/// returned with the start. Problems with the journal's tail are named on stderr.
pub fn open(
    spec: &ClusterSpec,
    dir: &Path,
    policy: FsyncPolicy,
) -> Result<(Durable, Option<Resumed>), String> {
    let opened = Store::open(dir, &header_of(spec), policy)?;
    let mut info = StateInfo {
        dir: dir.to_path_buf(),
        fsync: match policy {
            FsyncPolicy::EveryInput => "every-input".into(),
            FsyncPolicy::Batch(n) => format!("batch:{n}"),
        },
        recovered_records: 0,
        recovery_problem: None,
        recovered_snapshot: None,
        snapshot_problems: Vec::new(),
        group_commit: None,
    };
    let commit = match policy {
        FsyncPolicy::EveryInput => {
            let counters = Arc::new(Counters::default());
            info.group_commit = Some(counters.clone());
            let c = GroupCommit::start(&spec.name, counters)
                .map_err(|e| format!("cannot start the fsync thread: {e}"))?;
            Some(c)
        }
        FsyncPolicy::Batch(_) => None,
    };
    let mut start = None;
    let mut header = header_of(spec);
    if let Some(d) = opened.recovered {
        let State {
            model,
            journal,
            now_ms,
            clock,
            speed,
        } = d.state.clone();
        let m = d
            .state
            .model()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        header = Record::Header {
            model: Box::new(model),
            seed: journal.seed,
            clock,
            speed,
        };
        if let Some(p) = &d.problem {
            eprintln!(
                "clustersim: cluster {:?}: state {}: recovered to the last complete record: {p} (saved as journal.corrupt-{})",
                spec.name,
                dir.display(),
                d.good_len
            );
        }
        for p in &d.snapshot_problems {
            eprintln!("clustersim: cluster {:?}: {p}", spec.name);
        }
        let from = match &d.snapshot {
            Some(p) => format!("snapshot {} and the journal after it", p.display()),
            None => "the journal".to_string(),
        };
        eprintln!(
            "clustersim: cluster {:?}: resumed from {} at t={now_ms} ms ({} inputs, seed {}; from {from})",
            spec.name,
            dir.display(),
            journal.total_inputs(),
            journal.seed
        );
        info.recovered_snapshot = d.snapshot.clone();
        info.snapshot_problems = d.snapshot_problems.clone();
        info.recovered_records = d.records;
        info.recovery_problem = d.problem;
        start = Some((Arc::new(m), Start { journal, now_ms }));
    }
    let durable = Durable {
        inner: Arc::new(Mutex::new(Inner {
            store: opened.store,
            header,
            last_mark: None,
            dirty: false,
            commit,
        })),
        info,
    };
    Ok((durable, start))
}
