//! The Cello pool face (`/v2`, `serve --fleet FLEET.yaml --face cello=ADDR`), after
//! Hyperledger Cello v0.6's restserver (`../shared/reference/other-faces.md` section 3).
//! A fleet face: the pool is the fleet file's `pool:` (`host/fleet_pool.rs`); each
//! member is a simulated cluster answering its own EXPRESSCLUSTER `/api/v1`, and a
//! student applies for one, works on it and releases it (which wipes it).
//!
//! As the product: no authentication required (but see [`caller`]: in a fleet, what a
//! request sees and operates depends on the credentials it carries); the same
//! handlers under `/v2` and `/api`;
//! parameters from the query string, then form fields, then the JSON body (so GET and
//! POST are interchangeable); the envelope `{"status","code","error","data"}` with HTTP
//! 200 for OK and 400 for FAIL whatever the body's `code`; Flask's HTML pages for an
//! unknown path (404), a wrong method (405) and what raises in the handler (500).

mod manage;
mod object;
mod ops;

use crate::host::fleet::Fleet;
use crate::host::tenancy::{Access, Caller, Scope};
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::sync::{Arc, Weak};

pub struct Cello {
    pub fleet: Weak<Fleet>,
}

pub fn router(fleet: Weak<Fleet>) -> Router {
    Router::new()
        .route("/openapi.json", axum::routing::get(openapi))
        .fallback(handle)
        .with_state(Arc::new(Cello { fleet }))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// The product's answers.
pub enum Answer {
    /// HTTP 200 `{"status":"OK","code":200,"error":"","data":…}`.
    Ok(Value),
    /// HTTP 400 `{"status":"FAIL","code":code,"error":…,"data":{}}`.
    Fail(u16, String),
    /// HTTP 400 `{"status":"FAIL","code":400,"error":…,"data":…}` (v0.6 echoes the
    /// request's fields in `data` on some failures).
    FailData(String, Value),
    /// HTTP 200 `{"status":"OK","code":code,"error":"","data":{}}` (the operator's
    /// create answers code 201 in an HTTP 200).
    OkCode(u16),
    /// Flask's own HTML error page (404, 405, 500).
    Page(StatusCode),
}

pub fn fail(error: impl Into<String>) -> Answer {
    Answer::Fail(400, error.into())
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Answer::Ok(data) => (
                StatusCode::OK,
                json!({"status": "OK", "code": 200, "error": "", "data": data}),
            ),
            Answer::Fail(code, error) => (
                StatusCode::BAD_REQUEST,
                json!({"status": "FAIL", "code": code, "error": error, "data": {}}),
            ),
            Answer::FailData(error, data) => (
                StatusCode::BAD_REQUEST,
                json!({"status": "FAIL", "code": 400, "error": error, "data": data}),
            ),
            Answer::OkCode(code) => (
                StatusCode::OK,
                json!({"status": "OK", "code": code, "error": "", "data": {}}),
            ),
            Answer::Page(status) => return flask_page(status),
        };
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            format!("{body:#}\n"),
        )
            .into_response()
    }
}

/// Werkzeug's default error pages, byte for byte.
fn flask_page(status: StatusCode) -> Response {
    let text = match status {
        StatusCode::NOT_FOUND => "The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.",
        StatusCode::METHOD_NOT_ALLOWED => "The method is not allowed for the requested URL.",
        StatusCode::BAD_REQUEST => "The browser (or proxy) sent a request that this server could not understand.",
        _ => "The server encountered an internal error and was unable to complete your request.  Either the server is overloaded or there is an error in the application.",
    };
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>{} {reason}</title>\n<h1>{reason}</h1>\n<p>{text}</p>\n",
        status.as_u16()
    );
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

/// A request's parameters, looked up as Cello's `request_get` does: the query string
/// first, then form fields, then the JSON body (parsed whatever its content type).
pub struct Params {
    pub method: Method,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// The body as JSON (`None`: empty or not JSON).
    pub json: Option<Value>,
}

impl Params {
    fn parse(method: Method, uri: &axum::http::Uri, headers: &HeaderMap, body: &Bytes) -> Params {
        let pairs = |q: &str| {
            let uri: axum::http::Uri = format!("/?{q}").parse().unwrap_or_default();
            Query::<Vec<(String, String)>>::try_from_uri(&uri)
                .map(|q| q.0)
                .unwrap_or_default()
        };
        let query = uri.query().map(pairs).unwrap_or_default();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let form = match (is_form, std::str::from_utf8(body)) {
            (true, Ok(text)) => pairs(text),
            _ => Vec::new(),
        };
        let json = serde_json::from_slice(body).ok();
        Params {
            method,
            query,
            form,
            json,
        }
    }

    /// The parameter `key`, or `None` when absent everywhere.
    pub fn get(&self, key: &str) -> Option<Value> {
        let find = |l: &[(String, String)]| {
            l.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| Value::String(v.clone()))
        };
        find(&self.query)
            .or_else(|| find(&self.form))
            .or_else(|| self.json.as_ref()?.get(key).cloned())
    }

    /// The parameter as Python's truthiness would see it: `None` when absent or falsy.
    pub fn truthy(&self, key: &str) -> Option<Value> {
        self.get(key).filter(truthy)
    }
}

/// Python's truthiness of a JSON value (`"False"` is true: a non-empty string).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A value as Python's `str()`/`format` renders it in a message.
pub fn py_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// Who the request is from: the product asks for no credentials, but in a fleet each
/// cluster has its own (`host/tenancy.rs`), and what a caller sees and operates is what
/// they reach: the admin everything, a student their own cluster, anyone the free ones.
fn caller(c: &Cello, parts: &axum::http::request::Parts) -> Option<Caller> {
    let fleet = c.fleet.upgrade()?;
    let peer = parts
        .extensions
        .get::<crate::host::Conn>()
        .map(|c| c.peer.ip())
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let header = parts.headers.get(header::AUTHORIZATION)?.as_bytes();
    match fleet.tenancy.check(peer, Some(header), Scope::AnyKnown) {
        Access::Granted(caller) => Some(caller),
        _ => None,
    }
}

async fn handle(State(c): State<Arc<Cello>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let who = caller(&c, &parts);
    let Ok(body) = axum::body::to_bytes(body, crate::host::body::MAX_BODY).await else {
        return Answer::Page(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    };
    let path = parts.uri.path().to_string();
    let p = Params::parse(parts.method, &parts.uri, &parts.headers, &body);
    let (v2, rest) = match (path.strip_prefix("/v2/"), path.strip_prefix("/api/")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Answer::Page(StatusCode::NOT_FOUND).into_response(),
    };
    let get_post = matches!(p.method, Method::GET | Method::POST);
    let answer = match rest.split('/').collect::<Vec<_>>().as_slice() {
        ["cluster_apply"] if v2 && get_post => match ops::fleet(&c) {
            Ok(fleet) => ops::apply(&fleet, &p, who.as_ref()).await,
            Err(a) => a,
        },
        ["cluster_release"] if v2 && get_post => {
            ops::cluster_release_dep(&c, &p, who.as_ref()).await
        }
        ["cluster_apply" | "cluster_release"] if v2 => Answer::Page(StatusCode::METHOD_NOT_ALLOWED),
        ["cluster"] if !v2 => manage::cluster(&c, &p, who.as_ref()).await,
        ["cluster_op"] if get_post => ops::cluster_op(&c, &p, who.as_ref()).await,
        ["clusters"] if get_post => ops::clusters(&c, &p, who.as_ref()).await,
        ["cluster", id] if !id.is_empty() && p.method == Method::GET => {
            ops::cluster(&c, &percent_decoded(id), who.as_ref()).await
        }
        ["cluster_op"] | ["clusters"] => Answer::Page(StatusCode::METHOD_NOT_ALLOWED),
        ["cluster", id] if !id.is_empty() => Answer::Page(StatusCode::METHOD_NOT_ALLOWED),
        _ => Answer::Page(StatusCode::NOT_FOUND),
    };
    answer.into_response()
}

fn percent_decoded(s: &str) -> String {
    let uri: axum::http::Uri = format!("/?x={s}").parse().unwrap_or_default();
    Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .ok()
        .and_then(|q| q.0.into_iter().next())
        .map(|(_, v)| v)
        .unwrap_or_else(|| s.to_string())
}
