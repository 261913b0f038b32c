//! Listening sockets and connections. Each listener admits at most `max_connections`
//! connections at once [doc: 64 per server]: a permit is taken before `accept`, so the
//! next client waits in the kernel's backlog until a connection closes (it is never
//! refused, and the server stays healthy).
//!
//! With per-server listeners, server N answers on its own address (its `ip` from the
//! cluster file) and the port of `--listen`, with the view as N sees it. While N is not
//! reachable (powered off or hung) its address is silent: the socket stays bound but
//! nothing is accepted and open connections get no answer, so clients wait for their
//! own timeout (`curl --max-time 2` exits 28, not 7) until N is back.

use super::{App, Conn};
use crate::faces::expresscluster::errors::ApiError;
use anyhow::Context;
use axum::response::IntoResponse;
use axum::Router;
use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

tokio::task_local! {
    /// The server whose own address received the request being handled (None: the
    /// `--listen` address). Operations are judged on that server's knowledge.
    pub static ANSWERING: Option<usize>;
}

/// A connection that sends no complete request header within this time is closed, so
/// idle clients cannot hold the 64 slots forever.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a removed cluster's connections may finish their requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// What every connection needs.
#[derive(Clone)]
pub struct Shared {
    pub app: App,
    pub router: Router,
    pub tls: Option<TlsAcceptor>,
    pub max_connections: usize,
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
        let main = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let port = main.local_addr()?.port();
        let mut bound = Vec::new();
        let mut failed = None;
        for &(server, ip) in &ips {
            let addr = SocketAddr::new(ip, port);
            match TcpListener::bind(addr).await {
                Ok(l) => bound.push((server, addr, l)),
                Err(e) => {
                    failed =
                        Some(anyhow::Error::new(e).context(format!("cannot listen on {addr}")));
                    break;
                }
            }
        }
        if let Some(e) = failed {
            last_err = Some(e);
            continue;
        }
        let result = Bound {
            main: main.local_addr()?,
            per_server: bound.iter().map(|(s, a, _)| (*s, *a)).collect(),
        };
        tokio::spawn(serve_main(main, shared.clone()));
        for (server, addr, l) in bound {
            tokio::spawn(supervise(server, addr, l, shared.clone()));
        }
        return Ok(result);
    }
    Err(last_err.unwrap_or_else(|| anyhow::anyhow!("cannot bind the per-server listeners")))
}

fn server_ips(app: &App) -> anyhow::Result<Vec<(usize, IpAddr)>> {
    let model = &app.engine.model;
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

async fn accept(
    l: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = slots.clone().acquire_owned().await.ok()?;
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
    let slots = Arc::new(Semaphore::new(shared.max_connections));
    loop {
        let got = tokio::select! {
            got = accept(&l, &slots) => got,
            _ = stopped(shared.stop.clone()) => return,
        };
        let Some((stream, peer, permit)) = got else {
            return;
        };
        tokio::spawn(connection(
            stream,
            Conn { peer, server: None },
            shared.clone(),
            permit,
            None,
        ));
    }
}

/// A per-server listener. While its server is not reachable (powered off or hung) the
/// address is silent, as a dead host's is: the socket stays bound but nothing is
/// accepted (connections wait in the kernel's backlog, never refused), and requests on
/// open connections get no answer. When the server is back, both are served again.
async fn supervise(server: usize, _addr: SocketAddr, l: TcpListener, shared: Shared) {
    let slots = Arc::new(Semaphore::new(shared.max_connections));
    let mut snaps = shared.app.engine.watch();
    let reachable = |s: &watch::Receiver<Arc<super::engine_task::Snapshot>>| {
        s.borrow().reachable.get(server).copied().unwrap_or(false)
    };
    let (down_tx, down_rx) = watch::channel(!reachable(&snaps));
    loop {
        let up = reachable(&snaps);
        down_tx.send_if_modified(|d| std::mem::replace(d, !up) == up);
        if !up {
            tokio::select! {
                changed = snaps.changed() => if changed.is_err() { return },
                _ = stopped(shared.stop.clone()) => return,
            }
            continue;
        }
        tokio::select! {
            got = accept(&l, &slots) => {
                let Some((stream, peer, permit)) = got else { return };
                let conn = Conn { peer, server: Some(server) };
                tokio::spawn(connection(stream, conn, shared.clone(), permit, Some(down_rx.clone())));
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
    permit: OwnedSemaphorePermit,
    down: Option<watch::Receiver<bool>>,
) {
    let _permit = permit;
    let _ = stream.set_nodelay(true);
    let stop = shared.stop.clone();
    match &shared.tls {
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            if let Ok(Ok(tls)) = handshake.await {
                http(tls, conn, shared.router.clone(), stop, down).await;
            }
        }
        None => http(stream, conn, shared.router.clone(), stop, down).await,
    }
}

async fn http<I>(
    io: I,
    conn: Conn,
    router: Router,
    stop: watch::Receiver<bool>,
    down: Option<watch::Receiver<bool>>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(conn);
        let router = router.clone();
        let mut down = down.clone();
        async move {
            if let Some(d) = down.as_mut() {
                // A dead host does not answer: wait until the server is back.
                let _ = d.wait_for(|d| !*d).await;
            }
            // A panicking handler answers the table's 500 instead of dropping the socket.
            let resp = AssertUnwindSafe(ANSWERING.scope(conn.server, router.oneshot(req)))
                .catch_unwind()
                .await
                .map(|r| r.unwrap_or_else(|never: Infallible| match never {}))
                .unwrap_or_else(|_| ApiError::internal().into_response());
            Ok::<_, Infallible>(resp)
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(io), service);
    let mut served = std::pin::pin!(served);
    tokio::select! {
        _ = served.as_mut() => return,
        _ = stopped(stop) => served.as_mut().graceful_shutdown(),
    }
    // In-flight requests finish; an endless one (an event stream) is cut.
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, served).await;
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
