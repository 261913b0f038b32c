//! Operations: each POST becomes an [`Operation`] sent to the engine and is answered at
//! once, accepted (code 0) or refused with the reason (see `errors.rs` for the codes).

use super::errors::{
    json_response, ApiError, ResultObj, CODE_BUSY, CODE_INVALID, CODE_REFUSED, CODE_UNKNOWN_NAME,
};
use crate::host::body::{ApiJson, NamePath};
use crate::host::command::{Command, Reply};
use crate::host::App;
use crate::sim::{Input, InputError, Operation, Refusal};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;

// ------------------------------------------------------------------ operations

/// `{"result": {...}}` only, HTTP 200.
fn result(code: i64, message: impl Into<Cow<'static, str>>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"result": ResultObj { code, message: message.into() }}),
    )
}

/// Sends an operation to the engine and answers at once with its acceptance or the
/// reason it was refused.
pub(super) async fn operate(app: &App, op: Operation) -> Response {
    // Judged on the knowledge of the server whose address received the request; on
    // the single listener, of the first running server by priority.
    let from = crate::host::listeners::ANSWERING
        .try_with(|s| *s)
        .ok()
        .flatten();
    let input = Input::Operation(op);
    match app.engine.send(Command::ApplyFrom { from, input }).await {
        Ok(Reply::Applied { result: Ok(_), .. }) => result(0, ""),
        Ok(Reply::Applied {
            result: Err(InputError::Refused(Refusal::NoAnswer { answer_at_ms, .. })),
            ..
        }) => {
            // The answering server tried a peer that does not answer (§0): the reply
            // comes when the internal communication timeout is over, in virtual time.
            // Under a manual clock only the caller moves time, and a client that waits
            // for this answer before advancing would wait for ever: it comes at once
            // (the attempt's `operation-failed` is still logged at `answer_at_ms`).
            let mut snaps = app.engine.watch();
            let manual = app.engine.mode == crate::host::ClockMode::Manual;
            while !manual && snaps.borrow().published_ms < answer_at_ms {
                if snaps.changed().await.is_err() {
                    break;
                }
            }
            ApiError::sending().into()
        }
        Ok(Reply::Applied {
            result: Err(err),
            busy_before,
        }) => refusal(busy_before, err),
        _ => ApiError::internal().into(),
    }
}

fn refusal(busy: bool, err: InputError) -> Response {
    let code = match &err {
        InputError::Unknown(_) => CODE_UNKNOWN_NAME,
        InputError::Invalid(_) => CODE_INVALID,
        InputError::Refused(Refusal::Busy) => CODE_BUSY,
        // The product answers busy to whatever it refuses while an operation runs.
        InputError::Refused(_) if busy => CODE_BUSY,
        InputError::Refused(_) => CODE_REFUSED,
    };
    result(code, super::voice::product_voice(&err.message()))
}

/// Bodies with an optional `target` (server name).
#[derive(Deserialize)]
pub struct TargetBody {
    #[serde(default)]
    target: Option<String>,
}

/// The route names its operation itself, so no action string can be unknown here.
pub async fn post_cluster(State(app): State<App>, op: Operation) -> Response {
    operate(&app, op).await
}

#[derive(Deserialize)]
pub struct ToratioBody {
    ratio: Option<i64>,
    #[serde(default)]
    time: Option<String>,
}

/// Longest extension `clptoratio` accepts [doc: up to 30 days].
const TORATIO_MAX_MS: u64 = 30 * 86_400_000;

/// `2m`, `3h`, `4d` -> ms; the unit is required and only m, h, d exist.
fn toratio_time(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let factor = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    let n: u64 = match (factor, num.parse::<u64>()) {
        (f, Ok(n)) if f > 0 && !num.starts_with('+') && n > 0 => n,
        _ => {
            return Err(format!(
                "The time \"{text}\" is invalid. Specify minutes, hours or days, e.g. 2m, 3h, 4d."
            ))
        }
    };
    match n.checked_mul(factor) {
        Some(ms) if ms <= TORATIO_MAX_MS => Ok(ms),
        _ => Err(format!(
            "The time \"{text}\" is too long. Specify up to 30 days."
        )),
    }
}

pub async fn post_toratio_set(
    State(app): State<App>,
    ApiJson(body): ApiJson<ToratioBody>,
) -> Response {
    let Some(ratio) = body.ratio else {
        return ApiError::bad_request().into();
    };
    if !(1..=10_000).contains(&ratio) {
        return result(CODE_INVALID, "The ratio must be between 1 and 10000.");
    }
    let duration_ms = match (ratio, body.time.as_deref()) {
        (1, Some(_)) => {
            return result(
                CODE_INVALID,
                "The time cannot be specified when the ratio is 1.",
            );
        }
        (1, None) => None,
        (_, None) => return result(CODE_INVALID, "Specify the time unless the ratio is 1."),
        (_, Some(t)) => match toratio_time(t) {
            Ok(ms) => Some(ms),
            Err(m) => return result(CODE_INVALID, m),
        },
    };
    operate(
        &app,
        Operation::SetTimeoutRatio {
            ratio: ratio as u32,
            duration_ms,
        },
    )
    .await
}

pub async fn post_toratio_reset(State(app): State<App>) -> Response {
    operate(&app, Operation::ResetTimeoutRatio).await
}

pub async fn post_server(
    State(app): State<App>,
    NamePath(server): NamePath,
    op: fn(String) -> Operation,
) -> Response {
    operate(&app, op(server)).await
}

/// `POST /groups/start|stop`: every group that can start on (or runs on) `target`,
/// which is required here.
pub async fn post_groups(
    State(app): State<App>,
    ApiJson(body): ApiJson<TargetBody>,
    op: fn(Option<String>, Option<String>) -> Operation,
) -> Response {
    let Some(target) = body.target else {
        return ApiError::bad_request().into();
    };
    operate(&app, op(None, Some(target))).await
}

pub async fn post_group(
    State(app): State<App>,
    NamePath(group): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    op: fn(String, Option<String>) -> Operation,
) -> Response {
    operate(&app, op(group, body.target)).await
}

pub async fn post_resource(
    State(app): State<App>,
    NamePath(resource): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    op: fn(String, Option<String>) -> Operation,
) -> Response {
    operate(&app, op(resource, body.target)).await
}

pub async fn post_monitor(
    State(app): State<App>,
    NamePath(monitor): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    op: fn(String, Option<String>) -> Operation,
) -> Response {
    operate(&app, op(monitor, body.target)).await
}

#[derive(Deserialize)]
pub struct ScriptBody {
    script: Option<String>,
    target: Option<String>,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    logdir: Option<String>,
}

/// Default API timeout of `scripts/run` [doc: 180 s].
const SCRIPT_TIMEOUT_S: u64 = 180;

pub async fn post_script_run(
    State(app): State<App>,
    ApiJson(body): ApiJson<ScriptBody>,
) -> Response {
    let (Some(script), Some(target)) = (body.script, body.target) else {
        return ApiError::bad_request().into();
    };
    let timeout_s = body.timeout.unwrap_or(SCRIPT_TIMEOUT_S);
    if timeout_s == 0 {
        return result(CODE_INVALID, "The timeout must be at least 1 second.");
    }
    operate(
        &app,
        Operation::ScriptRun {
            script,
            target,
            timeout_s,
            logdir: body.logdir,
        },
    )
    .await
}

pub async fn post_server_dummy(
    State(app): State<App>,
    NamePath(server): NamePath,
    op: fn(String) -> Operation,
) -> Response {
    operate(&app, op(server)).await
}

pub async fn post_monitor_dummy(
    State(app): State<App>,
    NamePath(monitor): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    op: fn(String, Option<String>) -> Operation,
) -> Response {
    let target = body.target.filter(|t| !t.is_empty());
    operate(&app, op(monitor, target)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toratio_times() {
        assert_eq!(toratio_time("2m"), Ok(120_000));
        assert_eq!(toratio_time("3h"), Ok(3 * 3_600_000));
        assert_eq!(toratio_time("30d"), Ok(TORATIO_MAX_MS));
        assert_eq!(toratio_time("720h"), Ok(TORATIO_MAX_MS));
        assert!(toratio_time("31d").is_err());
        assert!(toratio_time("43201m").is_err());
        for bad in [
            "",
            "m",
            "3",
            "3s",
            "0m",
            "-1h",
            "+2h",
            "2 h",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(toratio_time(bad).is_err(), "{bad}");
        }
    }
}
