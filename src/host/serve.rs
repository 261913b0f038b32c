//! `clustersim serve` as a process ([`run`]) or embedded in tests ([`Running`]): builds
//! the fleet from the command line (one cluster from `FILE` or the default, or every
//! cluster of `--fleet`), then serves until Ctrl-C.

use super::fleet::{ClusterSpec, Fleet, FleetError, HostSettings};
use super::fleet_pool::PoolMember;
use super::fleet_record::FleetRecord;
use super::listeners::{self, Bound};
use super::tenancy::Credential;
use super::{bad_input, fleet_file, BadInput, ServeArgs};
use crate::model::Model;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

fn load_model(args: &ServeArgs) -> anyhow::Result<Model> {
    match &args.file {
        None => Ok(Model::default_cluster()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad_input(format!("cannot read {}: {e}", path.display())))?;
            super::limits::check_yaml(&text, &path.display().to_string()).map_err(bad_input)?;
            // A cluster YAML file or a clp.conf; import warnings go to stderr.
            let (model, warnings) = crate::import::load_any(&text, &path.display().to_string())
                .map_err(|errs| bad_input(errs.join("\n")))?;
            warnings.iter().for_each(|w| eprintln!("{w}"));
            Ok(model)
        }
    }
    .and_then(|model| with_epoch(model, args))
}

/// `--epoch` overrides the cluster file's `settings.epoch` (the date of virtual time 0).
fn with_epoch(mut model: Model, args: &ServeArgs) -> anyhow::Result<Model> {
    if let Some(epoch) = &args.epoch {
        crate::model::calendar::parse_iso(epoch).map_err(|e| bad_input(format!("--epoch: {e}")))?;
        model.settings.epoch = epoch.clone();
    }
    Ok(model)
}

/// The clusters the command line asks for, the fleet file's pool members and the
/// admin credential: `--admin-user`, else the fleet file's `admin:`, else `--user`.
fn specs(args: &ServeArgs) -> anyhow::Result<(Vec<ClusterSpec>, Vec<PoolMember>, Credential)> {
    let given = match (&args.admin_user, &args.admin_password) {
        (Some(user), Some(password)) => Some(Credential {
            user: user.clone(),
            password: password.clone(),
        }),
        _ => None,
    };
    let user = Credential {
        user: args.user.clone(),
        password: args.password.clone(),
    };
    if let Some(path) = &args.fleet {
        let l = fleet_file::load_fleet(path, args).map_err(bad_input)?;
        return Ok((l.specs, l.members, given.or(l.admin).unwrap_or(user)));
    }
    let model = load_model(args)?;
    Ok((
        vec![ClusterSpec {
            name: model.source.cluster.name.clone(),
            model: Arc::new(model),
            seed: args.seed,
            clock: args.clock,
            speed: args.speed,
            listen: vec![args.listen],
            per_server_listeners: args.per_server_listeners,
            faces: crate::faces::cluster_faces(&args.faces),
            api_version: args.api_version,
            user: args.user.clone(),
            password: args.password.clone(),
            state: args.state.clone(),
            start: None,
        }],
        Vec::new(),
        given.unwrap_or(user),
    ))
}

/// Loads the clusters, starts their engines and binds every listener (on the current
/// tokio runtime). Returns once the sockets accept connections.
pub async fn bind(args: &ServeArgs) -> anyhow::Result<Arc<Fleet>> {
    super::limits::check_speed(args.speed).map_err(|e| bad_input(format!("--{e}")))?;
    if args.max_connections == 0 {
        return Err(bad_input("--max-connections must be at least 1"));
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => {
            Some(listeners::tls_acceptor(c, k).map_err(|e| bad_input(format!("{e:#}")))?)
        }
        _ => None,
    };
    let (specs, pool, admin) = specs(args)?;
    let fleet = Fleet::new(HostSettings {
        tls,
        max_connections: args.max_connections,
        auth_max_failures: args.auth_max_failures,
        auth_lockout: Duration::from_secs(args.auth_lockout_secs),
        allow_test_panics: args.allow_test_panics,
        admin,
        defaults: args.clone(),
    });
    let record = match &args.state {
        Some(root) => Some(FleetRecord::open(root).map_err(bad_input)?),
        None => None,
    };
    let deleted = record
        .as_ref()
        .map(|r| r.recorded.deleted.clone())
        .unwrap_or_default();
    for (i, spec) in specs.into_iter().enumerate() {
        if i > 0 && deleted.contains(&spec.name) {
            continue; // deleted while serving: stays deleted
        }
        fleet.create(spec).await.map_err(|e| match e {
            FleetError::BadRequest(m) | FleetError::Locked(m) => bad_input(m),
            FleetError::Conflict(m) | FleetError::Unavailable(m) => anyhow::anyhow!(m),
        })?;
    }
    if let Some(r) = record {
        if let Some(first) = fleet.first() {
            r.note_address(&first.api_url);
        }
        recreate(&fleet, &r.recorded.created, args).await;
        fleet.keep_record(r);
    }
    fleet.pool.set(pool);
    let bound = super::fleet_faces::start(&fleet, &args.faces).await?;
    *fleet
        .face_listeners
        .write()
        .unwrap_or_else(|p| p.into_inner()) = bound;
    Ok(fleet)
}

/// Creates again the clusters the fleet record lists (each resumes from its own
/// state folder); one that cannot be is named on stderr and left out.
async fn recreate(fleet: &Fleet, created: &[serde_json::Value], args: &ServeArgs) {
    for v in created {
        let spec = serde_json::from_value::<fleet_file::Entry>(v.clone())
            .map_err(|e| e.to_string())
            .and_then(|e| {
                fleet_file::to_spec(e, args, fleet_file::Origin::Request, fleet_file::any_port())
            });
        let made = match spec {
            Ok(spec) => fleet.create(spec).await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        if let Err(e) = made {
            eprintln!(
                "clustersim: the fleet record's cluster {} is not restored: {e}",
                v["name"]
            );
        }
    }
}

/// Serves until SIGTERM or SIGINT (Ctrl-C).
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // The handlers are in place before the address is announced: a supervisor (or a
    // test) that reads the "serving" line may signal at once, and a signal without a
    // handler kills the process (exit 143, streams cut).
    let signals = Signals::listen()?;
    let fleet = bind(&args).await?;
    announce(&fleet);
    signals.received().await;
    // Stop accepting, let in-flight requests finish (bounded), then exit 0.
    drop(fleet);
    if !super::conn::drained(super::limits::DRAIN_TIMEOUT).await {
        eprintln!("clustersim: requests still running after the drain timeout; exiting");
    }
    Ok(())
}

/// The "serving" lines: each cluster's address, its per-server and face listeners.
fn announce(fleet: &Fleet) {
    let args = &fleet.settings.defaults;
    for c in fleet.list() {
        let app = &c.app;
        eprintln!(
            "clustersim: cluster {:?} serving {} (REST API v{}, {} clock{}, user {:?})",
            app.name,
            c.api_url,
            app.version.as_str(),
            app.engine.mode.as_str(),
            if app.engine.mode == super::ClockMode::Realtime {
                format!(" x{}", app.engine.snapshot().speed)
            } else {
                String::new()
            },
            app.tenancy
                .credential(&app.name)
                .map(|c| c.user)
                .unwrap_or_default(),
        );
        for b in &c.bound {
            for (_, addr) in &b.per_server {
                eprintln!("clustersim: per-server listener {addr}");
            }
        }
        for (face, addr) in &c.face_listeners {
            eprintln!(
                "clustersim: cluster {:?} face {face} on {}://{addr}",
                app.name,
                args.face_scheme(face)
            );
        }
    }
    for (face, addr) in fleet
        .face_listeners
        .read()
        .map(|l| l.clone())
        .unwrap_or_default()
    {
        eprintln!(
            "clustersim: fleet face {face} on {}://{addr}",
            args.face_scheme(&face)
        );
    }
}

/// SIGTERM and SIGINT, registered when created (from then on neither kills the process).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> anyhow::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                term: signal(SignalKind::terminate()).context("cannot wait for SIGTERM")?,
                int: signal(SignalKind::interrupt()).context("cannot wait for SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Resolves at the first of them.
    async fn received(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `clustersim serve` as a process: exit code 0 after Ctrl-C, 2 when the input (file,
/// options, TLS files) is unusable, 1 otherwise (e.g. the address is in use).
pub fn run(args: ServeArgs) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("clustersim serve: cannot start the runtime: {e}");
            return 1;
        }
    };
    let fleet = args.fleet.is_some();
    match rt.block_on(serve(args)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("clustersim serve: {e:#}");
            if let Some(hint) = listeners::in_use_hint(&format!("{e:#}"), fleet) {
                eprintln!("clustersim serve: {hint}");
            }
            if e.downcast_ref::<BadInput>().is_some() {
                2
            } else {
                1
            }
        }
    }
}

/// A server running on its own runtime thread (tests, embedding). Stops when dropped.
pub struct Running {
    /// The first cluster's listeners.
    pub bound: Bound,
    pub fleet: Arc<Fleet>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Starts a server for `args` and returns once it accepts connections. Use
    /// `--listen 127.0.0.1:0` to get a free port ([`Running::addr`]).
    pub fn start(args: ServeArgs) -> anyhow::Result<Running> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("clustersim-serve".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow::Error::new(e)));
                        return;
                    }
                };
                rt.block_on(async move {
                    match bind(&args).await {
                        Ok(fleet) => {
                            let _ = ready_tx.send(Ok(fleet.clone()));
                            let _ = stop_rx.await;
                            drop(fleet);
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(1));
            })?;
        let fleet: Arc<Fleet> = ready_rx
            .recv()
            .context("the server thread stopped while starting")??;
        let bound = fleet
            .first()
            .and_then(|c| c.bound.first().cloned())
            .context("the fleet has no cluster")?;
        Ok(Running {
            bound,
            fleet,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The first cluster's `--listen` address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.bound.main
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}
