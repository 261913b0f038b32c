//! The EXPRESSCLUSTER families of `GET /metrics` (the host's `host/metrics.rs` encodes
//! the scrape): cluster, server, heartbeat path, group and monitor statuses as one-hot
//! series with a `status` label in the product's words, the group's current server,
//! failovers, uptime and downtime, and monitor recoveries. Registered through
//! [`crate::faces::METRIC_FAMILIES`], so the host renders no product status itself.

use crate::host::metrics::{labels, one_hot, Labels};
use crate::sim::event::EventKind;
use crate::sim::{status, ClusterView, Sim};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

type CounterF = Counter<f64, AtomicU64>;

/// Adds the product's families of one scrape to `reg`.
pub fn families(reg: &mut Registry, sim: &Sim) {
    let view = sim.view();
    register_servers(reg, &view);
    register_groups(reg, sim, &view);
    register_monitors(reg, sim, &view);
}

/// The statuses each kind of object can show, so that a one-hot family keeps its
/// series (at 0) when the status changes. A status outside the list still shows.
const SERVER_STATES: &[&str] = &[
    status::ONLINE,
    status::CAUTION,
    status::OFFLINE,
    status::UNKNOWN,
];
const PATH_STATES: &[&str] = &[
    status::NORMAL,
    status::CAUTION,
    status::ERROR,
    status::UNUSED,
    status::OFFLINE,
    status::UNKNOWN,
];
const GROUP_STATES: &[&str] = &[
    status::ONLINE,
    status::ONLINE_PENDING,
    status::ONLINE_FAILURE,
    status::OFFLINE,
    status::OFFLINE_PENDING,
    status::OFFLINE_FAILURE,
    status::CAUTION,
    status::UNKNOWN,
];
const MONITOR_STATES: &[&str] = &[
    status::NORMAL,
    status::CAUTION,
    status::ERROR,
    status::SUSPEND,
    status::OFFLINE,
    status::UNUSED,
    status::UNKNOWN,
];

fn register_servers(reg: &mut Registry, view: &ClusterView) {
    let cluster = Family::<Labels, Gauge>::default();
    one_hot(&cluster, &[], SERVER_STATES, view.status);
    let server = Family::<Labels, Gauge>::default();
    let up = Family::<Labels, Gauge>::default();
    let path = Family::<Labels, Gauge>::default();
    for s in &view.servers {
        one_hot(&server, &[("server", &s.name)], SERVER_STATES, s.status);
        let running = s.status == status::ONLINE || s.status == status::CAUTION;
        up.get_or_create(&labels(&[("server", &s.name)]))
            .set(i64::from(running));
        for p in &s.paths {
            let base = [("server", s.name.as_str()), ("path", p.name.as_str())];
            one_hot(&path, &base, PATH_STATES, p.status);
        }
    }
    reg.register(
        "cluster_status",
        "Cluster status (1 for the current one)",
        cluster,
    );
    reg.register(
        "server_status",
        "Server status as the answering server sees it (1 for the current one)",
        server,
    );
    reg.register(
        "server_up",
        "1 while the server's cluster service runs (status Online or Caution)",
        up,
    );
    reg.register(
        "heartbeat_path_status",
        "Status of each heartbeat path from a server, as the answering server receives it",
        path,
    );
}

fn register_groups(reg: &mut Registry, sim: &Sim, view: &ClusterView) {
    let model = sim.model();
    let group = Family::<Labels, Gauge>::default();
    let current = Family::<Labels, Gauge>::default();
    let failovers = Family::<Labels, Counter>::default();
    let downtime = Family::<Labels, CounterF>::default();
    let uptime = Family::<Labels, CounterF>::default();
    let online_ms = crate::host::uptime::group_online_ms(sim);
    let mut failover_count = vec![0u64; model.groups.len()];
    for e in sim.events() {
        if let (EventKind::FailoverStarting, Some(g)) = (e.kind, e.group) {
            failover_count[g] += 1;
        }
    }
    for (id, g) in view.groups.iter().enumerate() {
        let name = [("group", g.name.as_str())];
        one_hot(&group, &name, GROUP_STATES, g.status);
        for s in &model.servers {
            let l = labels(&[("group", &g.name), ("server", &s.name)]);
            current
                .get_or_create(&l)
                .set(i64::from(g.current == s.name));
        }
        let l = labels(&name);
        failovers
            .get_or_create(&l)
            .inc_by(failover_count.get(id).copied().unwrap_or(0));
        let up_ms = online_ms.get(id).copied().unwrap_or(0);
        uptime.get_or_create(&l).inc_by(up_ms as f64 / 1000.0);
        downtime
            .get_or_create(&l)
            .inc_by(sim.now().saturating_sub(up_ms) as f64 / 1000.0);
    }
    reg.register(
        "group_status",
        "Group status (1 for the current one)",
        group,
    );
    reg.register(
        "group_current_server",
        "1 for the server the group runs on (all 0 while it runs nowhere)",
        current,
    );
    reg.register(
        "group_failovers",
        "Failovers started for the group (failover-starting events)",
        failovers,
    );
    reg.register_with_unit(
        "group_downtime",
        "Virtual seconds since t=0 the group was Online on no server",
        Unit::Seconds,
        downtime,
    );
    reg.register_with_unit(
        "group_uptime",
        "Virtual seconds since t=0 the group was Online (as /api/v1/metrics/groups/uptime)",
        Unit::Seconds,
        uptime,
    );
}

fn register_monitors(reg: &mut Registry, sim: &Sim, view: &ClusterView) {
    let model = sim.model();
    let monitor = Family::<Labels, Gauge>::default();
    for m in &view.monitors {
        for s in &m.servers {
            let base = [("monitor", m.name.as_str()), ("server", s.name.as_str())];
            one_hot(&monitor, &base, MONITOR_STATES, s.status);
        }
    }
    let recoveries = Family::<Labels, Counter>::default();
    for e in sim.events() {
        let action = match e.kind {
            EventKind::RecoveryRestart => "restart",
            EventKind::RecoveryFailover => "failover",
            EventKind::RecoveryFinalAction => "final-action",
            _ => continue,
        };
        let (Some(m), Some(s)) = (e.monitor, e.server) else {
            continue;
        };
        let l = labels(&[
            ("monitor", &model.monitors[m].name),
            ("server", &model.servers[s].name),
            ("action", action),
        ]);
        recoveries.get_or_create(&l).inc();
    }
    reg.register(
        "monitor_status",
        "Monitor status on each server (1 for the current one)",
        monitor,
    );
    reg.register(
        "monitor_recoveries",
        "Recovery actions a monitor took, by server and action",
        recoveries,
    );
}
