//! `/sim/v1/clusters`: list, create and delete the fleet's clusters, and reach any
//! cluster's face through `/sim/v1/clusters/{name}/api/...` (the dashboard's way to
//! a cluster on another listener). Errors are the control API's: 400 for a bad name,
//! body or cluster file, 409 for a duplicate name or a taken address, 404 for an
//! unknown cluster; the message names the problem.

use super::body::SimJson;
use super::control::{no_cluster, path_param};
use super::fleet::{Fleet, FleetError};
use super::fleet_file::{any_port, to_spec, Entry, Origin};
use super::router::Ctx;
use super::tenancy::Caller;
use crate::faces::expresscluster::errors::{json_response, ApiError};
use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

fn fleet(ctx: &Ctx) -> Result<Arc<Fleet>, ApiError> {
    ctx.fleet.upgrade().ok_or_else(ApiError::internal)
}

#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    /// The cluster's status as its face shows it.
    status: &'a str,
    api_url: &'a str,
    clock: ListedClock,
    /// The user holding this pool cluster (`host/fleet_pool.rs`); absent when free
    /// or not a pool member.
    #[serde(skip_serializing_if = "Option::is_none")]
    holder: Option<String>,
    /// The cluster of the listener the request came through (the dashboard's "this
    /// port's cluster"); absent on the others.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    own: bool,
}

#[derive(Serialize)]
struct ListedClock {
    now_ms: u64,
    mode: &'static str,
    speed: f64,
}

/// Every cluster the caller may reach (the admin: all), in creation order, from the
/// published snapshots: no engine is asked.
pub async fn list(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let fleet = fleet(&ctx)?;
    let mut all = fleet.list();
    all.retain(|c| fleet.tenancy.may_reach(&caller, c.name()));
    let snaps: Vec<_> = all.iter().map(|c| c.app.engine.snapshot()).collect();
    let body: Vec<Listed> = all
        .iter()
        .zip(&snaps)
        .map(|(c, s)| Listed {
            name: c.name(),
            status: s.view.status,
            api_url: &c.api_url,
            clock: ListedClock {
                now_ms: s.now_ms(),
                mode: s.clock.as_str(),
                speed: s.speed,
            },
            holder: fleet.pool.holder(c.name()),
            own: c.name() == ctx.own.name,
        })
        .collect();
    Ok(json_response(StatusCode::OK, &body))
}

/// Creates a cluster (the admin only: the gate sees to it); `201 {"name", "api_url",
/// "user", "password"}`: the new cluster's own credential, given or generated.
pub async fn create(
    State(ctx): State<Ctx>,
    SimJson(body): SimJson<Value>,
) -> Result<Response, ApiError> {
    let fleet = fleet(&ctx)?;
    let entry: Entry = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request_msg(format!("invalid cluster: {e}")))?;
    let spec = to_spec(entry, &fleet.settings.defaults, Origin::Request, any_port())
        .map_err(ApiError::bad_request_msg)?;
    super::limits::check_posted_servers(&spec.model)
        .map_err(|e| ApiError::bad_request_msg(format!("cluster {:?}: {e}", spec.name)))?;
    let credential = spec.credential();
    match fleet.create(spec).await {
        Ok(c) => Ok(json_response(
            StatusCode::CREATED,
            &json!({"name": c.name(), "api_url": c.api_url,
                "user": credential.user, "password": credential.password}),
        )),
        Err(e) => Err(fleet_error(e)),
    }
}

/// A cluster that could not be created, as the control API answers it.
pub fn fleet_error(e: FleetError) -> ApiError {
    match e {
        FleetError::BadRequest(m) => ApiError::bad_request_msg(m),
        FleetError::Conflict(m) | FleetError::Locked(m) => ApiError::with(StatusCode::CONFLICT, m),
        FleetError::Unavailable(m) => ApiError::with(StatusCode::SERVICE_UNAVAILABLE, m),
    }
}

pub async fn delete(State(ctx): State<Ctx>, req: Request) -> Result<Response, ApiError> {
    let (mut parts, _) = req.into_parts();
    let name = path_param(&mut parts, &ctx, "cluster")
        .await?
        .unwrap_or_default();
    let removed = fleet(&ctx)?.remove(&name).await;
    // The cluster's engine and model are freed by now or soon; give the pages back.
    super::memory::release_freed();
    match removed {
        Some(_) => Ok(json_response(
            StatusCode::OK,
            &json!({"name": name, "deleted": true}),
        )),
        None => Err(no_cluster(&name)),
    }
}

/// `/sim/v1/clusters/{name}/api/...`: the named cluster's face answers `/api/...`
/// (the gate has checked the caller reaches `{name}`).
pub async fn face(State(ctx): State<Ctx>, req: Request) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    let name = path_param(&mut parts, &ctx, "cluster")
        .await?
        .unwrap_or_default();
    let cluster = fleet(&ctx)?.get(&name).ok_or_else(|| no_cluster(&name))?;
    let prefix = format!("/sim/v1/clusters/{name}");
    let path_q = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let inner = path_q.strip_prefix(&prefix).unwrap_or("/api/").to_string();
    let uri: axum::http::Uri = inner.parse().map_err(|_| ApiError::bad_request())?;
    // A fresh request, so this route's path parameters do not reach the face's.
    let mut req = Request::new(body);
    *req.method_mut() = parts.method;
    *req.uri_mut() = uri;
    *req.headers_mut() = parts.headers;
    if let Some(conn) = parts.extensions.get::<super::Conn>() {
        req.extensions_mut().insert(super::Conn {
            server: None,
            ..*conn
        });
    }
    Ok(cluster.face.clone().oneshot(req).await.into_response())
}
