//! Section 8's metrics: group uptime from the event log, and the configuration's
//! last-applied date.

use super::ok;
use crate::rest::body::NamePath;
use crate::rest::errors::ApiError;
use crate::rest::App;
use crate::sim::event::EventKind;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

// ------------------------------------------------------------------ metrics

/// Simulated milliseconds each group has spent `Online` since t=0, indexed by group
/// id. The event log's `group-status` entries give a group's status on one server; the
/// group counts as up while it is `Online` on at least one server.
pub fn group_online_ms(sim: &crate::sim::Sim) -> Vec<u64> {
    let model = sim.model();
    let (ng, ns) = (model.groups.len(), model.servers.len());
    let mut total = vec![0u64; ng];
    let mut online_on = vec![false; ng * ns];
    let mut count = vec![0usize; ng];
    let mut since = vec![0u64; ng];
    for e in sim.events() {
        if e.kind != EventKind::GroupStatus {
            continue;
        }
        let (Some(g), Some(s), Some(status)) = (e.group, e.server, e.status) else {
            continue;
        };
        if g >= ng || s >= ns {
            continue;
        }
        let online = status == crate::sim::status::ONLINE;
        if online == online_on[g * ns + s] {
            continue;
        }
        online_on[g * ns + s] = online;
        if online {
            if count[g] == 0 {
                since[g] = e.t_ms;
            }
            count[g] += 1;
        } else {
            count[g] -= 1;
            if count[g] == 0 {
                total[g] += e.t_ms.saturating_sub(since[g]);
            }
        }
    }
    let now = sim.now();
    for g in 0..ng {
        if count[g] > 0 {
            total[g] += now.saturating_sub(since[g]);
        }
    }
    total
}

#[derive(Serialize)]
struct Uptime {
    name: String,
    /// Seconds (simulated) the group has been Online since t=0, floored.
    uptime: u64,
}

async fn uptimes(app: &App) -> Result<Vec<Uptime>, ApiError> {
    app.engine
        .call(|e| {
            let ms = group_online_ms(&e.sim);
            e.model
                .groups
                .iter()
                .zip(ms)
                .map(|(g, ms)| Uptime {
                    name: g.name.clone(),
                    uptime: ms / 1000,
                })
                .collect()
        })
        .await
        .map_err(|_| ApiError::internal())
}

pub async fn get_uptimes(State(app): State<App>) -> Response {
    match uptimes(&app).await {
        Ok(list) => ok("groups", &list),
        Err(e) => e.into(),
    }
}

pub async fn get_uptime(State(app): State<App>, NamePath(group): NamePath) -> Response {
    match uptimes(&app).await {
        Ok(list) => match list.into_iter().find(|u| u.name == group) {
            Some(u) => ok("groups", &[u]),
            None => ApiError::not_found("groups", json!([{"name": "", "uptime": 0}])).into(),
        },
        Err(e) => e.into(),
    }
}

/// When the configuration was applied: the simulation applies it at t=0, so the
/// answer is the calendar's epoch (`settings.epoch`, `serve --epoch`).
pub async fn get_last_applied_date(State(app): State<App>) -> Response {
    let date = crate::model::calendar::date_at(&app.engine.model.settings.epoch, 0);
    ok("config", &json!({"lastAppliedDate": date}))
}
