//! Read-only views: `/v1/services` (one service per failover group, its servers the
//! servers linked to it, initially the group's policy) and `/v1/maxscale` (the
//! MaxScale process this face stands for). Shapes are 2.2's `service_json_data` and
//! `config_maxscale_to_json`; values the simulation has no counterpart for are
//! MaxScale's defaults or zero (docs/faces/maxscale.md lists them).

use super::resources::{relationship, Route};
use super::{lock, Answer, MaxScale};
use crate::model::calendar;
use axum::extract::Request;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// The MaxScale release this face follows, and its commit (`MAXSCALE_COMMIT`).
pub const VERSION: &str = "2.2.21";
pub const COMMIT: &str = "73f8bf1f6f864c70641fa4c6d6c2d1a8ee3d6de5";

/// `/v1/services...`; `None` when no route of this method matches.
pub async fn services_route(r: &Route<'_>, rest: &[&str], req: Request) -> Option<Answer> {
    let (m, method, base) = (r.m, &r.method, r.base.as_str());
    let model = m.app.engine.model();
    if rest.first().is_some_and(|n| model.group_id(n).is_none()) {
        return Some(Answer::Bare(StatusCode::NOT_FOUND));
    }
    Some(match (method.as_str(), rest) {
        ("GET", []) => {
            let data: Vec<Value> = model
                .groups
                .iter()
                .map(|g| service_item(m, base, &g.name))
                .collect();
            Answer::Json(
                StatusCode::OK,
                json!({"links": {"self": format!("{base}/services/")}, "data": data}),
            )
        }
        ("GET", [name]) => Answer::Json(
            StatusCode::OK,
            json!({"links": {"self": format!("{base}/services/{name}")}, "data": service_item(m, base, name)}),
        ),
        ("GET", [name, "listeners"]) => Answer::Json(
            StatusCode::OK,
            json!({"links": {"self": format!("{base}/services/{name}/listeners/")}, "data": []}),
        ),
        ("PATCH", [name]) => super::admin::alter_object(m, name, req, false).await,
        ("PATCH", [name, "relationships", "servers"]) => {
            super::admin::alter_object(m, name, req, true).await
        }
        ("PUT", [name, action @ ("stop" | "start")]) => {
            let mut cfg = lock(&m.config);
            if *action == "stop" {
                cfg.stopped_services.insert(name.to_string());
            } else {
                cfg.stopped_services.remove(*name);
            }
            Answer::Bare(StatusCode::NO_CONTENT)
        }
        _ => return None,
    })
}

/// One service: a `readconnroute` service of failover group `name`, its servers the
/// servers linked to it (in server order), left out when none, as 2.2 does.
pub fn service_item(m: &MaxScale, base: &str, name: &str) -> Value {
    let model = m.app.engine.model();
    let cfg = lock(&m.config);
    let servers: Vec<String> = (0..model.servers.len())
        .filter(|&i| cfg.entry(&model, i).services.contains(name))
        .map(|i| model.servers[i].name.clone())
        .collect();
    let mut rel = serde_json::Map::new();
    if !servers.is_empty() {
        rel.insert("servers".into(), relationship(base, "servers", &servers));
    }
    let started = calendar::unix_ms_at(&model.settings.epoch, m.started_ms);
    json!({
        "id": name, "type": "services",
        "attributes": {
            "router": "readconnroute",
            "state": if cfg.stopped_services.contains(name) { "Stopped" } else { "Started" },
            "router_diagnostics": {"connections": 0, "current_connections": 0, "queries": 0},
            "started": asctime(started),
            "total_connections": 0,
            "connections": 0,
            "parameters": {
                "router_options": "", "user": "maxscale", "password": "",
                "enable_root_user": false, "max_retry_interval": 3600, "max_connections": 0,
                "connection_timeout": 0, "auth_all_servers": false, "strip_db_esc": true,
                "localhost_match_wildcard_host": true, "version_string": "",
                "log_auth_warnings": true, "retry_on_failure": true,
            },
            "listeners": [],
        },
        "relationships": rel,
        "links": {"self": format!("{base}/services/{name}")},
    })
}

/// `GET /v1/maxscale`: version, start and uptime on the simulated calendar, and the
/// global parameters (2.2's defaults; `admin_host`/`admin_port` as the client reached
/// this face).
pub fn maxscale(m: &MaxScale, base: &str) -> Option<Answer> {
    let snap = m.app.engine.snapshot();
    let epoch = &snap.model.settings.epoch;
    let started = calendar::http_date(calendar::unix_ms_at(epoch, m.started_ms));
    let uptime = snap.published_ms.saturating_sub(m.started_ms) / 1000;
    let host = base.trim_start_matches("http://").trim_end_matches("/v1");
    let (admin_host, admin_port) = match host.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().unwrap_or(80)),
        None => (host, 80),
    };
    let params = json!({
        "libdir": "/usr/lib64/maxscale", "datadir": "/var/lib/maxscale",
        "process_datadir": "/var/lib/maxscale/data", "cachedir": "/var/cache/maxscale",
        "configdir": "/etc", "config_persistdir": "/var/lib/maxscale/maxscale.cnf.d",
        "module_configdir": "/etc/maxscale.modules.d", "piddir": "/var/run/maxscale",
        "logdir": "/var/log/maxscale", "langdir": "/var/lib/maxscale",
        "execdir": "/usr/bin", "connector_plugindir": "/usr/lib64/maxscale/plugin",
        "threads": 1, "thread_stack_size": 8388608,
        "auth_connect_timeout": 3, "auth_read_timeout": 1, "auth_write_timeout": 2,
        "skip_permission_checks": false, "admin_auth": true, "admin_enabled": true,
        "admin_log_auth_failures": true, "admin_host": admin_host, "admin_port": admin_port,
        "admin_ssl_key": "", "admin_ssl_cert": "", "admin_ssl_ca_cert": "",
        "passive": false, "query_classifier": "qc_sqlite",
    });
    Some(Answer::Json(
        StatusCode::OK,
        json!({"links": {"self": format!("{base}/maxscale/")},
               "data": {"attributes": {"parameters": params, "version": VERSION, "commit": COMMIT,
                                       "started_at": started, "activated_at": started, "uptime": uptime},
                        "id": "maxscale", "type": "maxscale"}}),
    ))
}

/// C's `asctime` (`Thu Jan  1 00:00:00 2026`), as 2.2 prints a service's `started`.
fn asctime(unix_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = calendar::civil(unix_ms);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[c.weekday as usize],
        MONTHS[c.month as usize - 1],
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}
