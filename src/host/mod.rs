//! The host: everything `clustersim serve` does that is not one product's surface.
//! It keeps a [`fleet`] of named clusters, each with its own engine task
//! ([`engine_task`], driven by [`command::Command`]s and journaled by [`journal`]),
//! clock, credentials and listeners, and serves the `/sim/v1` control API. Product
//! surfaces ("faces", `crate::faces`) are mounted on each cluster's listeners.
//!
//! - [`serve`]: `serve` as a process or an embedded server ([`Running`]).
//! - [`fleet`], [`fleet_api`], [`fleet_file`]: the clusters, `/sim/v1/clusters`, `--fleet`.
//! - [`engine_task`], [`command`], [`journal`]: a cluster's engine, its commands, replay.
//! - [`control`]: the `/sim/v1` handlers of one cluster.
//! - [`router`]: the control route table and the composition of a listener's router
//!   (authentication, 405, fallback to the dashboard).
//! - [`auth`], [`body`]: Basic auth and lockout, request bodies.
//! - [`listeners`]: sockets, the connection cap, per-server listeners, TLS.
//! - [`limits`]: every limit and timeout (one place; docs/limits.md, and the generated docs/reference/limits.md).

pub mod auth;
pub mod body;
pub mod checkpoint;
pub mod command;
pub mod conn;
pub mod control;
pub mod engine_task;
pub mod event_archive;
pub mod exercise;
pub mod exercise_api;
pub mod fleet;
pub mod fleet_api;
pub mod fleet_faces;
pub mod fleet_file;
pub mod fleet_pool;
pub mod fleet_record;
pub mod group_commit;
pub mod health;
pub mod history;
pub use crate::persist::journal;
pub mod limits;
pub mod listeners;
mod memory;
pub mod metrics;
pub mod rolling_api;
pub mod router;
pub mod serve;
pub mod state;
pub mod state_api;
pub mod tenancy;
pub mod uptime;

pub use crate::faces::expresscluster::ApiVersion;
pub use engine_task::ClusterHandle;
pub use serve::{run, Running};

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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

/// `serve --listen`'s default: where clients and `clp` look first.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:29009";

/// `clustersim serve` options.
#[derive(Clone, Debug, Parser)]
#[command(name = "serve")]
pub struct ServeArgs {
    /// Cluster file (YAML); the embedded default cluster when omitted.
    #[arg(conflicts_with = "fleet")]
    pub file: Option<PathBuf>,
    /// Fleet file (YAML): several named clusters, each on its own listener(s); the
    /// other options are the defaults of its entries.
    #[arg(long)]
    pub fleet: Option<PathBuf>,
    /// Address or host name and port to listen on (port 0: any free port).
    #[arg(long, default_value = DEFAULT_LISTEN, value_parser = parse_listen)]
    pub listen: SocketAddr,
    #[arg(long, value_enum, default_value = "realtime")]
    pub clock: ClockMode,
    /// Virtual seconds per wall second in realtime mode.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seed of the simulation's random choices (1, as for `run` and `bench`).
    #[arg(long, default_value_t = crate::cli::DEFAULT_SEED)]
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
    /// The admin (instructor) user, who may reach every cluster of the fleet; default:
    /// the fleet file's `admin:`, else --user.
    #[arg(long, requires = "admin_password")]
    pub admin_user: Option<String>,
    /// The admin's password (with --admin-user).
    #[arg(long, requires = "admin_user")]
    pub admin_password: Option<String>,
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
    /// What a per-server address does while its server is powered off: `timeout`
    /// (connects time out, as to a dead host), `refuse` (refused at once) or `hang`
    /// (accepted, never answered, as a hung server's).
    #[arg(long, value_enum, default_value = "timeout")]
    pub dead_address: limits::DeadAddress,
    /// Another product face on its own address, `NAME=ADDR` (repeatable):
    /// `xcat=127.0.0.1:8001`, `maxscale=127.0.0.1:8989`. In a fleet file: the first
    /// cluster's, unless its entry has `faces:`.
    #[arg(long = "face", value_name = "NAME=ADDR", value_parser = parse_face)]
    pub faces: Vec<(String, SocketAddr)>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve this listener face over plain http (repeatable). A face whose product
    /// answers only HTTPS (xcat) does so by default, with --tls-cert/--tls-key or else a
    /// self-signed certificate made at start; the others follow --tls-cert.
    #[arg(long = "face-plain-http", value_name = "NAME", value_parser = parse_face_name)]
    pub face_plain_http: Vec<String>,
    /// Concurrent connections per listener [doc: 64]; further clients wait.
    #[arg(long, default_value_t = 64, hide = true)]
    pub max_connections: usize,
    /// A request that finds all --max-connections slots taken: `drop` (its connection
    /// is closed without an answer, as the product's Node.js server does) or `wait`.
    #[arg(long, value_enum, default_value = "drop")]
    pub past_max_connections: limits::PastMax,
    /// The date of virtual time 0 (ISO 8601, e.g. 2026-01-01T00:00:00Z); overrides the
    /// cluster file's `settings.epoch` (default 2026-01-01T00:00:00.000Z).
    #[arg(long)]
    pub epoch: Option<String>,
    /// Keep the cluster's state in this directory (created if absent): every input is
    /// journaled there before it is answered, and a restart resumes from it. With
    /// --fleet: DIR/NAME for each entry without its own `state`.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// When journal records reach the disk: `every-input` (fsync before each answer)
    /// or `batch:N` (written before the answer, fsynced every N records).
    #[arg(long, default_value = "every-input")]
    pub state_fsync: crate::persist::FsyncPolicy,
    /// Log entries kept in memory per cluster (`GET /sim/v1/events` beyond them: from
    /// the state directory's `events.log` with --state, else gone).
    #[arg(long, default_value_t = limits::EVENT_LOG_RETENTION as u64, value_parser = clap::value_parser!(u64).range(100..))]
    pub event_retention: u64,
    /// Inputs between journal checkpoints: the sim's state replaces the inputs before
    /// it in memory (with --state also written as DIR/snapshot-*.css); 0: never.
    #[arg(long, default_value_t = checkpoint::CHECKPOINT_EVERY_INPUTS)]
    pub checkpoint_every: u64,
    /// With --state: a snapshot after this much virtual time even when fewer inputs
    /// came (e.g. 30m, 1h); 0s: only every --checkpoint-every inputs.
    #[arg(long, default_value = "1h", value_parser = parse_millis)]
    pub snapshot_every: crate::model::Millis,
    /// Test hooks: accept `POST /sim/v1/test/panic` (an input applied, then a panic)
    /// and `POST /sim/v1/test/hold` (a request that takes `ms` to answer).
    #[arg(long, hide = true)]
    pub allow_test_panics: bool,
}

/// `--listen`: `IP:PORT`, or `HOST:PORT` resolved once at start (`localhost:8080`),
/// preferring IPv4 (the loopback a browser tries first for `localhost`).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    use std::net::ToSocketAddrs;
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("`{s}` is not HOST:PORT or IP:PORT ({e})"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("`{s}` resolves to no address"))
}

fn parse_millis(s: &str) -> Result<crate::model::Millis, String> {
    crate::model::parse_duration(s).map_err(|e| e.to_string())
}

/// `NAME=ADDR` of `--face`.
pub fn parse_face(s: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not NAME=ADDR (e.g. xcat=127.0.0.1:8001)"))?;
    let addr = addr
        .parse()
        .map_err(|_| format!("{addr:?} is not an address:port (e.g. 127.0.0.1:8001)"))?;
    if crate::faces::fleet_face(name).is_none() {
        crate::faces::listener_face(name)?;
    }
    Ok((name.to_string(), addr))
}

/// A face name of `--face-plain-http`.
fn parse_face_name(s: &str) -> Result<String, String> {
    crate::faces::listener_face(s).map(|f| f.name.to_string())
}

impl ServeArgs {
    /// The scheme face `name` is served with: `https` when TLS files are given or the
    /// face's product serves only HTTPS, unless `--face-plain-http NAME`.
    pub fn face_scheme(&self, name: &str) -> &'static str {
        let plain = self.face_plain_http.iter().any(|n| n == name);
        let https = self.tls_cert.is_some() || crate::faces::HTTPS_BY_DEFAULT.contains(&name);
        if https && !plain {
            "https"
        } else {
            "http"
        }
    }

    /// Options as on the command line, e.g. `["--clock", "manual"]`.
    pub fn from_flags<I: IntoIterator<Item = S>, S: Into<std::ffi::OsString> + Clone>(
        flags: I,
    ) -> Result<ServeArgs, clap::Error> {
        let mut all: Vec<std::ffi::OsString> = vec!["serve".into()];
        all.extend(flags.into_iter().map(Into::into));
        ServeArgs::try_parse_from(all)
    }
}

/// One cluster as its handlers see it: engine, face settings, credentials.
pub struct AppInner {
    /// The cluster's name in the fleet.
    pub name: String,
    pub engine: ClusterHandle,
    pub version: ApiVersion,
    /// The fleet's credentials and lockout (`tenancy.rs`); this cluster's credential is
    /// `tenancy.credential(&name)`.
    pub tenancy: Arc<tenancy::Tenancy>,
    /// `GET /sim/v1/config`: the loaded cluster file as JSON, rendered once.
    pub config_json: Vec<u8>,
    /// `GET /sim/v1/vocabulary`, rendered once (`crate::vocab::vocabulary`).
    pub vocabulary_json: Vec<u8>,
    pub allow_test_panics: bool,
    /// `--state DIR`: the open state directory.
    pub state: Option<state::Durable>,
    /// The exercise started on this cluster, if any (`exercise_api.rs`).
    pub exercise: exercise_api::Slot,
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

pub(crate) fn bad_input(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(BadInput(e.to_string()))
}
