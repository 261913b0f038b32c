//! The xCAT REST API face (`/xcatws`, `serve --face xcat=ADDR`), after `xcatws.cgi`
//! (see `../shared/reference/other-faces.md` section 2). Nodes are the simulated
//! servers; groups are `all` and the cluster's name; power actions become
//! [`Operation::Power`](crate::sim::Operation::Power).
//!
//! Request handling follows the script: parameters from the JSON body, then the query
//! string (which wins); credentials (`userName`/`userPW`, or an `X-Auth-Token` from
//! `POST /xcatws/tokens`) checked against the cluster's user; errors raised by the
//! script itself are `{"error":"...","errorcode":"2"}`, errors from the daemon (unknown
//! nodes, refused actions) are 403 `{"error":[...],"errorcode":"1"}`.

mod admin;
mod defs;
mod groups;
mod noderange;
mod perl_json;
mod resources;

use crate::host::{App, Conn};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Token life (`site.tokenexpiredays` default: 1 day), on the simulated clock.
pub const TOKEN_LIFE_MS: u64 = 86_400_000;
/// Tokens kept at most; the oldest expiry goes first (bounded memory).
const MAX_TOKENS: usize = 1024;

/// The face's state: its cluster and the tokens it issued (id -> expiry in virtual
/// ms, and the cluster's reset count when issued: a reset ends every token).
pub struct Xcat {
    pub app: App,
    tokens: Mutex<BTreeMap<String, (u64, u64)>>,
    /// Node, group and site definitions (`defs.rs`).
    defs: Mutex<defs::Defs>,
}

pub fn router(app: &App) -> Router {
    let state = Arc::new(Xcat {
        app: app.clone(),
        tokens: Mutex::new(BTreeMap::new()),
        defs: Mutex::new(defs::Defs::new(app.engine.snapshot().resets)),
    });
    Router::new()
        .route("/openapi.json", get(openapi))
        .fallback(handle)
        .with_state(state)
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// An answer: status and JSON body (none for PUT/DELETE successes).
pub struct Answer {
    pub status: StatusCode,
    pub body: Option<Value>,
}

impl Answer {
    pub fn ok(body: Value) -> Answer {
        Answer {
            status: StatusCode::OK,
            body: Some(body),
        }
    }
    pub fn empty(status: StatusCode) -> Answer {
        Answer { status, body: None }
    }
    /// An error of the script itself: `{"error":"msg","errorcode":"2"}`.
    pub fn script(status: StatusCode, msg: impl Into<String>) -> Answer {
        let body = serde_json::json!({"error": msg.into(), "errorcode": "2"});
        Answer {
            status,
            body: Some(body),
        }
    }
    /// An error reported by xcatd: 403 `{"error":[msgs],"errorcode":"1"}`.
    pub fn daemon(msgs: Vec<String>) -> Answer {
        let body = serde_json::json!({"error": msgs, "errorcode": "1"});
        Answer {
            status: StatusCode::FORBIDDEN,
            body: Some(body),
        }
    }
}

/// What a resource handler gets.
pub struct Req<'a> {
    pub x: &'a Xcat,
    pub method: Method,
    /// Path segments after `/xcatws`.
    pub segs: Vec<&'a str>,
    /// Body and query parameters other than the general ones.
    pub params: Map<String, Value>,
    pub xcoll: bool,
}

/// The general parameters of a request (credentials, `pretty`, `xcoll`...).
type General = BTreeMap<String, String>;

const GENERAL: &[&str] = &[
    "userName", "userPW", "password", "pretty", "debug", "xcoll", "ver",
];

async fn handle(State(x): State<Arc<Xcat>>, req: Request) -> Response {
    let (answer, pretty) = answer(&x, req).await;
    render(answer, pretty)
}

/// Perl truth of a general parameter (`pretty=1`): set, not empty and not `0`.
fn truthy(general: &General, key: &str) -> bool {
    general.get(key).is_some_and(|v| !v.is_empty() && v != "0")
}

fn render(a: Answer, pretty: bool) -> Response {
    let Some(body) = a.body else {
        return (a.status, [(header::CONTENT_TYPE, "application/json")]).into_response();
    };
    let text = perl_json::encode(&body, pretty);
    (a.status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// The answer, and whether it is to be printed indented (`pretty`).
async fn answer(x: &Xcat, req: Request) -> (Answer, bool) {
    let method = req.method().clone();
    let Some(path) = crate::host::body::path_decode(req.uri().path()) else {
        return (unsupported(), false);
    };
    let query = req.uri().query().map(str::to_string);
    let headers = req.headers().clone();
    let peer = req.extensions().get::<Conn>().map(|c| c.peer.ip());
    let Some(rest) = path.strip_prefix("/xcatws") else {
        return (unsupported(), false);
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return (unsupported(), false);
    }
    let bytes = match axum::body::to_bytes(req.into_body(), crate::host::body::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let a = Answer::script(StatusCode::BAD_REQUEST, "the request body is too large");
            return (a, false);
        }
    };
    let (general, params) = match parameters(&method, &bytes, query.as_deref()) {
        Ok(p) => p,
        Err(a) => return (a, false),
    };
    let pretty = truthy(&general, "pretty");
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if segs.is_empty() {
        return (resources::resource_list(&method), pretty);
    }
    let token_request = segs == ["tokens"];
    if !token_request && !x.authorized(&headers, &general, peer) {
        return (auth_failure(), pretty);
    }
    let r = Req {
        x,
        method,
        segs,
        params,
        xcoll: truthy(&general, "xcoll"),
    };
    if token_request {
        return (x.post_token(&r, &general, peer), pretty);
    }
    (resources::dispatch(r).await, pretty)
}

fn unsupported() -> Answer {
    Answer::script(StatusCode::NOT_FOUND, "Unsupported resource.")
}

pub fn auth_failure() -> Answer {
    Answer::script(StatusCode::UNAUTHORIZED, "Authentication failure")
}

/// General parameters (credentials, pretty, ...) and the others, from the body of a
/// PUT/POST and from the query string, which overrides the body.
fn parameters(
    method: &Method,
    bytes: &[u8],
    query: Option<&str>,
) -> Result<(General, Map<String, Value>), Answer> {
    let mut general = BTreeMap::new();
    let mut params = Map::new();
    if (method == Method::PUT || method == Method::POST) && !bytes.is_empty() {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| Answer::script(StatusCode::BAD_REQUEST, perl_json_error(bytes, &e)))?;
        let Value::Object(map) = value else {
            return Err(Answer::script(
                StatusCode::BAD_REQUEST,
                "put or post data must be a json object (hash/dict).",
            ));
        };
        for (k, v) in map {
            if GENERAL.contains(&k.as_str()) {
                general.insert(k, v.as_str().map(str::to_string).unwrap_or(v.to_string()));
            } else {
                params.insert(k, v);
            }
        }
    }
    for (k, v) in crate::host::body::query_pairs(query).unwrap_or_default() {
        if GENERAL.contains(&k.as_str()) {
            general.insert(k, v);
        } else {
            params.insert(k, Value::String(v));
        }
    }
    Ok((general, params))
}

/// The message of Perl's JSON module for a body it cannot decode [assume: its
/// wording, with the character offset of the error].
fn perl_json_error(bytes: &[u8], e: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(bytes);
    let offset: usize = text
        .lines()
        .take(e.line().saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum::<usize>()
        + e.column().saturating_sub(1);
    let before: String = text.chars().skip(offset).take(20).collect();
    format!(
        "malformed JSON string, neither tag, array, object, number, string or atom, at character offset {offset} (before \"{before}\")"
    )
}

impl Xcat {
    fn defs(&self) -> std::sync::MutexGuard<'_, defs::Defs> {
        self.defs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A valid `X-Auth-Token`, or `userName`/`userPW` (`password`, as `restapi.pl`
    /// named it) matching the cluster's user (with its lockout).
    fn authorized(
        &self,
        headers: &HeaderMap,
        general: &BTreeMap<String, String>,
        peer: Option<std::net::IpAddr>,
    ) -> bool {
        if let Some(token) = headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
            let snap = self.app.engine.snapshot();
            let (now, resets) = (snap.now_ms(), snap.resets);
            let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
            return tokens
                .get(token)
                .is_some_and(|&(exp, r)| exp > now && r == resets);
        }
        self.credentials_ok(general, peer)
    }

    fn credentials_ok(
        &self,
        general: &BTreeMap<String, String>,
        peer: Option<std::net::IpAddr>,
    ) -> bool {
        use crate::host::tenancy::{Access, Credential, Scope};
        let (Some(user), Some(pw)) = (
            general.get("userName"),
            general.get("userPW").or(general.get("password")),
        ) else {
            return false;
        };
        let peer = peer.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        let cred = Credential {
            user: user.clone(),
            password: pw.clone(),
        };
        let scope = Scope::Cluster(&self.app.name);
        matches!(
            self.app.tenancy.check_pair(peer, cred, scope),
            Access::Granted(_)
        )
    }

    /// `POST /xcatws/tokens`: 201 `{"token":{"id","expire"}}`.
    fn post_token(
        &self,
        r: &Req<'_>,
        general: &BTreeMap<String, String>,
        peer: Option<std::net::IpAddr>,
    ) -> Answer {
        if r.method != Method::POST {
            return resources::not_supported(&r.method, "/tokens");
        }
        if !self.credentials_ok(general, peer) {
            return auth_failure();
        }
        let snap = self.app.engine.snapshot();
        let (now, resets) = (snap.now_ms(), snap.resets);
        let expire = now + TOKEN_LIFE_MS;
        let id = uuid_v4(rand::random());
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.retain(|_, &mut (exp, r)| exp > now && r == resets);
        if tokens.len() >= MAX_TOKENS {
            if let Some(oldest) = tokens
                .iter()
                .min_by_key(|(_, &(e, _))| e)
                .map(|(k, _)| k.clone())
            {
                tokens.remove(&oldest);
            }
        }
        tokens.insert(id.clone(), (expire, resets));
        let epoch = &self.app.engine.model().settings.epoch;
        let c = crate::model::calendar::civil(crate::model::calendar::unix_ms_at(epoch, expire));
        Answer {
            status: StatusCode::CREATED,
            body: Some(serde_json::json!({"token": {
                "id": id,
                "expire": format!(
                    "{}-{}-{} {}:{:02}:{:02}",
                    c.year, c.month, c.day, c.hour, c.minute, c.second
                ),
            }})),
        }
    }
}

fn uuid_v4(bits: u128) -> String {
    let b = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let h = format!("{b:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
