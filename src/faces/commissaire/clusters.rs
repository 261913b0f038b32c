//! `/clusters/`, `/cluster/{name}/`, its members and its rolling operations.

use super::hosts::{address, host_status, ACTIVE};
use super::membership;
use super::{created, err, ok, time, Answer, Commissaire, Req};
use crate::host::command::{Command, Reply};
use crate::host::fleet::{Cluster, FleetError};
use crate::sim::{Input, InputError, Operation, RollingKind, RollingRecord};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// `GET /cluster/{name}` of a cluster that does not exist: the handler's store lookup
/// raises and the dispatcher answers 500 [the reference's reading of the code].
pub const UNKNOWN_CLUSTER_GET: StatusCode = StatusCode::INTERNAL_SERVER_ERROR;

fn not_allowed() -> Answer {
    err(StatusCode::METHOD_NOT_ALLOWED)
}

pub fn list(c: &Commissaire, r: &Req) -> Answer {
    if r.method != Method::GET {
        return not_allowed();
    }
    let names: Vec<String> = c.clusters().iter().map(|x| x.name().to_string()).collect();
    ok(json!(names))
}

/// The cluster's hosts, in member (server) order.
pub fn hostset(cl: &Cluster) -> Vec<String> {
    let model = &cl.app.engine.model();
    (0..model.servers.len())
        .map(|s| address(model, s))
        .collect()
}

fn meta(c: &Commissaire, name: &str) -> (String, String) {
    c.store()
        .clusters
        .get(name)
        .cloned()
        .unwrap_or_else(|| ("default".into(), "ecx".into()))
}

/// The cluster object: `status` is `ok`, `degraded` (a member not active) or `failed`
/// (hosts, none active).
pub fn cluster_json(c: &Commissaire, cl: &Cluster) -> Value {
    let snap = cl.app.engine.snapshot();
    let n = cl.app.engine.model().servers.len();
    let active = (0..n).filter(|&s| host_status(&snap, s) == ACTIVE).count();
    let status = match (n, active) {
        (0, _) => "ok",
        (_, 0) => "failed",
        (n, a) if a < n => "degraded",
        _ => "ok",
    };
    let (network, manager) = meta(c, cl.name());
    json!({
        "name": cl.name(),
        "status": status,
        "network": network,
        "container_manager": manager,
        "hostset": hostset(cl),
        "hosts": {"total": n, "available": active, "unavailable": n - active},
    })
}

pub async fn one(c: &Commissaire, r: &Req, name: &str) -> Answer {
    match r.method {
        Method::GET => match c.cluster(name) {
            Some(cl) => ok(cluster_json(c, &cl)),
            None => err(UNKNOWN_CLUSTER_GET),
        },
        Method::PUT => put_cluster(c, r, name).await,
        Method::DELETE => {
            let gone = match c.fleet() {
                Some(f) => f.remove(name).await,
                None => None,
            };
            match gone {
                Some(_) => {
                    c.store().clusters.remove(name);
                    ok(json!([]))
                }
                None => err(StatusCode::NOT_FOUND),
            }
        }
        _ => not_allowed(),
    }
}

/// PUT creates an empty cluster in the fleet (`Model::awaiting_hosts`: no servers
/// until hosts join; the `serve` command line's settings, any free port); an unknown
/// network falls back to `default`. An existing cluster is answered as is.
async fn put_cluster(c: &Commissaire, r: &Req, name: &str) -> Answer {
    let field = |k: &str| match r.body.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    };
    if !(r.body.is_null() || r.body.is_object()) {
        return err(StatusCode::BAD_REQUEST);
    }
    let (Ok(network), Ok(manager)) = (field("network"), field("container_manager")) else {
        return err(StatusCode::BAD_REQUEST);
    };
    let Some(fleet) = c.fleet() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let network = network
        .filter(|n| c.store().networks.contains_key(n))
        .unwrap_or_else(|| "default".into());
    let manager = manager.unwrap_or_else(|| "ecx".into());
    if fleet.get(name).is_none() {
        let entry = json!({"name": name});
        let entry = match serde_json::from_value(entry) {
            Ok(e) => e,
            Err(_) => return err(StatusCode::BAD_REQUEST),
        };
        let mut spec = match crate::host::fleet_file::to_spec(
            entry,
            &fleet.settings.defaults,
            crate::host::fleet_file::Origin::Request,
            crate::host::fleet_file::any_port(),
        ) {
            Ok(s) => s,
            Err(_) => return err(StatusCode::BAD_REQUEST),
        };
        let Ok(mut empty) = crate::model::Model::awaiting_hosts(name) else {
            return err(StatusCode::INTERNAL_SERVER_ERROR);
        };
        empty.settings.epoch = spec.model.settings.epoch.clone();
        spec.model = std::sync::Arc::new(empty);
        match fleet.create(spec).await {
            Ok(_) => {}
            Err(FleetError::BadRequest(_)) => return err(StatusCode::BAD_REQUEST),
            Err(FleetError::Conflict(_) | FleetError::Locked(_)) => {
                return err(StatusCode::CONFLICT)
            }
            Err(FleetError::Unavailable(_)) => return err(StatusCode::SERVICE_UNAVAILABLE),
        }
    }
    c.store()
        .clusters
        .insert(name.to_string(), (network.clone(), manager.clone()));
    created(json!({"name": name, "status": "", "network": network, "container_manager": manager}))
}

fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// `/cluster/{n}/hosts`: GET the list; PUT `{"old","new"}` checks `old` against the
/// current list (409), then each host only in `new` joins (it must be a registered
/// host in no cluster, else 405 as for a host that is not ready) and each host only
/// in `old` leaves (registered in no cluster afterwards), through the core's live
/// reconfiguration.
pub async fn members(c: &Commissaire, r: &Req, name: &str) -> Answer {
    let put = match r.method {
        Method::GET => false,
        Method::PUT => true,
        _ => return not_allowed(),
    };
    let parsed = (
        string_list(r.body.get("old")),
        string_list(r.body.get("new")),
    );
    if put && !matches!(parsed, (Some(_), Some(_))) {
        return err(StatusCode::BAD_REQUEST);
    }
    let Some(cl) = c.cluster(name) else {
        return err(StatusCode::NOT_FOUND);
    };
    let current = hostset(&cl);
    if !put {
        return ok(json!(current));
    }
    let set = |l: &[String]| l.iter().cloned().collect::<BTreeSet<String>>();
    let (Some(old), Some(new)) = parsed else {
        return err(StatusCode::BAD_REQUEST);
    };
    let (now, new) = (set(&current), set(&new));
    if set(&old) != now {
        return err(StatusCode::CONFLICT);
    }
    let joining: Vec<&String> = new.difference(&now).collect();
    if !joining.iter().all(|ip| c.store().pending.contains(*ip)) {
        return not_allowed();
    }
    for ip in joining {
        if !membership::add(&cl, ip).await {
            return not_allowed();
        }
        c.store().pending.remove(ip);
    }
    for ip in now.difference(&new) {
        if !membership::remove(&cl, ip).await {
            return err(StatusCode::CONFLICT);
        }
        c.store().pending.insert(ip.clone());
    }
    ok(cluster_json(c, &cl))
}

/// `/cluster/{n}/hosts/{ip}`: the membership test; PUT of a member is idempotent,
/// PUT of a registered host in no cluster adds it (405 for any other host), DELETE
/// of a member removes its server and keeps the host registered in no cluster (as
/// commissaire-http, which only edits the host set).
pub async fn member(c: &Commissaire, r: &Req, name: &str, ip: &str) -> Answer {
    let Some(cl) = c.cluster(name) else {
        return err(StatusCode::NOT_FOUND);
    };
    let is_member = hostset(&cl).iter().any(|h| h == ip);
    match (&r.method, is_member) {
        (&Method::GET, true) | (&Method::PUT, true) => ok(json!([ip])),
        (&Method::GET, false) | (&Method::DELETE, false) => err(StatusCode::NOT_FOUND),
        (&Method::PUT, false) => {
            if !c.store().pending.contains(ip) || !membership::add(&cl, ip).await {
                return not_allowed();
            }
            c.store().pending.remove(ip);
            ok(json!([ip]))
        }
        (&Method::DELETE, true) => match membership::remove(&cl, ip).await {
            true => {
                c.store().pending.insert(ip.to_string());
                ok(json!([]))
            }
            false => err(StatusCode::CONFLICT),
        },
        _ => not_allowed(),
    }
}

fn kind_of(op: &str) -> RollingKind {
    match op {
        "upgrade" => RollingKind::Upgrade,
        "deploy" => RollingKind::Deploy,
        _ => RollingKind::Restart,
    }
}

/// The product's record: the finished list is named after the operation, hosts are
/// addresses, times `%Y-%m-%dT%H:%M:%S.%f` and `finished_at` `""` until it ends.
pub fn record_json(cl: &Cluster, rec: &RollingRecord) -> Value {
    let model = &cl.app.engine.model();
    let epoch = &model.settings.epoch;
    let ips = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .map(|n| model.server_id(n).map_or(n.clone(), |s| address(model, s)))
            .collect()
    };
    let mut v = json!({
        "name": cl.name(),
        "status": rec.status.as_str(),
        rec.kind.done_list(): ips(&rec.done),
        "in_process": ips(&rec.in_process),
        "started_at": time(epoch, rec.started_ms),
        "finished_at": rec.finished_ms.map_or(String::new(), |t| time(epoch, t)),
    });
    if let Some(version) = &rec.version {
        v["version"] = json!(version);
    }
    v
}

/// What a PUT of a rolling operation answers while one is in process on the cluster:
/// commissaire-http passes every PUT to clusterexec, which saves a fresh initial
/// record and answers it (201). The simulation runs one rolling operation per cluster
/// at a time [assume]: the running one goes on, and GET shows it.
pub const SECOND_ROLLING_PUT: StatusCode = StatusCode::CREATED;

/// The initial record clusterexec saves and answers before it takes the first host:
/// both lists empty, `in_process` status, no `finished_at`.
fn initial_json(cl: &Cluster, kind: RollingKind, version: Option<String>, at: u64) -> Value {
    let rec = RollingRecord {
        kind,
        status: crate::sim::RollingStatus::InProcess,
        version,
        done: Vec::new(),
        in_process: Vec::new(),
        started_ms: at,
        finished_ms: None,
        reason: None,
    };
    record_json(cl, &rec)
}

/// The operation a PUT asks for (deploy needs a non-empty `version`).
fn operation_of(kind: RollingKind, body: &Value) -> Option<Operation> {
    Some(match kind {
        RollingKind::Restart => Operation::RollingRestart,
        RollingKind::Upgrade => Operation::RollingUpgrade,
        RollingKind::Deploy => match body.get("version").and_then(Value::as_str) {
            Some(v) if !v.trim().is_empty() => Operation::RollingDeploy {
                version: v.to_string(),
            },
            _ => return None,
        },
    })
}

pub async fn rolling(c: &Commissaire, r: &Req, name: &str, op: &str) -> Answer {
    let kind = kind_of(op);
    let Some(cl) = c.cluster(name) else {
        return err(StatusCode::NOT_FOUND);
    };
    let snap = cl.app.engine.snapshot();
    match r.method {
        Method::GET => match snap.rolling.iter().find(|x| x.kind == kind) {
            Some(rec) => ok(record_json(&cl, rec)),
            None => err(StatusCode::NOT_FOUND),
        },
        Method::PUT => {
            let Some(operation) = operation_of(kind, &r.body) else {
                return err(StatusCode::BAD_REQUEST);
            };
            let version = match &operation {
                Operation::RollingDeploy { version } => Some(version.clone()),
                _ => None,
            };
            let running = snap
                .rolling
                .iter()
                .any(|x| x.status == crate::sim::RollingStatus::InProcess);
            if running {
                let v = initial_json(&cl, kind, version, snap.now_ms());
                return Answer::Json(SECOND_ROLLING_PUT, v);
            }
            let reply = cl
                .app
                .engine
                .send(Command::Apply(Input::Operation(operation)))
                .await;
            match reply {
                Ok(Reply::Applied { result: Ok(_), .. }) => {
                    let snap = cl.app.engine.snapshot();
                    match snap.rolling.iter().find(|x| x.kind == kind) {
                        Some(rec) => created(initial_json(&cl, kind, version, rec.started_ms)),
                        None => err(StatusCode::INTERNAL_SERVER_ERROR),
                    }
                }
                Ok(Reply::Applied {
                    result: Err(InputError::Refused(_)),
                    ..
                }) => err(StatusCode::CONFLICT),
                Ok(Reply::Applied { result: Err(_), .. }) => err(StatusCode::BAD_REQUEST),
                _ => err(StatusCode::INTERNAL_SERVER_ERROR),
            }
        }
        _ => not_allowed(),
    }
}
