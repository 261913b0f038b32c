//! `GET /sim/v1/rolling`: the rolling operations' records, with dates on the cluster's
//! calendar (they are started like any operation, e.g. `{"op":"rolling-restart"}` to
//! `POST /sim/v1/operations` in `control.rs`). Faces read the same records from the
//! published snapshot.

use super::control::Target;
use crate::faces::expresscluster::errors::{json_response, ApiError};
use crate::model::calendar::date_at;
use crate::sim::RollingRecord;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

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
