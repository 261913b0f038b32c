//! `/v1/servers` and `/v1/monitors`: the JSON:API documents and the set/clear and
//! stop/start actions.

use super::state::{node_id, Role};
use super::{error, lock, Answer, MaxScale, MONITOR};
use crate::model::calendar;
use crate::sim::Operation;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

const NOT_FOUND: Answer = Answer::Bare(StatusCode::NOT_FOUND);

pub async fn dispatch(m: &MaxScale, method: Method, req: Request) -> Answer {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:8989")
        .to_string();
    let base = format!("http://{host}/v1");
    let path = req.uri().path().to_string();
    let query = crate::host::body::query_pairs(req.uri().query()).unwrap_or_default();
    if path == "/openapi.json" && method == Method::GET {
        let doc: Value = serde_json::from_str(include_str!("openapi.json")).unwrap_or_default();
        return Answer::Json(StatusCode::OK, doc);
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let get = method == Method::GET;
    let put = method == Method::PUT;
    match segs.as_slice() {
        [] | ["v1"] if get => Answer::Bare(StatusCode::OK),
        ["v1", "servers"] if get => servers(m, &base, None),
        ["v1", "servers", name] if get => servers(m, &base, Some(name)),
        ["v1", "servers"] if method == Method::POST => super::admin::create(m, req).await,
        ["v1", "servers", name] if method == Method::PATCH => match server_id(m, name) {
            None => NOT_FOUND,
            Some(_) => read_only(req).await,
        },
        ["v1", "servers", name] if method == Method::DELETE => match server_id(m, name) {
            None => NOT_FOUND,
            Some(i) => super::admin::destroy(m, i).await,
        },
        ["v1", "servers", name, action @ ("set" | "clear")] if put => {
            set_clear(m, name, *action == "set", &query).await
        }
        ["v1", "monitors"] if get => monitors(m, &base, None),
        ["v1", "monitors", name] if get => monitors(m, &base, Some(name)),
        ["v1", "monitors", name, action @ ("stop" | "start")] if put => {
            if !name.eq_ignore_ascii_case(MONITOR) {
                return NOT_FOUND;
            }
            *lock(&m.stopped) = *action == "stop";
            m.tick();
            Answer::Bare(StatusCode::NO_CONTENT)
        }
        [] | ["v1"] | ["v1", "servers" | "monitors", ..] => {
            if known_path(m, &segs) {
                Answer::Bare(StatusCode::METHOD_NOT_ALLOWED)
            } else {
                NOT_FOUND
            }
        }
        _ => NOT_FOUND,
    }
}

/// Whether the path names existing objects (then another method is a 405).
fn known_path(m: &MaxScale, segs: &[&str]) -> bool {
    match segs {
        [] | ["v1"] | ["v1", "servers" | "monitors"] => true,
        ["v1", "servers", name] | ["v1", "servers", name, "set" | "clear"] => {
            server_id(m, name).is_some()
        }
        ["v1", "monitors", name] | ["v1", "monitors", name, "stop" | "start"] => {
            name.eq_ignore_ascii_case(MONITOR)
        }
        _ => false,
    }
}

/// Server names are case-insensitive.
fn server_id(m: &MaxScale, name: &str) -> Option<usize> {
    m.app
        .engine
        .model()
        .servers
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(name))
}

/// POST and PATCH check their body as MaxScale does, then refuse: the cluster's
/// membership is the cluster file's (live reconfiguration is not simulated yet).
async fn read_only(req: Request) -> Answer {
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), crate::host::body::MAX_BODY).await else {
        return error(StatusCode::FORBIDDEN, "Missing request body");
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return error(StatusCode::FORBIDDEN, "Missing request body");
    }
    if let Err(e) = serde_json::from_slice::<Value>(&bytes) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Invalid JSON in request: {e}"),
        );
    }
    error(
        StatusCode::FORBIDDEN,
        "Servers are the simulated cluster's: only set/clear change them",
    )
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

fn servers(m: &MaxScale, base: &str, name: Option<&str>) -> Answer {
    let model = &m.app.engine.model();
    let seen = m.aligned(model);
    let master = seen.iter().position(|s| s.role == Role::Master);
    let item = |i: usize| -> Value {
        let s = &seen[i];
        let mut services = Vec::new();
        for g in &model.groups {
            if g.policy.contains(&i) {
                services.push(json!({"id": g.name, "type": "services"}));
            }
        }
        let mut rel = serde_json::Map::new();
        if !services.is_empty() {
            rel.insert(
                "services".into(),
                json!({"links": {"self": format!("{base}/services/")}, "data": services}),
            );
        }
        rel.insert(
            "monitors".into(),
            json!({"links": {"self": format!("{base}/monitors/")},
                   "data": [{"id": MONITOR, "type": "monitors"}]}),
        );
        let (master_id, depth) = match s.role {
            Role::Master => (-1, 0),
            Role::Slave => (master.map_or(-1, node_id), 1),
            Role::Down => (-1, -1),
        };
        let mut attrs = json!({
            "parameters": {
                "address": model.servers[i].ip.clone().unwrap_or_default(),
                "port": 3306,
                "protocol": "MySQLBackend",
            },
            "state": s.state(),
            "version_string": "10.1.22-MariaDB",
            "node_id": node_id(i),
            "master_id": master_id,
            "replication_depth": depth,
            "last_event": s.last_event,
            "triggered_at": calendar::http_date(calendar::unix_ms_at(
                &model.settings.epoch,
                s.triggered_at
            )),
            "statistics": {
                "connections": 0,
                "total_connections": 0,
                "persistent_connections": 0,
                "active_operations": 0,
                "routed_packets": 0,
            },
        });
        if s.role == Role::Master {
            let slaves: Vec<i64> = (0..seen.len())
                .filter(|&j| seen[j].role == Role::Slave)
                .map(node_id)
                .collect();
            if !slaves.is_empty() {
                attrs["slaves"] = json!(slaves);
            }
        }
        let id = &model.servers[i].name;
        json!({"id": id, "type": "servers", "relationships": rel, "attributes": attrs,
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

fn monitors(m: &MaxScale, base: &str, name: Option<&str>) -> Answer {
    if name.is_some_and(|n| !n.eq_ignore_ascii_case(MONITOR)) {
        return NOT_FOUND;
    }
    let model = &m.app.engine.model();
    let seen = m.aligned(model);
    let stopped = *lock(&m.stopped) || m.app.engine.snapshot().view.suspended;
    let master = seen.iter().position(|s| s.role == Role::Master);
    let info: Vec<Value> = seen
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({"name": model.servers[i].name, "server_id": node_id(i),
                   "master_id": if s.role == Role::Slave { master.map_or(-1, node_id) } else { -1 },
                   "read_only": s.role != Role::Master, "gtid_current_pos": ""})
        })
        .collect();
    let servers: Vec<Value> = model
        .servers
        .iter()
        .map(|s| json!({"id": s.name, "type": "servers"}))
        .collect();
    let item = json!({
        "id": MONITOR, "type": "monitors",
        "relationships": {"servers": {"links": {"self": format!("{base}/servers/")}, "data": servers}},
        "attributes": {
            "module": "mariadbmon",
            "state": if stopped { "Stopped" } else { "Running" },
            "parameters": {"monitor_interval": model.settings.heartbeat_interval.0, "user": "maxscale"},
            "monitor_diagnostics": {"server_info": info},
        },
        "links": {"self": format!("{base}/monitors/{MONITOR}")},
    });
    let body = match name {
        None => json!({"links": {"self": format!("{base}/monitors/")}, "data": [item]}),
        Some(_) => json!({"links": {"self": format!("{base}/monitors/{MONITOR}")}, "data": item}),
    };
    Answer::Json(StatusCode::OK, body)
}
