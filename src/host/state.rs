//! `serve --state DIR`: a cluster's journal on disk (format: `crate::persist`). The
//! engine appends every input, clock move and speed change before it answers; on
//! start an existing DIR is replayed so the cluster resumes where it was (same
//! virtual time, event log, faults and groups: the engine is deterministic).

use super::fleet::{ClusterSpec, FleetError};
use super::group_commit::{Counters, GroupCommit, Release};
use super::journal::Journal;
use crate::model::Model;
use crate::persist::lock::{DirLock, LockError};
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
    /// Recovery wrote a new journal (the old one missing, or damaged where a snapshot
    /// covers it): why, and where the old files went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_repaired: Option<String>,
    /// Group commit (`every-input`): fsyncs run and answers they released.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "counters")]
    pub group_commit: Option<Arc<super::group_commit::Counters>>,
}

fn counters<S: serde::Serializer>(c: &Option<Arc<Counters>>, s: S) -> Result<S::Ok, S::Error> {
    c.as_deref().serialize(s)
}

struct Inner {
    store: Store,
    /// Held while the cluster lives: no other writer opens the directory.
    lock: DirLock,
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

impl StateInfo {
    /// What recovery found wrong at start (each a sentence): `/sim/v1/health` reads
    /// degraded and the `state_recovery_problems` metric counts them.
    pub fn problems(&self) -> Vec<String> {
        let mut v: Vec<String> = self.recovery_problem.iter().cloned().collect();
        v.extend(self.recovery_repaired.iter().cloned());
        v.extend(self.snapshot_problems.iter().cloned());
        v
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

    /// Records that the clock reached `now_ms` (`durable`: answered to a client, and
    /// an error is the answer's). Realtime marks (`durable` false) are thinned to one
    /// per [`MARK_EVERY`]; their errors are named on stderr.
    pub fn clock(&self, now_ms: u64, durable: bool) -> Result<(), String> {
        let r = self.with(|i| {
            let now = std::time::Instant::now();
            if !durable && i.last_mark.is_some_and(|t| now - t < MARK_EVERY) {
                return Ok(());
            }
            i.last_mark = Some(now);
            i.append(&Record::Clock { now_ms }, durable)
        });
        self.log(r)
    }

    pub fn speed(&self, speed: f64) -> Result<(), String> {
        self.log(self.with(|i| i.append(&Record::Speed { speed }, true)))
    }

    /// Replaces the journal on disk (reset, restore, panic recovery): on `Ok` the new
    /// journal is on disk (written, fsynced, renamed, directory fsynced); on `Err` the
    /// old one is still in force.
    pub fn rewrite(&self, journal: &Journal, now_ms: u64) -> Result<(), String> {
        self.with(|i| {
            let h = i.header.clone();
            i.store.rewrite(h, journal, now_ms)?;
            i.dirty = false; // the rewrite is fsynced
            Ok::<(), String>(())
        })
        .map_err(|e| format!("the state journal cannot be rewritten: {e}"))
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

    /// Names the address the holder of the directory's lock serves (`persist::lock`).
    pub fn note_address(&self, address: &str) {
        if let Err(e) = self.with(|i| i.lock.note(Some(address))) {
            eprintln!(
                "clustersim: state {}: lock file: {e}",
                self.info.dir.display()
            );
        }
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

    fn log(&self, r: std::io::Result<()>) -> Result<(), String> {
        r.map_err(|e| {
            eprintln!(
                "clustersim: state {}: cannot write the journal: {e}",
                self.info.dir.display()
            );
            format!("the state journal cannot be written: {e}")
        })
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
/// The directory is locked first (`persist::lock`): another writer's is refused
/// (`FleetError::Locked`) before anything in it is read or cut.
pub fn open(
    spec: &ClusterSpec,
    dir: &Path,
    policy: FsyncPolicy,
) -> Result<(Durable, Option<Resumed>), FleetError> {
    let bad = |e: String| FleetError::BadRequest(format!("cluster {:?}: {e}", spec.name));
    std::fs::create_dir_all(dir).map_err(|e| {
        bad(format!(
            "cannot create state directory {}: {e}",
            dir.display()
        ))
    })?;
    let lock = DirLock::acquire(dir).map_err(|e| match e {
        LockError::Held { .. } => FleetError::Locked(format!("cluster {:?}: {e}", spec.name)),
        LockError::Io(m) => bad(m),
    })?;
    let opened = Store::open(dir, &header_of(spec), policy).map_err(bad)?;
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
        recovery_repaired: None,
        group_commit: None,
    };
    let commit = match policy {
        FsyncPolicy::EveryInput => {
            let counters = Arc::new(Counters::default());
            info.group_commit = Some(counters.clone());
            let c = GroupCommit::start(&spec.name, counters)
                .map_err(|e| bad(format!("cannot start the fsync thread: {e}")))?;
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
            .map_err(|e| bad(format!("{}: {e}", dir.display())))?;
        header = Record::Header {
            model: Box::new(model),
            seed: journal.seed,
            clock,
            speed,
        };
        if let Some(p) = &d.problem {
            eprintln!(
                "clustersim: cluster {:?}: state {}: recovered to the last complete record: {p} (the rest saved as {}.corrupt-{}-<unix time>)",
                spec.name,
                dir.display(),
                crate::persist::JOURNAL_FILE,
                d.good_len
            );
        }
        if let Some(r) = &d.repaired {
            eprintln!(
                "clustersim: cluster {:?}: state {}: {r}",
                spec.name,
                dir.display()
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
        info.recovery_repaired = d.repaired;
        start = Some((Arc::new(m), Start { journal, now_ms }));
    }
    let durable = Durable {
        inner: Arc::new(Mutex::new(Inner {
            store: opened.store,
            lock,
            header,
            last_mark: None,
            dirty: false,
            commit,
        })),
        info,
    };
    Ok((durable, start))
}
