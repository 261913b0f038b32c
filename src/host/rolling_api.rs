//! `POST /sim/v1/operations` (any [`Operation`], as scenario steps write them, e.g.
//! `{"op":"rolling-restart"}`) and `GET /sim/v1/rolling` (the rolling operations'
//! records, with dates on the cluster's calendar). Faces read the same records from the
//! published snapshot.

use super::body::SimJson;
use super::control::{apply, Target};
use crate::faces::expresscluster::errors::{json_response, ApiError};
use crate::model::calendar::date_at;
use crate::sim::{Input, Operation, RollingRecord};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

pub async fn post_operation(
    Target(app): Target,
    SimJson(body): SimJson<Value>,
) -> Result<Response, ApiError> {
    let op: Operation = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request_msg(format!("bad operation: {e}")))?;
    apply(&app, Input::Operation(op)).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"result": {"code": 0}}),
    ))
}

/// One record as JSON, with `started_at`/`finished_at` dates beside the times.
pub fn record_json(epoch: &str, r: &RollingRecord) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["started_at"] = json!(date_at(epoch, r.started_ms));
    v["finished_at"] = json!(r.finished_ms.map(|t| date_at(epoch, t)));
    v
}

pub async fn get_rolling(Target(app): Target) -> Result<Response, ApiError> {
    let snap = app.engine.snapshot();
    let epoch = &app.engine.model().settings.epoch;
    let list: Vec<Value> = snap.rolling.iter().map(|r| record_json(epoch, r)).collect();
    Ok(json_response(StatusCode::OK, &list))
}
