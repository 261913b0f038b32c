//! The EXPRESSCLUSTER face's route table: every `/api/v1` endpoint with the API
//! version that introduced it. The router registers exactly these (those the
//! cluster's version has); a test checks `openapi.json` documents exactly these and
//! the host's control routes.

use super as api;
use crate::host::router::RouteSpec;
use crate::host::App;
use crate::route;
use crate::sim::Operation as Op;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;

/// The OpenAPI 3 document of both surfaces (this face and `/sim/v1`), kept in the
/// repository.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

type St = State<App>;
type N = crate::host::body::NamePath;
type B = crate::host::body::ApiJson<api::TargetBody>;
type MB = crate::host::body::ApiJson<mirrors::MirrorBody>;
type C = Option<axum::Extension<crate::host::Conn>>;
use crate::sim::input::MirrorActionKind::{Backup, Restore};
use crate::sim::input::MirrorStage::{Post, Pre};
use api::mirrors;

/// Every endpoint, in the reference's order, then section 8's.
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
        route!(post "/api/v1/cluster/start" V1_0 => |s: St| api::post_cluster(s, Op::ClusterStart)),
        route!(post "/api/v1/cluster/stop" V1_0 => |s: St| api::post_cluster(s, Op::ClusterStop)),
        route!(post "/api/v1/cluster/reboot" V1_0 => |s: St| api::post_cluster(s, Op::ClusterReboot)),
        route!(post "/api/v1/cluster/shutdown" V1_0 => |s: St| api::post_cluster(s, Op::ClusterShutdown)),
        route!(post "/api/v1/cluster/suspend" V1_0 => |s: St| api::post_cluster(s, Op::ClusterSuspend)),
        route!(post "/api/v1/cluster/resume" V1_0 => |s: St| api::post_cluster(s, Op::ClusterResume)),
        route!(post "/api/v1/cluster/toratio/set" V1_2 => api::post_toratio_set),
        route!(post "/api/v1/cluster/toratio/reset" V1_2 => api::post_toratio_reset),
        route!(post "/api/v1/servers/{name}/start" V1_0 => |s: St, n: N| api::post_server(s, n, |server| Op::ServerStart { server })),
        route!(post "/api/v1/servers/{name}/stop" V1_0 => |s: St, n: N| api::post_server(s, n, |server| Op::ServerStop { server })),
        route!(post "/api/v1/servers/{name}/reboot" V1_0 => |s: St, n: N| api::post_server(s, n, |server| Op::ServerReboot { server })),
        route!(post "/api/v1/servers/{name}/shutdown" V1_0 => |s: St, n: N| api::post_server(s, n, |server| Op::ServerShutdown { server })),
        route!(post "/api/v1/groups/start" V1_0 => |s: St, b: B| api::post_groups(s, b, |group, target| Op::GroupStart { group, target })),
        route!(post "/api/v1/groups/stop" V1_0 => |s: St, b: B| api::post_groups(s, b, |group, target| Op::GroupStop { group, target })),
        route!(post "/api/v1/groups/{name}/start" V1_0 => |s: St, n: N, b: B| api::post_group(s, n, b, |g, target| Op::GroupStart { group: Some(g), target })),
        route!(post "/api/v1/groups/{name}/stop" V1_0 => |s: St, n: N, b: B| api::post_group(s, n, b, |g, target| Op::GroupStop { group: Some(g), target })),
        route!(post "/api/v1/groups/{name}/move" V1_0 => |s: St, n: N, b: B| api::post_group(s, n, b, |group, target| Op::GroupMove { group, target })),
        route!(post "/api/v1/resources/{name}/start" V1_0 => |s: St, n: N, b: B| api::post_resource(s, n, b, |resource, target| Op::ResourceStart { resource, target })),
        route!(post "/api/v1/resources/{name}/stop" V1_0 => |s: St, n: N, b: B| api::post_resource(s, n, b, |resource, _| Op::ResourceStop { resource })),
        route!(post "/api/v1/monitors/{name}/suspend" V1_0 => |s: St, n: N, b: B| api::post_monitor(s, n, b, |monitor, target| Op::MonitorSuspend { monitor, target })),
        route!(post "/api/v1/monitors/{name}/resume" V1_0 => |s: St, n: N, b: B| api::post_monitor(s, n, b, |monitor, target| Op::MonitorResume { monitor, target })),
        route!(post "/api/v1/scripts/run" V1_2 => api::post_script_run),
        // Section 8 of the behaviour contract (X 5.x): served with API v1.2.
        route!(post "/api/v1/servers/{name}/dummy-failure/start" V1_2 => |s: St, n: N| api::post_server_dummy(s, n, |server| Op::ServerDummyFailureStart { server })),
        route!(post "/api/v1/servers/{name}/dummy-failure/stop" V1_2 => |s: St, n: N| api::post_server_dummy(s, n, |server| Op::ServerDummyFailureStop { server })),
        route!(post "/api/v1/monitors/{name}/dummy-failure/start" V1_2 => |s: St, n: N, b: B| api::post_monitor_dummy(s, n, b, |monitor, target| Op::MonitorDummyFailureStart { monitor, target })),
        route!(post "/api/v1/monitors/{name}/dummy-failure/stop" V1_2 => |s: St, n: N, b: B| api::post_monitor_dummy(s, n, b, |monitor, target| Op::MonitorDummyFailureStop { monitor, target })),
        route!(get "/api/v1/metrics/groups/uptime" V1_2 => api::get_uptimes),
        route!(get "/api/v1/metrics/groups/{name}/uptime" V1_2 => api::get_uptime),
        route!(get "/api/v1/metrics/config/last-applied-date" V1_2 => api::get_last_applied_date),
        route!(post "/api/v1/mirrors/backup/preaction" V1_2 => |s: St, b: MB| mirrors::post_mirror_action(s, b, Backup, Pre)),
        route!(post "/api/v1/mirrors/backup/postaction" V1_2 => |s: St, b: MB| mirrors::post_mirror_action(s, b, Backup, Post)),
        route!(get "/api/v1/mirrors/backup/status" V1_2 => |s: St, c: C| mirrors::get_mirror_status(s, c, Backup)),
        route!(post "/api/v1/mirrors/restore/preaction" V1_2 => |s: St, b: MB| mirrors::post_mirror_action(s, b, Restore, Pre)),
        route!(post "/api/v1/mirrors/restore/postaction" V1_2 => |s: St, b: MB| mirrors::post_mirror_action(s, b, Restore, Post)),
        route!(get "/api/v1/mirrors/restore/status" V1_2 => |s: St, c: C| mirrors::get_mirror_status(s, c, Restore)),
        route!(get "/openapi.json" V1_0 => openapi),
    ]
}

/// The face's routes for `app`'s API version, with its state.
pub fn router(app: &App) -> Router {
    let mut router: Router<App> = Router::new();
    for r in routes().into_iter().filter(|r| app.version >= r.since) {
        router = router.route(r.path, (r.make)());
    }
    router.with_state(app.clone())
}

async fn openapi() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::ApiVersion;
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
        let host = crate::host::router::control_routes()
            .into_iter()
            .chain(crate::host::router::fleet_routes())
            .map(|r| (r.method, r.path, r.since));
        let routed: BTreeSet<_> = routes()
            .iter()
            .map(|r| (r.method, r.path, r.since))
            .chain(host)
            .map(|r| (r.0.to_string(), r.1.to_string(), version(r.2).to_string()))
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
        assert!(crate::host::router::control_routes()
            .iter()
            .all(|c| !set.contains(&(c.method, c.path))));
        assert_eq!(set.len(), all.len());
    }
}
