//! The routes, `/v1/servers` and `/v1/monitors`: the JSON:API documents and the
//! set/clear and stop/start actions.

use super::config::Entry;
use super::state::{node_id, Role, Seen};
use super::{error, lock, Answer, MaxScale, MONITOR};
use crate::model::{calendar, Model};
use crate::sim::Operation;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

const NOT_FOUND: Answer = Answer::Bare(StatusCode::NOT_FOUND);

/// One request's router context: the face, the method (HEAD as GET) and the link base.
pub struct Route<'a> {
    pub m: &'a MaxScale,
    pub method: Method,
    pub base: String,
}

pub async fn dispatch(m: &MaxScale, method: Method, req: Request) -> Answer {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:8989")
        .to_string();
    let base = format!("http://{host}/v1");
    let path = req.uri().path().to_string();
    if path == "/openapi.json" && method == Method::GET {
        let doc: Value = serde_json::from_str(include_str!("openapi.json")).unwrap_or_default();
        return Answer::Json(StatusCode::OK, doc);
    }
    // HEAD is answered as GET (the server drops the body).
    let method = if method == Method::HEAD {
        Method::GET
    } else {
        method
    };
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let r = Route { m, method, base };
    let (method, base) = (&r.method, r.base.as_str());
    let answer = match segs.as_slice() {
        [] | ["v1"] if *method == Method::GET => Some(Answer::Bare(StatusCode::OK)),
        ["v1", "servers", rest @ ..] => servers_route(&r, rest, req).await,
        ["v1", "monitors", rest @ ..] => monitors_route(&r, rest, req).await,
        ["v1", "services", rest @ ..] => super::views::services_route(&r, rest, req).await,
        ["v1", "maxscale"] if *method == Method::GET => super::views::maxscale(m, base),
        // The cluster has no filters and MaxScale no client sessions: empty collections.
        ["v1", kind @ ("filters" | "sessions")] if *method == Method::GET => Some(Answer::Json(
            StatusCode::OK,
            json!({"links": {"self": format!("{base}/{kind}/")}, "data": []}),
        )),
        _ => None,
    };
    answer.unwrap_or_else(|| {
        if known_path(m, &segs) {
            Answer::Bare(StatusCode::METHOD_NOT_ALLOWED)
        } else {
            NOT_FOUND
        }
    })
}

/// `/v1/servers...`; `None` when no route of this method matches.
async fn servers_route(r: &Route<'_>, rest: &[&str], req: Request) -> Option<Answer> {
    let (m, method, base) = (r.m, &r.method, r.base.as_str());
    let found = rest.first().and_then(|n| server_id(m, n));
    if rest.len() > 1 && found.is_none() {
        return Some(NOT_FOUND);
    }
    let query = crate::host::body::query_pairs(req.uri().query()).unwrap_or_default();
    Some(match (method.as_str(), rest) {
        ("GET", []) => servers(m, base, None),
        ("GET", [name]) => servers(m, base, Some(name)),
        ("POST", []) => super::admin::create(m, req).await,
        ("PATCH", [_]) => match found {
            None => NOT_FOUND,
            Some(i) => super::admin::alter(m, i, req, None).await,
        },
        ("PATCH", [_, "relationships", kind @ ("services" | "monitors")]) => {
            super::admin::alter(m, found?, req, Some(kind)).await
        }
        ("DELETE", [_]) => match found {
            None => NOT_FOUND,
            Some(i) => super::admin::destroy(m, i).await,
        },
        ("PUT", [name, action @ ("set" | "clear")]) => {
            set_clear(m, name, *action == "set", &query).await
        }
        _ => return None,
    })
}

/// `/v1/monitors...`; `None` when no route of this method matches.
async fn monitors_route(r: &Route<'_>, rest: &[&str], req: Request) -> Option<Answer> {
    let (m, method, base) = (r.m, &r.method, r.base.as_str());
    if rest
        .first()
        .is_some_and(|n| !n.eq_ignore_ascii_case(MONITOR))
    {
        return Some(NOT_FOUND);
    }
    Some(match (method.as_str(), rest) {
        ("GET", []) => monitors(m, base, None),
        ("GET", [name]) => monitors(m, base, Some(name)),
        ("PATCH", [_]) => super::admin::alter_object(m, MONITOR, req, false).await,
        ("PATCH", [_, "relationships", "servers"]) => {
            super::admin::alter_object(m, MONITOR, req, true).await
        }
        ("PUT", [_, action @ ("stop" | "start")]) => {
            *lock(&m.stopped) = *action == "stop";
            m.tick();
            Answer::Bare(StatusCode::NO_CONTENT)
        }
        _ => return None,
    })
}

/// Whether the path names existing objects (then another method is a 405).
fn known_path(m: &MaxScale, segs: &[&str]) -> bool {
    let group = |n: &str| m.app.engine.model().group_id(n).is_some();
    match segs {
        [] | ["v1"] => true,
        ["v1", "servers" | "monitors" | "services" | "maxscale" | "filters" | "sessions"] => true,
        ["v1", "servers", name]
        | ["v1", "servers", name, "set" | "clear"]
        | ["v1", "servers", name, "relationships", "services" | "monitors"] => {
            server_id(m, name).is_some()
        }
        ["v1", "monitors", name]
        | ["v1", "monitors", name, "stop" | "start"]
        | ["v1", "monitors", name, "relationships", "servers"] => {
            name.eq_ignore_ascii_case(MONITOR)
        }
        ["v1", "services", name]
        | ["v1", "services", name, "stop" | "start"]
        | ["v1", "services", name, "relationships", "servers"] => group(name),
        _ => false,
    }
}

/// Server names are case-insensitive.
pub(super) fn server_id(m: &MaxScale, name: &str) -> Option<usize> {
    m.app
        .engine
        .model()
        .servers
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(name))
}

async fn set_clear(m: &MaxScale, name: &str, set: bool, query: &[(String, String)]) -> Answer {
    let Some(i) = server_id(m, name) else {
        return NOT_FOUND;
    };
    let state = query
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.to_ascii_lowercase());
    match state.as_deref() {
        Some("maintenance" | "maint") => {}
        // The monitor overrides these at its next tick, as in the product.
        Some("running" | "master" | "slave" | "synced" | "ndb" | "stale") => {
            return Answer::Bare(StatusCode::NO_CONTENT)
        }
        _ => {
            return error(
                StatusCode::FORBIDDEN,
                "Invalid or missing value for the `state` parameter",
            )
        }
    }
    let op = Operation::Maintenance {
        server: m.app.engine.model().servers[i].name.clone(),
        on: set,
    };
    super::admin::apply(m, op).await
}

/// A JSON:API relationship: `{"links":{"self":BASE/KIND/},"data":[{id,type}...]}`.
pub(super) fn relationship(base: &str, kind: &str, ids: &[String]) -> Value {
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "type": kind}))
        .collect();
    json!({"links": {"self": format!("{base}/{kind}/")}, "data": data})
}

/// `server_json_attributes`: parameters, state and the monitor's view of server `i`.
fn server_attributes(model: &Model, seen: &[Seen], e: &Entry, i: usize) -> Value {
    let s = &seen[i];
    let master = seen.iter().position(|s| s.role == Role::Master);
    let mut params = json!({
        "address": e.address.clone().unwrap_or_else(|| model.servers[i].ip.clone().unwrap_or_default()),
        "port": e.port.unwrap_or(3306),
        "protocol": "MySQLBackend",
    });
    for (k, v) in [("monitoruser", &e.monitoruser), ("monitorpw", &e.monitorpw)] {
        if !v.is_empty() {
            params[k] = json!(v);
        }
    }
    for (k, v) in &e.custom {
        params[k.as_str()] = json!(v);
    }
    let (node, master_id, depth) = match s.role {
        Role::Master => (node_id(i), -1, 0),
        Role::Slave => (node_id(i), master.map_or(-1, node_id), 1),
        Role::Down => (node_id(i), -1, -1),
        Role::Running => (-1, -1, -1),
    };
    let mut attrs = json!({
        "parameters": params,
        "state": s.state(),
        "version_string": if s.role == Role::Running { "" } else { "10.1.22-MariaDB" },
        "node_id": node,
        "master_id": master_id,
        "replication_depth": depth,
        "last_event": s.last_event,
        "triggered_at": calendar::http_date(calendar::unix_ms_at(&model.settings.epoch, s.triggered_at)),
        "statistics": {"connections": 0, "total_connections": 0, "persistent_connections": 0,
                       "active_operations": 0, "routed_packets": 0},
    });
    let slaves: Vec<i64> = (0..seen.len())
        .filter(|&j| seen[j].role == Role::Slave)
        .map(node_id)
        .collect();
    if s.role == Role::Master && !slaves.is_empty() {
        attrs["slaves"] = json!(slaves);
    }
    attrs
}

fn servers(m: &MaxScale, base: &str, name: Option<&str>) -> Answer {
    let model = &m.app.engine.model();
    let seen = m.aligned(model);
    let cfg = lock(&m.config);
    let item = |i: usize| -> Value {
        let e = cfg.entry(model, i);
        let mut rel = serde_json::Map::new();
        let services: Vec<String> = model
            .groups
            .iter()
            .filter(|g| e.services.contains(&g.name))
            .map(|g| g.name.clone())
            .collect();
        if !services.is_empty() {
            rel.insert("services".into(), relationship(base, "services", &services));
        }
        if e.monitored {
            rel.insert(
                "monitors".into(),
                relationship(base, "monitors", &[MONITOR.into()]),
            );
        }
        let id = &model.servers[i].name;
        json!({"id": id, "type": "servers", "relationships": rel,
               "attributes": server_attributes(model, &seen, &e, i),
               "links": {"self": format!("{base}/servers/{id}")}})
    };
    match name {
        None => Answer::Json(
            StatusCode::OK,
            json!({"links": {"self": format!("{base}/servers/")},
                   "data": (0..seen.len()).map(item).collect::<Vec<_>>()}),
        ),
        Some(n) => match server_id(m, n) {
            Some(i) if i < seen.len() => {
                let id = &model.servers[i].name;
                Answer::Json(
                    StatusCode::OK,
                    json!({"links": {"self": format!("{base}/servers/{id}")}, "data": item(i)}),
                )
            }
            _ => NOT_FOUND,
        },
    }
}

/// The monitor's item: its servers are the monitored ones.
pub(super) fn monitor_item(m: &MaxScale, base: &str) -> Value {
    let model = &m.app.engine.model();
    let seen = m.aligned(model);
    let monitored = lock(&m.config).monitored(model);
    let stopped = *lock(&m.stopped) || m.app.engine.snapshot().view.suspended;
    let master = seen.iter().position(|s| s.role == Role::Master);
    let ids: Vec<usize> = (0..seen.len()).filter(|&i| monitored[i]).collect();
    let info: Vec<Value> = ids
        .iter()
        .map(|&i| {
            let s = &seen[i];
            json!({"name": model.servers[i].name, "server_id": node_id(i),
                   "master_id": if s.role == Role::Slave { master.map_or(-1, node_id) } else { -1 },
                   "read_only": s.role != Role::Master, "gtid_current_pos": ""})
        })
        .collect();
    let names: Vec<String> = ids.iter().map(|&i| model.servers[i].name.clone()).collect();
    let mut rel = serde_json::Map::new();
    if !names.is_empty() {
        rel.insert("servers".into(), relationship(base, "servers", &names));
    }
    json!({
        "id": MONITOR, "type": "monitors",
        "relationships": rel,
        "attributes": {
            "module": "mariadbmon",
            "state": if stopped { "Stopped" } else { "Running" },
            "parameters": {"monitor_interval": model.settings.heartbeat_interval.0, "user": "maxscale"},
            "monitor_diagnostics": {"server_info": info},
        },
        "links": {"self": format!("{base}/monitors/{MONITOR}")},
    })
}

fn monitors(m: &MaxScale, base: &str, name: Option<&str>) -> Answer {
    let item = monitor_item(m, base);
    let body = match name {
        None => json!({"links": {"self": format!("{base}/monitors/")}, "data": [item]}),
        Some(_) => json!({"links": {"self": format!("{base}/monitors/{MONITOR}")}, "data": item}),
    };
    Answer::Json(StatusCode::OK, body)
}
