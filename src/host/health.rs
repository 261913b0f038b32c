//! `GET /sim/v1/health`: liveness and readiness for orchestrators and test fixtures,
//! answered without credentials (probes carry none; it holds no cluster data).
//!
//! Live: the listener answers (this handler runs). Ready: the engine thread answers a
//! command within [`READY_WITHIN`], so operations and clock commands will be served.
//! 200 when ready, 503 when not, with `{"live": true, "ready": ..., ...}` either way;
//! `"degraded": true` and `"state_problems"` when recovery of the `--state` directory
//! dropped or replaced something at start.

use super::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::time::Duration;

/// How long the engine may take to answer before the server reads as not ready.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

pub async fn get_health(State(app): State<App>) -> Response {
    let engine = tokio::time::timeout(READY_WITHIN, app.engine.clock()).await;
    let (code, body) = match engine {
        Ok(Ok(clock)) => {
            let mut body = json!({"live": true, "ready": true, "now_ms": clock.now_ms, "clock": app.engine.mode.as_str()});
            // Serving, but recovery dropped or replaced something at start.
            let problems = app
                .state
                .as_ref()
                .map(|d| d.info.problems())
                .unwrap_or_default();
            if !problems.is_empty() {
                body["degraded"] = json!(true);
                body["state_problems"] = json!(problems);
            }
            (StatusCode::OK, body)
        }
        Ok(Err(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"live": true, "ready": false, "reason": "the simulation engine has stopped"}),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"live": true, "ready": false, "reason": "the simulation engine did not answer within 2 s"}),
        ),
    };
    crate::faces::expresscluster::errors::json_response(code, &body)
}
