//! `clustersim serve`: the EXPRESSCLUSTER X REST API (`/api/v1`) and the control API
//! (`/sim/v1`) over a live simulation.
//!
//! - [`engine_task`]: the thread that owns the `Sim`; handlers read published views and
//!   send it closures.
//! - [`api_v1`], [`control`]: the handlers of the two surfaces.
//! - [`router`]: the route table (also checked against `openapi.json`), auth, 405/400.
//! - [`auth`], [`errors`], [`body`]: Basic auth and lockout, the error table, bodies.
//! - [`listeners`]: sockets, the 64-connection cap, per-server listeners, TLS.

pub mod api_v1;
pub mod auth;
pub mod body;
pub mod control;
pub mod engine_task;
pub mod errors;
pub mod listeners;
pub mod router;

use crate::model::Model;
use anyhow::Context;
use clap::{Parser, ValueEnum};
use engine_task::EngineHandle;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// REST API versions and the products that introduced them (reference 2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum ApiVersion {
    /// X 4.2.0 (Linux) / 12.20 (Windows).
    #[value(name = "1.0")]
    V1_0,
    /// X 4.2.2 / 12.22: groups list their resources, resources name their group.
    #[value(name = "1.1")]
    V1_1,
    /// X 4.3.0 / 12.30: timeout ratio and script execution.
    #[value(name = "1.2")]
    V1_2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClockMode {
    /// Virtual time follows the wall clock (times `--speed`).
    Realtime,
    /// Virtual time moves only by `POST /sim/v1/clock/advance`.
    Manual,
}

impl ClockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockMode::Realtime => "realtime",
            ClockMode::Manual => "manual",
        }
    }
}

/// `clustersim serve` options.
#[derive(Clone, Debug, Parser)]
#[command(name = "serve")]
pub struct ServeArgs {
    /// Cluster file (YAML); the embedded default cluster when omitted.
    pub file: Option<PathBuf>,
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:29009")]
    pub listen: SocketAddr,
    #[arg(long, value_enum, default_value = "realtime")]
    pub clock: ClockMode,
    /// Virtual seconds per wall second in realtime mode.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seed of the simulation's random choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Response shapes and endpoints of this REST API version.
    #[arg(long, value_enum, default_value = "1.2")]
    pub api_version: ApiVersion,
    /// User name for Basic authentication.
    #[arg(long, default_value = "user")]
    pub user: String,
    /// Password for Basic authentication.
    #[arg(long, default_value = "password")]
    pub password: String,
    /// Failed logins from one address for one user before it is locked out (0: never).
    #[arg(long, default_value_t = 5)]
    pub auth_max_failures: u32,
    /// How long a lockout lasts, in seconds.
    #[arg(long, default_value_t = 60)]
    pub auth_lockout_secs: u64,
    /// Also listen on each server's `ip` (same port as --listen), answering as that
    /// server and going silent while it is down or hung.
    #[arg(long)]
    pub per_server_listeners: bool,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Concurrent connections per listener [doc: 64]; further clients wait.
    #[arg(long, default_value_t = 64, hide = true)]
    pub max_connections: usize,
    /// The date of virtual time 0 (ISO 8601, e.g. 2026-01-01T00:00:00Z); overrides the
    /// cluster file's `settings.epoch` (default 2026-01-01T00:00:00.000Z).
    #[arg(long)]
    pub epoch: Option<String>,
}

impl ServeArgs {
    /// Options as on the command line, e.g. `["--clock", "manual"]`.
    pub fn from_flags<I: IntoIterator<Item = S>, S: Into<std::ffi::OsString> + Clone>(
        flags: I,
    ) -> Result<ServeArgs, clap::Error> {
        let mut all: Vec<std::ffi::OsString> = vec!["serve".into()];
        all.extend(flags.into_iter().map(Into::into));
        ServeArgs::try_parse_from(all)
    }
}

/// Shared by every handler.
pub struct AppInner {
    pub engine: EngineHandle,
    pub version: ApiVersion,
    pub auth: auth::Auth,
    /// `GET /sim/v1/config`: the loaded cluster file as JSON, rendered once.
    pub config_json: Vec<u8>,
}

pub type App = Arc<AppInner>;

/// Per-connection facts, attached to each request by the listener.
#[derive(Clone, Copy, Debug)]
pub struct Conn {
    pub peer: SocketAddr,
    /// The simulated server this listener answers for (per-server listeners).
    pub server: Option<usize>,
}

/// An unusable cluster file or option (exit code 2, as everywhere in the CLI).
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn bad_input(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(BadInput(e.to_string()))
}

fn load_model(args: &ServeArgs) -> anyhow::Result<Model> {
    match &args.file {
        None => Ok(Model::default_cluster()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad_input(format!("cannot read {}: {e}", path.display())))?;
            Model::from_yaml(&text, &path.display().to_string()).map_err(|errs| {
                let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
                bad_input(lines.join("\n"))
            })
        }
    }
}

/// Loads the cluster, starts the engine and binds every listener (on the current tokio
/// runtime). Returns once the sockets accept connections.
pub async fn bind(args: &ServeArgs) -> anyhow::Result<listeners::Bound> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(bad_input("--speed must be a positive number"));
    }
    if args.max_connections == 0 {
        return Err(bad_input("--max-connections must be at least 1"));
    }
    let mut model = load_model(args)?;
    if let Some(epoch) = &args.epoch {
        crate::model::calendar::parse_iso(epoch).map_err(|e| bad_input(format!("--epoch: {e}")))?;
        model.settings.epoch = epoch.clone();
    }
    let model = Arc::new(model);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => {
            Some(listeners::tls_acceptor(c, k).map_err(|e| bad_input(format!("{e:#}")))?)
        }
        _ => None,
    };
    let config_json =
        serde_json::to_vec(&model.source).context("cannot render the cluster as JSON")?;
    let engine = EngineHandle::spawn(
        model,
        args.seed,
        args.clock,
        args.speed,
        args.per_server_listeners,
    )?;
    let app: App = Arc::new(AppInner {
        engine,
        version: args.api_version,
        auth: auth::Auth::new(
            &args.user,
            &args.password,
            args.auth_max_failures,
            Duration::from_secs(args.auth_lockout_secs),
        ),
        config_json,
    });
    let shared = listeners::Shared {
        router: router::build(app.clone()),
        app,
        tls,
        max_connections: args.max_connections,
    };
    listeners::start(shared, args.listen, args.per_server_listeners).await
}

/// Serves until Ctrl-C.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let bound = bind(&args).await?;
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    eprintln!(
        "clustersim: serving {scheme}://{} (REST API v{}, {} clock{}, user {:?})",
        bound.main,
        match args.api_version {
            ApiVersion::V1_0 => "1.0",
            ApiVersion::V1_1 => "1.1",
            ApiVersion::V1_2 => "1.2",
        },
        args.clock.as_str(),
        if args.clock == ClockMode::Realtime {
            format!(" x{}", args.speed)
        } else {
            String::new()
        },
        args.user,
    );
    for (_, addr) in &bound.per_server {
        eprintln!("clustersim: per-server listener {scheme}://{addr}");
    }
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    Ok(())
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
    match rt.block_on(serve(args)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("clustersim serve: {e:#}");
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
    pub bound: listeners::Bound,
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
                        Ok(bound) => {
                            let _ = ready_tx.send(Ok(bound));
                            let _ = stop_rx.await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(1));
            })?;
        let bound = ready_rx
            .recv()
            .context("the server thread stopped while starting")??;
        Ok(Running {
            bound,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The `--listen` address actually bound.
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
