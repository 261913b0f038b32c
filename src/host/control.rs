//! `/sim/v1`: the control API (clock, faults, event log, reset, config). JSON in and
//! out; successes are plain objects or arrays, errors the `{"result": {...}}` shape with
//! a message that says what was wrong and what is valid.
//!
//! Status codes: 400 malformed or unknown (kind, name, parameter); 404 a fault id that
//! does not exist; 409 an input the simulation refuses now, or a clock command that does
//! not apply to the clock mode (advance in realtime mode, speed in manual mode); 404
//! also for an unknown cluster in `/sim/v1/clusters/{cluster}/...`; 500 when the
//! engine panicked (the cluster was restored; the message says so).
//!
//! Handlers turn requests into [`Command`]s for the target cluster's engine.

use super::body::{query_pairs, SimJson};
use super::command::{Command, EngineError, Reply};
use super::engine_task::{unexpected, StreamItem};
use super::limits;
use super::router::Ctx;
use super::{App, ClockMode};
use crate::faces::expresscluster::errors::{json_response, ApiError};
use crate::sim::{Applied, FaultKind, FaultSpec, Input, InputError};
use axum::extract::{FromRequestParts, Path, RawQuery};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::convert::Infallible;
use tokio::sync::{broadcast, mpsc};

/// Entries returned by one `GET /sim/v1/events` when `limit` is absent.
pub const DEFAULT_EVENTS_LIMIT: usize = limits::MAX_EVENTS_LIMIT;

fn ok<T: Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, body)
}

/// The cluster a control request is for: `{cluster}` in the path, else the
/// listener's own. An unknown name is a 404 naming it.
pub struct Target(pub App);

impl FromRequestParts<Ctx> for Target {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, ApiError> {
        match path_param(parts, ctx, "cluster").await? {
            None => Ok(Target(ctx.own.clone())),
            Some(name) => ctx
                .fleet
                .upgrade()
                .and_then(|f| f.get(&name))
                .map(|c| Target(c.app.clone()))
                .ok_or_else(|| no_cluster(&name)),
        }
    }
}

pub fn no_cluster(name: &str) -> ApiError {
    ApiError::with(StatusCode::NOT_FOUND, format!("no cluster named {name:?}"))
}

/// A named path parameter, if the route has it.
pub async fn path_param(
    parts: &mut Parts,
    ctx: &Ctx,
    key: &str,
) -> Result<Option<String>, ApiError> {
    let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, ctx)
        .await
        .map_err(|_| ApiError::bad_request())?;
    Ok(params.into_iter().find(|(k, _)| k == key).map(|(_, v)| v))
}

/// An engine that could not answer: the table's 500 (a panic's reason is in the
/// message and on stderr); 503 when the state journal could not be written.
pub fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::NotAllowed(m) => ApiError::with(StatusCode::CONFLICT, m),
        e @ (EngineError::Unrecorded(_) | EngineError::NotDurable(_)) => {
            ApiError::with(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        other => ApiError::with(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

/// The clock, with the cluster's calendar: `epoch` (virtual time 0) and `time` (now),
/// so clients show dates and times of day as the event log's `time` does.
pub async fn get_clock(Target(app): Target) -> Result<Response, ApiError> {
    let c = app.engine.clock().await.map_err(engine_error)?;
    let epoch = app.engine.model().settings.epoch.clone();
    let mut v = json!(c);
    v["time"] = json!(crate::model::calendar::date_at(&epoch, c.now_ms));
    v["epoch"] = json!(epoch);
    Ok(ok(&v))
}

#[derive(Deserialize)]
pub struct AdvanceBody {
    ms: u64,
}

pub async fn post_advance(
    Target(app): Target,
    SimJson(body): SimJson<AdvanceBody>,
) -> Result<Response, ApiError> {
    if app.engine.mode != ClockMode::Manual {
        return Err(ApiError::with(
            StatusCode::CONFLICT,
            "the clock is in realtime mode; start with --clock manual to advance it by hand",
        ));
    }
    let ms = limits::check_advance(body.ms).map_err(ApiError::bad_request_msg)?;
    match app.engine.send(Command::Advance { ms }).await {
        Ok(Reply::Advanced {
            now_ms,
            events,
            processed,
        }) => Ok(ok(
            &json!({"now_ms": now_ms, "events": events, "processed": processed}),
        )),
        Ok(other) => Err(engine_error(unexpected(other))),
        Err(e) => Err(engine_error(e)),
    }
}

#[derive(Deserialize)]
pub struct SpeedBody {
    speed: f64,
}

/// Extension used by the dashboard: changes the realtime speed from now on.
pub async fn post_speed(
    Target(app): Target,
    SimJson(body): SimJson<SpeedBody>,
) -> Result<Response, ApiError> {
    if app.engine.mode != ClockMode::Realtime {
        return Err(ApiError::with(
            StatusCode::CONFLICT,
            "the clock is in manual mode; it has no speed",
        ));
    }
    let speed = limits::check_speed(body.speed).map_err(ApiError::bad_request_msg)?;
    clock_reply(&app, Command::SetSpeed { speed }).await
}

async fn clock_reply(app: &App, cmd: Command) -> Result<Response, ApiError> {
    match app.engine.send(cmd).await {
        Ok(Reply::Clock(c)) => Ok(ok(&c)),
        Ok(other) => Err(engine_error(unexpected(other))),
        Err(e) => Err(engine_error(e)),
    }
}

/// Applies an input; the engine's refusal becomes the control API's 400/409.
pub async fn apply(app: &App, input: Input) -> Result<Applied, ApiError> {
    match app.engine.send(Command::Apply(input)).await {
        Ok(Reply::Applied { result, .. }) => result.map_err(input_error),
        Ok(other) => Err(engine_error(unexpected(other))),
        Err(e) => Err(engine_error(e)),
    }
}

fn input_error(err: InputError) -> ApiError {
    match err {
        InputError::Unknown(m) | InputError::Invalid(m) => ApiError::bad_request_msg(m),
        InputError::Refused(r) => ApiError::with(StatusCode::CONFLICT, r.to_string()),
    }
}

/// Decodes a fault object, naming the valid kinds when `kind` is missing or unknown.
pub fn parse_fault(body: Value) -> Result<FaultSpec, String> {
    let kinds = FaultKind::KINDS.join(", ");
    match body.get("kind") {
        Some(Value::String(k)) if FaultKind::KINDS.contains(&k.as_str()) => {}
        Some(Value::String(k)) => {
            return Err(format!("unknown fault kind \"{k}\"; valid kinds: {kinds}"))
        }
        _ => return Err(format!("the fault needs a \"kind\"; valid kinds: {kinds}")),
    }
    let spec: FaultSpec =
        serde_json::from_value(body).map_err(|e| format!("invalid fault: {e}"))?;
    limits::check_fault_times(spec.at_ms, spec.duration_ms)?;
    Ok(spec)
}

pub async fn post_fault(
    Target(app): Target,
    SimJson(body): SimJson<Value>,
) -> Result<Response, ApiError> {
    let spec = parse_fault(body).map_err(ApiError::bad_request_msg)?;
    match apply(&app, Input::Fault(spec)).await? {
        Applied::Fault(id) => Ok(ok(&json!({"id": id}))),
        _ => Err(ApiError::internal()),
    }
}

/// `POST /sim/v1/operations`: any [`crate::sim::Operation`] as JSON (`{"op": ...}`),
/// e.g. the live reconfiguration ones (`server-add`, `server-remove`); journaled like
/// every input. Answers `{"result":"applied"}` or the refusal.
pub async fn post_operation(
    Target(app): Target,
    SimJson(body): SimJson<Value>,
) -> Result<Response, ApiError> {
    let op: crate::sim::Operation = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request_msg(format!("bad operation: {e}")))?;
    match apply(&app, Input::Operation(op)).await? {
        Applied::Operation => Ok(ok(&json!({"result": "applied"}))),
        _ => Err(ApiError::internal()),
    }
}

/// Test hook (`serve --allow-test-panics`): applies a fault, then the engine panics;
/// the cluster must come back as it was before, and the answer is a 500.
pub async fn post_test_panic(
    Target(app): Target,
    SimJson(body): SimJson<Value>,
) -> Result<Response, ApiError> {
    let spec = parse_fault(body).map_err(ApiError::bad_request_msg)?;
    match app
        .engine
        .send(Command::ApplyThenPanic(Input::Fault(spec)))
        .await
    {
        Ok(_) => Err(ApiError::internal()),
        Err(e) => Err(engine_error(e)),
    }
}

/// Test hook `POST /sim/v1/test/hold {"ms": N}`: answers `{}` after N wall ms (at most
/// [`MAX_TEST_HOLD_MS`](super::limits::MAX_TEST_HOLD_MS)), holding a request slot as a
/// slow handler would; what the tests of the connection maximum need.
pub async fn post_test_hold(SimJson(body): SimJson<Value>) -> Result<Response, ApiError> {
    let limit = super::limits::MAX_TEST_HOLD_MS;
    let ms = body["ms"]
        .as_u64()
        .filter(|ms| *ms <= limit)
        .ok_or_else(|| ApiError::bad_request_msg(format!("ms must be 0 to {limit}")))?;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    Ok(ok(&serde_json::json!({})))
}

pub async fn get_faults(Target(app): Target) -> Result<Response, ApiError> {
    match app.engine.send(Command::Faults).await {
        Ok(Reply::Faults(list)) => Ok(ok(&list)),
        Ok(other) => Err(engine_error(unexpected(other))),
        Err(e) => Err(engine_error(e)),
    }
}

/// `{id}` of `DELETE .../faults/{id}`.
pub struct FaultIdPath(pub String);

impl FromRequestParts<Ctx> for FaultIdPath {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, ApiError> {
        Ok(FaultIdPath(
            path_param(parts, ctx, "id").await?.unwrap_or_default(),
        ))
    }
}

pub async fn delete_fault(
    Target(app): Target,
    FaultIdPath(id): FaultIdPath,
) -> Result<Response, ApiError> {
    let id: u64 = id.parse().map_err(|_| {
        ApiError::bad_request_msg(format!("\"{id}\" is not a fault id (an integer)"))
    })?;
    let answer = app
        .engine
        .send(Command::Apply(Input::Heal { heal: id }))
        .await;
    match answer {
        Ok(Reply::Applied { result: Ok(_), .. }) => Ok(ok(&json!({"id": id, "healed": true}))),
        Ok(Reply::Applied {
            result: Err(InputError::Unknown(m)),
            ..
        }) => Err(ApiError::with(StatusCode::NOT_FOUND, m)),
        Ok(Reply::Applied { result: Err(e), .. }) => Err(input_error(e)),
        Ok(other) => Err(engine_error(unexpected(other))),
        Err(e) => Err(engine_error(e)),
    }
}

/// `since` and `limit` from the query; `since` may also come from `Last-Event-ID`.
pub(super) fn events_query(q: Option<&str>, headers: &HeaderMap) -> Result<(u64, usize), ApiError> {
    let pairs =
        query_pairs(q).ok_or_else(|| ApiError::bad_request_msg("malformed query string"))?;
    let mut since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|id| id + 1)
        .unwrap_or(0);
    let mut limit = DEFAULT_EVENTS_LIMIT;
    for (k, v) in pairs {
        match k.as_str() {
            "since" => {
                since = v.parse().map_err(|_| {
                    ApiError::bad_request_msg(format!(
                        "since must be a sequence number, not \"{v}\""
                    ))
                })?
            }
            "limit" => {
                limit = v.parse().map_err(|_| {
                    ApiError::bad_request_msg(format!("limit must be a count, not \"{v}\""))
                })?;
                limit = limits::check_events_limit(limit).map_err(ApiError::bad_request_msg)?;
            }
            _ => {}
        }
    }
    Ok((since, limit))
}

/// Log entries with `seq >= since`, oldest first, at most `limit`, as JSON text.
async fn fetch_events(app: &App, since: u64, limit: usize) -> Result<Vec<(u64, String)>, ApiError> {
    app.engine.events(since, limit).await.map_err(engine_error)
}

pub async fn get_events(
    Target(app): Target,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (since, limit) = events_query(q.as_deref(), &headers)?;
    let list = fetch_events(&app, since, limit).await?;
    let mut body = String::with_capacity(2 + list.iter().map(|(_, t)| t.len() + 1).sum::<usize>());
    body.push('[');
    for (i, (_, text)) in list.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(text);
    }
    body.push(']');
    let dropped = app.engine.snapshot().events_dropped.to_string();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_string(),
            ),
            (
                axum::http::HeaderName::from_static("x-events-dropped"),
                dropped,
            ),
        ],
        body,
    )
        .into_response())
}

/// Server-sent events: the backlog from `since`, then each new entry as it is logged
/// (`id` = seq, `data` = the entry). A reset is sent as `event: reset`.
pub async fn get_event_stream(
    Target(app): Target,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (since, _) = events_query(q.as_deref(), &headers)?;
    let (tx, rx) = mpsc::channel::<Result<SseEvent, Infallible>>(256);
    let live = app.engine.subscribe();
    tokio::spawn(pump_events(app, since, live, tx));
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(limits::STREAM_HEARTBEAT))
        .into_response())
}

type SseTx = mpsc::Sender<Result<SseEvent, Infallible>>;

/// Feeds one SSE client until it goes away. Sequence numbers deduplicate the overlap
/// between the backlog and the live broadcast.
async fn pump_events(app: App, since: u64, mut live: broadcast::Receiver<StreamItem>, tx: SseTx) {
    const PAGE: usize = 1000;
    let mut next = since;
    async fn send(tx: &SseTx, next: &mut u64, seq: u64, text: &str) -> bool {
        if seq < *next {
            return true;
        }
        *next = seq + 1;
        tx.send(Ok(SseEvent::default().id(seq.to_string()).data(text)))
            .await
            .is_ok()
    }
    // Backlog, then whatever was missed whenever the broadcast lags behind.
    let catch_up = |next: u64| {
        let app = app.clone();
        async move { fetch_events(&app, next, PAGE).await }
    };
    let mut backlog = true;
    loop {
        if backlog {
            let Ok(page) = catch_up(next).await else {
                return;
            };
            for (seq, text) in &page {
                if !send(&tx, &mut next, *seq, text).await {
                    return;
                }
            }
            backlog = page.len() == PAGE;
            continue;
        }
        match live.recv().await {
            Ok(StreamItem::Events(batch)) => {
                for (seq, text) in batch.iter() {
                    if !send(&tx, &mut next, *seq, text).await {
                        return;
                    }
                }
            }
            Ok(StreamItem::Reset) => {
                next = 0;
                let ev = SseEvent::default().event("reset").data("{\"reset\":true}");
                if tx.send(Ok(ev)).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => backlog = true,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[derive(Deserialize)]
pub struct ResetBody {
    #[serde(default)]
    seed: Option<u64>,
}

pub async fn post_reset(
    Target(app): Target,
    SimJson(body): SimJson<ResetBody>,
) -> Result<Response, ApiError> {
    clock_reply(&app, Command::Reset { seed: body.seed }).await
}

/// The seed and every input applied since the last reset, with its virtual time:
/// what [`super::journal::replay`] needs to rebuild the cluster.
pub async fn get_journal(Target(app): Target) -> Result<Response, ApiError> {
    let j = app.engine.journal().await.map_err(engine_error)?;
    Ok(ok(&super::journal::Listing::of(&j)))
}

/// The loaded file, or after a live reconfiguration the file as it now stands.
pub async fn get_config(Target(app): Target) -> Response {
    let snap = app.engine.snapshot();
    let body = serde_json::to_vec(&snap.model.source).unwrap_or_else(|_| app.config_json.clone());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// `GET /sim/v1/view[?server=NAME]`: the whole cluster as one server's cluster daemon
/// knows it (heartbeat paths and resolvers included, which `/api/v1` does not carry);
/// the first running server's view without `server`. The `clp*` commands read it, as
/// the product's commands read their local daemon. `reachable` is ground truth.
pub async fn get_view(Target(app): Target, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(q.as_deref())
        .ok_or_else(|| ApiError::bad_request_msg("malformed query string"))?;
    let server = match pairs.into_iter().find(|(k, _)| k == "server") {
        None => None,
        Some((_, name)) => Some(
            app.engine
                .model()
                .server_id(&name)
                .ok_or_else(|| ApiError::bad_request_msg(format!("unknown server \"{name}\"")))?,
        ),
    };
    let view = app.engine.view(server).await.map_err(engine_error)?;
    Ok(ok(&view))
}

/// The vocabulary, for the dashboard (see `crate::vocab`).
pub async fn get_vocabulary(Target(app): Target) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        app.vocabulary_json.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_kinds_are_listed_when_unknown_or_missing() {
        let e = parse_fault(json!({"kind": "meteor", "server": "server1"})).unwrap_err();
        assert!(
            e.contains("meteor") && e.contains("server-crash") && e.contains("resource-failure"),
            "{e}"
        );
        let e = parse_fault(json!({"server": "server1"})).unwrap_err();
        assert!(e.contains("partition"), "{e}");
        let e = parse_fault(json!({"kind": "server-crash"})).unwrap_err();
        assert!(e.contains("server"), "{e}");
        let f =
            parse_fault(json!({"kind": "server-crash", "server": "server1", "at_ms": 5})).unwrap();
        assert_eq!(
            f.kind,
            FaultKind::ServerCrash {
                server: "server1".into()
            }
        );
        assert_eq!(f.at_ms, Some(5));
    }
}
