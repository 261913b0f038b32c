//! `POST /v1/servers` and `DELETE /v1/servers/:name`: MaxScale's create and destroy,
//! acting on the simulated cluster by live reconfiguration (`server-add` with its
//! service started, `server-remove`). Validation messages and their order are
//! `config_runtime.cc`'s (reference §1).

use super::{error, Answer, MaxScale, MONITOR};
use crate::host::command::{Command, Reply};
use crate::sim::{Input, Operation};
use axum::extract::Request;
use axum::http::StatusCode;
use serde_json::Value;

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

/// Relationships may name the cluster's monitor and its services (failover groups).
fn relationships_ok(m: &MaxScale, v: &Value) -> bool {
    let Some(rel) = v.pointer("/data/relationships") else {
        return true;
    };
    let model = m.app.engine.model();
    let Some(rel) = rel.as_object() else {
        return false;
    };
    rel.iter().all(|(kind, r)| {
        let Some(list) = r.get("data").and_then(Value::as_array) else {
            return r.get("data").is_some_and(Value::is_null);
        };
        list.iter().all(|item| {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("");
            match kind.as_str() {
                "monitors" => id.eq_ignore_ascii_case(MONITOR),
                "services" => model.group_id(id).is_some(),
                _ => false,
            }
        })
    })
}

/// `POST /v1/servers`: validated in the product's order, then the server joins the
/// cluster with `address` as its IP and its cluster service started.
pub async fn create(m: &MaxScale, req: Request) -> Answer {
    let v = match body(req).await {
        Ok(v) => v,
        Err(a) => return a,
    };
    if v.get("data").is_none() {
        return error(StatusCode::FORBIDDEN, "No '/data' field defined");
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
    if m.app.engine.model().server_id(&name).is_some() {
        return error(
            StatusCode::FORBIDDEN,
            format!("Server '{name}' already exists"),
        );
    }
    if !relationships_ok(m, &v) {
        return error(
            StatusCode::FORBIDDEN,
            "Invalid relationships in request JSON",
        );
    }
    let op = Operation::ServerAdd {
        server: name,
        ip: got[1].as_str().map(str::to_string),
        priority: None,
        start: true,
    };
    apply(m, op).await
}

/// `DELETE /v1/servers/:name`: refused as the product refuses a server in use when a
/// service (a failover group with the server in its policy) uses it; otherwise the
/// server leaves the cluster. The cluster's one monitor does not hold it [assume].
pub async fn destroy(m: &MaxScale, i: usize) -> Answer {
    let model = m.app.engine.model();
    let name = model.servers[i].name.clone();
    if model.groups.iter().any(|g| g.policy.contains(&i)) {
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "Cannot destroy server '{name}' as it is used by at least one service or monitor"
            ),
        );
    }
    apply(m, Operation::ServerRemove { server: name }).await
}
