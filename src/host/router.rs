//! A listener's router: the cluster's faces (registered in `crate::faces`), the
//! `/sim/v1` control API of its cluster and of the fleet, and the embedded dashboard.
//! The control table below is the single list of `/sim/v1` endpoints (checked against
//! `openapi.json` with the face's table).
//!
//! Request handling order: authentication (API paths), method check (405), routing;
//! an unknown URL is the table's 400, a known URL with another method its 405. Paths
//! outside `/api` and `/sim` are the embedded dashboard and `/openapi.json`, served
//! without credentials (they hold no cluster data, and the dashboard asks for them).
//!
//! Every control route exists twice: `/sim/v1/X` (the listener's own cluster, which on
//! the first cluster's listener is the first cluster) and `/sim/v1/clusters/{cluster}/X`.

use super::control as ctl;
use super::fleet::Fleet;
use super::fleet_api as fl;
use super::tenancy::{lockout_message, Access, Scope, DENIED_MESSAGE, LOCKOUT_HEADER};
use super::{ApiVersion, App, Conn};
use crate::faces::expresscluster::errors::ApiError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, MethodRouter};
use axum::Router;
use std::sync::Weak;

/// One endpoint of a route table.
pub struct RouteSpec<S = App> {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// axum path syntax (`{name}`), which is also OpenAPI's.
    pub path: &'static str,
    /// First API version that has it (control routes: every version).
    pub since: ApiVersion,
    pub make: fn() -> MethodRouter<S>,
}

/// `route!(get "/path" V1_0 => handler)`: one [`RouteSpec`].
#[macro_export]
macro_rules! route {
    ($m:ident $path:literal $since:ident => $handler:expr) => {
        $crate::host::router::RouteSpec {
            method: $crate::host::router::const_upper(stringify!($m)),
            path: $path,
            since: $crate::host::ApiVersion::$since,
            make: || $m($handler),
        }
    };
}

pub const fn const_upper(m: &str) -> &'static str {
    match m.as_bytes() {
        b"get" => "GET",
        b"post" => "POST",
        _ => "DELETE",
    }
}

/// What control handlers get: the listener's cluster and the fleet.
#[derive(Clone)]
pub struct Ctx {
    pub own: App,
    pub fleet: Weak<Fleet>,
}

/// The `/sim/v1` endpoints of one cluster (also under `/sim/v1/clusters/{cluster}`).
pub fn control_routes() -> Vec<RouteSpec<Ctx>> {
    vec![
        route!(get "/sim/v1/clock" V1_0 => ctl::get_clock),
        route!(post "/sim/v1/clock/advance" V1_0 => ctl::post_advance),
        route!(post "/sim/v1/clock/speed" V1_0 => ctl::post_speed),
        route!(post "/sim/v1/faults" V1_0 => ctl::post_fault),
        route!(post "/sim/v1/operations" V1_0 => ctl::post_operation),
        route!(get "/sim/v1/faults" V1_0 => ctl::get_faults),
        route!(delete "/sim/v1/faults/{id}" V1_0 => ctl::delete_fault),
        route!(get "/sim/v1/events" V1_0 => ctl::get_events),
        route!(get "/sim/v1/events/stream" V1_0 => ctl::get_event_stream),
        route!(post "/sim/v1/reset" V1_0 => ctl::post_reset),
        route!(get "/sim/v1/config" V1_0 => ctl::get_config),
        route!(get "/sim/v1/journal" V1_0 => super::state_api::get_journal),
        route!(get "/sim/v1/snapshot" V1_0 => super::state_api::get_snapshot),
        route!(post "/sim/v1/restore" V1_0 => super::state_api::post_restore),
        route!(post "/sim/v1/fork" V1_0 => super::state_api::post_fork),
        route!(get "/sim/v1/state" V1_0 => super::state_api::get_state),
        route!(get "/sim/v1/view" V1_0 => ctl::get_view),
        route!(get "/sim/v1/vocabulary" V1_0 => ctl::get_vocabulary),
        route!(get "/sim/v1/rolling" V1_0 => super::rolling_api::get_rolling),
        route!(get "/sim/v1/history" V1_0 => super::history::get_history),
        route!(get "/sim/v1/exercise" V1_0 => super::exercise_api::get_exercise),
        route!(post "/sim/v1/exercise" V1_0 => super::exercise_api::post_exercise),
    ]
}

/// The fleet's endpoints.
pub fn fleet_routes() -> Vec<RouteSpec<Ctx>> {
    vec![
        route!(get "/sim/v1/clusters" V1_0 => fl::list),
        route!(post "/sim/v1/clusters" V1_0 => fl::create),
        route!(delete "/sim/v1/clusters/{cluster}" V1_0 => fl::delete),
        route!(get "/sim/v1/class" V1_0 => super::exercise_api::get_class),
    ]
}

/// The router of one of `app`'s listeners: `face` (the cluster's faces), the control
/// API and the dashboard, behind authentication with `app`'s credentials.
pub fn build(app: App, face: Router, fleet: Weak<Fleet>) -> Router {
    let ctx = Ctx {
        own: app.clone(),
        fleet,
    };
    let mut control: Router<Ctx> = Router::new();
    for r in control_routes() {
        let prefixed = r.path.replacen("/sim/v1", "/sim/v1/clusters/{cluster}", 1);
        control = control
            .route(r.path, (r.make)())
            .route(&prefixed, (r.make)());
    }
    for r in fleet_routes() {
        control = control.route(r.path, (r.make)());
    }
    if app.allow_test_panics {
        control = control.route("/sim/v1/test/panic", post(ctl::post_test_panic));
        control = control.route("/sim/v1/test/hold", post(ctl::post_test_hold));
    }
    control = control.route("/sim/v1/clusters/{cluster}/api/{*rest}", any(fl::face));
    // Monitoring, outside the product's table (and openapi.json): /metrics, /sim/v1/health.
    let http = super::metrics::HttpCounters::default();
    let scrape = http.clone();
    let monitoring: Router = Router::new()
        .route(
            "/metrics",
            get(move |State(a): State<App>, h: HeaderMap| {
                super::metrics::scrape(a, scrape.clone(), h)
            }),
        )
        .route("/sim/v1/health", get(super::health::get_health))
        .with_state(app.clone());
    face.merge(control.with_state(ctx))
        .merge(monitoring)
        .fallback(fallback)
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn_with_state(app, gate))
        .layer(middleware::from_fn_with_state(http, super::metrics::count))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path.starts_with("/sim/") || path == "/sim"
}

/// Before routing: Basic authentication on `/api`, `/sim` and (when the cluster's
/// credential is not the admin's) `/metrics`, for what the request reaches
/// ([`scope_of`]: 401/403, see `tenancy.rs`), then 405 for methods the API does not use
/// (only GET and POST, and DELETE on `/sim`). One layer, as it runs on every request.
/// The caller goes into the request's extensions for handlers that filter by it.
async fn gate(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = is_api(path) && path != "/sim/v1/health";
    let guarded = api || (path == "/metrics" && !app.tenancy.shared_with_admin(&app.name));
    if guarded {
        let peer = req
            .extensions()
            .get::<Conn>()
            .map(|c| c.peer.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        let scope = scope_of(req.method(), path, &app.name);
        match app.tenancy.check(peer, header, scope) {
            Access::Granted(caller) => {
                req.extensions_mut().insert(caller);
            }
            refused => return refusal(refused, product_path(path)),
        }
    }
    let path = req.uri().path();
    let allowed = match *req.method() {
        Method::GET | Method::POST => true,
        Method::DELETE => path.starts_with("/sim/"),
        Method::HEAD => !api,
        _ => false,
    };
    if allowed {
        next.run(req).await
    } else {
        ApiError::method_not_allowed().into_response()
    }
}

/// What a request reaches: a cluster (the one in `/sim/v1/clusters/{name}/...`, else
/// the listener's own), the fleet list (any known caller, filtered), or what only the
/// admin may do (create, delete, fork, starting exercises, the instructor's page).
pub fn scope_of<'a>(method: &Method, path: &'a str, own: &'a str) -> Scope<'a> {
    let path = path.trim_end_matches('/');
    if path == "/sim/v1/clusters" {
        return if *method == Method::GET {
            Scope::AnyKnown
        } else {
            Scope::Admin
        };
    }
    let (target, tail) = match path.strip_prefix("/sim/v1/clusters/") {
        Some(rest) => match rest.split_once('/') {
            Some((name, tail)) => (name, tail),
            // DELETE /sim/v1/clusters/{name}
            None => return Scope::Admin,
        },
        None => (own, path.strip_prefix("/sim/v1/").unwrap_or("")),
    };
    let admin = match tail {
        "fork" | "class" => true,
        "exercise" => *method != Method::GET,
        _ => false,
    };
    if admin {
        Scope::Admin
    } else {
        Scope::Cluster(target)
    }
}

/// The product's own surface (its error bodies stay the product's, word for word).
fn product_path(path: &str) -> bool {
    path.starts_with("/api")
        || path
            .strip_prefix("/sim/v1/clusters/")
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(_, tail)| tail.starts_with("api/") || tail == "api")
}

/// The answer to a refused request. A lockout says why and for how long in
/// `Retry-After` and [`LOCKOUT_HEADER`] (and, off the product's surface, its message).
pub fn refusal(access: Access, product: bool) -> Response {
    match access {
        Access::Granted(_) => ApiError::internal().into_response(),
        Access::Unauthorized { challenge } => ApiError::unauthorized(challenge).into_response(),
        Access::Denied if product => ApiError::forbidden().into_response(),
        Access::Denied => ApiError::with(StatusCode::FORBIDDEN, DENIED_MESSAGE).into_response(),
        Access::Locked {
            user,
            retry_after_secs,
        } => {
            let message = lockout_message(&user, retry_after_secs);
            let mut r = if product {
                ApiError::forbidden().into_response()
            } else {
                ApiError::with(StatusCode::FORBIDDEN, message.clone()).into_response()
            };
            let h = r.headers_mut();
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            if let Ok(v) = HeaderValue::from_str(&message) {
                h.insert(LOCKOUT_HEADER, v);
            }
            r
        }
    }
}

/// Unknown URLs: the dashboard's files for GET, else the table's 400.
async fn fallback(req: Request) -> Response {
    let path = req.uri().path();
    if !is_api(path) && (req.method() == Method::GET || req.method() == Method::HEAD) {
        if let Some((mime, bytes)) = crate::web_assets::asset(path.trim_start_matches('/')) {
            return (StatusCode::OK, [(header::CONTENT_TYPE, mime)], bytes).into_response();
        }
    }
    ApiError::bad_request().into_response()
}
