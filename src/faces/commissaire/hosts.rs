//! `/hosts/`, `/host/{ip}/` (and its `creds`, `status`), `/networks/`,
//! `/network/{name}/`, `/containermanagers/`, `/containermanager/{name}/`.
//!
//! A host is a simulated server, found by its address across the fleet (creation
//! order: the first cluster with a server at that address). A new host with a
//! `cluster` joins it as a server (`membership.rs`), one without waits as
//! `disassociated`; DELETE removes the server from its cluster.

use super::{bounded_insert, created, err, ok, time, Answer, Commissaire, Req};
use crate::host::engine_task::Snapshot;
use crate::host::fleet::Cluster;
use crate::model::Model;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

pub const ACTIVE: &str = "active";

/// Simulated machine facts [assume: one size for every host].
const CPUS: u32 = 4;
const MEMORY_KB: u64 = 16_777_216;
const SPACE_KB: u64 = 104_857_600;
const OS: &str = "rhel";

/// The server's address (its `ip`, else its name).
pub fn address(model: &Model, s: usize) -> String {
    model.servers[s]
        .ip
        .clone()
        .unwrap_or_else(|| model.servers[s].name.clone())
}

/// Commissaire's host status from the simulation: `active` (Online), `disassociated`
/// (up, service stopped or stopping), `bootstrapping` (booting), `failed` (down, hung,
/// or running but not Online in the cluster's view: partitioned).
pub fn host_status(snap: &Snapshot, s: usize) -> &'static str {
    let Some(p) = snap.power.get(s) else {
        return "failed";
    };
    let online = snap
        .view
        .servers
        .get(s)
        .is_some_and(|v| v.status == crate::sim::status::ONLINE);
    if p.booting {
        "bootstrapping"
    } else if !p.on || p.hung {
        "failed"
    } else if p.service_running && online {
        ACTIVE
    } else if p.service_running {
        "failed"
    } else {
        "disassociated"
    }
}

/// The cluster and server at `ip`.
fn find(c: &Commissaire, ip: &str) -> Option<(Arc<Cluster>, usize)> {
    c.clusters().into_iter().find_map(|cl| {
        let m = &cl.app.engine.model();
        let s = (0..m.servers.len()).find(|&s| address(m, s) == ip)?;
        Some((cl.clone(), s))
    })
}

fn host_json(cl: &Cluster, s: usize) -> Value {
    let snap = cl.app.engine.snapshot();
    let model = &cl.app.engine.model();
    json!({
        "address": address(model, s),
        "status": host_status(&snap, s),
        "os": OS,
        "cpus": CPUS,
        "memory": MEMORY_KB,
        "space": SPACE_KB,
        "last_check": time(&model.settings.epoch, snap.now_ms()),
        "source": "",
    })
}

/// A registered host in no cluster: up, not part of one [assume: facts as for any].
fn pending_json(ip: &str) -> Value {
    json!({
        "address": ip,
        "status": "disassociated",
        "os": OS,
        "cpus": CPUS,
        "memory": MEMORY_KB,
        "space": SPACE_KB,
        "last_check": "",
        "source": "",
    })
}

pub fn list(c: &Commissaire, r: &Req) -> Answer {
    if r.method != Method::GET {
        return err(StatusCode::METHOD_NOT_ALLOWED);
    }
    let mut out = Vec::new();
    for cl in c.clusters() {
        for s in 0..cl.app.engine.model().servers.len() {
            out.push(host_json(&cl, s));
        }
    }
    if super::by_admin() {
        // A host leaving a cluster is listed once, with its cluster, until it has left.
        let pending: Vec<Value> = c
            .store()
            .pending
            .iter()
            .map(|ip| pending_json(ip))
            .collect();
        let listed: Vec<Value> = out.iter().map(|h| h["address"].clone()).collect();
        out.extend(
            pending
                .into_iter()
                .filter(|h| !listed.contains(&h["address"])),
        );
    }
    ok(json!(out))
}

/// `PUT /host/` (the address from the request): a new host, which needs live
/// reconfiguration.
pub fn put_self(r: &Req) -> Answer {
    match r.method {
        Method::PUT => err(StatusCode::CONFLICT),
        _ => err(StatusCode::METHOD_NOT_ALLOWED),
    }
}

pub async fn one(c: &Commissaire, r: &Req, ip: &str) -> Answer {
    let found = find(c, ip);
    let pending = c.store().pending.contains(ip);
    match r.method {
        Method::GET => match found {
            Some((cl, s)) => ok(host_json(&cl, s)),
            None if pending => ok(pending_json(ip)),
            None => err(StatusCode::NOT_FOUND),
        },
        Method::PUT => put_host(c, r, ip, found).await,
        Method::DELETE => delete_host(c, ip, found).await,
        _ => err(StatusCode::METHOD_NOT_ALLOWED),
    }
}

/// DELETE: the server leaves its cluster (`server-remove`; a running one stops
/// first), 200 `[]`; 409 when the core refuses (its last server, an operation in
/// progress).
async fn delete_host(c: &Commissaire, ip: &str, found: Option<(Arc<Cluster>, usize)>) -> Answer {
    if c.store().pending.remove(ip) {
        c.store().creds.remove(ip);
        return ok(json!([]));
    }
    let Some((cl, _)) = found else {
        return err(StatusCode::NOT_FOUND);
    };
    if !super::membership::remove(&cl, ip).await {
        return err(StatusCode::CONFLICT);
    }
    c.store().creds.remove(ip);
    ok(json!([]))
}

/// A new host: with `cluster`, it joins that cluster as a started server (409 when
/// the core refuses); without, it is registered `disassociated`.
async fn new_host(c: &Commissaire, ip: &str, cluster: Option<&str>) -> Answer {
    let Some(name) = cluster else {
        let mut store = c.store();
        if store.pending.len() >= super::MAX_RECORDS {
            return err(StatusCode::CONFLICT);
        }
        store.pending.insert(ip.to_string());
        return created(pending_json(ip));
    };
    let Some(cl) = c.cluster(name) else {
        return err(StatusCode::CONFLICT);
    };
    if !super::membership::add(&cl, ip).await {
        return err(StatusCode::CONFLICT);
    }
    c.store().pending.remove(ip);
    match find(c, ip) {
        Some((cl, s)) => created(host_json(&cl, s)),
        None => err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// PUT records the host's credentials (201) and adds a new host (`new_host`); the
/// three product conflicts are 409: the named cluster does not exist, the host is
/// not in it, or the host already exists with another key.
async fn put_host(
    c: &Commissaire,
    r: &Req,
    ip: &str,
    found: Option<(Arc<Cluster>, usize)>,
) -> Answer {
    let text = |k: &str| match r.body.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    };
    let (Ok(key), Ok(user), Ok(cluster)) =
        (text("ssh_priv_key"), text("remote_user"), text("cluster"))
    else {
        return err(StatusCode::BAD_REQUEST);
    };
    let Some(key) = key else {
        return err(StatusCode::BAD_REQUEST);
    };
    if let Some(name) = &cluster {
        if c.cluster(name).is_none() {
            return err(StatusCode::CONFLICT);
        }
    }
    let user = user.unwrap_or_else(|| "root".into());
    if c.store().creds.get(ip).is_some_and(|(k, _)| *k != key) {
        return err(StatusCode::CONFLICT);
    }
    let Some((cl, s)) = found else {
        let answer = new_host(c, ip, cluster.as_deref()).await;
        if matches!(answer, super::Answer::Json(..)) {
            c.store().creds.insert(ip.to_string(), (key, user));
        }
        return answer;
    };
    if cluster.as_deref().is_some_and(|n| n != cl.name()) {
        return err(StatusCode::CONFLICT);
    }
    c.store().creds.insert(ip.to_string(), (key, user));
    created(host_json(&cl, s))
}

/// The host's credentials; a host registered without a cluster has them too
/// (commissaire-http reads its `HostCreds` record, whatever the cluster).
pub fn creds(c: &Commissaire, r: &Req, ip: &str) -> Answer {
    if r.method != Method::GET {
        return err(StatusCode::METHOD_NOT_ALLOWED);
    }
    if find(c, ip).is_none() && !c.store().pending.contains(ip) {
        return err(StatusCode::NOT_FOUND);
    }
    let (key, user) = c
        .store()
        .creds
        .get(ip)
        .cloned()
        .unwrap_or_else(|| (String::new(), "root".into()));
    ok(json!({"ssh_priv_key": key, "remote_user": user}))
}

/// The host's status; a host registered without a cluster answers with an empty
/// `container_manager`, as commissaire-http (only a cluster member has one).
pub fn status(c: &Commissaire, r: &Req, ip: &str) -> Answer {
    if r.method != Method::GET {
        return err(StatusCode::METHOD_NOT_ALLOWED);
    }
    let h = match find(c, ip) {
        Some((cl, s)) => host_json(&cl, s),
        None if c.store().pending.contains(ip) => pending_json(ip),
        None => return err(StatusCode::NOT_FOUND),
    };
    ok(json!({
        "type": "host_only",
        "host": {"last_check": h["last_check"], "status": h["status"]},
        "container_manager": {},
    }))
}

pub fn records_list(c: &Commissaire, r: &Req, networks: bool) -> Answer {
    if r.method != Method::GET {
        return err(StatusCode::METHOD_NOT_ALLOWED);
    }
    let store = c.store();
    let map = if networks {
        &store.networks
    } else {
        &store.managers
    };
    ok(json!(map.keys().collect::<Vec<_>>()))
}

/// A network or container manager: GET, PUT `{"type","options"}` (201), DELETE.
pub fn record(c: &Commissaire, r: &Req, networks: bool, name: &str) -> Answer {
    let mut store = c.store();
    let map = if networks {
        &mut store.networks
    } else {
        &mut store.managers
    };
    match r.method {
        Method::GET => match map.get(name) {
            Some(v) => ok(v.clone()),
            None => err(StatusCode::NOT_FOUND),
        },
        Method::PUT => {
            let kind = r.body.get("type").and_then(Value::as_str);
            let options = r.body.get("options").cloned().unwrap_or(json!({}));
            let (Some(kind), true) = (kind, options.is_object()) else {
                return err(StatusCode::BAD_REQUEST);
            };
            let v = json!({"name": name, "type": kind, "options": options});
            if !bounded_insert(map, name.to_string(), v.clone()) {
                return err(StatusCode::CONFLICT);
            }
            created(v)
        }
        Method::DELETE => match map.remove(name) {
            Some(_) => ok(json!([])),
            None => err(StatusCode::NOT_FOUND),
        },
        _ => err(StatusCode::METHOD_NOT_ALLOWED),
    }
}
