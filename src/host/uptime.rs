//! Group uptime from the event log (product-neutral: time spent Online), answered
//! by the engine for faces' metrics endpoints.

use crate::sim::event::EventKind;

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
