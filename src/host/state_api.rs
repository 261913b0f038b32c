//! `/sim/v1` endpoints of saved state: `GET /sim/v1/snapshot` (a self-contained JSON
//! file: cluster file, seed, journal, clock), `POST /sim/v1/restore` (one of those
//! files, of the same cluster), `POST /sim/v1/fork {"name", "at_ms"?}` (a new fleet
//! cluster replaying this one's journal up to `at_ms`), `GET /sim/v1/state` (the
//! `--state` directory and what recovery found) and `GET /sim/v1/journal`
//! (`?format=scenario`: the session as a scenario file, see `crate::persist::scenario`).

use super::body::{query_pairs, SimJson};
use super::command::{Command, Reply};
use super::control::{engine_error, Target};
use super::engine_task::unexpected;
use super::fleet::ClusterSpec;
use super::fleet_file::any_port;
use super::journal::Journal;
use super::router::Ctx;
use super::state::Start;
use crate::faces::expresscluster::errors::{json_response, ApiError};
use crate::model::ClusterFile;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

/// The snapshot file's `format` value.
pub const SNAPSHOT_FORMAT: &str = "clustersim-snapshot";

/// A self-contained snapshot: replaying `journal` on `cluster` to `now_ms` is the
/// state (the engine is deterministic), so nothing else needs saving.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotFile {
    pub format: String,
    pub version: u32,
    /// The cluster's name in the fleet when it was taken.
    pub name: String,
    pub cluster: ClusterFile,
    pub now_ms: u64,
    /// Seed and inputs since the last reset.
    pub journal: Journal,
}

pub async fn get_snapshot(Target(app): Target) -> Result<Response, ApiError> {
    let journal = app.engine.journal().await.map_err(engine_error)?;
    let now_ms = app.engine.clock().await.map_err(engine_error)?.now_ms;
    let file = SnapshotFile {
        format: SNAPSHOT_FORMAT.into(),
        version: 1,
        name: app.name.clone(),
        cluster: app.engine.model().source.clone(),
        now_ms,
        journal,
    };
    Ok(json_response(StatusCode::OK, &file))
}

/// Checks what a snapshot file claims before it is replayed.
pub fn check_snapshot(s: &SnapshotFile) -> Result<(), String> {
    if s.format != SNAPSHOT_FORMAT || s.version != 1 {
        return Err(format!(
            "not a snapshot: format {:?} version {} (expected {SNAPSHOT_FORMAT:?} version 1)",
            s.format, s.version
        ));
    }
    let mut last = 0;
    if let Some(b) = &s.journal.base {
        let model = Arc::new(
            crate::model::Model::from_file(s.cluster.clone(), "snapshot")
                .map_err(|_| "the snapshot's cluster file is not valid".to_string())?,
        );
        crate::sim::Sim::restore_state(Some(&model), &b.state)
            .map_err(|e| format!("journal.base.state: {e}"))?;
        last = b.at_ms;
    }
    for (i, e) in s.journal.entries.iter().enumerate() {
        if e.at_ms < last {
            return Err(format!(
                "journal.entries[{i}]: at_ms {} is before the entry before it",
                e.at_ms
            ));
        }
        last = e.at_ms;
    }
    if s.now_ms < last {
        return Err(format!(
            "now_ms {} is before the last input ({last})",
            s.now_ms
        ));
    }
    Ok(())
}

/// Replaces this cluster's state with a snapshot of the same cluster (by its file).
pub async fn post_restore(
    Target(app): Target,
    SimJson(body): SimJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let snap: SnapshotFile = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request_msg(format!("invalid snapshot: {e}")))?;
    check_snapshot(&snap).map_err(ApiError::bad_request_msg)?;
    let same = serde_json::to_value(&snap.cluster).ok()
        == serde_json::to_value(&app.engine.model().source).ok();
    if !same {
        return Err(ApiError::bad_request_msg(
            "the snapshot is of another cluster file; create a cluster from it with POST /sim/v1/clusters instead",
        ));
    }
    let start = Start {
        journal: snap.journal,
        now_ms: snap.now_ms,
    };
    match app
        .engine
        .send(Command::Restore(start))
        .await
        .map_err(engine_error)?
    {
        Reply::Clock(c) => Ok(json_response(StatusCode::OK, &c)),
        other => Err(engine_error(unexpected(other))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkBody {
    name: String,
    #[serde(default)]
    at_ms: Option<u64>,
}

/// The journal as it was at `at_ms` (see [`Journal::at`]).
pub fn journal_at(j: &Journal, at_ms: u64) -> Result<Journal, String> {
    j.at(at_ms)
}

/// Creates cluster `name` from this one's state at `at_ms` (default: now), on a free
/// port, with the same cluster file, clock mode and face version.
pub async fn post_fork(
    State(ctx): State<Ctx>,
    Target(app): Target,
    SimJson(body): SimJson<ForkBody>,
) -> Result<Response, ApiError> {
    let fleet = ctx.fleet.upgrade().ok_or_else(ApiError::internal)?;
    let journal = app.engine.journal().await.map_err(engine_error)?;
    let clock = app.engine.clock().await.map_err(engine_error)?;
    let at_ms = body.at_ms.unwrap_or(clock.now_ms);
    if at_ms > clock.now_ms {
        return Err(ApiError::bad_request_msg(format!(
            "at_ms {at_ms} is after the cluster's virtual time ({} ms)",
            clock.now_ms
        )));
    }
    let d = &fleet.settings.defaults;
    // A fork is a new tenant's cluster: its own credential, answered once (as create).
    let fork_credential = super::tenancy::Credential::generate(&body.name);
    let spec = ClusterSpec {
        name: body.name.clone(),
        model: app.engine.model().clone(),
        seed: journal.seed,
        clock: app.engine.mode,
        speed: clock.speed,
        listen: vec![any_port()],
        per_server_listeners: false,
        faces: Vec::new(),
        api_version: app.version,
        user: fork_credential.user.clone(),
        password: fork_credential.password.clone(),
        state: d
            .state
            .as_ref()
            .filter(|_| super::fleet::check_name(&body.name).is_ok())
            .map(|s| super::fleet::cluster_state_dir(s, &body.name)),
        start: Some(Start {
            journal: journal_at(&journal, at_ms).map_err(ApiError::bad_request_msg)?,
            now_ms: at_ms,
        }),
    };
    match fleet.create(spec).await {
        Ok(c) => Ok(json_response(
            StatusCode::CREATED,
            &json!({"name": c.name(), "api_url": c.api_url, "at_ms": at_ms,
                "user": fork_credential.user, "password": fork_credential.password}),
        )),
        Err(e) => Err(super::fleet_api::fleet_error(e)),
    }
}

pub async fn get_state(Target(app): Target) -> Response {
    let body = match &app.state {
        Some(d) => serde_json::to_value(&d.info).unwrap_or_default(),
        None => json!({"dir": null}),
    };
    json_response(StatusCode::OK, &body)
}

/// The journal as JSON (default) or, with `?format=scenario`, as a scenario file.
pub async fn get_journal(Target(app): Target, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let mut format = "json".to_string();
    let mut expect_final = false;
    let pairs = query_pairs(q.as_deref())
        .ok_or_else(|| ApiError::bad_request_msg("the query string is not valid"))?;
    for (k, v) in pairs {
        match k.as_str() {
            "format" if v == "json" || v == "scenario" => format = v,
            "expect" if v == "final" => expect_final = true,
            "expect" => {
                return Err(ApiError::bad_request_msg(format!(
                    "expect {v:?} is not: final"
                )))
            }
            "format" => {
                return Err(ApiError::bad_request_msg(format!(
                    "format {v:?} is not one of: json, scenario"
                )))
            }
            other => {
                return Err(ApiError::bad_request_msg(format!(
                    "unknown parameter {other:?}"
                )))
            }
        }
    }
    let j = app.engine.journal().await.map_err(engine_error)?;
    if format == "json" {
        return Ok(json_response(StatusCode::OK, &j));
    }
    let now_ms = app.engine.clock().await.map_err(engine_error)?.now_ms;
    if j.base.is_some() {
        // The renderer refuses a journal that starts at a checkpoint, saying why.
        let why = crate::persist::scenario::render(&app.name, &app.engine.model(), &j, now_ms);
        return Err(ApiError::with(
            StatusCode::CONFLICT,
            why.err().unwrap_or_default(),
        ));
    }
    let yaml = crate::persist::scenario::render_with(
        &app.name,
        &app.engine.model(),
        &j,
        now_ms,
        expect_final,
    )
    .map_err(|e| ApiError::with(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(([(header::CONTENT_TYPE, "application/yaml")], yaml).into_response())
}
