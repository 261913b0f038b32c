//! Status GETs: cluster, servers, groups, resources, monitors, with their `select=`
//! forms and the reference's error shapes for named objects that do not exist.

use super::errors::ApiError;
use super::{ok, select, view, Named, Select};
use crate::host::body::NamePath;
use crate::host::{ApiVersion, App, Conn};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Extension;
use serde::Serialize;
use serde_json::json;

/// The objects a list GET (`name` None) or a named GET answers with; `None` when the
/// named object does not exist, so the caller answers the reference's empty shape.
fn matching<'v, T>(
    all: &'v [T],
    name: Option<&str>,
    name_of: impl Fn(&T) -> &str,
) -> Option<Vec<&'v T>> {
    let list: Vec<_> = all
        .iter()
        .filter(|t| name.is_none_or(|n| n == name_of(t)))
        .collect();
    (!list.is_empty() || name.is_none()).then_some(list)
}

/// `{"field": [render(item), ...]}` with the result envelope.
fn ok_each<'v, T, R: Serialize>(
    field: &'static str,
    items: &[&'v T],
    render: impl Fn(&'v T) -> R,
) -> Response {
    ok(field, &items.iter().map(|t| render(t)).collect::<Vec<_>>())
}

// ------------------------------------------------------------------ cluster

pub async fn get_cluster(State(app): State<App>, conn: Option<Extension<Conn>>) -> Response {
    let snap = app.engine.snapshot();
    let v = view(&snap, &conn);
    #[derive(Serialize)]
    struct C<'a> {
        name: &'a str,
        status: &'a str,
    }
    ok(
        "cluster",
        &C {
            name: &v.name,
            status: v.status,
        },
    )
}

pub async fn get_toratio(State(app): State<App>, conn: Option<Extension<Conn>>) -> Response {
    let snap = app.engine.snapshot();
    ok("cluster", &json!({"toratio": view(&snap, &conn).toratio}))
}

// ------------------------------------------------------------------ servers

fn servers(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, false) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let Some(list) = matching(&v.servers, name, |s| &s.name) else {
        return ApiError::not_found(
            "servers",
            match sel {
                Select::Name => json!([{"name": ""}]),
                _ => json!([{"name": "", "status": ""}]),
            },
        )
        .into();
    };
    #[derive(Serialize)]
    struct S<'a> {
        name: &'a str,
        status: &'a str,
    }
    match sel {
        Select::Name => ok_each("servers", &list, |s| Named { name: &s.name }),
        _ => ok_each("servers", &list, |s| S {
            name: &s.name,
            status: s.status,
        }),
    }
}

pub async fn get_servers(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    servers(&app, &conn, None, q.as_deref())
}

pub async fn get_server(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    servers(&app, &conn, Some(&name), q.as_deref())
}

// ------------------------------------------------------------------ groups

fn resource_names(g: &crate::sim::view::GroupView) -> Vec<Named<'_>> {
    g.resources.iter().map(|r| Named { name: r }).collect()
}

fn groups(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, name.is_some()) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let with_resources = app.version >= ApiVersion::V1_1;
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let Some(list) = matching(&v.groups, name, |g| &g.name) else {
        let empty = match sel {
            Select::Name => json!([{"name": ""}]),
            Select::Resources => json!([{"resources": []}]),
            Select::All if with_resources => {
                json!([{"name": "", "status": "", "current": "", "resources": []}])
            }
            Select::All => json!([{"name": "", "status": "", "current": ""}]),
        };
        return ApiError::not_found("groups", empty).into();
    };
    #[derive(Serialize)]
    struct G<'a> {
        name: &'a str,
        status: &'a str,
        current: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        resources: Option<Vec<Named<'a>>>,
    }
    #[derive(Serialize)]
    struct R<'a> {
        resources: Vec<Named<'a>>,
    }
    match sel {
        Select::Name => ok_each("groups", &list, |g| Named { name: &g.name }),
        Select::Resources => ok_each("groups", &list, |g| R {
            resources: resource_names(g),
        }),
        Select::All => ok_each("groups", &list, |g| G {
            name: &g.name,
            status: g.status,
            current: &g.current,
            resources: with_resources.then(|| resource_names(g)),
        }),
    }
}

pub async fn get_groups(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    groups(&app, &conn, None, q.as_deref())
}

pub async fn get_group(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    groups(&app, &conn, Some(&name), q.as_deref())
}

// ------------------------------------------------------------------ resources

fn resources(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, false) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let with_group = app.version >= ApiVersion::V1_1;
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let Some(list) = matching(&v.resources, name, |r| &r.name) else {
        let empty = match sel {
            Select::Name => json!([{"name": ""}]),
            _ if with_group => {
                json!([{"name": "", "type": "", "status": "", "current": "", "group": ""}])
            }
            _ => json!([{"name": "", "type": "", "status": "", "current": ""}]),
        };
        return ApiError::not_found("resources", empty).into();
    };
    #[derive(Serialize)]
    struct R<'a> {
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        status: &'a str,
        current: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<&'a str>,
    }
    match sel {
        Select::Name => ok_each("resources", &list, |r| Named { name: &r.name }),
        _ => ok_each("resources", &list, |r| R {
            name: &r.name,
            kind: r.kind,
            status: r.status,
            current: &r.current,
            group: with_group.then_some(r.group.as_str()),
        }),
    }
}

pub async fn get_resources(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    resources(&app, &conn, None, q.as_deref())
}

pub async fn get_resource(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    resources(&app, &conn, Some(&name), q.as_deref())
}

// ------------------------------------------------------------------ monitors

/// The REST `type` of a monitor: its kind without the trailing `w` (`fipw` -> `fip`).
pub fn monitor_type(kind: &str) -> &str {
    match kind.strip_suffix('w') {
        Some(t) if !t.is_empty() => t,
        _ => kind,
    }
}

fn monitors(
    app: &App,
    conn: &Option<Extension<Conn>>,
    name: Option<&str>,
    q: Option<&str>,
) -> Response {
    let sel = match select(app, q, false) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let snap = app.engine.snapshot();
    let v = view(&snap, conn);
    let Some(list) = matching(&v.monitors, name, |m| &m.name) else {
        let empty = match sel {
            Select::Name => json!([{"name": ""}]),
            _ => json!([{"name": "", "type": "", "status": "", "servers": []}]),
        };
        return ApiError::not_found("monitors", empty).into();
    };
    #[derive(Serialize)]
    struct MS<'a> {
        name: &'a str,
        status: &'a str,
    }
    #[derive(Serialize)]
    struct M<'a> {
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        status: &'a str,
        servers: Vec<MS<'a>>,
    }
    match sel {
        Select::Name => ok_each("monitors", &list, |m| Named { name: &m.name }),
        _ => ok_each("monitors", &list, |m| M {
            name: &m.name,
            kind: monitor_type(&m.kind),
            status: m.status,
            servers: m
                .servers
                .iter()
                .map(|s| MS {
                    name: &s.name,
                    status: s.status,
                })
                .collect(),
        }),
    }
}

pub async fn get_monitors(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    RawQuery(q): RawQuery,
) -> Response {
    monitors(&app, &conn, None, q.as_deref())
}

pub async fn get_monitor(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    NamePath(name): NamePath,
    RawQuery(q): RawQuery,
) -> Response {
    monitors(&app, &conn, Some(&name), q.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_types_lose_the_trailing_w() {
        assert_eq!(monitor_type("fipw"), "fip");
        assert_eq!(monitor_type("userw"), "user");
        assert_eq!(monitor_type("w"), "w");
        assert_eq!(monitor_type("custom"), "custom");
    }
}
