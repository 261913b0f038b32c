//! The operator dashboard's `POST /api/cluster` (create a cluster on a host) and
//! `DELETE /api/cluster` (delete one), after v0.6's `resources/cluster_api.py`: the
//! create reads form fields (a missing one is Werkzeug's 400 page), answers code 201
//! in an HTTP 200; the delete reads the form, else the JSON body.
//!
//! In the pool, a host is a `pool:` entry (`host_id` its id); a created cluster is a
//! new member of that entry, built from the cluster file its members were loaded from.
//! Only the fleet's admin creates and deletes (the product has no authentication; a
//! fleet's students must not remove each other's clusters).

use super::ops::{by_id, fleet, CONSENSUS_MODES, CONSENSUS_PLUGINS};
use super::{fail, py_text, Answer, Cello, Params};
use crate::host::fleet::Fleet;
use crate::host::fleet_file::{any_port, to_spec, Entry, Origin};
use crate::host::fleet_pool::{object_id, PoolMember, MAX_POOL_CLUSTERS};
use crate::host::tenancy::Caller;
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

pub async fn cluster(c: &Cello, p: &Params, who: Option<&Caller>) -> Answer {
    let verb = match p.method {
        Method::POST => "create",
        Method::DELETE => "delete",
        _ => return Answer::Page(StatusCode::METHOD_NOT_ALLOWED),
    };
    let fleet = match fleet(c) {
        Ok(f) => f,
        Err(a) => return a,
    };
    if !who.is_some_and(|w| w.admin) {
        return Answer::Fail(
            403,
            format!("cluster {verb} is not allowed with these credentials"),
        );
    }
    match verb {
        "create" => create(&fleet, p).await,
        _ => delete(&fleet, p).await,
    }
}

/// The form as Flask's `jsonify(r.form)` renders it (the first value of each key).
fn form_json(p: &Params) -> Value {
    let mut m = Map::new();
    for (k, v) in &p.form {
        m.entry(k.clone()).or_insert_with(|| json!(v));
    }
    Value::Object(m)
}

fn form<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.form
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The create's fields, checked in v0.6's order: a missing one raises (400 page), an
/// empty one is `cluster post without enough data`.
struct Create<'a> {
    name: &'a str,
    host_id: &'a str,
    fabric_version: &'a str,
    consensus_plugin: &'a str,
    consensus_mode: &'a str,
    size: i64,
}

fn read_create(p: &Params) -> Result<Create<'_>, Answer> {
    let mut got = Vec::new();
    for key in [
        "name",
        "host_id",
        "fabric_version",
        "consensus_plugin",
        "size",
    ] {
        match form(p, key) {
            None => return Err(Answer::Page(StatusCode::BAD_REQUEST)),
            Some("") => {
                let error = "cluster post without enough data".to_string();
                return Err(Answer::FailData(error, form_json(p)));
            }
            Some(v) => got.push(v),
        }
    }
    let mode = form(p, "consensus_mode").ok_or(Answer::Page(StatusCode::BAD_REQUEST))?;
    let size = got[4]
        .trim()
        .parse()
        .map_err(|_| Answer::Page(StatusCode::INTERNAL_SERVER_ERROR))?;
    Ok(Create {
        name: got[0],
        host_id: got[1],
        fabric_version: got[2],
        consensus_plugin: got[3],
        consensus_mode: mode,
        size,
    })
}

/// v0.6's checks of plugin, mode (needed unless `noops` or `solo`) and size [assume:
/// the size must be the host's, its members' server count; v0.6's 4, 6, 7 are
/// Fabric's], then a new member of the host.
async fn create(fleet: &Fleet, p: &Params) -> Answer {
    let f = match read_create(p) {
        Ok(f) => f,
        Err(a) => return a,
    };
    if !CONSENSUS_PLUGINS.contains(&f.consensus_plugin) {
        return fail("Invalid request");
    }
    let needs_mode =
        f.consensus_plugin != CONSENSUS_PLUGINS[0] && f.consensus_plugin != CONSENSUS_PLUGINS[2];
    if needs_mode && !CONSENSUS_MODES.contains(&f.consensus_mode) {
        return fail("Invalid request");
    }
    let host = {
        let pool = fleet.pool.lock();
        let of_host = pool
            .iter()
            .find(|m| object_id(&format!("host#{}", m.host)) == f.host_id);
        of_host.map(|m| (m.host.clone(), m.cluster.clone()))
    };
    let Some((host, template)) = host else {
        return fail(format!("Failed to create cluster {}", f.name));
    };
    let Some(tpl) = fleet.get(&template) else {
        return fail(format!("Failed to create cluster {}", f.name));
    };
    if tpl.app.engine.model().servers.len() as i64 != f.size {
        return fail("Invalid request");
    }
    match new_member(fleet, &tpl, &f, host).await {
        true => Answer::OkCode(201),
        false => fail(format!("Failed to create cluster {}", f.name)),
    }
}

/// Creates the fleet cluster `f.name` from the template's loaded file, clock mode and
/// speed, and adds it to the pool, free; false when the name is taken or invalid or
/// the pool is full.
async fn new_member(
    fleet: &Fleet,
    tpl: &crate::host::fleet::Cluster,
    f: &Create<'_>,
    host: String,
) -> bool {
    if fleet.pool.lock().len() >= MAX_POOL_CLUSTERS {
        return false;
    }
    let Ok(file) = serde_json::from_slice::<Value>(&tpl.app.config_json) else {
        return false;
    };
    let snap = tpl.app.engine.snapshot();
    let entry = Entry::pool_member(
        f.name,
        Some(file),
        None,
        Some(snap.clock.as_str().to_string()),
        Some(snap.speed),
    );
    let defaults = &fleet.settings.defaults;
    let Ok(spec) = to_spec(entry, defaults, Origin::Request, any_port()) else {
        return false;
    };
    if fleet.create(spec).await.is_err() {
        return false;
    }
    fleet.pool.lock().push(PoolMember {
        cluster: f.name.to_string(),
        host,
        consensus_plugin: f.consensus_plugin.to_string(),
        consensus_mode: f.consensus_mode.to_string(),
        fabric_version: f.fabric_version.to_string(),
        generation: 0,
        holder: None,
        applied_ms: None,
        stopped: false,
    });
    true
}

/// `{id, col_name}` from the form (a missing key raises: 400 page), else the JSON
/// body (not an object: v0.6 raises, 500). `active` deletes a free member (a held one
/// is refused, as v0.6 without `forced`); released records are not kept, so any other
/// `col_name` fails.
async fn delete(fleet: &Fleet, p: &Params) -> Answer {
    let (id, col) = if !p.form.is_empty() {
        match (form(p, "id"), form(p, "col_name")) {
            (Some(id), Some(col)) => (json!(id), json!(col)),
            _ => return Answer::Page(StatusCode::BAD_REQUEST),
        }
    } else {
        match &p.json {
            Some(Value::Object(o)) => (
                o.get("id").cloned().unwrap_or(Value::Null),
                o.get("col_name").cloned().unwrap_or(Value::Null),
            ),
            _ => return Answer::Page(StatusCode::INTERNAL_SERVER_ERROR),
        }
    };
    if !super::truthy(&id) || !super::truthy(&col) {
        let error = "cluster operation post without enough data".to_string();
        return Answer::FailData(error, form_json(p));
    }
    let id = py_text(&id);
    let failed = || fail(format!("Failed to delete cluster {id}"));
    if col != "active" {
        return failed();
    }
    let Some(name) = by_id(fleet, &id) else {
        return failed();
    };
    {
        let mut pool = fleet.pool.lock();
        let Some(i) = pool.iter().position(|m| m.id() == id && m.holder.is_none()) else {
            return failed();
        };
        pool.remove(i);
    }
    let _ = fleet.remove(&name).await;
    Answer::Ok(json!({}))
}
