//! `POST /v1/servers` and `DELETE /v1/servers/:name`: MaxScale's create and destroy,
//! acting on the simulated cluster by live reconfiguration (`server-add` with its
//! service started, `server-remove`); the PATCHes of servers, the monitor and the
//! services, acting on the face's configuration (`config.rs`). Validation messages
//! and their order are `config_runtime.cc` 2.2's (reference §1).

use super::{config, error, lock, Answer, MaxScale, MONITOR};
use crate::host::command::{Command, Reply};
use crate::model::Model;
use crate::sim::{Input, Operation};
use axum::extract::Request;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// Sends one operation; 204 when applied, 403 with the engine's reason when refused.
pub async fn apply(m: &MaxScale, op: Operation) -> Answer {
    match m
        .app
        .engine
        .send(Command::Apply(Input::Operation(op)))
        .await
    {
        Ok(Reply::Applied { result: Ok(_), .. }) => {
            m.tick();
            Answer::Bare(StatusCode::NO_CONTENT)
        }
        Ok(Reply::Applied { result: Err(e), .. }) => error(StatusCode::FORBIDDEN, e.message()),
        Ok(_) | Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the simulation engine did not answer",
        ),
    }
}

/// The request's JSON body, or MaxScale's answer for a missing or bad one.
pub async fn body(req: Request) -> Result<Value, Answer> {
    let limit = crate::host::body::MAX_BODY;
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), limit).await else {
        return Err(error(StatusCode::FORBIDDEN, "Missing request body"));
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(error(StatusCode::FORBIDDEN, "Missing request body"));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("Invalid JSON in request: {e}"),
        )
    })
}

/// The string (or integer) at `path`, with the product's two messages when it is not.
fn field<'a>(v: &'a Value, path: &str, integer: bool) -> Result<&'a Value, String> {
    let x = v
        .pointer(path)
        .ok_or_else(|| format!("Request body does not define the '{path}' field"))?;
    let ok = if integer { x.is_i64() } else { x.is_string() };
    if ok {
        Ok(x)
    } else {
        let kind = if integer { "an integer" } else { "a string" };
        Err(format!("The '{path}' field is not {kind}"))
    }
}

/// `POST /v1/servers`: validated in the product's order, then the server joins the
/// cluster with `address` as its IP and its cluster service started, linked to the
/// services and monitor its relationships name (none: unmonitored and unused).
pub async fn create(m: &MaxScale, req: Request) -> Answer {
    let v = match body(req).await {
        Ok(v) => v,
        Err(a) => return a,
    };
    if let Err(msg) = config::valid_resource_body(&v) {
        return error(StatusCode::FORBIDDEN, msg);
    }
    let checks = [
        ("/data/id", false),
        ("/data/attributes/parameters/address", false),
        ("/data/attributes/parameters/port", true),
    ];
    let mut got = Vec::new();
    for (path, integer) in checks {
        match field(&v, path, integer) {
            Ok(x) => got.push(x.clone()),
            Err(msg) => return error(StatusCode::FORBIDDEN, msg),
        }
    }
    let name = got[0].as_str().unwrap_or_default().to_string();
    let model = m.app.engine.model();
    if model.server_id(&name).is_some() {
        return error(
            StatusCode::FORBIDDEN,
            format!("Server '{name}' already exists"),
        );
    }
    let Some(entry) = new_entry(&model, &v, got[2].as_i64()) else {
        return error(
            StatusCode::FORBIDDEN,
            "Invalid relationships in request JSON",
        );
    };
    lock(&m.config).set(&model, &name, entry);
    let op = Operation::ServerAdd {
        server: name.clone(),
        ip: got[1].as_str().map(str::to_string),
        priority: None,
        start: true,
    };
    let answer = apply(m, op).await;
    if !matches!(answer, Answer::Bare(StatusCode::NO_CONTENT)) {
        lock(&m.config).forget(&name);
    }
    answer
}

/// A created server's configuration: its `port` and the services and monitor its
/// relationships name; `None` when one is malformed or unknown.
fn new_entry(model: &Model, v: &Value, port: Option<i64>) -> Option<config::Entry> {
    let valid = |kind: &str, id: &str| match kind {
        "services" => model.group_id(id).is_some(),
        "monitors" => id.eq_ignore_ascii_case(MONITOR),
        _ => false,
    };
    // One set of names for both lists, as `extract_relations` fills one `StringSet`.
    let mut names = config::extract(v, "/data/relationships/services/data", valid)?;
    names.extend(config::extract(
        v,
        "/data/relationships/monitors/data",
        valid,
    )?);
    Some(config::Entry {
        monitored: names.iter().any(|n| n.eq_ignore_ascii_case(MONITOR)),
        services: names
            .into_iter()
            .filter(|s| model.group_id(s).is_some())
            .collect(),
        port,
        ..config::Entry::default()
    })
}

/// `PATCH /v1/servers/:name` (`kind` `None`) and `.../relationships/{services,monitors}`:
/// `runtime_alter_server_from_json` and `runtime_alter_server_relationships_from_json`.
/// Relationships first (a bad one: 403, nothing changed), then each changed parameter;
/// a refused parameter leaves the others changed and answers 403 with its message.
pub async fn alter(m: &MaxScale, i: usize, req: Request, kind: Option<&str>) -> Answer {
    let v = match body(req).await {
        Ok(v) => v,
        Err(a) => return a,
    };
    let v = match kind {
        None => match config::valid_resource_body(&v) {
            Ok(()) => v,
            Err(msg) => return error(StatusCode::FORBIDDEN, msg),
        },
        Some(k) => match relationship_body(&v) {
            Ok(data) => json!({"data": {"relationships": {k: {"data": data}}}}),
            Err(msg) => return error(StatusCode::FORBIDDEN, msg),
        },
    };
    let model = m.app.engine.model();
    let name = model.servers[i].name.clone();
    let outcome = {
        let mut cfg = lock(&m.config);
        let mut e = cfg.entry(&model, i);
        let outcome = config::relate_server(&model, &mut e, &v)
            .map_err(|r| r.map(|msg| error(StatusCode::FORBIDDEN, msg)))
            .and_then(|()| alter_parameters(&model, i, &mut e, &v).map_err(Some));
        if !matches!(outcome, Err(None)) {
            cfg.set(&model, &name, e);
        }
        outcome
    };
    m.tick();
    match outcome {
        Ok(()) => Answer::Bare(StatusCode::NO_CONTENT),
        Err(Some(a)) => a,
        Err(None) => Answer::Bare(StatusCode::FORBIDDEN),
    }
}

/// `is_valid_relationship_body`: the body's `/data`, an array or null.
fn relationship_body(v: &Value) -> Result<Value, String> {
    match v.pointer("/data") {
        None => Err("Field '/data' is not defined".into()),
        Some(d) if d.is_array() || d.is_null() => Ok(d.clone()),
        Some(_) => Err("Field '/data' is not an array or null".into()),
    }
}

/// Each parameter whose text differs from the current one, through `config::alter`.
fn alter_parameters(
    model: &Model,
    i: usize,
    e: &mut config::Entry,
    v: &Value,
) -> Result<(), Answer> {
    let Some(params) = v
        .pointer("/data/attributes/parameters")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    let ip = model.servers[i].ip.clone().unwrap_or_default();
    let mut last = Ok(());
    for (key, value) in params {
        let new = config::json_to_string(value);
        let old = match key.as_str() {
            "address" => Some(e.address.clone().unwrap_or_else(|| ip.clone())),
            "port" => Some(e.port.unwrap_or(3306).to_string()),
            "protocol" => Some("MySQLBackend".to_string()),
            k => e.custom.get(k).cloned(),
        };
        if old.as_deref() == Some(new.as_str()) {
            continue;
        }
        if let Err(msg) = config::alter(e, key, &new) {
            last = Err(error(StatusCode::FORBIDDEN, msg));
        }
    }
    last
}

/// `PATCH /v1/monitors/:name` and `/v1/services/:name` (and their
/// `/relationships/servers`, `rel_only`): `object_to_server_relations` for `target`,
/// then the parameters, which are the cluster's (a change is refused).
pub async fn alter_object(m: &MaxScale, target: &str, req: Request, rel_only: bool) -> Answer {
    let v = match body(req).await {
        Ok(v) => v,
        Err(a) => return a,
    };
    let checked = if rel_only {
        relationship_body(&v).map(|d| json!({"data": {"relationships": {"servers": {"data": d}}}}))
    } else {
        config::valid_resource_body(&v).map(|()| v)
    };
    let v = match checked {
        Ok(v) => v,
        Err(msg) => return error(StatusCode::FORBIDDEN, msg),
    };
    let model = m.app.engine.model();
    let monitor = target == MONITOR;
    let result = {
        let mut cfg = lock(&m.config);
        let t = target.to_string();
        if monitor {
            config::relate_object(
                &mut cfg,
                &model,
                target,
                &v,
                |e| e.monitored,
                |e, on| e.monitored = on,
            )
        } else {
            config::relate_object(
                &mut cfg,
                &model,
                target,
                &v,
                |e| e.services.contains(&t),
                |e, on| {
                    if on {
                        e.services.insert(t.clone());
                    } else {
                        e.services.remove(&t);
                    }
                },
            )
        }
    };
    m.tick();
    if let Err(msg) = result {
        return error(StatusCode::FORBIDDEN, msg);
    }
    fixed_parameters(m, target, &v)
}

/// A monitor's or service's parameters are the cluster's: the same values pass, a
/// change is refused in MaxScale's words for a parameter it will not change.
fn fixed_parameters(m: &MaxScale, target: &str, v: &Value) -> Answer {
    let Some(params) = v
        .pointer("/data/attributes/parameters")
        .and_then(Value::as_object)
    else {
        return Answer::Bare(StatusCode::NO_CONTENT);
    };
    let current = if target == MONITOR {
        super::resources::monitor_item(m, "")
    } else {
        super::views::service_item(m, "", target)
    };
    let old = current
        .pointer("/attributes/parameters")
        .cloned()
        .unwrap_or_default();
    for (key, value) in params {
        let same = old.get(key).map(config::json_to_string) == Some(config::json_to_string(value));
        if !same {
            return error(
                StatusCode::FORBIDDEN,
                if target == MONITOR {
                    format!("Invalid monitor parameter: {key}")
                } else {
                    format!("Parameter '{key}' cannot be modified at runtime")
                },
            );
        }
    }
    Answer::Bare(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/servers/:name`: refused as the product refuses a server in use (linked
/// to a service or monitored); otherwise the server leaves the cluster.
pub async fn destroy(m: &MaxScale, i: usize) -> Answer {
    let model = m.app.engine.model();
    let name = model.servers[i].name.clone();
    let e = lock(&m.config).entry(&model, i);
    if !e.services.is_empty() || e.monitored {
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "Cannot destroy server '{name}' as it is used by at least one service or monitor"
            ),
        );
    }
    let answer = apply(
        m,
        Operation::ServerRemove {
            server: name.clone(),
        },
    )
    .await;
    if matches!(answer, Answer::Bare(StatusCode::NO_CONTENT)) {
        lock(&m.config).forget(&name);
    }
    answer
}
