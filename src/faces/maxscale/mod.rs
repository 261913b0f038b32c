//! The MariaDB MaxScale REST API face (`/v1`, `serve --face maxscale=ADDR`), after
//! MaxScale 2.2 (`../shared/reference/other-faces.md` section 1): servers in the
//! JSON:API envelope with links echoing the `Host` header, one monitor per cluster
//! (`ECX-Monitor`), one service per failover group, `set`/`clear` of maintenance as
//! [`Operation::Maintenance`](crate::sim::Operation::Maintenance), Basic auth
//! `admin`/`mariadb` under the cluster's lockout (`--auth-max-failures`, shared with
//! its other faces), `{"errors":[{"detail":...}]}` bodies, 404 with no body for unknown
//! paths and names, 405 for other methods, pretty output unless `?pretty=false`;
//! MaxScale's own configuration (relationships, altered parameters) in
//! [`config::Config`], ETag/Last-Modified and conditional requests in
//! [`watcher::Watcher`], services and `/v1/maxscale` as read-only views in `views.rs`.

mod admin;
mod config;
mod resources;
mod state;
mod views;
mod watcher;

use crate::host::auth::{Auth, Verdict};
use crate::host::{App, Conn};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, Weak};

/// MaxScale's default admin user and password.
pub const USER: &str = "admin";
pub const PASSWORD: &str = "mariadb";
/// The one monitor of the cluster.
pub const MONITOR: &str = "ECX-Monitor";

pub struct MaxScale {
    pub app: App,
    auth: Auth,
    /// The monitor's last view of each server.
    seen: Mutex<Vec<state::Seen>>,
    /// The server names `seen` is in the order of (servers join and leave).
    seen_names: Mutex<Vec<String>>,
    /// `PUT /v1/monitors/ECX-Monitor/stop`: states stay as they were last seen.
    stopped: Mutex<bool>,
    /// MaxScale's runtime configuration over the cluster's servers.
    config: Mutex<config::Config>,
    /// ETags and Last-Modified times of the paths changed through this face.
    watcher: Mutex<watcher::Watcher>,
    /// Virtual ms when the face started (MaxScale's `started_at`).
    started_ms: u64,
}

pub fn router(app: &App) -> axum::Router {
    let snap = app.engine.snapshot();
    let started_ms = snap.published_ms;
    let init = unix_s(&snap.model.settings.epoch, started_ms);
    let m = Arc::new(MaxScale {
        app: app.clone(),
        auth: app.tenancy.sharing_lockout(USER, PASSWORD),
        seen: Mutex::new(Vec::new()),
        seen_names: Mutex::new(Vec::new()),
        stopped: Mutex::new(false),
        config: Mutex::new(config::Config::default()),
        watcher: Mutex::new(watcher::Watcher::new(init)),
        started_ms,
    });
    m.tick();
    tokio::spawn(monitor(Arc::downgrade(&m), app.engine.watch()));
    axum::Router::new().fallback(handle).with_state(m)
}

/// The monitor: one tick per published snapshot, until the face or the engine is gone.
async fn monitor(
    m: Weak<MaxScale>,
    mut rx: tokio::sync::watch::Receiver<Arc<crate::host::engine_task::Snapshot>>,
) {
    while rx.changed().await.is_ok() {
        let Some(m) = m.upgrade() else { return };
        m.tick();
    }
}

impl MaxScale {
    fn tick(&self) {
        if *lock(&self.stopped) {
            return;
        }
        let snap = self.app.engine.snapshot();
        let now = state::observe(&snap.model, &snap);
        let monitored = lock(&self.config).monitored(&snap.model);
        let mut seen = lock(&self.seen);
        self.realign(&mut seen, &snap.model, &monitored, snap.published_ms);
        state::tick(&mut seen, &now, &monitored, snap.published_ms);
    }

    /// `seen` in the order of `model`'s servers: a server that joined is `Down` until
    /// the monitor sees it up (unjudged when not monitored); one that left is forgotten.
    fn realign(
        &self,
        seen: &mut Vec<state::Seen>,
        model: &crate::model::Model,
        monitored: &[bool],
        t: u64,
    ) {
        let mut names = lock(&self.seen_names);
        let now: Vec<String> = model.servers.iter().map(|s| s.name.clone()).collect();
        if *names == now {
            return;
        }
        if !seen.is_empty() {
            *seen = state::realign(seen, &names, &now, monitored, (t, self.started_ms));
        }
        *names = now;
    }

    /// The monitor's view in the order of `model`'s servers (what handlers render).
    pub(crate) fn aligned(&self, model: &crate::model::Model) -> Vec<state::Seen> {
        let monitored = lock(&self.config).monitored(model);
        let mut seen = lock(&self.seen);
        let t = self.app.engine.snapshot().published_ms;
        self.realign(&mut seen, model, &monitored, t);
        seen.clone()
    }

    /// Unix seconds of the simulated calendar now (MaxScale's `time()`).
    fn now_s(&self) -> i64 {
        let snap = self.app.engine.snapshot();
        unix_s(&snap.model.settings.epoch, snap.published_ms)
    }
}

/// Unix seconds of virtual time `t_ms` under `epoch`.
fn unix_s(epoch: &str, t_ms: u64) -> i64 {
    crate::model::calendar::unix_ms_at(epoch, t_ms).div_euclid(1000)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// An answer before rendering.
pub enum Answer {
    Json(StatusCode, Value),
    /// A status with no body (204, 404, 405).
    Bare(StatusCode),
}

pub fn error(status: StatusCode, detail: impl Into<String>) -> Answer {
    Answer::Json(status, json!({"errors": [{"detail": detail.into()}]}))
}

impl MaxScale {
    /// MaxScale's own default user on a cluster that is nobody else's (a single-cluster
    /// `serve`); in a fleet the cluster's own credential or the admin's (`host/tenancy.rs`).
    fn authorized(&self, peer: std::net::IpAddr, header: Option<&[u8]>) -> bool {
        let t = &self.app.tenancy;
        if t.shared_with_admin(&self.app.name) {
            return matches!(self.auth.check(peer, header), Verdict::Ok);
        }
        let scope = crate::host::tenancy::Scope::Cluster(&self.app.name);
        matches!(
            t.check(peer, header, scope),
            crate::host::tenancy::Access::Granted(_)
        )
    }
}

async fn handle(State(m): State<Arc<MaxScale>>, req: Request) -> Response {
    let pretty = !req.uri().query().is_some_and(|q| {
        crate::host::body::query_pairs(Some(q))
            .unwrap_or_default()
            .iter()
            .any(|(k, v)| k == "pretty" && v == "false")
    });
    let peer = req
        .extensions()
        .get::<Conn>()
        .map(|c| c.peer.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    if req.uri().path() != "/openapi.json" && !m.authorized(peer, auth) {
        let body = render(error(StatusCode::UNAUTHORIZED, "Access denied"), pretty);
        let mut r = body;
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"maxscale\""),
        );
        return r;
    }
    let method = override_method(&req);
    let path = req.uri().path().to_string();
    if let Some(status) = lock(&m.watcher).precondition(&path, req.headers()) {
        return status.into_response();
    }
    let answer = resources::dispatch(&m, method.clone(), req).await;
    let mut r = render(answer, pretty);
    m.watch(&method, &path, &mut r);
    r
}

impl MaxScale {
    /// `handle_request`'s bookkeeping: a successful change modifies `path`; a read
    /// carries the path's Last-Modified and ETag.
    fn watch(&self, method: &Method, path: &str, r: &mut Response) {
        let now = self.now_s();
        let mut w = lock(&self.watcher);
        if [Method::POST, Method::PUT, Method::DELETE, Method::PATCH].contains(method) {
            if matches!(r.status().as_u16(), 200 | 201 | 204) {
                w.modify(path, now);
            }
        } else if *method == Method::GET || *method == Method::HEAD {
            let date = crate::model::calendar::http_date(w.last_modified(path) * 1000);
            let etag = format!("\"{}\"", w.etag(path));
            for (k, v) in [(header::LAST_MODIFIED, date), (header::ETAG, etag)] {
                if let Ok(v) = header::HeaderValue::from_str(&v) {
                    r.headers_mut().insert(k, v);
                }
            }
        }
    }
}

/// `X-HTTP-Method-Override` replaces the request's method.
fn override_method(req: &Request) -> Method {
    req.headers()
        .get("x-http-method-override")
        .and_then(|v| Method::from_bytes(v.as_bytes()).ok())
        .unwrap_or_else(|| req.method().clone())
}

fn render(a: Answer, pretty: bool) -> Response {
    match a {
        Answer::Bare(status) => status.into_response(),
        Answer::Json(status, body) => {
            let text = if pretty {
                serde_json::to_string_pretty(&body).unwrap_or_default()
            } else {
                body.to_string()
            };
            (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
        }
    }
}
