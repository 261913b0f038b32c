//! Which concrete faults a cluster offers a hunt: every fault kind's instances on the
//! model's servers, paths, resources and monitors, and the `--targets` filter.

use super::error::HuntError;
use crate::model::{Model, ResolverKind};
use crate::sim::{CheckResult, FaultKind};

/// Every concrete fault of kind `k` on this cluster, before the name check.
pub(super) fn instances(model: &Model, k: &str) -> Vec<FaultKind> {
    let servers: Vec<String> = model.servers.iter().map(|s| s.name.clone()).collect();
    let per_server =
        |make: &dyn Fn(String) -> FaultKind| servers.iter().cloned().map(make).collect();
    match k {
        "server-crash" => per_server(&|server| FaultKind::ServerCrash { server }),
        "server-hang" => per_server(&|server| FaultKind::ServerHang { server }),
        "partition" => partitions(model, &servers),
        "heartbeat-path-down" => {
            let mut out = Vec::new();
            for (i, s) in servers.iter().enumerate() {
                for p in model.paths.iter().filter(|p| p.on_server[i]) {
                    out.push(FaultKind::HeartbeatPathDown {
                        server: s.clone(),
                        path: p.name.clone(),
                    });
                }
            }
            out
        }
        "resolver-target-down" => model
            .resolvers
            .iter()
            .map(|r| FaultKind::ResolverTargetDown {
                resolver: r.name.clone(),
            })
            .collect(),
        "monitor-result" => {
            let mut out = Vec::new();
            for m in &model.monitors {
                let on = std::iter::once(None).chain(servers.iter().cloned().map(Some));
                out.extend(on.map(|server| FaultKind::MonitorResult {
                    monitor: m.name.clone(),
                    server,
                    result: CheckResult::Error,
                }));
            }
            out
        }
        "activation-failure" | "deactivation-failure" | "resource-failure" => {
            resource_faults(model, k)
        }
        _ => model
            .mirror_connects
            .iter()
            .map(|c| FaultKind::MirrorConnectDown {
                connect: c.name.clone(),
                server: None,
            })
            .collect(),
    }
}

/// Each server cut off from the others (both ways, and one way), and with a ping
/// resolver's target on either side.
pub(super) fn partitions(model: &Model, servers: &[String]) -> Vec<FaultKind> {
    let mut out = Vec::new();
    let n = servers.len();
    // With two servers, isolating the second is isolating the first.
    let alone = if n == 2 { 1 } else { n };
    for s in servers.iter().take(alone) {
        let rest: Vec<String> = servers.iter().filter(|x| *x != s).cloned().collect();
        let side = |extra: &[String]| {
            let mut v = vec![s.clone()];
            v.extend(extra.iter().cloned());
            v
        };
        out.push(FaultKind::Partition {
            sides: vec![side(&[]), rest.clone()],
            paths: None,
            oneway: false,
        });
        for oneway_from in [vec![s.clone()], rest.clone()] {
            let other = if oneway_from.len() == 1 && oneway_from[0] == *s {
                rest.clone()
            } else {
                vec![s.clone()]
            };
            out.push(FaultKind::Partition {
                sides: vec![oneway_from, other],
                paths: None,
                oneway: true,
            });
        }
        for r in model
            .resolvers
            .iter()
            .filter(|r| r.kind == ResolverKind::Pingnp)
        {
            let mut with = rest.clone();
            with.push(r.name.clone());
            out.push(FaultKind::Partition {
                sides: vec![side(std::slice::from_ref(&r.name)), rest.clone()],
                paths: None,
                oneway: false,
            });
            out.push(FaultKind::Partition {
                sides: vec![side(&[]), with],
                paths: None,
                oneway: false,
            });
        }
    }
    out
}

pub(super) fn resource_faults(model: &Model, k: &str) -> Vec<FaultKind> {
    let mut out = Vec::new();
    for r in &model.resources {
        for &s in &model.groups[r.group].policy {
            let (resource, server) = (r.name.clone(), model.servers[s].name.clone());
            out.push(match k {
                "activation-failure" => FaultKind::ActivationFailure {
                    resource,
                    server,
                    times: None,
                },
                "deactivation-failure" => FaultKind::DeactivationFailure {
                    resource,
                    server,
                    times: None,
                },
                _ => FaultKind::ResourceFailure { resource, server },
            });
        }
    }
    out
}

/// The names `--targets` lists, checked against the cluster.
pub(super) fn targets(model: &Model, text: Option<&str>) -> Result<Option<Vec<String>>, HuntError> {
    let Some(text) = text else { return Ok(None) };
    let mut out = Vec::new();
    for t in text.split(',').map(str::trim) {
        if category(model, t).is_none() {
            return Err(HuntError::new(
                "--targets",
                format!("no server, heartbeat path, resolver, monitor, resource or mirror connect named `{t}`"),
            ));
        }
        out.push(t.to_string());
    }
    Ok(Some(out))
}

pub(super) fn category(model: &Model, name: &str) -> Option<&'static str> {
    if model.server_id(name).is_some() {
        Some("server")
    } else if model.path_id(name).is_some() {
        Some("path")
    } else if model.resolver_id(name).is_some() {
        Some("resolver")
    } else if model.monitor_id(name).is_some() {
        Some("monitor")
    } else if model.resource_id(name).is_some() {
        Some("resource")
    } else if model.mirror_connects.iter().any(|c| c.name == name) {
        Some("connect")
    } else {
        None
    }
}

/// The objects a fault names (for a partition: its first side).
pub(super) fn mentions(f: &FaultKind) -> Vec<&str> {
    match f {
        FaultKind::ServerCrash { server } | FaultKind::ServerHang { server } => vec![server],
        FaultKind::HeartbeatPathDown { server, path } => vec![server, path],
        FaultKind::Partition { sides, .. } => sides[0].iter().map(String::as_str).collect(),
        FaultKind::ResolverTargetDown { resolver } => vec![resolver],
        FaultKind::MonitorResult {
            monitor, server, ..
        } => std::iter::once(monitor.as_str())
            .chain(server.as_deref())
            .collect(),
        FaultKind::ActivationFailure {
            resource, server, ..
        }
        | FaultKind::DeactivationFailure {
            resource, server, ..
        }
        | FaultKind::ResourceFailure { resource, server } => vec![resource, server],
        FaultKind::MirrorConnectDown { connect, server } => std::iter::once(connect.as_str())
            .chain(server.as_deref())
            .collect(),
    }
}

/// `--targets`: every object the fault names, of a category (server, path, ...) that
/// some target belongs to, is a target; other categories are free.
pub(super) fn allowed(model: &Model, f: &FaultKind, targets: &[String]) -> bool {
    mentions(f).into_iter().all(|m| {
        let c = category(model, m);
        let constrained = targets.iter().any(|t| category(model, t) == c);
        !constrained || targets.iter().any(|t| t == m)
    })
}
