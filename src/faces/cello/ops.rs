//! `/v2/cluster_op` (apply, release, start, stop, restart), `/v2/clusters` and
//! `/v2/cluster/{id}`, with v0.6's messages.

use super::object::{self, matches};
use super::{fail, py_text, Answer, Cello, Params};
use crate::host::command::{Command, Reply};
use crate::host::engine_task::{ClusterHandle, Snapshot};
use crate::host::fleet::Fleet;
use crate::host::fleet_pool::PoolMember;
use crate::host::tenancy::Caller;
use crate::host::ClockMode;
use crate::sim::status::ONLINE;
use crate::sim::{Input, Operation};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The filter values v0.6 accepts (`common/utils.py`).
pub const CONSENSUS_PLUGINS: [&str; 3] = ["noops", "pbft", "solo"];
pub const CONSENSUS_MODES: [&str; 1] = ["batch"];

pub fn fleet(c: &Cello) -> Result<Arc<Fleet>, Answer> {
    c.fleet
        .upgrade()
        .ok_or(Answer::Page(StatusCode::INTERNAL_SERVER_ERROR))
}

pub async fn cluster_op(c: &Cello, p: &Params, who: Option<&Caller>) -> Answer {
    let fleet = match fleet(c) {
        Ok(f) => f,
        Err(a) => return a,
    };
    let action = p.get("action");
    let op = action.as_ref().and_then(Value::as_str);
    if let (Some(op @ ("release" | "start" | "stop" | "restart")), Some(id)) = (op, cluster_id(p)) {
        if by_id(&fleet, &id).is_some_and(|name| !reaches(&fleet, who, &name)) {
            return Answer::Fail(
                403,
                format!("cluster {op} is not allowed with these credentials"),
            );
        }
    }
    match op {
        Some("apply") => apply(&fleet, p, who).await,
        Some("release") => release(&fleet, p).await,
        Some(op @ ("start" | "stop" | "restart")) => start_stop(&fleet, p, op).await,
        _ => fail("Unknown action type"),
    }
}

/// Whether `who` may operate (or see the credential of) the fleet cluster `name`.
fn reaches(fleet: &Fleet, who: Option<&Caller>, name: &str) -> bool {
    who.is_some_and(|c| fleet.tenancy.may_reach(c, name))
}

/// Whether `who` may see the member: the admin all, others the free ones and their own.
fn visible(fleet: &Fleet, who: Option<&Caller>, m: &PoolMember) -> bool {
    m.holder.is_none() || reaches(fleet, who, &m.cluster)
}

/// The answer's copy of a member's object with the cluster's own credential (#26:
/// `user`, `password` beside the product's fields), for whoever just got it.
fn with_credential(fleet: &Fleet, name: &str, mut v: Value) -> Value {
    if let Some(cred) = fleet.tenancy.credential(name) {
        v["user"] = json!(cred.user);
        v["password"] = json!(cred.password);
    }
    v
}

/// Python's `int(value or -1)`: `None` is what raises (a 500 in Flask).
fn py_int(v: Option<Value>) -> Option<i64> {
    let v = v.filter(super::truthy);
    match v {
        None => Some(-1),
        Some(Value::Bool(b)) => Some(b as i64),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    }
}

/// The apply's condition (`consensus_plugin`, `consensus_mode`, `size`), checked as
/// v0.6 checks it. `size` must be one the pool has [assume: the product's fixed list
/// 4, 6, 7 is its Fabric sizes; here a pool's sizes are whatever it declares].
fn condition(p: &Params, sizes: &[usize]) -> Result<Map<String, Value>, Answer> {
    let mut cond = Map::new();
    if let Some(v) = p.truthy("consensus_plugin") {
        if !v.as_str().is_some_and(|s| CONSENSUS_PLUGINS.contains(&s)) {
            return Err(fail("Invalid consensus_plugin"));
        }
        cond.insert("consensus_plugin".into(), v);
    }
    if let Some(v) = p.truthy("consensus_mode") {
        if !v.as_str().is_some_and(|s| CONSENSUS_MODES.contains(&s)) {
            return Err(fail("Invalid consensus_mode"));
        }
        cond.insert("consensus_mode".into(), v);
    }
    let size = py_int(p.get("size")).ok_or(Answer::Page(StatusCode::INTERNAL_SERVER_ERROR))?;
    if size >= 0 {
        if !sizes.iter().any(|&s| s as i64 == size) {
            return Err(fail("Invalid cluster_size"));
        }
        cond.insert("size".into(), json!(size));
    }
    Ok(cond)
}

/// Claims a healthy free cluster matching the condition for `user_id` (or, without
/// `allow_multiple`, returns the one the user already holds), atomically: the pool
/// is locked from the choice to the claim, and a member released meanwhile (a new
/// generation) is not taken on its old health.
pub async fn apply(fleet: &Fleet, p: &Params, who: Option<&Caller>) -> Answer {
    let Some(user) = p.truthy("user_id") else {
        return fail("cluster_apply without user_id");
    };
    let user = py_text(&user);
    let allow_multiple = p.truthy("allow_multiple").is_some();
    let objects = object::all(fleet).await;
    let mut sizes: Vec<usize> = objects
        .iter()
        .filter_map(|(_, v)| v["size"].as_u64().map(|s| s as usize))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let cond = match condition(p, &sizes) {
        Ok(c) => c,
        Err(a) => return a,
    };
    let usable = |v: &Value| v["health"] == "OK" && matches(v, &cond);
    let mut pool = fleet.pool.lock();
    let current = |name: &str, gen: u64, pool: &[crate::host::fleet_pool::PoolMember]| {
        pool.iter()
            .position(|m| m.cluster == name && m.generation == gen)
    };
    if !allow_multiple {
        for (m, v) in &objects {
            let held = m.holder.as_deref() == Some(user.as_str());
            if held && usable(v) && current(&m.cluster, m.generation, &pool).is_some() {
                // Its credential only to whoever already has it (or the admin).
                if reaches(fleet, who, &m.cluster) {
                    return Answer::Ok(with_credential(fleet, &m.cluster, v.clone()));
                }
                return Answer::Ok(v.clone());
            }
        }
    }
    for (m, v) in &objects {
        let Some(i) = current(&m.cluster, m.generation, &pool) else {
            continue;
        };
        if pool[i].holder.is_none() && usable(v) {
            let Some(cl) = fleet.get(&m.cluster) else {
                continue;
            };
            let now = cl.app.engine.snapshot().now_ms();
            pool[i].holder = Some(user.clone());
            pool[i].applied_ms = Some(now);
            let mut v = v.clone();
            v["user_id"] = json!(user);
            v["apply_ts"] = json!(object::date(&cl, now));
            return Answer::Ok(with_credential(fleet, &m.cluster, v));
        }
    }
    fail(format!("No available res for {user}"))
}

/// The fleet cluster of the member with this id.
pub fn by_id(fleet: &Fleet, id: &str) -> Option<String> {
    let pool = fleet.pool.lock();
    pool.iter()
        .find(|m| m.id() == id)
        .map(|m| m.cluster.clone())
}

fn cluster_id(p: &Params) -> Option<String> {
    p.truthy("cluster_id").map(|v| py_text(&v))
}

/// Wipes the cluster (state, faults, journal, clock: a reset to t=0) and returns it
/// to the pool under a new id, free; its health is checked again on its clock. An
/// unknown id is OK, as in v0.6 (there is nothing to release).
async fn release(fleet: &Fleet, p: &Params) -> Answer {
    let Some(id) = cluster_id(p) else {
        return fail("No cluster_id is given");
    };
    match release_id(fleet, &id).await {
        true => Answer::Ok(json!({})),
        false => fail("cluster release failed"),
    }
}

/// Releases the member with this id (true: done, or no such member).
async fn release_id(fleet: &Fleet, id: &str) -> bool {
    let name = {
        let mut pool = fleet.pool.lock();
        let Some(m) = pool.iter_mut().find(|m| m.id() == id) else {
            return true;
        };
        m.generation += 1;
        m.holder = None;
        m.applied_ms = None;
        m.stopped = false;
        m.cluster.clone()
    };
    // The next student must not reach it with the last one's credential.
    fleet
        .tenancy
        .set(&name, crate::host::tenancy::Credential::generate(&name));
    if let Some(cl) = fleet.get(&name) {
        if cl
            .app
            .engine
            .send(Command::Reset { seed: None })
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

/// v0.6's deprecated `/v2/cluster_release`: by `cluster_id`, else every cluster
/// `user_id` holds (`release_cluster_for_user`, which the `cluster_op` release does
/// not do); neither: `cluster_release without id` with the query as `data`.
pub async fn cluster_release_dep(c: &Cello, p: &Params, who: Option<&Caller>) -> Answer {
    let fleet = match fleet(c) {
        Ok(f) => f,
        Err(a) => return a,
    };
    let user = p.truthy("user_id").map(|v| py_text(&v));
    let ids: Vec<String> = match (cluster_id(p), &user) {
        (Some(id), _) => vec![id],
        (None, Some(user)) => {
            let pool = fleet.pool.lock();
            pool.iter()
                .filter(|m| m.holder.as_deref() == Some(user.as_str()))
                .map(|m| m.id())
                .collect()
        }
        (None, None) => {
            let query: Map<String, Value> =
                p.query.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            return Answer::FailData("cluster_release without id".into(), json!(query));
        }
    };
    for id in &ids {
        if by_id(&fleet, id).is_some_and(|name| !reaches(&fleet, who, &name)) {
            return Answer::Fail(
                403,
                "cluster release is not allowed with these credentials".into(),
            );
        }
    }
    for id in &ids {
        if !release_id(&fleet, id).await {
            let error = format!(
                "cluster_release failed user_id={} cluster_id={}",
                user.as_deref().unwrap_or("None"),
                cluster_id(p).as_deref().unwrap_or("None")
            );
            let data = json!({"user_id": user, "cluster_id": cluster_id(p)});
            return Answer::FailData(error, data);
        }
    }
    Answer::Ok(json!({}))
}

/// How long (wall time) a `start` or `stop` waits for the cluster's operation to
/// finish before it answers `cluster <op> failed` [assume: docker-compose's start and
/// stop return when every container has started or stopped (stop kills after 10 s);
/// an EXPRESSCLUSTER operation that hangs is a failure to report].
pub const OPERATION_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Stopped as a whole: no operation running and no server Online.
fn is_stopped(s: &Snapshot) -> bool {
    !s.view.busy && s.view.servers.iter().all(|x| x.status != ONLINE)
}

/// `start`/`stop`/`restart` as v0.6's docker agent does them with docker-compose
/// (`project.start/stop/restart`): idempotent (start of a running cluster, stop of a
/// stopped one and restart of a stopped one succeed), and each answers once the
/// cluster's operation is over (under a manual clock, at once: the clock moves only
/// when the client advances it). They are the cluster's EXPRESSCLUSTER cluster start and stop;
/// `node_id` is ignored, as in v0.6. Refused: `cluster <op> failed`.
async fn start_stop(fleet: &Fleet, p: &Params, op: &str) -> Answer {
    let Some(id) = cluster_id(p) else {
        return fail("No cluster_id is given");
    };
    let failed = || fail(format!("cluster {op} failed"));
    let Some(cl) = by_id(fleet, &id).and_then(|n| fleet.get(&n)) else {
        return failed();
    };
    let engine = cl.app.engine.clone();
    let done = match op {
        "start" => start(&engine).await,
        "stop" => stop(&engine).await,
        _ => match stop(&engine).await {
            true if is_stopped(&engine.snapshot()) => start(&engine).await,
            true => {
                tokio::spawn(start_when_stopped(engine));
                true
            }
            false => false,
        },
    };
    if !done {
        return failed();
    }
    if let Some(m) = fleet.pool.lock().iter_mut().find(|m| m.id() == id) {
        m.stopped = op == "stop";
    }
    Answer::Ok(json!({}))
}

async fn apply_op(engine: &ClusterHandle, op: Operation) -> bool {
    let applied = engine.send(Command::Apply(Input::Operation(op))).await;
    matches!(applied, Ok(Reply::Applied { result: Ok(_), .. }))
}

/// Starts the cluster and waits until the start is over; a cluster already running
/// (every server Online, or the start refused while one is) is left as it is.
async fn start(engine: &ClusterHandle) -> bool {
    let online = |s: &Snapshot| s.view.servers.iter().filter(|x| x.status == ONLINE).count();
    let snap = engine.snapshot();
    if online(&snap) == snap.view.servers.len() {
        return true;
    }
    if !apply_op(engine, Operation::ClusterStart).await {
        return online(&engine.snapshot()) > 0;
    }
    settled(engine, |s| !s.view.busy).await
}

/// Stops the cluster and waits until it has stopped; a stopped cluster is left as
/// it is.
async fn stop(engine: &ClusterHandle) -> bool {
    if is_stopped(&engine.snapshot()) {
        return true;
    }
    apply_op(engine, Operation::ClusterStop).await && settled(engine, is_stopped).await
}

/// Under a realtime clock, waits up to [`OPERATION_WAIT`] for `done`; under a manual
/// clock answers at once (true).
async fn settled(engine: &ClusterHandle, done: fn(&Snapshot) -> bool) -> bool {
    if engine.snapshot().clock == ClockMode::Manual {
        return true;
    }
    tokio::time::timeout(OPERATION_WAIT, reached(engine.clone(), done))
        .await
        .is_ok_and(|s| s)
}

/// Waits (on published snapshots, so on the cluster's clock) until `done`; false
/// when the cluster goes away first.
async fn reached(engine: ClusterHandle, done: fn(&Snapshot) -> bool) -> bool {
    let mut snaps = engine.watch();
    loop {
        if done(&snaps.borrow_and_update()) {
            return true;
        }
        if snaps.changed().await.is_err() {
            return false;
        }
    }
}

/// A restart under a manual clock: the start once the stop is done.
async fn start_when_stopped(engine: ClusterHandle) {
    if reached(engine.clone(), is_stopped).await {
        let _ = start(&engine).await;
    }
}

/// `/v2/clusters`: the query string (GET) or the JSON body (POST) is the filter, as
/// is, over the objects; a POST without a JSON object raises in v0.6 (a 500).
pub async fn clusters(c: &Cello, p: &Params, who: Option<&Caller>) -> Answer {
    let fleet = match fleet(c) {
        Ok(f) => f,
        Err(a) => return a,
    };
    let filter: Map<String, Value> = if p.method == Method::GET {
        p.query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect()
    } else {
        match &p.json {
            Some(Value::Object(o)) => o.clone(),
            _ => return Answer::Page(StatusCode::INTERNAL_SERVER_ERROR),
        }
    };
    let list: Vec<Value> = object::all(&fleet)
        .await
        .into_iter()
        .filter(|(m, _)| visible(&fleet, who, m))
        .map(|(_, v)| v)
        .filter(|v| matches(v, &filter))
        .collect();
    Answer::Ok(Value::Array(list))
}

/// `/v2/cluster/{id}`: the object, or FAIL code 404 `cluster not found with id=<id>`.
pub async fn cluster(c: &Cello, id: &str, who: Option<&Caller>) -> Answer {
    let fleet = match fleet(c) {
        Ok(f) => f,
        Err(a) => return a,
    };
    for (m, v) in object::all(&fleet).await {
        if m.id() == id && visible(&fleet, who, &m) {
            return Answer::Ok(v);
        }
    }
    Answer::Fail(404, format!("cluster not found with id={id}"))
}
