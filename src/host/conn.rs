//! One HTTP/1.1 connection with the limits of [`super::limits`]:
//! - a request header must be complete [`HEADER_TIMEOUT`] after its first byte, an
//!   idle keep-alive connection is closed after [`IDLE_TIMEOUT`] (own watchdog);
//! - a body must arrive within [`BODY_TIMEOUT`] (408 otherwise) and is read before the
//!   request takes one of the listener's request slots (`max_connections`, [doc: 64]),
//!   so slow and idle sockets never hold a slot; with every slot taken the connection
//!   is dropped unanswered ([`PastMax::Drop`], the default) or the request waits;
//! - `/sim/v1/events/stream` takes a stream slot instead ([`MAX_EVENT_STREAMS`], 503
//!   past it), held as long as the stream is open.

use super::limits::{
    PastMax, BODY_TIMEOUT, DRAIN_TIMEOUT, HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_EVENT_STREAMS,
};
use super::Conn;
use crate::faces::expresscluster::errors::{json_response, ApiError};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// Requests being answered in this process (all listeners): what a graceful shutdown
/// waits for.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Waits until no request is being answered and no event stream is open (listeners
/// told to stop end their streams), at most `limit`; true if drained.
pub async fn drained(limit: Duration) -> bool {
    let until = Instant::now() + limit;
    let busy = || IN_FLIGHT.load(Ordering::Acquire) > 0 || OPEN_STREAMS.load(Ordering::Acquire) > 0;
    while busy() {
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Largest body the listener buffers; handlers apply their own, smaller limits.
pub const MAX_BUFFERED_BODY: usize = 1024 * 1024;

/// A listener's request and stream slots, shared by its connections, and what a
/// request finds when every request slot is taken.
#[derive(Clone)]
pub struct Slots {
    pub requests: Arc<Semaphore>,
    pub streams: Arc<Semaphore>,
    pub past_max: PastMax,
}

impl Slots {
    pub fn new(max_requests: usize, past_max: PastMax) -> Slots {
        Slots {
            requests: Arc::new(Semaphore::new(max_requests)),
            streams: Arc::new(Semaphore::new(MAX_EVENT_STREAMS)),
            past_max,
        }
    }
}

/// A request past the listener's maximum under [`PastMax::Drop`]: the service fails,
/// so hyper closes the connection without writing an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("every request slot is taken: the connection is dropped")
    }
}

impl std::error::Error for Dropped {}

/// When the connection last finished a request, whether bytes came since, and how many
/// requests are in flight: what the watchdog needs.
struct Activity {
    start: Instant,
    /// ms since `start` of the last answer (or of the connection).
    last_done_ms: AtomicU64,
    /// ms since `start` of the first byte after it, `u64::MAX` if none.
    first_byte_ms: AtomicU64,
    in_flight: AtomicUsize,
    /// Wakes the watchdog when a request's first byte arrives: it may be sleeping
    /// towards the (longer) idle deadline.
    first_byte: tokio::sync::Notify,
}

impl Activity {
    fn ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
    /// How long until the connection must be cut; `None` when a request is in flight.
    fn deadline_in(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let now = self.ms();
        let first = self.first_byte_ms.load(Ordering::Acquire);
        let (since, limit) = if first == u64::MAX {
            (self.last_done_ms.load(Ordering::Acquire), IDLE_TIMEOUT)
        } else {
            (first, HEADER_TIMEOUT)
        };
        Some(limit.saturating_sub(Duration::from_millis(now.saturating_sub(since))))
    }
}

/// The socket, noting when a request's first byte arrives.
struct Tracked<I> {
    io: I,
    act: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            let now = self.act.ms();
            let first = self.act.first_byte_ms.compare_exchange(
                u64::MAX,
                now,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            if first.is_ok() {
                self.act.first_byte.notify_one();
            }
        }
        r
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Resolves when the connection has been idle (or stuck in a header) too long. A first
/// byte wakes it, so a header trickled into an idle connection gets [`HEADER_TIMEOUT`]
/// from that byte, not what was left of [`IDLE_TIMEOUT`].
async fn watchdog(act: Arc<Activity>) {
    loop {
        let wait = match act.deadline_in() {
            Some(d) if d.is_zero() => return,
            Some(d) => d,
            None => Duration::from_millis(500),
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = act.first_byte.notified() => {}
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        &json!({"result": {"code": status.as_u16(), "message": message}}),
    )
}

/// Connections in this process that carry an event stream: a graceful shutdown ends the
/// streams and waits until these connections are closed (their last chunk sent).
static OPEN_STREAMS: AtomicUsize = AtomicUsize::new(0);

/// Counts its connection in [`OPEN_STREAMS`] from its first stream until it closes.
struct StreamConn(AtomicBool);

impl StreamConn {
    fn opened(&self) {
        if !self.0.swap(true, Ordering::AcqRel) {
            OPEN_STREAMS.fetch_add(1, Ordering::AcqRel);
        }
    }
}

impl Drop for StreamConn {
    fn drop(&mut self) {
        if self.0.load(Ordering::Acquire) {
            OPEN_STREAMS.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// An event stream's body: keeps its slot taken while it is being sent, and ends
/// (cleanly, with the last chunk) when the listener is told to stop.
struct Held {
    body: Body,
    stopped: Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    _permit: OwnedSemaphorePermit,
}

impl Held {
    fn new(body: Body, mut stop: watch::Receiver<bool>, permit: OwnedSemaphorePermit) -> Held {
        let stopped = Box::pin(async move {
            let _ = stop.wait_for(|s| *s).await;
        });
        Held {
            body,
            stopped,
            _permit: permit,
        }
    }
}

impl hyper::body::Body for Held {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if self.stopped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Pin::new(&mut self.body).poll_frame(cx)
    }
}

async fn answer(
    req: hyper::Request<Incoming>,
    router: Router,
    slots: Slots,
    stop: watch::Receiver<bool>,
) -> Result<Response, Dropped> {
    let oneshot = |req| async move {
        AssertUnwindSafe(router.oneshot(req))
            .catch_unwind()
            .await
            .map(|r| r.unwrap_or_else(|never: Infallible| match never {}))
            .unwrap_or_else(|_| ApiError::internal().into_response())
    };
    if req.uri().path().ends_with("/events/stream") {
        let Ok(permit) = slots.streams.clone().try_acquire_owned() else {
            return Ok(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("at most {MAX_EVENT_STREAMS} event streams may be open at once"),
            ));
        };
        let resp = oneshot(req.map(Body::new)).await;
        return Ok(resp.map(|body| Body::new(Held::new(body, stop, permit))));
    }
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(Body::new(body), MAX_BUFFERED_BODY);
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return Ok(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {MAX_BUFFERED_BODY} bytes or unreadable"),
            ))
        }
        Err(_) => {
            let mut r = refuse(
                StatusCode::REQUEST_TIMEOUT,
                &format!("the request body did not arrive within {BODY_TIMEOUT:?}"),
            );
            r.headers_mut()
                .insert("connection", axum::http::HeaderValue::from_static("close"));
            return Ok(r);
        }
    };
    let slot = match slots.past_max {
        PastMax::Drop => slots
            .requests
            .clone()
            .try_acquire_owned()
            .map_err(|_| Dropped)?,
        PastMax::Wait => match slots.requests.clone().acquire_owned().await {
            Ok(slot) => slot,
            Err(_) => return Ok(ApiError::internal().into_response()),
        },
    };
    let resp = oneshot(hyper::Request::from_parts(parts, Body::from(bytes))).await;
    drop(slot);
    Ok(resp)
}

/// Serves HTTP/1.1 on `io` until the client goes, a timeout cuts it, or `stop` says
/// so (then in-flight requests get [`DRAIN_TIMEOUT`] to finish).
pub async fn http<I>(
    io: I,
    conn: Conn,
    router: Router,
    slots: Slots,
    stop: watch::Receiver<bool>,
    down: Option<watch::Receiver<bool>>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let act = Arc::new(Activity {
        start: Instant::now(),
        last_done_ms: AtomicU64::new(0),
        first_byte_ms: AtomicU64::new(u64::MAX),
        in_flight: AtomicUsize::new(0),
        first_byte: tokio::sync::Notify::new(),
    });
    let streaming = Arc::new(StreamConn(AtomicBool::new(false)));
    let (svc_act, svc_stop, svc_streaming) = (act.clone(), stop.clone(), streaming.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(conn);
        let (router, slots, act) = (router.clone(), slots.clone(), svc_act.clone());
        let (stop, streaming) = (svc_stop.clone(), svc_streaming.clone());
        let is_stream = req.uri().path().ends_with("/events/stream");
        let mut down = down.clone();
        act.in_flight.fetch_add(1, Ordering::AcqRel);
        IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
        async move {
            if let Some(d) = down.as_mut() {
                // A dead host does not answer: wait until the server is back.
                let _ = d.wait_for(|d| !*d).await;
            }
            let answering =
                super::listeners::ANSWERING.scope(conn.server, answer(req, router, slots, stop));
            let resp = answering.await;
            if is_stream && resp.as_ref().is_ok_and(|r| r.status() == StatusCode::OK) {
                streaming.opened();
            }
            IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
            act.last_done_ms.store(act.ms(), Ordering::Release);
            act.first_byte_ms.store(u64::MAX, Ordering::Release);
            act.in_flight.fetch_sub(1, Ordering::AcqRel);
            resp
        }
    });
    let io = Tracked {
        io,
        act: act.clone(),
    };
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // A backstop only: the watchdog enforces the header and idle timeouts.
        .header_read_timeout(HEADER_TIMEOUT + IDLE_TIMEOUT)
        .serve_connection(TokioIo::new(io), service);
    let mut served = std::pin::pin!(served);
    let mut stop = stop;
    tokio::select! {
        _ = served.as_mut() => return,
        _ = watchdog(act) => return,
        _ = stop.wait_for(|s| *s) => served.as_mut().graceful_shutdown(),
    }
    // In-flight requests finish; an endless one (an event stream) is cut.
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, served).await;
}
