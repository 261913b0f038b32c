//! `/api/v1`: the EXPRESSCLUSTER X REST surface, field for field as the reference shows
//! it for the configured API version. Handlers are thin: status GETs render the latest
//! published view; operations become an [`Operation`] sent to the engine, answered at
//! once with `result` (progress shows in later GETs).
//!
//! Choices where the reference is silent (documented in `openapi.json` too):
//! - GET of a named object that does not exist: HTTP 400 (the table's "URL has an
//!   error"), `result.code` 1, and the endpoint's empty-object "Error" example beside
//!   it. The reference's `servers` error examples spell the field `names`; we follow its
//!   parameter tables, which say `name`.
//! - Monitor `type` is the model's monitor kind without its trailing `w` (`fipw` ->
//!   `fip`), as the reference's example shows for `fipw1`.
//! - A refused operation is HTTP 200 with a non-zero `result.code` (see `errors.rs`)
//!   and the engine's message saying why.

use super::body::{query_pairs, ApiJson, NamePath};
use super::errors::{
    json_response, ApiError, ResultObj, CODE_BUSY, CODE_INVALID, CODE_REFUSED, CODE_UNKNOWN_NAME,
};
use super::{ApiVersion, App, Conn};
use crate::sim::event::EventKind;
use crate::sim::view::ClusterView;
use crate::sim::{InputError, Operation};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::json;
use std::borrow::Cow;

/// `{"result": {"code": 0, "message": ""}, <field>: <body>}`, serialised directly.
struct Envelope<'a, T> {
    field: &'static str,
    body: &'a T,
}

impl<T: Serialize> Serialize for Envelope<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("result", &ResultObj::OK)?;
        m.serialize_entry(self.field, self.body)?;
        m.end()
    }
}

fn ok<T: Serialize>(field: &'static str, body: &T) -> Response {
    json_response(StatusCode::OK, &Envelope { field, body })
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

/// What `?select=` asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Select {
    All,
    Name,
    Resources,
}

/// Parses the query: only `select` is meaningful; `resources` needs v1.1 and is only
/// allowed where `allow_resources`. Other keys are ignored.
fn select(app: &App, query: Option<&str>, allow_resources: bool) -> Result<Select, ApiError> {
    let pairs = query_pairs(query).ok_or_else(ApiError::bad_request)?;
    let mut sel = Select::All;
    for (k, v) in pairs {
        if k != "select" {
            continue;
        }
        sel = match v.as_str() {
            "name" => Select::Name,
            "resources" if allow_resources && app.version >= ApiVersion::V1_1 => Select::Resources,
            _ => return Err(ApiError::bad_request()),
        };
    }
    Ok(sel)
}

fn view<'a>(
    snap: &'a super::engine_task::Snapshot,
    conn: &Option<Extension<Conn>>,
) -> &'a ClusterView {
    snap.view_for(conn.as_ref().and_then(|c| c.server))
}

// ------------------------------------------------------------------ cluster

pub async fn get_cluster(State(app): State<App>, conn: Option<Extension<Conn>>) -> Response {
    let snap = app.engine.snapshot();
    let v = view(&snap, &conn);
    #[derive(Serialize)]
    struct C<'a> {
        name: &'a str,
        status: &'a str,
    }
    ok(
        "cluster",
        &C {
            name: &v.name,
            status: v.status,
        },
    )
}

pub async fn get_toratio(State(app): State<App>, conn: Option<Extension<Conn>>) -> Response {
    let snap = app.engine.snapshot();
    ok("cluster", &json!({"toratio": view(&snap, &conn).toratio}))
}

// ------------------------------------------------------------------ servers

fn servers(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, false) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let list: Vec<_> = v
        .servers
        .iter()
        .filter(|s| name.is_none() || name == Some(s.name.as_str()))
        .collect();
    if list.is_empty() && name.is_some() {
        return ApiError::not_found(
            "servers",
            match sel {
                Select::Name => json!([{"name": ""}]),
                _ => json!([{"name": "", "status": ""}]),
            },
        )
        .into();
    }
    #[derive(Serialize)]
    struct S<'a> {
        name: &'a str,
        status: &'a str,
    }
    match sel {
        Select::Name => ok(
            "servers",
            &list
                .iter()
                .map(|s| Named { name: &s.name })
                .collect::<Vec<_>>(),
        ),
        _ => ok(
            "servers",
            &list
                .iter()
                .map(|s| S {
                    name: &s.name,
                    status: s.status,
                })
                .collect::<Vec<_>>(),
        ),
    }
}

pub async fn get_servers(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    servers(&app, &conn, None, q.as_deref())
}

pub async fn get_server(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    servers(&app, &conn, Some(&name), q.as_deref())
}

// ------------------------------------------------------------------ groups

fn resource_names(g: &crate::sim::view::GroupView) -> Vec<Named<'_>> {
    g.resources.iter().map(|r| Named { name: r }).collect()
}

fn groups(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, name.is_some()) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let with_resources = app.version >= ApiVersion::V1_1;
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let list: Vec<_> = v
        .groups
        .iter()
        .filter(|g| name.is_none() || name == Some(g.name.as_str()))
        .collect();
    if list.is_empty() && name.is_some() {
        let empty = match sel {
            Select::Name => json!([{"name": ""}]),
            Select::Resources => json!([{"resources": []}]),
            Select::All if with_resources => {
                json!([{"name": "", "status": "", "current": "", "resources": []}])
            }
            Select::All => json!([{"name": "", "status": "", "current": ""}]),
        };
        return ApiError::not_found("groups", empty).into();
    }
    #[derive(Serialize)]
    struct G<'a> {
        name: &'a str,
        status: &'a str,
        current: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        resources: Option<Vec<Named<'a>>>,
    }
    #[derive(Serialize)]
    struct R<'a> {
        resources: Vec<Named<'a>>,
    }
    match sel {
        Select::Name => ok(
            "groups",
            &list
                .iter()
                .map(|g| Named { name: &g.name })
                .collect::<Vec<_>>(),
        ),
        Select::Resources => ok(
            "groups",
            &list
                .iter()
                .map(|g| R {
                    resources: resource_names(g),
                })
                .collect::<Vec<_>>(),
        ),
        Select::All => ok(
            "groups",
            &list
                .iter()
                .map(|g| G {
                    name: &g.name,
                    status: g.status,
                    current: &g.current,
                    resources: with_resources.then(|| resource_names(g)),
                })
                .collect::<Vec<_>>(),
        ),
    }
}

pub async fn get_groups(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    groups(&app, &conn, None, q.as_deref())
}

pub async fn get_group(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    groups(&app, &conn, Some(&name), q.as_deref())
}

// ------------------------------------------------------------------ resources

fn resources(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, false) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let with_group = app.version >= ApiVersion::V1_1;
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let list: Vec<_> = v
        .resources
        .iter()
        .filter(|r| name.is_none() || name == Some(r.name.as_str()))
        .collect();
    if list.is_empty() && name.is_some() {
        let empty = match sel {
            Select::Name => json!([{"name": ""}]),
            _ if with_group => {
                json!([{"name": "", "type": "", "status": "", "current": "", "group": ""}])
            }
            _ => json!([{"name": "", "type": "", "status": "", "current": ""}]),
        };
        return ApiError::not_found("resources", empty).into();
    }
    #[derive(Serialize)]
    struct R<'a> {
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        status: &'a str,
        current: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<&'a str>,
    }
    match sel {
        Select::Name => ok(
            "resources",
            &list
                .iter()
                .map(|r| Named { name: &r.name })
                .collect::<Vec<_>>(),
        ),
        _ => ok(
            "resources",
            &list
                .iter()
                .map(|r| R {
                    name: &r.name,
                    kind: r.kind,
                    status: r.status,
                    current: &r.current,
                    group: with_group.then_some(r.group.as_str()),
                })
                .collect::<Vec<_>>(),
        ),
    }
}

pub async fn get_resources(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    resources(&app, &conn, None, q.as_deref())
}

pub async fn get_resource(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    resources(&app, &conn, Some(&name), q.as_deref())
}

// ------------------------------------------------------------------ monitors

/// The REST `type` of a monitor: its kind without the trailing `w` (`fipw` -> `fip`).
pub fn monitor_type(kind: &str) -> &str {
    match kind.strip_suffix('w') {
        Some(t) if !t.is_empty() => t,
        _ => kind,
    }
}

fn monitors(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, false) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let list: Vec<_> = v
        .monitors
        .iter()
        .filter(|m| name.is_none() || name == Some(m.name.as_str()))
        .collect();
    if list.is_empty() && name.is_some() {
        let empty = match sel {
            Select::Name => json!([{"name": ""}]),
            _ => json!([{"name": "", "type": "", "status": "", "servers": []}]),
        };
        return ApiError::not_found("monitors", empty).into();
    }
    #[derive(Serialize)]
    struct MS<'a> {
        name: &'a str,
        status: &'a str,
    }
    #[derive(Serialize)]
    struct M<'a> {
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        status: &'a str,
        servers: Vec<MS<'a>>,
    }
    match sel {
        Select::Name => ok(
            "monitors",
            &list
                .iter()
                .map(|m| Named { name: &m.name })
                .collect::<Vec<_>>(),
        ),
        _ => ok(
            "monitors",
            &list
                .iter()
                .map(|m| M {
                    name: &m.name,
                    kind: monitor_type(&m.kind),
                    status: m.status,
                    servers: m
                        .servers
                        .iter()
                        .map(|s| MS {
                            name: &s.name,
                            status: s.status,
                        })
                        .collect(),
                })
                .collect::<Vec<_>>(),
        ),
    }
}

pub async fn get_monitors(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    monitors(&app, &conn, None, q.as_deref())
}

pub async fn get_monitor(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    monitors(&app, &conn, Some(&name), q.as_deref())
}

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
async fn operate(app: &App, op: Operation) -> Response {
    let answer = app
        .engine
        .call(move |e| {
            let busy = e.sim.busy();
            (busy, e.sim.operate(op))
        })
        .await;
    match answer {
        Err(_) => ApiError::internal().into(),
        Ok((_, Ok(()))) => result(0, ""),
        Ok((busy, Err(err))) => refusal(busy, err),
    }
}

fn refusal(busy: bool, err: InputError) -> Response {
    let code = match &err {
        InputError::Unknown(_) => CODE_UNKNOWN_NAME,
        InputError::Invalid(_) => CODE_INVALID,
        InputError::Refused(_) if busy => CODE_BUSY,
        InputError::Refused(_) => CODE_REFUSED,
    };
    result(code, err.message().to_string())
}

/// Bodies with an optional `target` (server name).
#[derive(Deserialize)]
pub struct TargetBody {
    #[serde(default)]
    target: Option<String>,
}

pub async fn post_cluster(State(app): State<App>, action: &'static str) -> Response {
    let op = match action {
        "start" => Operation::ClusterStart,
        "stop" => Operation::ClusterStop,
        "reboot" => Operation::ClusterReboot,
        "shutdown" => Operation::ClusterShutdown,
        "suspend" => Operation::ClusterSuspend,
        "resume" => Operation::ClusterResume,
        _ => return ApiError::bad_request().into(),
    };
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
    action: &'static str,
) -> Response {
    let op = match action {
        "start" => Operation::ServerStart { server },
        "stop" => Operation::ServerStop { server },
        "reboot" => Operation::ServerReboot { server },
        "shutdown" => Operation::ServerShutdown { server },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
}

/// `POST /groups/start|stop`: every group that can start on (or runs on) `target`,
/// which is required here.
pub async fn post_groups(
    State(app): State<App>,
    ApiJson(body): ApiJson<TargetBody>,
    action: &'static str,
) -> Response {
    let Some(target) = body.target else {
        return ApiError::bad_request().into();
    };
    let op = match action {
        "start" => Operation::GroupStart {
            group: None,
            target: Some(target),
        },
        "stop" => Operation::GroupStop {
            group: None,
            target: Some(target),
        },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
}

pub async fn post_group(
    State(app): State<App>,
    NamePath(group): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    action: &'static str,
) -> Response {
    let target = body.target;
    let op = match action {
        "start" => Operation::GroupStart {
            group: Some(group),
            target,
        },
        "stop" => Operation::GroupStop {
            group: Some(group),
            target,
        },
        "move" => Operation::GroupMove { group, target },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
}

pub async fn post_resource(
    State(app): State<App>,
    NamePath(resource): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    action: &'static str,
) -> Response {
    let op = match action {
        "start" => Operation::ResourceStart {
            resource,
            target: body.target,
        },
        "stop" => Operation::ResourceStop { resource },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
}

pub async fn post_monitor(
    State(app): State<App>,
    NamePath(monitor): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    action: &'static str,
) -> Response {
    let target = body.target;
    let op = match action {
        "suspend" => Operation::MonitorSuspend { monitor, target },
        "resume" => Operation::MonitorResume { monitor, target },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
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
    action: &'static str,
) -> Response {
    let op = match action {
        "start" => Operation::ServerDummyFailureStart { server },
        "stop" => Operation::ServerDummyFailureStop { server },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
}

pub async fn post_monitor_dummy(
    State(app): State<App>,
    NamePath(monitor): NamePath,
    ApiJson(body): ApiJson<TargetBody>,
    action: &'static str,
) -> Response {
    let target = body.target.filter(|t| !t.is_empty());
    let op = match action {
        "start" => Operation::MonitorDummyFailureStart { monitor, target },
        "stop" => Operation::MonitorDummyFailureStop { monitor, target },
        _ => return ApiError::bad_request().into(),
    };
    operate(&app, op).await
}

// ------------------------------------------------------------------ metrics

/// Simulated milliseconds each group has spent `Online` since t=0, indexed by group
/// id. The event log's `group-status` entries give a group's status on one server; the
/// group counts as up while it is `Online` on at least one server.
pub fn group_online_ms(sim: &crate::sim::Sim) -> Vec<u64> {
    let model = sim.model();
    let (ng, ns) = (model.groups.len(), model.servers.len());
    let mut total = vec![0u64; ng];
    let mut online_on = vec![false; ng * ns];
    let mut count = vec![0usize; ng];
    let mut since = vec![0u64; ng];
    for e in sim.events() {
        if e.kind != EventKind::GroupStatus {
            continue;
        }
        let (Some(g), Some(s), Some(status)) = (e.group, e.server, e.status) else {
            continue;
        };
        if g >= ng || s >= ns {
            continue;
        }
        let online = status == crate::sim::status::ONLINE;
        if online == online_on[g * ns + s] {
            continue;
        }
        online_on[g * ns + s] = online;
        if online {
            if count[g] == 0 {
                since[g] = e.t_ms;
            }
            count[g] += 1;
        } else {
            count[g] -= 1;
            if count[g] == 0 {
                total[g] += e.t_ms.saturating_sub(since[g]);
            }
        }
    }
    let now = sim.now();
    for g in 0..ng {
        if count[g] > 0 {
            total[g] += now.saturating_sub(since[g]);
        }
    }
    total
}

#[derive(Serialize)]
struct Uptime {
    name: String,
    /// Seconds (simulated) the group has been Online since t=0, floored.
    uptime: u64,
}

async fn uptimes(app: &App) -> Result<Vec<Uptime>, ApiError> {
    app.engine
        .call(|e| {
            let ms = group_online_ms(&e.sim);
            e.model
                .groups
                .iter()
                .zip(ms)
                .map(|(g, ms)| Uptime {
                    name: g.name.clone(),
                    uptime: ms / 1000,
                })
                .collect()
        })
        .await
        .map_err(|_| ApiError::internal())
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

/// When the configuration was applied: the simulation applies it at t=0, and t=0 is
/// the Unix epoch, so the answer is fixed (and the same for every run and reset).
pub const LAST_APPLIED_DATE: &str = "1970-01-01T00:00:00.000Z";

pub async fn get_last_applied_date() -> Response {
    ok("config", &json!({"lastAppliedDate": LAST_APPLIED_DATE}))
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        axum::response::IntoResponse::into_response(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_types_lose_the_trailing_w() {
        assert_eq!(monitor_type("fipw"), "fip");
        assert_eq!(monitor_type("userw"), "user");
        assert_eq!(monitor_type("w"), "w");
        assert_eq!(monitor_type("custom"), "custom");
    }

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
