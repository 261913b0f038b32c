//! The Cello cluster object of a pool member, with `health` from the simulation.

use crate::host::command::{Command, Reply};
use crate::host::fleet::{Cluster, Fleet};
use crate::host::fleet_pool::{object_id, PoolMember};
use crate::model::calendar;
use crate::sim::status::ONLINE;
use serde_json::{json, Value};

/// Virtual time after a creation or a release at which the health check runs
/// [reference: "about 5 s later a health check sets health"].
pub const HEALTH_CHECK_MS: u64 = 5_000;

/// The `service_url` keys of a v0.6 cluster; only `rest` exists in the simulation.
const SERVICE_KEYS: [&str; 10] = [
    "rest", "grpc", "cli", "event", "ecap", "ecaa", "tcap", "tcaa", "tlscap", "tlscaa",
];

/// `OK` once the check has run (the cluster's clock is past [`HEALTH_CHECK_MS`])
/// when every server is Online and no fault is active, `FAIL` otherwise; `""` before
/// the check and while the manager has it stopped.
pub async fn health(cl: &Cluster, m: &PoolMember) -> &'static str {
    let snap = cl.app.engine.snapshot();
    if m.stopped || snap.now_ms() < HEALTH_CHECK_MS {
        return "";
    }
    let all_online = snap.view.servers.iter().all(|s| s.status == ONLINE);
    let fault_active = match cl.app.engine.send(Command::Faults).await {
        Ok(Reply::Faults(list)) => list.iter().any(|f| f.state == "active"),
        _ => true,
    };
    if all_online && !fault_active {
        "OK"
    } else {
        "FAIL"
    }
}

/// RFC 1123 date of virtual time `t_ms` on the cluster's calendar (Flask's
/// rendering of a datetime) [infer].
pub fn date(cl: &Cluster, t_ms: u64) -> String {
    let epoch = cl.app.engine.model().settings.epoch.clone();
    calendar::http_date(calendar::unix_ms_at(&epoch, t_ms))
}

/// The `service_url` keys v0.9's user dashboard reads (`ca_org{j}_ecap`,
/// `peer{i}_org{j}_grpc`, `peer{i}_org{j}_event`, `orderer`: `ip:port` each), added
/// beside v0.6's, which they do not contradict: one organisation, a peer per server,
/// every address the cluster's listener [assume: the simulated cluster answers in the
/// place of each Fabric service; it has no other address].
fn v09_service_urls(urls: &mut serde_json::Map<String, Value>, listener: &str, servers: usize) {
    urls.insert("orderer".into(), json!(listener));
    urls.insert("ca_org1_ecap".into(), json!(listener));
    for k in 0..servers {
        urls.insert(format!("peer{k}_org1_grpc"), json!(listener));
        urls.insert(format!("peer{k}_org1_event"), json!(listener));
    }
}

/// The member's object: every field v0.6 returns, plus `api_url`; `service_url.rest`
/// and `api_url` are the cluster's EXPRESSCLUSTER `/api/v1`, and v0.9's keys are added
/// ([`v09_service_urls`]).
pub async fn render(cl: &Cluster, m: &PoolMember) -> Value {
    let model = cl.app.engine.model();
    let api = format!("{}/api/v1", cl.api_url);
    let port = cl.bound.first().map(|b| b.main.port()).unwrap_or(0);
    let mut service_url: serde_json::Map<String, Value> = SERVICE_KEYS
        .iter()
        .map(|k| {
            let v = if *k == "rest" {
                api.clone()
            } else {
                String::new()
            };
            (k.to_string(), Value::String(v))
        })
        .collect();
    let listener = cl
        .bound
        .first()
        .map(|b| b.main.to_string())
        .unwrap_or_default();
    v09_service_urls(&mut service_url, &listener, model.servers.len());
    json!({
        "id": m.id(),
        "name": m.cluster,
        "user_id": m.holder.clone().unwrap_or_default(),
        "host_id": object_id(&format!("host#{}", m.host)),
        "fabric_version": m.fabric_version,
        "consensus_plugin": m.consensus_plugin,
        "consensus_mode": m.consensus_mode,
        "daemon_url": cl.api_url,
        "create_ts": date(cl, 0),
        "apply_ts": m.applied_ms.map(|t| date(cl, t)).unwrap_or_default(),
        "release_ts": "",
        "duration": "",
        "containers": model.servers.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "size": model.servers.len(),
        "status": if m.stopped { "stopped" } else { "running" },
        "health": health(cl, m).await,
        "mapped_ports": {"rest": port},
        "service_url": service_url,
        "api_url": api,
    })
}

/// Every pool member whose cluster is still in the fleet, with its object.
pub async fn all(fleet: &Fleet) -> Vec<(PoolMember, Value)> {
    let members = fleet.pool.lock().clone();
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        if let Some(cl) = fleet.get(&m.cluster) {
            let v = render(&cl, &m).await;
            out.push((m, v));
        }
    }
    out
}

/// Mongo's equality filter over the object: every key present with an equal value.
pub fn matches(obj: &Value, filter: &serde_json::Map<String, Value>) -> bool {
    filter.iter().all(|(k, want)| match obj.get(k) {
        Some(v) => same(v, want),
        None => want.is_null(),
    })
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}
