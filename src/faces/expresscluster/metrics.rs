//! Section 8's metrics: group uptime from the event log, and the configuration's
//! last-applied date.

use super::errors::ApiError;
use super::ok;
use crate::host::body::NamePath;
use crate::host::App;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

// ------------------------------------------------------------------ metrics

#[derive(Serialize)]
struct Uptime {
    name: String,
    /// Seconds (simulated) the group has been Online since t=0, floored.
    uptime: u64,
}

async fn uptimes(app: &App) -> Result<Vec<Uptime>, ApiError> {
    let ms = app
        .engine
        .group_online_ms()
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(app
        .engine
        .model()
        .groups
        .iter()
        .zip(ms)
        .map(|(g, ms)| Uptime {
            name: g.name.clone(),
            uptime: ms / 1000,
        })
        .collect())
}

pub async fn get_uptimes(State(app): State<App>) -> Response {
    match uptimes(&app).await {
        Ok(list) => ok("groups", &list),
        Err(e) => e.into(),
    }
}

pub async fn get_uptime(State(app): State<App>, NamePath(group): NamePath) -> Response {
    match uptimes(&app).await {
        Ok(list) => match list.into_iter().find(|u| u.name == group) {
            Some(u) => ok("groups", &[u]),
            None => ApiError::not_found("groups", json!([{"name": "", "uptime": 0}])).into(),
        },
        Err(e) => e.into(),
    }
}

/// When the configuration was applied: at t=0 (the calendar's epoch, `settings.epoch`,
/// `serve --epoch`), then at each live reconfiguration (`server-add`, `server-remove`).
pub async fn get_last_applied_date(State(app): State<App>) -> Response {
    let snap = app.engine.snapshot();
    let date = crate::model::calendar::date_at(&snap.model.settings.epoch, snap.config_applied_ms);
    ok("config", &json!({"lastAppliedDate": date}))
}
