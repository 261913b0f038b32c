//! The Commissaire face (`/api/v0`, `serve --fleet FLEET.yaml --face commissaire=ADDR`),
//! after `commissaire-http` (see `../shared/reference/other-faces.md` section 4). A
//! fleet face: clusters are the fleet's clusters, hosts their servers (by IP), and
//! restart/upgrade/deploy are the core's rolling operations (`sim/rolling.rs`).
//!
//! As the product: HTTP basic auth (the fleet's admin, who sees and does everything, or
//! a cluster's own credential, which sees that cluster and its hosts), 403 text/html
//! `Forbidden` on a bad one; a trailing slash is optional; a PUT that creates answers
//! 201; errors are the plain reason phrase as text/html (the handler's own message
//! never reaches the client); a bad JSON body is 400.

mod clusters;
mod hosts;
mod membership;

use crate::host::fleet::{Cluster, Fleet};
use crate::host::tenancy::{Access, Caller, Scope};
use crate::host::Conn;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

/// Networks and container managers kept at most each (bounded memory).
const MAX_RECORDS: usize = 1024;

/// What Commissaire stores that the simulation does not: networks, container
/// managers, each cluster's network and container manager, hosts' credentials.
#[derive(Default)]
pub struct Store {
    pub networks: BTreeMap<String, Value>,
    pub managers: BTreeMap<String, Value>,
    /// Cluster name -> (network, container_manager).
    pub clusters: BTreeMap<String, (String, String)>,
    /// Host address -> (ssh_priv_key, remote_user).
    pub creds: BTreeMap<String, (String, String)>,
    /// Hosts registered without a cluster, waiting to be added to one.
    pub pending: std::collections::BTreeSet<String>,
}

pub struct Commissaire {
    pub fleet: Weak<Fleet>,
    pub store: Mutex<Store>,
}

tokio::task_local! {
    /// Who the request being handled authenticated as (`host/tenancy.rs`).
    static CALLER: Caller;
}

/// Whether the request being handled may reach `cluster`.
fn reaches(fleet: &Fleet, cluster: &str) -> bool {
    CALLER
        .try_with(|c| fleet.tenancy.may_reach(c, cluster))
        .unwrap_or(false)
}

/// Whether the request being handled is the admin's.
pub fn by_admin() -> bool {
    CALLER.try_with(|c| c.admin).unwrap_or(false)
}

impl Commissaire {
    pub fn fleet(&self) -> Option<Arc<Fleet>> {
        self.fleet.upgrade()
    }
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// The cluster called `name`, if the caller may reach it.
    pub fn cluster(&self, name: &str) -> Option<Arc<Cluster>> {
        let fleet = self.fleet()?;
        fleet.get(name).filter(|_| reaches(&fleet, name))
    }
    /// The fleet's clusters the caller may reach, in creation order.
    pub fn clusters(&self) -> Vec<Arc<Cluster>> {
        let Some(fleet) = self.fleet() else {
            return Vec::new();
        };
        let mut all = fleet.list();
        all.retain(|c| reaches(&fleet, c.name()));
        all
    }
}

pub fn router(fleet: Weak<Fleet>) -> Router {
    let mut store = Store::default();
    store.networks.insert(
        "default".into(),
        serde_json::json!({"name": "default", "type": "flannel_etcd", "options": {}}),
    );
    store.managers.insert(
        "ecx".into(),
        serde_json::json!({"name": "ecx", "type": "expresscluster", "options": {}}),
    );
    let state = Arc::new(Commissaire {
        fleet,
        store: Mutex::new(store),
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

/// An answer: a JSON body, or an error as the plain reason phrase.
pub enum Answer {
    Json(StatusCode, Value),
    Error(StatusCode),
}

pub fn ok(v: Value) -> Answer {
    Answer::Json(StatusCode::OK, v)
}
pub fn created(v: Value) -> Answer {
    Answer::Json(StatusCode::CREATED, v)
}
pub fn err(status: StatusCode) -> Answer {
    Answer::Error(status)
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Json(status, v) => (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                v.to_string(),
            )
                .into_response(),
            Answer::Error(status) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                status.canonical_reason().unwrap_or("Error").to_string(),
            )
                .into_response(),
        }
    }
}

/// A parsed request: method, path segments after `/api/v0`, and the parameters.
pub struct Req {
    pub method: Method,
    pub parts: Vec<String>,
    /// The JSON body (PUT/POST), `Null` when there is none.
    pub body: Value,
}

async fn handle(State(c): State<Arc<Commissaire>>, req: Request) -> Response {
    let peer = req.extensions().get::<Conn>().map(|c| c.peer.ip());
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|h| h.as_bytes().to_vec());
    let ip = peer.unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let Some(fleet) = c.fleet() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    };
    let caller = match fleet.tenancy.check(ip, header.as_deref(), Scope::AnyKnown) {
        Access::Granted(caller) => caller,
        _ => return err(StatusCode::FORBIDDEN).into_response(),
    };
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix("/api/v0") else {
        return err(StatusCode::NOT_FOUND).into_response();
    };
    let parts: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let bytes = match axum::body::to_bytes(req.into_body(), crate::host::body::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return err(StatusCode::BAD_REQUEST).into_response(),
    };
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(_) => return err(StatusCode::BAD_REQUEST).into_response(),
        }
    };
    let r = Req {
        method,
        parts,
        body,
    };
    if !caller.admin && !tenant_may(&fleet, &caller, &r) {
        return err(StatusCode::FORBIDDEN).into_response();
    }
    CALLER.scope(caller, dispatch(&c, r)).await.into_response()
}

/// A tenant (not the admin) reads and works on its own clusters only and creates or
/// deletes none; the face's shared records (networks, container managers) are read-only
/// to it.
fn tenant_may(fleet: &Fleet, caller: &Caller, r: &Req) -> bool {
    let p: Vec<&str> = r.parts.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["cluster", name] => r.method == Method::GET && fleet.tenancy.may_reach(caller, name),
        ["cluster", name, ..] => fleet.tenancy.may_reach(caller, name),
        ["network" | "containermanager", ..] => r.method == Method::GET,
        _ => true,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| (x as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn dispatch(c: &Commissaire, r: Req) -> Answer {
    let p: Vec<&str> = r.parts.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["clusters"] => clusters::list(c, &r),
        ["cluster", name] => clusters::one(c, &r, name).await,
        ["cluster", name, "hosts"] => clusters::members(c, &r, name).await,
        ["cluster", name, "hosts", ip] => clusters::member(c, &r, name, ip).await,
        ["cluster", name, op @ ("restart" | "upgrade" | "deploy")] => {
            clusters::rolling(c, &r, name, op).await
        }
        ["hosts"] => hosts::list(c, &r),
        ["host"] => hosts::put_self(&r),
        ["host", ip] => hosts::one(c, &r, ip).await,
        ["host", ip, "creds"] => hosts::creds(c, &r, ip),
        ["host", ip, "status"] => hosts::status(c, &r, ip),
        ["networks"] => hosts::records_list(c, &r, true),
        ["network", name] => hosts::record(c, &r, true, name),
        ["containermanagers"] => hosts::records_list(c, &r, false),
        ["containermanager", name] => hosts::record(c, &r, false, name),
        _ => err(StatusCode::NOT_FOUND),
    }
}

/// Bounded insert for the face's own records.
pub fn bounded_insert(map: &mut BTreeMap<String, Value>, key: String, v: Value) -> bool {
    if map.len() >= MAX_RECORDS && !map.contains_key(&key) {
        return false;
    }
    map.insert(key, v);
    true
}

/// Commissaire's time format, `%Y-%m-%dT%H:%M:%S.%f`, on the cluster's calendar.
pub fn time(epoch: &str, t_ms: u64) -> String {
    let iso = crate::model::calendar::date_at(epoch, t_ms);
    // `YYYY-MM-DDTHH:MM:SS.mmmZ` -> microseconds, no zone.
    format!("{}000", iso.trim_end_matches('Z'))
}
