//! `/sim/v1`: the control API (clock, faults, event log, reset, config). JSON in and
//! out; successes are plain objects or arrays, errors the `{"result": {...}}` shape with
//! a message that says what was wrong and what is valid.
//!
//! Status codes: 400 malformed or unknown (kind, name, parameter); 404 a fault id that
//! does not exist; 409 an input the simulation refuses now, or a clock command that does
//! not apply to the clock mode (advance in realtime mode, speed in manual mode).

use super::body::{query_pairs, NamePath, SimJson};
use super::engine_task::StreamItem;
use super::errors::{json_response, ApiError};
use super::{App, ClockMode};
use crate::sim::{FaultKind, FaultSpec, InputError};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::convert::Infallible;
use tokio::sync::{broadcast, mpsc};

/// Entries returned by one `GET /sim/v1/events` when `limit` is absent.
pub const DEFAULT_EVENTS_LIMIT: usize = 10_000;

fn ok<T: Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, body)
}

fn gone(_: super::engine_task::EngineGone) -> ApiError {
    ApiError::internal()
}

#[derive(Serialize)]
struct Clock {
    now_ms: u64,
    mode: &'static str,
    speed: f64,
    seed: u64,
}

fn clock_of(e: &super::engine_task::Engine) -> Clock {
    Clock {
        now_ms: e.sim.now(),
        mode: e.mode.as_str(),
        speed: e.speed,
        seed: e.sim.seed(),
    }
}

pub async fn get_clock(State(app): State<App>) -> Result<Response, ApiError> {
    let c = app.engine.call(|e| clock_of(e)).await.map_err(gone)?;
    Ok(ok(&c))
}

#[derive(Deserialize)]
pub struct AdvanceBody {
    ms: u64,
}

pub async fn post_advance(
    State(app): State<App>,
    SimJson(body): SimJson<AdvanceBody>,
) -> Result<Response, ApiError> {
    if app.engine.mode != ClockMode::Manual {
        return Err(ApiError::with(
            StatusCode::CONFLICT,
            "the clock is in realtime mode; start with --clock manual to advance it by hand",
        ));
    }
    let answer = app
        .engine
        .call(move |e| {
            let before = e.sim.events().len();
            let target = e.sim.now().saturating_add(body.ms);
            let processed = e.sim.run_until(target);
            json!({
                "now_ms": e.sim.now(),
                "events": e.sim.events().len().saturating_sub(before),
                "processed": processed,
            })
        })
        .await
        .map_err(gone)?;
    Ok(ok(&answer))
}

#[derive(Deserialize)]
pub struct SpeedBody {
    speed: f64,
}

/// Extension used by the dashboard: changes the realtime speed from now on.
pub async fn post_speed(
    State(app): State<App>,
    SimJson(body): SimJson<SpeedBody>,
) -> Result<Response, ApiError> {
    if app.engine.mode != ClockMode::Realtime {
        return Err(ApiError::with(
            StatusCode::CONFLICT,
            "the clock is in manual mode; it has no speed",
        ));
    }
    if !(body.speed.is_finite() && body.speed > 0.0) {
        return Err(ApiError::bad_request_msg("speed must be a positive number"));
    }
    let c = app
        .engine
        .call(move |e| {
            e.set_speed(body.speed);
            clock_of(e)
        })
        .await
        .map_err(gone)?;
    Ok(ok(&c))
}

fn input_error(err: InputError) -> ApiError {
    match err {
        InputError::Unknown(m) | InputError::Invalid(m) => ApiError::bad_request_msg(m),
        InputError::Refused(m) => ApiError::with(StatusCode::CONFLICT, m),
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
    serde_json::from_value(body).map_err(|e| format!("invalid fault: {e}"))
}

pub async fn post_fault(
    State(app): State<App>,
    SimJson(body): SimJson<Value>,
) -> Result<Response, ApiError> {
    let spec = parse_fault(body).map_err(ApiError::bad_request_msg)?;
    let id = app
        .engine
        .call(move |e| e.sim.inject(spec))
        .await
        .map_err(gone)?
        .map_err(input_error)?;
    Ok(ok(&json!({"id": id})))
}

pub async fn get_faults(State(app): State<App>) -> Result<Response, ApiError> {
    let list = app
        .engine
        .call(|e| serde_json::to_value(e.sim.faults()).unwrap_or(Value::Array(Vec::new())))
        .await
        .map_err(gone)?;
    Ok(ok(&list))
}

pub async fn delete_fault(
    State(app): State<App>,
    NamePath(id): NamePath,
) -> Result<Response, ApiError> {
    let id: u64 = id.parse().map_err(|_| {
        ApiError::bad_request_msg(format!("\"{id}\" is not a fault id (an integer)"))
    })?;
    app.engine
        .call(move |e| e.sim.heal(id))
        .await
        .map_err(gone)?
        .map_err(|err| match err {
            InputError::Unknown(m) => ApiError::with(StatusCode::NOT_FOUND, m),
            other => input_error(other),
        })?;
    Ok(ok(&json!({"id": id, "healed": true})))
}

/// `since` and `limit` from the query; `since` may also come from `Last-Event-ID`.
fn events_query(q: Option<&str>, headers: &HeaderMap) -> Result<(u64, usize), ApiError> {
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
                })?
            }
            _ => {}
        }
    }
    Ok((since, limit))
}

/// Log entries with `seq >= since`, oldest first, at most `limit`, as JSON text.
async fn fetch_events(app: &App, since: u64, limit: usize) -> Result<Vec<(u64, String)>, ApiError> {
    app.engine
        .call(move |e| {
            let events = e.sim.events();
            let start = events.partition_point(|ev| ev.seq < since);
            events[start..]
                .iter()
                .take(limit)
                .map(|ev| (ev.seq, ev.to_json(&e.model).to_string()))
                .collect()
        })
        .await
        .map_err(gone)
}

pub async fn get_events(
    State(app): State<App>,
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
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// Server-sent events: the backlog from `since`, then each new entry as it is logged
/// (`id` = seq, `data` = the entry). A reset is sent as `event: reset`.
pub async fn get_event_stream(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (since, _) = events_query(q.as_deref(), &headers)?;
    let (tx, rx) = mpsc::channel::<Result<SseEvent, Infallible>>(256);
    let live = app.engine.subscribe();
    tokio::spawn(pump_events(app, since, live, tx));
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
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
    State(app): State<App>,
    SimJson(body): SimJson<ResetBody>,
) -> Result<Response, ApiError> {
    let c = app
        .engine
        .call(move |e| {
            e.reset(body.seed);
            clock_of(e)
        })
        .await
        .map_err(gone)?;
    Ok(ok(&c))
}

pub async fn get_config(State(app): State<App>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        app.config_json.clone(),
    )
        .into_response()
}

/// The vocabulary, for the dashboard (see `crate::vocab`).
pub async fn get_vocabulary(State(app): State<App>) -> Response {
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
