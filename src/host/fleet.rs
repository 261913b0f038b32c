//! The fleet: the named clusters one `serve` hosts. Each cluster has its own engine
//! task, seed, clock, credentials and listener(s); clusters share nothing but the
//! runtime's worker threads, so a fault or a panic in one never shows in another.
//! The first cluster (creation order) is the one the unprefixed `/sim/v1/...` of its
//! listeners means; every listener answers `/sim/v1/clusters/{name}/...` for all.

use super::engine_task::{ClusterHandle, EngineSpec};
use super::fleet_record::{entry_of, FleetRecord};
use super::listeners::{self, Bound};
use super::state::{Durable, Start};
use super::tenancy::{Credential, Tenancy};
use super::{ApiVersion, App, AppInner, ClockMode};
use crate::model::Model;
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// Everything needed to create one cluster (from `serve` flags, a fleet file entry or
/// `POST /sim/v1/clusters`).
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    pub name: String,
    pub model: Arc<Model>,
    pub seed: u64,
    pub clock: ClockMode,
    pub speed: f64,
    /// One or more addresses for the cluster's face (port 0: any free port).
    pub listen: Vec<SocketAddr>,
    pub per_server_listeners: bool,
    /// Faces on their own listeners: (face name, address), see `crate::faces::LISTENER_FACES`.
    pub faces: Vec<(String, SocketAddr)>,
    pub api_version: ApiVersion,
    pub user: String,
    pub password: String,
    /// `--state DIR` / `state:`: journal the cluster there and resume from it.
    pub state: Option<std::path::PathBuf>,
    /// Start from this journal instead of t=0 (fork); ignored when `state` holds one.
    pub start: Option<super::state::Start>,
}

/// Settings shared by every cluster of the fleet (from the `serve` command line).
pub struct HostSettings {
    pub tls: Option<TlsAcceptor>,
    pub max_connections: usize,
    pub auth_max_failures: u32,
    pub auth_lockout: Duration,
    pub allow_test_panics: bool,
    /// The admin credential (`tenancy.rs`).
    pub admin: Credential,
    /// The command line: what created clusters get for the fields they leave out.
    pub defaults: super::ServeArgs,
}

/// A cluster of the fleet. Dropping the last reference stops its listeners and
/// (once its connections close) its engine.
pub struct Cluster {
    pub app: App,
    pub bound: Vec<Bound>,
    pub api_url: String,
    /// The addresses of the faces on their own listeners: (face name, address bound).
    pub face_listeners: Vec<(String, SocketAddr)>,
    /// The cluster's face routes without authentication, for
    /// `/sim/v1/clusters/{name}/api/...` (the dashboard's way to any cluster).
    pub face: Router,
    /// The faces' own listeners, waited for on removal.
    face_bound: Vec<Bound>,
    stop: watch::Sender<bool>,
}

impl ClusterSpec {
    pub fn credential(&self) -> Credential {
        Credential {
            user: self.user.clone(),
            password: self.password.clone(),
        }
    }
}

impl Cluster {
    pub fn name(&self) -> &str {
        &self.app.name
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Why a cluster could not be created: a 400 (bad name, bad cluster file, bad
/// setting), a 409 (duplicate name, address taken; `Locked`: its state directory is
/// another writer's, exit 2 for `serve`) or a 503 (its state cannot be written). The
/// message names the problem.
#[derive(Debug, PartialEq, Eq)]
pub enum FleetError {
    BadRequest(String),
    Conflict(String),
    Locked(String),
    Unavailable(String),
}

impl std::fmt::Display for FleetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FleetError::BadRequest(m)
            | FleetError::Conflict(m)
            | FleetError::Locked(m)
            | FleetError::Unavailable(m) => f.write_str(m),
        }
    }
}

pub struct Fleet {
    pub settings: HostSettings,
    clusters: RwLock<Vec<Arc<Cluster>>>,
    me: Weak<Fleet>,
    /// The fleet faces' listeners (`host/fleet_faces.rs`), stopped with the fleet.
    pub face_stops: super::fleet_faces::FleetFaceStops,
    /// Where the fleet faces listen: (face name, address bound).
    pub face_listeners: RwLock<Vec<(String, SocketAddr)>>,
    /// The pool of lab clusters a manager face hands out (`host/fleet_pool.rs`).
    pub pool: super::fleet_pool::Pool,
    /// With `--state`: the record of clusters created and deleted while serving
    /// (`host/fleet_record.rs`); installed once the startup clusters are up.
    record: std::sync::Mutex<Option<FleetRecord>>,
    /// Every cluster's credential, the admin's and the lockout.
    pub tenancy: Arc<Tenancy>,
}

/// Cluster names are URL path segments: 1-63 of `A-Z a-z 0-9 _ . -`, starting with a
/// letter or digit.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid cluster name {name:?}: use 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit"
        ))
    }
}

/// The folder under `--state ROOT` that holds the clusters' own state folders.
pub const CLUSTERS_DIR: &str = "clusters";

/// Where cluster `name` (already checked by [`check_name`]) keeps its state under the
/// host's `--state ROOT`: `ROOT/clusters/NAME`. The host's own files (the first
/// cluster's journal, snapshots, lock) sit in ROOT itself, so no name can meet them.
/// A folder an older clustersim kept at `ROOT/NAME` is moved there (said on stderr).
pub fn cluster_state_dir(root: &std::path::Path, name: &str) -> std::path::PathBuf {
    let dir = root.join(CLUSTERS_DIR).join(name);
    let old = root.join(name);
    if !dir.exists() && old.join(crate::persist::JOURNAL_FILE).is_file() {
        let moved = std::fs::create_dir_all(root.join(CLUSTERS_DIR))
            .and_then(|()| std::fs::rename(&old, &dir));
        match moved {
            Ok(()) => eprintln!(
                "clustersim: cluster {name:?}: state moved from {} to {}",
                old.display(),
                dir.display()
            ),
            Err(e) => eprintln!(
                "clustersim: cluster {name:?}: cannot move its state from {}: {e}",
                old.display()
            ),
        }
    }
    dir
}

impl Fleet {
    pub fn new(settings: HostSettings) -> Arc<Fleet> {
        Arc::new_cyclic(|me| Fleet {
            clusters: RwLock::new(Vec::new()),
            me: me.clone(),
            face_stops: Default::default(),
            face_listeners: RwLock::new(Vec::new()),
            pool: Default::default(),
            record: Default::default(),
            tenancy: Arc::new(Tenancy::new(
                settings.admin.clone(),
                settings.auth_max_failures,
                settings.auth_lockout,
            )),
            settings,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<Cluster>>> {
        self.clusters.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<Cluster>>> {
        self.clusters.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Every cluster, in creation order.
    pub fn list(&self) -> Vec<Arc<Cluster>> {
        self.read().clone()
    }

    pub fn get(&self, name: &str) -> Option<Arc<Cluster>> {
        self.read().iter().find(|c| c.name() == name).cloned()
    }

    pub fn first(&self) -> Option<Arc<Cluster>> {
        self.read().first().cloned()
    }

    /// Removes a cluster and answers once its listeners' accept tasks have ended
    /// (their sockets are closed; bounded by `LISTENER_CLOSE_WAIT`); in-flight
    /// requests still finish.
    pub async fn remove(&self, name: &str) -> Option<Arc<Cluster>> {
        let c = {
            let mut all = self.write();
            let i = all.iter().position(|c| c.name() == name)?;
            all.remove(i)
        };
        let gone = self.note(|r| {
            let before = r.created.len();
            r.created.retain(|e| e["name"] != name);
            if r.created.len() == before {
                r.deleted.push(name.to_string());
            }
        });
        if let Err(e) = gone {
            eprintln!("clustersim: cluster {name:?} deleted, but {e}: a restart brings it back");
        }
        self.tenancy.remove(name);
        let _ = c.stop.send(true);
        let all_closed = async {
            for b in c.bound.iter().chain(&c.face_bound) {
                b.closed().await;
            }
        };
        let _ = tokio::time::timeout(super::limits::LISTENER_CLOSE_WAIT, all_closed).await;
        Some(c)
    }

    /// Creates a cluster: starts its engine and binds its listeners. Nothing else in
    /// the fleet is touched when it fails.
    pub async fn create(&self, spec: ClusterSpec) -> Result<Arc<Cluster>, FleetError> {
        self.check_spec(&spec)?;
        let app = self.start_engine(&spec)?;
        let face = crate::faces::router(&app);
        let (stop, stop_rx) = watch::channel(false);
        let s = &self.settings;
        let shared = listeners::Shared {
            router: super::router::build(app.clone(), face.clone(), self.me.clone()),
            app: app.clone(),
            tls: s.tls.clone(),
            max_connections: s.max_connections,
            past_max: s.defaults.past_max_connections,
            dead_address: s.defaults.dead_address,
            stop: stop_rx,
        };
        let bound = bind_listeners(&spec, &shared, &stop).await?;
        let (face_listeners, face_bound) =
            bind_faces(&spec, &s.defaults, &shared, &app, &stop).await?;
        let scheme = if s.tls.is_some() { "https" } else { "http" };
        if let Some(d) = &app.state {
            d.note_address(&format!("{scheme}://{}", bound[0].main));
        }
        let cluster = Arc::new(Cluster {
            face_listeners,
            face_bound,
            api_url: format!("{scheme}://{}", bound[0].main),
            app,
            bound,
            face,
            stop,
        });
        let mut all = self.write();
        if all.iter().any(|c| c.name() == spec.name) {
            return Err(duplicate(&spec));
        }
        self.note(|r| r.created.push(entry_of(&spec, &cluster)))
            .map_err(|e| FleetError::Unavailable(format!("cluster {:?}: {e}", spec.name)))?;
        self.tenancy.set(&spec.name, spec.credential());
        all.push(cluster.clone());
        Ok(cluster)
    }

    /// Starts recording creations and deletions (`host/fleet_record.rs`).
    pub fn keep_record(&self, record: FleetRecord) {
        *self.record.lock().unwrap_or_else(|p| p.into_inner()) = Some(record);
    }

    /// Changes the fleet record (if kept) and writes it; on an error the change is
    /// undone in memory.
    fn note(&self, change: impl FnOnce(&mut super::fleet_record::Recorded)) -> Result<(), String> {
        let mut guard = self.record.lock().unwrap_or_else(|p| p.into_inner());
        let Some(r) = guard.as_mut() else {
            return Ok(());
        };
        let (created, deleted) = (r.recorded.created.clone(), r.recorded.deleted.clone());
        change(&mut r.recorded);
        r.save().inspect_err(|_| {
            r.recorded.created = created;
            r.recorded.deleted = deleted;
        })
    }

    /// The checks that need nothing started: the name, that it is free (checked again
    /// when the cluster is added, since another create may race this one), the speed
    /// and that there is somewhere to listen.
    fn check_spec(&self, spec: &ClusterSpec) -> Result<(), FleetError> {
        check_name(&spec.name).map_err(FleetError::BadRequest)?;
        if self.get(&spec.name).is_some() {
            return Err(duplicate(spec));
        }
        if let Err(e) = super::limits::check_speed(spec.speed) {
            return Err(FleetError::BadRequest(format!(
                "cluster {:?}: {e}",
                spec.name
            )));
        }
        self.check_room(spec)?;
        if spec.listen.is_empty() {
            return Err(FleetError::BadRequest(format!(
                "cluster {:?}: no listen address",
                spec.name
            )));
        }
        Ok(())
    }

    /// The fleet's limits: [`MAX_CLUSTERS`] clusters and [`MAX_FLEET_OBJECTS`]
    /// simulated objects (409, naming the limit).
    ///
    /// [`MAX_CLUSTERS`]: super::limits::MAX_CLUSTERS
    /// [`MAX_FLEET_OBJECTS`]: super::limits::MAX_FLEET_OBJECTS
    fn check_room(&self, spec: &ClusterSpec) -> Result<(), FleetError> {
        use super::limits::{model_objects, MAX_CLUSTERS, MAX_FLEET_OBJECTS};
        let all = self.list();
        if all.len() >= MAX_CLUSTERS {
            return Err(FleetError::Conflict(format!(
                "cluster {:?}: the host already runs {} clusters, its limit of {MAX_CLUSTERS}; delete one first",
                spec.name,
                all.len()
            )));
        }
        let objects: usize = all
            .iter()
            .map(|c| model_objects(&c.app.engine.model()))
            .sum();
        let new = model_objects(&spec.model);
        if objects + new > MAX_FLEET_OBJECTS {
            return Err(FleetError::Conflict(format!(
                "cluster {:?}: its {new} servers, groups, resources and monitors would bring the host to {}, over its limit of {MAX_FLEET_OBJECTS} simulated objects",
                spec.name,
                objects + new
            )));
        }
        Ok(())
    }

    /// Opens the cluster's state folder (if any), spawns its engine and builds the app
    /// every listener serves; the cluster file and vocabulary are rendered first, so a
    /// cluster that cannot be rendered never starts an engine.
    fn start_engine(&self, spec: &ClusterSpec) -> Result<App, FleetError> {
        let s = &self.settings;
        let (model, start, durable) = open_state(spec, s)?;
        let config_json = serde_json::to_vec(&model.source)
            .map_err(|e| FleetError::BadRequest(format!("cannot render the cluster: {e}")))?;
        let vocabulary_json = serde_json::to_vec(&crate::vocab::vocabulary(&model))
            .map_err(|e| FleetError::BadRequest(format!("cannot render the vocabulary: {e}")))?;
        let engine = ClusterHandle::spawn(EngineSpec {
            name: spec.name.clone(),
            model,
            seed: spec.seed,
            mode: spec.clock,
            speed: spec.speed,
            per_server: spec.per_server_listeners,
            allow_panic_hook: s.allow_test_panics,
            durable: durable.clone(),
            start,
            retention: s.defaults.event_retention as usize,
            checkpoint_every: s.defaults.checkpoint_every,
            snapshot_every_ms: s.defaults.snapshot_every.0,
        });
        let app = Arc::new(AppInner {
            name: spec.name.clone(),
            engine,
            version: spec.api_version,
            tenancy: self.tenancy.clone(),
            config_json,
            vocabulary_json,
            allow_test_panics: s.allow_test_panics,
            state: durable,
            exercise: Default::default(),
        });
        super::exercise_api::restore(&app);
        Ok(app)
    }
}

/// The 409 for a name already taken.
fn duplicate(spec: &ClusterSpec) -> FleetError {
    FleetError::Conflict(format!("a cluster named {:?} already exists", spec.name))
}

/// What the engine starts from: the model, the journal to start at, the state folder.
type Opened = (Arc<Model>, Option<Start>, Option<Durable>);

/// With `state`: opens the journal folder. A journal there wins (model and start from
/// it); an empty one gets the fork's journal written first, so that a restart resumes
/// from the fork rather than from t=0.
fn open_state(spec: &ClusterSpec, s: &HostSettings) -> Result<Opened, FleetError> {
    let (mut model, mut start, mut durable) = (spec.model.clone(), spec.start.clone(), None);
    if let Some(dir) = &spec.state {
        let (d, resumed) = super::state::open(spec, dir, s.defaults.state_fsync)?;
        match resumed {
            Some((m, st)) => (model, start) = (m, Some(st)),
            None => {
                if let Some(st) = &start {
                    d.rewrite(&st.journal, st.now_ms).map_err(|e| {
                        FleetError::Unavailable(format!("cluster {:?}: {e}", spec.name))
                    })?;
                }
            }
        }
        durable = Some(d);
    }
    Ok((model, start, durable))
}

/// Binds the cluster's own listeners (the first one also per-server when asked). On a
/// failure the ones bound so far are stopped: a bad address is a 400, a taken one a 409.
async fn bind_listeners(
    spec: &ClusterSpec,
    shared: &listeners::Shared,
    stop: &watch::Sender<bool>,
) -> Result<Vec<Bound>, FleetError> {
    let mut bound = Vec::new();
    for (i, addr) in spec.listen.iter().enumerate() {
        let per_server = spec.per_server_listeners && i == 0;
        match listeners::start(shared.clone(), *addr, per_server).await {
            Ok(b) => bound.push(b),
            Err(e) => {
                let _ = stop.send(true);
                let msg = format!("cluster {:?}: {e:#}", spec.name);
                return Err(if e.downcast_ref::<super::BadInput>().is_some() {
                    FleetError::BadRequest(msg)
                } else {
                    FleetError::Conflict(msg)
                });
            }
        }
    }
    Ok(bound)
}

/// Binds the faces that have listeners of their own, each serving only its face's
/// routes. Returns (face name, address bound) and the listeners, in `spec.faces` order.
async fn bind_faces(
    spec: &ClusterSpec,
    defaults: &super::ServeArgs,
    shared: &listeners::Shared,
    app: &App,
    stop: &watch::Sender<bool>,
) -> Result<(Vec<(String, SocketAddr)>, Vec<Bound>), FleetError> {
    let (mut face_listeners, mut face_bound) = (Vec::new(), Vec::new());
    for (name, addr) in &spec.faces {
        let face = crate::faces::listener_face(name).map_err(FleetError::BadRequest)?;
        let mut own = shared.clone();
        own.router = (face.router)(app);
        own.tls = face_tls(defaults, name, *addr, &shared.tls).map_err(|e| {
            let _ = stop.send(true);
            FleetError::BadRequest(format!("cluster {:?}: face {name}: {e:#}", spec.name))
        })?;
        match listeners::start(own, *addr, false).await {
            Ok(b) => {
                face_listeners.push((name.clone(), b.main));
                face_bound.push(b);
            }
            Err(e) => {
                let _ = stop.send(true);
                return Err(FleetError::Conflict(format!(
                    "cluster {:?}: face {name}: {e:#}",
                    spec.name
                )));
            }
        }
    }
    Ok((face_listeners, face_bound))
}

/// The TLS of face `name` on `addr`: none with `--face-plain-http NAME`; the
/// `--tls-cert` acceptor when given; else, for a face whose product answers only HTTPS,
/// a self-signed certificate made now.
fn face_tls(
    defaults: &super::ServeArgs,
    name: &str,
    addr: SocketAddr,
    given: &Option<tokio_rustls::TlsAcceptor>,
) -> anyhow::Result<Option<tokio_rustls::TlsAcceptor>> {
    Ok(match defaults.face_scheme(name) {
        "http" => None,
        _ => match given {
            Some(t) => Some(t.clone()),
            None => Some(listeners::self_signed_acceptor(addr)?),
        },
    })
}
