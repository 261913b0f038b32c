//! Listening sockets. Each listener handles at most `max_connections` requests at once
//! [doc: 64 API connections per server] (past it a request's connection is dropped, or
//! waits: `past_max`) and keeps at most `MAX_OPEN_CONNECTIONS` sockets open (past it
//! the next client waits in the backlog, never refused); the
//! timeouts and slots of one connection are in [`super::conn`], the numbers in
//! [`super::limits`].
//!
//! With per-server listeners, server N answers on its own address (its `ip` from the
//! cluster file) and the port of `--listen`, with the view as N sees it. While N is hung
//! its address accepts (its kernel does) and nothing is answered, so clients wait for
//! their read timeout; while N is powered off the address answers no SYN, so clients'
//! connect timeout fires and they move on (`--dead-address` chooses refusing at once or
//! hanging instead). Open connections get no answer until N is back.

use super::conn::{http, Slots};
use super::limits::{DeadAddress, HEADER_TIMEOUT, LISTEN_BACKLOG, MAX_OPEN_CONNECTIONS};
use super::{App, Conn};
use anyhow::Context;
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

tokio::task_local! {
    /// The server whose own address received the request being handled (None: the
    /// `--listen` address). Operations are judged on that server's knowledge.
    pub static ANSWERING: Option<usize>;
}

const TLS_HANDSHAKE_TIMEOUT: Duration = HEADER_TIMEOUT;

/// What every connection needs.
#[derive(Clone)]
pub struct Shared {
    pub app: App,
    pub router: Router,
    pub tls: Option<TlsAcceptor>,
    pub max_connections: usize,
    pub past_max: super::limits::PastMax,
    /// What a per-server address does while its server is powered off.
    pub dead_address: super::limits::DeadAddress,
    /// Becomes true (or closes) when the cluster is removed: stop accepting, finish
    /// in-flight requests, close.
    pub stop: watch::Receiver<bool>,
}

/// Resolves when `stop` says so (or its cluster is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The addresses actually bound.
#[derive(Clone, Debug)]
pub struct Bound {
    pub main: SocketAddr,
    /// (server id, address) for each per-server listener.
    pub per_server: Vec<(usize, SocketAddr)>,
    /// Each accept task holds a receiver; all are gone once every task has ended
    /// (and so closed its socket).
    alive: Arc<watch::Sender<()>>,
}

impl Bound {
    /// Resolves once every accept task of this listener has ended (after `stop`).
    pub async fn closed(&self) {
        self.alive.closed().await
    }
}

/// Binds `listen` and, if asked, one address per server on the same port, then serves
/// them on spawned tasks. With port 0 the port is chosen once for all of them.
pub async fn start(shared: Shared, listen: SocketAddr, per_server: bool) -> anyhow::Result<Bound> {
    let ips = if per_server {
        server_ips(&shared.app).map_err(|e| super::bad_input(format!("{e:#}")))?
    } else {
        Vec::new()
    };
    // Port 0: the kernel picks the main port; the servers' addresses may have it taken
    // by someone else, so try a few ports.
    let attempts = if listen.port() == 0 && !ips.is_empty() {
        10
    } else {
        1
    };
    let mut last_err = None;
    for _ in 0..attempts {
        let main = bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let port = main.local_addr()?.port();
        let mut bound = Vec::new();
        let mut failed = None;
        for &(server, ip) in &ips {
            let addr = SocketAddr::new(ip, port);
            match bind(addr).await {
                Ok(l) => bound.push((server, addr, l)),
                Err(e) => {
                    failed = Some(anyhow::Error::new(e).context(format!(
                        "cannot listen on {addr} (a server's ip, {PER_SERVER})"
                    )));
                    break;
                }
            }
        }
        if let Some(e) = failed {
            last_err = Some(e);
            continue;
        }
        let (alive, _) = watch::channel(());
        let result = Bound {
            main: main.local_addr()?,
            per_server: bound.iter().map(|(s, a, _)| (*s, *a)).collect(),
            alive: Arc::new(alive),
        };
        let (rx, first) = (result.alive.subscribe(), shared.clone());
        tokio::spawn(async move {
            let _alive = rx;
            serve_main(main, first).await
        });
        for (server, addr, l) in bound {
            let (rx, shared) = (result.alive.subscribe(), shared.clone());
            tokio::spawn(async move {
                let _alive = rx;
                supervise(server, addr, l, shared).await
            });
        }
        return Ok(result);
    }
    Err(last_err.unwrap_or_else(|| anyhow::anyhow!("cannot bind the per-server listeners")))
}

fn server_ips(app: &App) -> anyhow::Result<Vec<(usize, IpAddr)>> {
    let model = &app.engine.model();
    model
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let ip = s.ip.as_deref().with_context(|| {
                format!("server {} has no `ip` in the cluster file; --per-server-listeners needs one per server", s.name)
            })?;
            let ip: IpAddr = ip
                .parse()
                .with_context(|| format!("server {}: `{ip}` is not an IP address", s.name))?;
            Ok((i, ip))
        })
        .collect()
}

/// The next connection, once fewer than [`MAX_OPEN_CONNECTIONS`] are open.
async fn accept(
    l: &TcpListener,
    open: &Arc<Semaphore>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = open.clone().acquire_owned().await.ok()?;
    loop {
        match l.accept().await {
            Ok((s, peer)) => return Some((s, peer, permit)),
            // Out of file descriptors and the like: back off rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The `--listen` listener: the cluster's view, never goes down.
async fn serve_main(l: TcpListener, shared: Shared) {
    let open = Arc::new(Semaphore::new(MAX_OPEN_CONNECTIONS));
    let slots = Slots::new(shared.max_connections, shared.past_max);
    loop {
        let got = tokio::select! {
            got = accept(&l, &open) => got,
            _ = stopped(shared.stop.clone()) => return,
        };
        let Some((stream, peer, permit)) = got else {
            return;
        };
        tokio::spawn(connection(
            stream,
            Conn { peer, server: None },
            shared.clone(),
            (permit, slots.clone()),
            None,
        ));
    }
}

/// How a server's own address looks from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Looks {
    Up,
    /// Hung: its kernel still accepts; requests wait unanswered.
    Hung,
    /// Powered off (crashed, shut down, booting): see [`DeadAddress`].
    Off,
}

fn looks(s: &watch::Receiver<Arc<super::engine_task::Snapshot>>, server: usize) -> Looks {
    let snap = s.borrow();
    if snap.reachable.get(server).copied().unwrap_or(false) {
        Looks::Up
    } else if snap.power.get(server).is_some_and(|p| p.on && p.hung) {
        Looks::Hung
    } else {
        Looks::Off
    }
}

/// The socket behind a per-server address in each state: the listener itself (up, hung,
/// `hang`), nothing (`refuse`: the kernel resets connects), or a listener whose queue
/// is kept full by connections of its own (`timeout`: the kernel drops further SYNs).
enum Socket {
    Listening(TcpListener),
    Closed,
    /// Held only to keep the address bound and its queue full.
    Plugged {
        _listener: TcpListener,
        _plugs: Vec<TcpStream>,
    },
}

/// The socket for `addr` when its server looks `now`. A failed bind (the address was
/// taken meanwhile) is retried on the next snapshot.
async fn socket_for(addr: SocketAddr, now: Looks, dead: DeadAddress) -> Option<Socket> {
    match (now, dead) {
        (Looks::Up | Looks::Hung, _) | (Looks::Off, DeadAddress::Hang) => {
            bind(addr).await.ok().map(Socket::Listening)
        }
        (Looks::Off, DeadAddress::Refuse) => Some(Socket::Closed),
        (Looks::Off, DeadAddress::Timeout) => {
            let l = bind_with_backlog(addr, 0).await.ok()?;
            let _plugs = plug(addr).await;
            Some(Socket::Plugged {
                _listener: l,
                _plugs,
            })
        }
    }
}

/// Fills the accept queue of a backlog-0 listener with connections to itself, until
/// a connect no longer completes (the queue is full: SYNs are dropped).
async fn plug(addr: SocketAddr) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for _ in 0..PLUG_MAX {
        match tokio::time::timeout(PLUG_PROBE, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => held.push(s),
            _ => break,
        }
    }
    held
}

/// How long a plugging connect may take before the queue counts as full, and how many
/// connections at most (Linux queues backlog + 1).
const PLUG_PROBE: Duration = Duration::from_millis(200);
const PLUG_MAX: usize = 8;

/// A per-server listener. While its server is up it is served; while hung, the address
/// accepts (the kernel does) but nothing is answered; while powered off, it does what
/// `--dead-address` says (default: connects time out). Requests on connections opened
/// before get no answer until the server is back.
async fn supervise(server: usize, addr: SocketAddr, l: TcpListener, shared: Shared) {
    let open = Arc::new(Semaphore::new(MAX_OPEN_CONNECTIONS));
    let slots = Slots::new(shared.max_connections, shared.past_max);
    let mut snaps = shared.app.engine.watch();
    let mut shown = looks(&snaps, server);
    let (down_tx, down_rx) = watch::channel(shown != Looks::Up);
    let mut socket = Some(Socket::Listening(l));
    if shown == Looks::Off {
        drop(socket.take());
        socket = socket_for(addr, shown, shared.dead_address).await;
    }
    loop {
        let now = looks(&snaps, server);
        down_tx.send_if_modified(|d| std::mem::replace(d, now != Looks::Up) != (now != Looks::Up));
        let keep = matches!(socket, Some(Socket::Listening(_)))
            && (now != Looks::Off || shared.dead_address == DeadAddress::Hang);
        if (now != shown && !keep) || socket.is_none() {
            // The old socket goes first so that the address can be bound again.
            drop(socket.take());
            socket = socket_for(addr, now, shared.dead_address).await;
        }
        shown = now;
        let listening = match (&socket, now) {
            (Some(Socket::Listening(l)), Looks::Up) => Some(l),
            _ => None,
        };
        let Some(l) = listening else {
            tokio::select! {
                changed = snaps.changed() => if changed.is_err() { return },
                _ = stopped(shared.stop.clone()) => return,
            }
            continue;
        };
        tokio::select! {
            got = accept(l, &open) => {
                let Some((stream, peer, permit)) = got else { return };
                let conn = Conn { peer, server: Some(server) };
                let held = (permit, slots.clone());
                tokio::spawn(connection(stream, conn, shared.clone(), held, Some(down_rx.clone())));
            }
            changed = snaps.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = stopped(shared.stop.clone()) => return,
        }
    }
}

/// Serves one connection until it closes; `down` (per-server listeners) holds each
/// request unanswered while the server is down.
async fn connection(
    stream: TcpStream,
    conn: Conn,
    shared: Shared,
    (permit, slots): (OwnedSemaphorePermit, Slots),
    down: Option<watch::Receiver<bool>>,
) {
    let _permit = permit;
    let _ = stream.set_nodelay(true);
    let (router, stop) = (shared.router.clone(), shared.stop.clone());
    match &shared.tls {
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            if let Ok(Ok(tls)) = handshake.await {
                http(tls, conn, router, slots, stop, down).await;
            }
        }
        None => http(stream, conn, router, slots, stop, down).await,
    }
}

/// Binds `addr` with [`LISTEN_BACKLOG`] (tokio's default of 128 makes a burst of a
/// few hundred clients wait in SYN retries).
async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    bind_with_backlog(addr, LISTEN_BACKLOG)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => std::io::Error::new(e.kind(), ADDRESS_IN_USE),
            _ => e,
        })
}

/// How a bind to a taken address reads (the same on every platform), so the command
/// line can add which option to change.
pub const ADDRESS_IN_USE: &str = "the address is in use (another process has it)";

/// A command-line hint for an error that ends in [`ADDRESS_IN_USE`]: the option that
/// chose the address (a face's `--face`, a server's ip under `--per-server-listeners`,
/// else `--listen`), and the fleet file's field when there is one.
pub fn in_use_hint(message: &str, fleet: bool) -> Option<String> {
    if !message.contains(ADDRESS_IN_USE) {
        return None;
    }
    let (flag, field) = if message.contains(": face ") {
        ("--face NAME=HOST:PORT", "a cluster's `faces:`")
    } else if message.contains(PER_SERVER) {
        ("--listen (its port)", "`per_server_listeners`")
    } else {
        ("--listen HOST:PORT", "`listen:`")
    };
    let mut hint = format!("choose another address with {flag} (port 0: any free port)");
    if fleet {
        hint.push_str(&format!(", or in the fleet file {field}"));
    }
    Some(hint)
}

/// Names a per-server listener in a bind error.
const PER_SERVER: &str = "--per-server-listeners";

async fn bind_with_backlog(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// A TLS acceptor from PEM files (certificate chain, private key).
pub fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let open = |p: &Path| -> anyhow::Result<std::io::BufReader<std::fs::File>> {
        Ok(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))?,
        ))
    };
    let certs = rustls_pemfile::certs(&mut open(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{}: not a PEM certificate chain", cert.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "{}: no certificate found",
        cert.display()
    );
    let key = rustls_pemfile::private_key(&mut open(key)?)
        .with_context(|| format!("{}: not a PEM private key", key.display()))?
        .with_context(|| format!("{}: no private key found", key.display()))?;
    acceptor_of(certs, key)
}

/// A TLS acceptor with a self-signed certificate made now (`rcgen`, ECDSA P-256) for
/// `localhost`, 127.0.0.1 and `addr`'s IP, valid from 1975 to 4096 (rcgen's default: no
/// clock is read). A client trusts it by fetching it from the handshake (`openssl
/// s_client`) or skips the check (`curl -k`), as xCAT's own test scripts do.
pub fn self_signed_acceptor(addr: SocketAddr) -> anyhow::Result<TlsAcceptor> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !addr.ip().is_unspecified() && !addr.ip().is_loopback() {
        names.push(addr.ip().to_string());
    }
    let made = rcgen::generate_simple_self_signed(names)
        .context("cannot make a self-signed certificate")?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    acceptor_of(vec![made.cert.der().clone()], key)
}

fn acceptor_of(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
) -> anyhow::Result<TlsAcceptor> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("the TLS certificate and key do not fit together")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
