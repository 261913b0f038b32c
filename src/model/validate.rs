//! Validation and name resolution: every problem in a cluster file becomes one
//! `ConfigError` naming the file, the field and what is wrong. All problems are
//! collected, not just the first, so a user fixes a file in one pass.

use super::file::*;
use super::*;
use petgraph::algo::toposort;
use petgraph::graph::DiGraph;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// Where in the file: `groups[0].resources[1].depends_on`, or `line 12 column 3`.
    pub at: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}: {}", self.file, self.problem)
        } else {
            write!(f, "{}: {}: {}", self.file, self.at, self.problem)
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub(super) fn from_yaml(origin: &str, e: &serde_norway::Error) -> ConfigError {
        let at = e
            .location()
            .map(|l| format!("line {} column {}", l.line(), l.column()))
            .unwrap_or_default();
        // serde_norway appends " at line X column Y"; keep the message on one line.
        let mut problem = e.to_string().replace('\n', " ");
        if let Some(i) = problem.find(" at line ") {
            problem.truncate(i);
        }
        ConfigError {
            file: origin.to_string(),
            at,
            problem,
        }
    }
}

struct Errors<'a> {
    origin: &'a str,
    list: Vec<ConfigError>,
}

impl Errors<'_> {
    fn push(&mut self, at: impl Into<String>, problem: impl Into<String>) {
        self.list.push(ConfigError {
            file: self.origin.to_string(),
            at: at.into(),
            problem: problem.into(),
        });
    }
}

fn known(names: &BTreeMap<String, usize>) -> String {
    let list: Vec<&str> = names.keys().map(String::as_str).collect();
    if list.is_empty() {
        "none are defined".into()
    } else {
        format!("known: {}", list.join(", "))
    }
}

fn index_names<'a>(
    errs: &mut Errors,
    section: &str,
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (i, name) in names.enumerate() {
        let at = format!("{section}[{i}].name");
        if name.trim().is_empty() {
            errs.push(at, "name is empty");
        } else if name.chars().any(|c| c.is_whitespace() || c == '/') {
            errs.push(at, format!("name `{name}` contains a space or `/`"));
        } else if map.insert(name.to_string(), i).is_some() {
            errs.push(at, format!("duplicate name `{name}`"));
        }
    }
    map
}

fn server_list(
    errs: &mut Errors,
    at: &str,
    names: &[String],
    servers: &BTreeMap<String, usize>,
) -> Vec<ServerId> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match servers.get(n) {
            Some(&s) if out.contains(&s) => errs.push(
                format!("{at}[{i}]"),
                format!("server `{n}` is listed twice"),
            ),
            Some(&s) => out.push(s),
            None => errs.push(
                format!("{at}[{i}]"),
                format!("unknown server `{n}` ({})", known(servers)),
            ),
        }
    }
    out
}

fn mask(n: usize, list: &[ServerId]) -> Vec<bool> {
    let mut m = vec![false; n];
    for &s in list {
        m[s] = true;
    }
    m
}

pub(super) fn resolve(file: ClusterFile, origin: &str) -> Result<Model, Vec<ConfigError>> {
    let mut errs = Errors {
        origin,
        list: Vec::new(),
    };
    let s = &file.settings;
    let n = file.servers.len();

    if file.cluster.name.trim().is_empty() {
        errs.push("cluster.name", "cluster name is empty");
    }
    if n == 0 {
        errs.push("servers", "a cluster needs at least one server");
    }
    if n > PRODUCT_MAX_SERVERS && !file.cluster.lift_product_limits {
        errs.push(
            "servers",
            format!(
                "{n} servers exceed the product's limit of {PRODUCT_MAX_SERVERS}; \
                 set `cluster.lift_product_limits: true` for an experiment at scale"
            ),
        );
    }
    if let Err(e) = super::calendar::parse_iso(&s.epoch) {
        errs.push("settings.epoch", e);
    }
    if s.heartbeat_timeout <= s.heartbeat_interval {
        errs.push(
            "settings.heartbeat_timeout",
            "heartbeat timeout must be longer than the heartbeat interval",
        );
    }

    let servers = index_names(
        &mut errs,
        "servers",
        file.servers.iter().map(|x| x.name.as_str()),
    );
    let paths_ix = index_names(
        &mut errs,
        "heartbeats",
        file.heartbeats.iter().map(|x| x.name.as_str()),
    );
    let resolvers_ix = index_names(
        &mut errs,
        "resolvers",
        file.resolvers.iter().map(|x| x.name.as_str()),
    );
    let groups_ix = index_names(
        &mut errs,
        "groups",
        file.groups.iter().map(|x| x.name.as_str()),
    );
    let monitors_ix = index_names(
        &mut errs,
        "monitors",
        file.monitors.iter().map(|x| x.name.as_str()),
    );
    let scripts_ix = index_names(
        &mut errs,
        "scripts",
        file.scripts.iter().map(|x| x.name.as_str()),
    );
    // Resource names are unique across the cluster: the REST API addresses them by name.
    let mut resources_ix = BTreeMap::new();
    for (gi, g) in file.groups.iter().enumerate() {
        for (ri, r) in g.resources.iter().enumerate() {
            let at = format!("groups[{gi}].resources[{ri}].name");
            if r.name.trim().is_empty() {
                errs.push(at, "name is empty");
            } else if resources_ix
                .insert(r.name.clone(), resources_ix.len())
                .is_some()
            {
                errs.push(at, format!("duplicate resource name `{}`", r.name));
            } else if groups_ix.contains_key(&r.name) {
                errs.push(at, format!("`{}` is already the name of a group", r.name));
            }
        }
    }

    let server_defs: Vec<Server> = file
        .servers
        .iter()
        .enumerate()
        .map(|(i, x)| Server {
            name: x.name.clone(),
            priority: x.priority.unwrap_or(i as u32),
            ip: x.ip.clone(),
        })
        .collect();
    let mut prios = BTreeSet::new();
    for (i, sv) in server_defs.iter().enumerate() {
        if !prios.insert(sv.priority) {
            errs.push(
                format!("servers[{i}].priority"),
                format!("priority {} is used by two servers", sv.priority),
            );
        }
    }
    let mut ips = BTreeSet::new();
    for (i, sv) in server_defs.iter().enumerate() {
        if let Some(ip) = &sv.ip {
            if ip.parse::<std::net::IpAddr>().is_err() {
                errs.push(
                    format!("servers[{i}].ip"),
                    format!("`{ip}` is not an IP address"),
                );
            } else if !ips.insert(ip.clone()) {
                errs.push(
                    format!("servers[{i}].ip"),
                    format!("address {ip} is used by two servers"),
                );
            }
        }
    }
    let by_priority = {
        let mut ids: Vec<ServerId> = (0..n).collect();
        ids.sort_by_key(|&i| (server_defs[i].priority, i));
        ids
    };

    let mut paths = Vec::new();
    if file.heartbeats.is_empty() && n > 1 {
        errs.push(
            "heartbeats",
            "a cluster of more than one server needs a heartbeat path",
        );
    }
    for (i, h) in file.heartbeats.iter().enumerate() {
        let interval = h.interval.unwrap_or(s.heartbeat_interval);
        let timeout = h.timeout.unwrap_or(s.heartbeat_timeout);
        if interval.0 == 0 {
            errs.push(
                format!("heartbeats[{i}].interval"),
                "interval must be positive",
            );
        }
        if timeout <= interval {
            errs.push(
                format!("heartbeats[{i}].timeout"),
                format!("timeout {timeout} must be longer than the interval {interval}"),
            );
        }
        let members = match &h.servers {
            Some(list) => server_list(
                &mut errs,
                &format!("heartbeats[{i}].servers"),
                list,
                &servers,
            ),
            None => (0..n).collect(),
        };
        paths.push(HeartbeatPath {
            name: h.name.clone(),
            kind: h.kind,
            interval,
            timeout,
            on_server: mask(n, &members),
        });
    }

    let mut resolvers = Vec::new();
    for (i, r) in file.resolvers.iter().enumerate() {
        if r.kind == ResolverKind::Pingnp && r.target.as_deref().unwrap_or("").is_empty() {
            errs.push(
                format!("resolvers[{i}].target"),
                "a pingnp resolver needs a target address",
            );
        }
        resolvers.push(Resolver {
            name: r.name.clone(),
            kind: r.kind,
            target: r.target.clone(),
        });
    }

    let mut groups = Vec::new();
    let mut resources: Vec<Resource> = Vec::new();
    for (gi, g) in file.groups.iter().enumerate() {
        let policy = match &g.servers {
            Some(list) => {
                if list.is_empty() {
                    errs.push(
                        format!("groups[{gi}].servers"),
                        "the startup server list is empty",
                    );
                }
                server_list(&mut errs, &format!("groups[{gi}].servers"), list, &servers)
            }
            None => by_priority.clone(),
        };
        let first = resources.len();
        for r in &g.resources {
            let ad = r
                .activation
                .duration
                .unwrap_or(s.activation_durations.for_kind(r.kind));
            let dd = r
                .deactivation
                .duration
                .unwrap_or(s.deactivation_durations.for_kind(r.kind));
            resources.push(Resource {
                name: r.name.clone(),
                kind: r.kind,
                group: gi,
                depends_on: Vec::new(),
                activation_duration: ad,
                activation_retry: r.activation.retry.unwrap_or(s.activation_retry),
                failover_threshold: r
                    .activation
                    .failover_threshold
                    .unwrap_or(s.activation_failover_threshold),
                activation_final_action: r
                    .activation
                    .final_action
                    .unwrap_or(s.activation_final_action),
                deactivation_duration: dd,
                deactivation_retry: r.deactivation.retry.unwrap_or(s.deactivation_retry),
                deactivation_final_action: r
                    .deactivation
                    .final_action
                    .unwrap_or(s.deactivation_final_action),
                mirror: None,
            });
        }
        let members: Vec<ResourceId> = (first..resources.len()).collect();
        // Dependencies: explicit, or by type tier within the group.
        for (ri, r) in g.resources.iter().enumerate() {
            let id = first + ri;
            let deps = match &r.depends_on {
                Some(list) => {
                    let mut deps = Vec::new();
                    for (di, d) in list.iter().enumerate() {
                        let at = format!("groups[{gi}].resources[{ri}].depends_on[{di}]");
                        match members.iter().find(|&&m| resources[m].name == *d) {
                            Some(&m) if m == id => errs.push(at, format!("`{d}` depends on itself")),
                            Some(&m) => deps.push(m),
                            None if resources_ix.contains_key(d) => errs.push(
                                at,
                                format!("`{d}` belongs to another group; dependencies stay within a group"),
                            ),
                            None => errs.push(
                                at,
                                format!(
                                    "unknown resource `{d}` (resources of group `{}`: {})",
                                    g.name,
                                    g.resources.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ")
                                ),
                            ),
                        }
                    }
                    deps
                }
                None => members
                    .iter()
                    .copied()
                    .filter(|&m| resources[m].kind.default_tier() < r.kind.default_tier())
                    .collect(),
            };
            resources[id].depends_on = deps;
        }
        let mut graph = DiGraph::<ResourceId, ()>::new();
        let nodes: Vec<_> = members.iter().map(|&m| graph.add_node(m)).collect();
        for (k, &m) in members.iter().enumerate() {
            for &d in &resources[m].depends_on {
                graph.add_edge(nodes[d - first], nodes[k], ());
            }
        }
        let start_order = match toposort(&graph, None) {
            Ok(order) => order.into_iter().map(|ix| graph[ix]).collect(),
            Err(cycle) => {
                let at = graph[cycle.node_id()];
                errs.push(
                    format!("groups[{gi}].resources"),
                    format!("dependency cycle through resource `{}`", resources[at].name),
                );
                members.clone()
            }
        };
        groups.push(Group {
            name: g.name.clone(),
            startup: g.startup,
            failover: g.failover,
            failback: g.failback,
            policy,
            exclusive: g.exclusive,
            resources: members,
            start_order: stable_topo(&resources, first, start_order),
        });
    }

    let mut monitors = Vec::new();
    for (i, m) in file.monitors.iter().enumerate() {
        let target = m.target.as_ref().and_then(|t| match resources_ix.get(t) {
            Some(&r) => Some(r),
            None => {
                errs.push(
                    format!("monitors[{i}].target"),
                    format!("unknown resource `{t}` ({})", known(&resources_ix)),
                );
                None
            }
        });
        if m.timing == MonitorTiming::Active && m.target.is_none() {
            errs.push(
                format!("monitors[{i}].timing"),
                "timing `active` needs a `target` resource",
            );
        }
        let recovery = match m.recovery_target.as_deref() {
            Some("LocalServer") => RecoveryTarget::LocalServer,
            Some(name) => {
                if let Some(&r) = resources_ix.get(name) {
                    RecoveryTarget::Resource(r)
                } else if let Some(&g) = groups_ix.get(name) {
                    RecoveryTarget::Group(g)
                } else {
                    errs.push(
                        format!("monitors[{i}].recovery_target"),
                        format!("`{name}` is neither a resource, a group nor `LocalServer`"),
                    );
                    RecoveryTarget::LocalServer
                }
            }
            // The mirror monitors report; their recovery target is the server [infer].
            None if matches!(m.kind.as_str(), "mdw" | "mdnw") => RecoveryTarget::LocalServer,
            None => match target {
                Some(r) => RecoveryTarget::Group(resources[r].group),
                None => RecoveryTarget::LocalServer,
            },
        };
        let interval = m.interval.unwrap_or(s.monitor_interval);
        if interval.0 == 0 {
            errs.push(
                format!("monitors[{i}].interval"),
                "interval must be positive",
            );
        }
        let members = match &m.servers {
            Some(list) => server_list(&mut errs, &format!("monitors[{i}].servers"), list, &servers),
            None => (0..n).collect(),
        };
        monitors.push(Monitor {
            name: m.name.clone(),
            kind: m.kind.clone(),
            target,
            interval,
            // Mirror-disk and hybrid-disk monitors default to 999 s [doc].
            timeout: m
                .timeout
                .unwrap_or(if matches!(m.kind.as_str(), "mdw" | "hdw") {
                    Millis::secs(999)
                } else {
                    s.monitor_timeout
                }),
            retry: m.retry.unwrap_or(s.monitor_retry),
            timing: m.timing,
            on_server: mask(n, &members),
            recovery,
            max_reactivation: m.max_reactivation.unwrap_or(s.monitor_max_reactivation),
            max_failover: m.max_failover.unwrap_or(s.monitor_max_failover),
            final_action: m.final_action.unwrap_or(s.monitor_final_action),
            ignore_timeout: m.ignore_timeout,
        });
    }

    let mut mirror_errs = Vec::new();
    let policies: Vec<Vec<ServerId>> = groups.iter().map(|g: &Group| g.policy.clone()).collect();
    let mirrors = super::mirror::resolve(
        &file,
        &servers,
        &paths_ix,
        &mut resources,
        &policies,
        s.mirror_disk_size_mib,
        &mut mirror_errs,
    );
    super::mirror::check_monitors(&monitors, &resources, &mut mirror_errs);
    for (at, problem) in mirror_errs {
        errs.push(at, problem);
    }

    let scripts = file
        .scripts
        .iter()
        .map(|x| Script {
            name: x.name.clone(),
            duration: x.duration,
            exit_code: x.exit_code,
        })
        .collect();

    if !errs.list.is_empty() {
        return Err(errs.list);
    }
    Ok(Model {
        name: file.cluster.name.clone(),
        settings: file.settings.clone(),
        servers: server_defs,
        paths,
        resolvers,
        groups,
        resources,
        monitors,
        scripts,
        departed: Vec::new(),
        mirror_connects: mirrors.connects,
        mirrors: mirrors.disks,
        index: Names {
            servers,
            paths: paths_ix,
            resolvers: resolvers_ix,
            groups: groups_ix,
            resources: resources_ix,
            monitors: monitors_ix,
            scripts: scripts_ix,
            mirror_connects: mirrors.connect_ix,
        },
        source: file,
    })
}

/// A topological order that keeps declaration order among independent resources, so the
/// activation order does not depend on petgraph's internal traversal.
fn stable_topo(resources: &[Resource], first: usize, fallback: Vec<ResourceId>) -> Vec<ResourceId> {
    let members: Vec<ResourceId> = {
        let mut v = fallback.clone();
        v.sort();
        v
    };
    let mut done: BTreeSet<ResourceId> = BTreeSet::new();
    let mut order = Vec::with_capacity(members.len());
    while order.len() < members.len() {
        let next = members.iter().copied().find(|m| {
            !done.contains(m) && resources[*m].depends_on.iter().all(|d| done.contains(d))
        });
        match next {
            Some(m) => {
                done.insert(m);
                order.push(m);
            }
            None => return fallback, // a cycle, already reported
        }
    }
    let _ = first;
    order
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
