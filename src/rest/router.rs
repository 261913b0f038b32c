//! The route table and the router built from it. The table is the single list of
//! endpoints: the router registers exactly these (those the API version has), and a
//! test checks `openapi.json` documents exactly these.
//!
//! Request handling order: authentication (API paths), method check (405), routing;
//! an unknown URL is the table's 400, a known URL with another method its 405. Paths
//! outside `/api` and `/sim` are the embedded dashboard and `/openapi.json`, served
//! without credentials (they hold no cluster data, and the dashboard asks for them).

use super::api_v1 as api;
use super::auth::Verdict;
use super::control as ctl;
use super::errors::ApiError;
use super::{ApiVersion, App, Conn};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, MethodRouter};
use axum::Router;

/// The OpenAPI 3 document of both surfaces, kept in the repository.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub struct RouteSpec {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// axum path syntax (`{name}`), which is also OpenAPI's.
    pub path: &'static str,
    /// First API version that has it (control routes: every version).
    pub since: ApiVersion,
    make: fn() -> MethodRouter<App>,
}

macro_rules! route {
    ($m:ident $path:literal $since:ident => $handler:expr) => {
        RouteSpec {
            method: const_upper(stringify!($m)),
            path: $path,
            since: ApiVersion::$since,
            make: || $m($handler),
        }
    };
}

const fn const_upper(m: &str) -> &'static str {
    match m.as_bytes() {
        b"get" => "GET",
        b"post" => "POST",
        _ => "DELETE",
    }
}

type St = State<App>;
type N = super::body::NamePath;
type B = super::body::ApiJson<api::TargetBody>;

/// Every endpoint, in the reference's order, then section 8's, then `/sim/v1`.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        route!(get "/api/v1/cluster" V1_0 => api::get_cluster),
        route!(get "/api/v1/cluster/toratio" V1_2 => api::get_toratio),
        route!(get "/api/v1/servers" V1_0 => api::get_servers),
        route!(get "/api/v1/servers/{name}" V1_0 => api::get_server),
        route!(get "/api/v1/groups" V1_0 => api::get_groups),
        route!(get "/api/v1/groups/{name}" V1_0 => api::get_group),
        route!(get "/api/v1/resources" V1_0 => api::get_resources),
        route!(get "/api/v1/resources/{name}" V1_0 => api::get_resource),
        route!(get "/api/v1/monitors" V1_0 => api::get_monitors),
        route!(get "/api/v1/monitors/{name}" V1_0 => api::get_monitor),
        route!(post "/api/v1/cluster/start" V1_0 => |s: St| api::post_cluster(s, "start")),
        route!(post "/api/v1/cluster/stop" V1_0 => |s: St| api::post_cluster(s, "stop")),
        route!(post "/api/v1/cluster/reboot" V1_0 => |s: St| api::post_cluster(s, "reboot")),
        route!(post "/api/v1/cluster/shutdown" V1_0 => |s: St| api::post_cluster(s, "shutdown")),
        route!(post "/api/v1/cluster/suspend" V1_0 => |s: St| api::post_cluster(s, "suspend")),
        route!(post "/api/v1/cluster/resume" V1_0 => |s: St| api::post_cluster(s, "resume")),
        route!(post "/api/v1/cluster/toratio/set" V1_2 => api::post_toratio_set),
        route!(post "/api/v1/cluster/toratio/reset" V1_2 => api::post_toratio_reset),
        route!(post "/api/v1/servers/{name}/start" V1_0 => |s: St, n: N| api::post_server(s, n, "start")),
        route!(post "/api/v1/servers/{name}/stop" V1_0 => |s: St, n: N| api::post_server(s, n, "stop")),
        route!(post "/api/v1/servers/{name}/reboot" V1_0 => |s: St, n: N| api::post_server(s, n, "reboot")),
        route!(post "/api/v1/servers/{name}/shutdown" V1_0 => |s: St, n: N| api::post_server(s, n, "shutdown")),
        route!(post "/api/v1/groups/start" V1_0 => |s: St, b: B| api::post_groups(s, b, "start")),
        route!(post "/api/v1/groups/stop" V1_0 => |s: St, b: B| api::post_groups(s, b, "stop")),
        route!(post "/api/v1/groups/{name}/start" V1_0 => |s: St, n: N, b: B| api::post_group(s, n, b, "start")),
        route!(post "/api/v1/groups/{name}/stop" V1_0 => |s: St, n: N, b: B| api::post_group(s, n, b, "stop")),
        route!(post "/api/v1/groups/{name}/move" V1_0 => |s: St, n: N, b: B| api::post_group(s, n, b, "move")),
        route!(post "/api/v1/resources/{name}/start" V1_0 => |s: St, n: N, b: B| api::post_resource(s, n, b, "start")),
        route!(post "/api/v1/resources/{name}/stop" V1_0 => |s: St, n: N, b: B| api::post_resource(s, n, b, "stop")),
        route!(post "/api/v1/monitors/{name}/suspend" V1_0 => |s: St, n: N, b: B| api::post_monitor(s, n, b, "suspend")),
        route!(post "/api/v1/monitors/{name}/resume" V1_0 => |s: St, n: N, b: B| api::post_monitor(s, n, b, "resume")),
        route!(post "/api/v1/scripts/run" V1_2 => api::post_script_run),
        // Section 8 of the behaviour contract (X 5.x): served with API v1.2.
        route!(post "/api/v1/servers/{name}/dummy-failure/start" V1_2 => |s: St, n: N| api::post_server_dummy(s, n, "start")),
        route!(post "/api/v1/servers/{name}/dummy-failure/stop" V1_2 => |s: St, n: N| api::post_server_dummy(s, n, "stop")),
        route!(post "/api/v1/monitors/{name}/dummy-failure/start" V1_2 => |s: St, n: N, b: B| api::post_monitor_dummy(s, n, b, "start")),
        route!(post "/api/v1/monitors/{name}/dummy-failure/stop" V1_2 => |s: St, n: N, b: B| api::post_monitor_dummy(s, n, b, "stop")),
        route!(get "/api/v1/metrics/groups/uptime" V1_2 => api::get_uptimes),
        route!(get "/api/v1/metrics/groups/{name}/uptime" V1_2 => api::get_uptime),
        route!(get "/api/v1/metrics/config/last-applied-date" V1_2 => api::get_last_applied_date),
        // Control API.
        route!(get "/sim/v1/clock" V1_0 => ctl::get_clock),
        route!(post "/sim/v1/clock/advance" V1_0 => ctl::post_advance),
        route!(post "/sim/v1/clock/speed" V1_0 => ctl::post_speed),
        route!(post "/sim/v1/faults" V1_0 => ctl::post_fault),
        route!(get "/sim/v1/faults" V1_0 => ctl::get_faults),
        route!(delete "/sim/v1/faults/{id}" V1_0 => ctl::delete_fault),
        route!(get "/sim/v1/events" V1_0 => ctl::get_events),
        route!(get "/sim/v1/events/stream" V1_0 => ctl::get_event_stream),
        route!(post "/sim/v1/reset" V1_0 => ctl::post_reset),
        route!(get "/sim/v1/config" V1_0 => ctl::get_config),
        route!(get "/sim/v1/vocabulary" V1_0 => ctl::get_vocabulary),
        route!(get "/openapi.json" V1_0 => openapi),
    ]
}

/// The router for `app`'s API version.
pub fn build(app: App) -> Router {
    let mut router: Router<App> = Router::new();
    for r in routes().into_iter().filter(|r| app.version >= r.since) {
        router = router.route(r.path, (r.make)());
    }
    router
        .fallback(fallback)
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path.starts_with("/sim/") || path == "/sim"
}

/// Before routing: Basic authentication on `/api` and `/sim` (401/403), then 405 for
/// methods the API does not use (only GET and POST, and DELETE on `/sim`). One layer,
/// as it runs on every request.
async fn gate(State(app): State<App>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = is_api(path);
    if api {
        let peer = req
            .extensions()
            .get::<Conn>()
            .map(|c| c.peer.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        match app.auth.check(peer, header) {
            Verdict::Ok => {}
            Verdict::Unauthorized { challenge } => {
                return ApiError::unauthorized(challenge).into_response()
            }
            Verdict::Forbidden => return ApiError::forbidden().into_response(),
        }
    }
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

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn version(v: ApiVersion) -> &'static str {
        match v {
            ApiVersion::V1_0 => "1.0",
            ApiVersion::V1_1 => "1.1",
            ApiVersion::V1_2 => "1.2",
        }
    }

    /// `openapi.json` documents exactly the routes of the table (which is exactly what
    /// the router registers), each with the version that introduced it.
    #[test]
    fn openapi_documents_every_route_and_nothing_else() {
        let doc: serde_json::Value =
            serde_json::from_str(OPENAPI_JSON).expect("openapi.json parses");
        assert_eq!(
            doc["openapi"].as_str().map(|v| v.starts_with("3.")),
            Some(true)
        );
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let since = op["x-since-version"].as_str().unwrap_or("?").to_string();
                documented.insert((method.to_uppercase(), path.clone(), since));
            }
        }
        let routed: BTreeSet<_> = routes()
            .iter()
            .map(|r| {
                (
                    r.method.to_string(),
                    r.path.to_string(),
                    version(r.since).to_string(),
                )
            })
            .collect();
        let missing: Vec<_> = routed.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&routed).collect();
        assert!(
            missing.is_empty(),
            "routes missing from openapi.json: {missing:?}"
        );
        assert!(
            extra.is_empty(),
            "openapi.json documents routes that do not exist: {extra:?}"
        );
    }

    #[test]
    fn route_table_has_no_duplicates() {
        let all = routes();
        let set: BTreeSet<_> = all.iter().map(|r| (r.method, r.path)).collect();
        assert_eq!(set.len(), all.len());
    }
}
