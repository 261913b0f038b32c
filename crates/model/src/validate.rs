//! Validation and name resolution: every problem in a cluster file becomes one
//! `ConfigError` naming the file, the field and what is wrong. All problems are
//! collected, not just the first, so a user fixes a file in one pass.

use super::file::*;
use super::*;
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

/// What every section of `resolve` shares: the file, the name indexes built from it
/// and the error list. One section per method keeps each short while the errors still
/// come out in file order (cluster, names, servers, paths, ..., mirrors).
struct Ctx<'a> {
    file: &'a ClusterFile,
    errs: Errors<'a>,
    ix: Names,
}

/// Resolves a parsed cluster file into a `Model`, or every problem found in it.
pub(super) fn resolve(file: ClusterFile, origin: &str) -> Result<Model, Vec<ConfigError>> {
    let mut cx = Ctx {
        file: &file,
        errs: Errors {
            origin,
            list: Vec::new(),
        },
        ix: Names::default(),
    };
    cx.check_cluster();
    cx.index_names();
    let server_defs = cx.servers();
    let paths = cx.paths();
    let resolvers = cx.resolvers();
    let (groups, mut resources) = cx.groups(&by_priority(&server_defs));
    let monitors = cx.monitors(&resources);
    let mirrors = cx.mirrors(&groups, &mut resources, &monitors);
    let scripts = cx.scripts();
    let Ctx { errs, mut ix, .. } = cx;
    if !errs.list.is_empty() {
        return Err(errs.list);
    }
    ix.mirror_connects = mirrors.connect_ix;
    let derived = super::Derived::of(&server_defs, &paths, resources.len(), &monitors);
    Ok(Model {
        derived,
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
        index: ix,
        source: file,
    })
}

/// Server ids by (priority, declaration order): a group's default startup list.
fn by_priority(server_defs: &[Server]) -> Vec<ServerId> {
    let mut ids: Vec<ServerId> = (0..server_defs.len()).collect();
    ids.sort_by_key(|&i| (server_defs[i].priority, i));
    ids
}

impl Ctx<'_> {
    /// Cluster-wide checks that need no name resolved: name, server count, settings.
    fn check_cluster(&mut self) {
        let file = self.file;
        let s = &file.settings;
        let n = file.servers.len();
        if file.cluster.name.trim().is_empty() {
            self.errs.push("cluster.name", "cluster name is empty");
        }
        if n == 0 {
            self.errs
                .push("servers", "a cluster needs at least one server");
        }
        if n > PRODUCT_MAX_SERVERS && !file.cluster.lift_product_limits {
            self.errs.push(
                "servers",
                format!(
                    "{n} servers exceed the product's limit of {PRODUCT_MAX_SERVERS}; \
                     set `cluster.lift_product_limits: true` for an experiment at scale"
                ),
            );
        }
        if let Err(e) = super::calendar::parse_iso(&s.epoch) {
            self.errs.push("settings.epoch", e);
        }
        if s.heartbeat_timeout <= s.heartbeat_interval {
            self.errs.push(
                "settings.heartbeat_timeout",
                "heartbeat timeout must be longer than the heartbeat interval",
            );
        }
    }

    /// Builds every name index (all but the mirror connects', which `mirrors` makes)
    /// before any section resolves a reference, so references may point forward.
    fn index_names(&mut self) {
        let file = self.file;
        let errs = &mut self.errs;
        let ix = &mut self.ix;
        ix.servers = index_names(
            errs,
            "servers",
            file.servers.iter().map(|x| x.name.as_str()),
        );
        ix.paths = index_names(
            errs,
            "heartbeats",
            file.heartbeats.iter().map(|x| x.name.as_str()),
        );
        ix.resolvers = index_names(
            errs,
            "resolvers",
            file.resolvers.iter().map(|x| x.name.as_str()),
        );
        ix.groups = index_names(errs, "groups", file.groups.iter().map(|x| x.name.as_str()));
        ix.monitors = index_names(
            errs,
            "monitors",
            file.monitors.iter().map(|x| x.name.as_str()),
        );
        ix.scripts = index_names(
            errs,
            "scripts",
            file.scripts.iter().map(|x| x.name.as_str()),
        );
        self.index_resources();
    }

    /// Resource names are unique across the cluster: the REST API addresses them by name.
    fn index_resources(&mut self) {
        let file = self.file;
        let resources_ix = &mut self.ix.resources;
        for (gi, g) in file.groups.iter().enumerate() {
            for (ri, r) in g.resources.iter().enumerate() {
                let at = format!("groups[{gi}].resources[{ri}].name");
                if r.name.trim().is_empty() {
                    self.errs.push(at, "name is empty");
                } else if resources_ix
                    .insert(r.name.clone(), resources_ix.len())
                    .is_some()
                {
                    self.errs
                        .push(at, format!("duplicate resource name `{}`", r.name));
                } else if self.ix.groups.contains_key(&r.name) {
                    self.errs
                        .push(at, format!("`{}` is already the name of a group", r.name));
                }
            }
        }
    }

    /// The servers with their default priority (declaration order); priorities and
    /// addresses must be unique.
    fn servers(&mut self) -> Vec<Server> {
        let server_defs: Vec<Server> = self
            .file
            .servers
            .iter()
            .zip(implicit_priorities(&self.file.servers))
            .map(|(x, priority)| Server {
                name: x.name.clone(),
                priority,
                ip: x.ip.clone(),
            })
            .collect();
        let mut prios = BTreeSet::new();
        for (i, sv) in server_defs.iter().enumerate() {
            if !prios.insert(sv.priority) {
                self.errs.push(
                    format!("servers[{i}].priority"),
                    format!("priority {} is used by two servers", sv.priority),
                );
            }
        }
        let mut ips = BTreeSet::new();
        for (i, sv) in server_defs.iter().enumerate() {
            let Some(ip) = &sv.ip else { continue };
            if ip.parse::<std::net::IpAddr>().is_err() {
                self.errs.push(
                    format!("servers[{i}].ip"),
                    format!("`{ip}` is not an IP address"),
                );
            } else if !ips.insert(ip.clone()) {
                self.errs.push(
                    format!("servers[{i}].ip"),
                    format!("address {ip} is used by two servers"),
                );
            }
        }
        server_defs
    }

    /// The heartbeat paths, their timing defaulted from the settings.
    fn paths(&mut self) -> Vec<HeartbeatPath> {
        let file = self.file;
        let s = &file.settings;
        let n = file.servers.len();
        if file.heartbeats.is_empty() && n > 1 {
            self.errs.push(
                "heartbeats",
                "a cluster of more than one server needs a heartbeat path",
            );
        }
        let mut paths = Vec::new();
        for (i, h) in file.heartbeats.iter().enumerate() {
            let interval = h.interval.unwrap_or(s.heartbeat_interval);
            let timeout = h.timeout.unwrap_or(s.heartbeat_timeout);
            if interval.0 == 0 {
                self.errs.push(
                    format!("heartbeats[{i}].interval"),
                    "interval must be positive",
                );
            }
            if timeout <= interval {
                self.errs.push(
                    format!("heartbeats[{i}].timeout"),
                    format!("timeout {timeout} must be longer than the interval {interval}"),
                );
            }
            let members = self.members(&format!("heartbeats[{i}].servers"), h.servers.as_deref());
            paths.push(HeartbeatPath {
                name: h.name.clone(),
                kind: h.kind,
                interval,
                timeout,
                on_server: mask(n, &members),
            });
        }
        paths
    }

    /// The servers a path or monitor is on: the listed ones, or all when omitted.
    fn members(&mut self, at: &str, list: Option<&[String]>) -> Vec<ServerId> {
        match list {
            Some(list) => server_list(&mut self.errs, at, list, &self.ix.servers),
            None => (0..self.file.servers.len()).collect(),
        }
    }

    /// The network partition resolvers; a `pingnp` one needs a target.
    fn resolvers(&mut self) -> Vec<Resolver> {
        let file = self.file;
        let mut resolvers = Vec::new();
        for (i, r) in file.resolvers.iter().enumerate() {
            if r.kind == ResolverKind::Pingnp && r.target.as_deref().unwrap_or("").is_empty() {
                self.errs.push(
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
        resolvers
    }

    /// The mirror connects and disks (see `mirror.rs`), and the mirror monitors'
    /// targets, which need the disks resolved.
    fn mirrors(
        &mut self,
        groups: &[Group],
        resources: &mut [Resource],
        monitors: &[Monitor],
    ) -> super::mirror::Resolved {
        let mut mirror_errs = Vec::new();
        let policies: Vec<Vec<ServerId>> = groups.iter().map(|g| g.policy.clone()).collect();
        let mirrors = super::mirror::resolve(
            self.file,
            &self.ix.servers,
            &self.ix.paths,
            resources,
            &policies,
            self.file.settings.mirror_disk_size_mib,
            &mut mirror_errs,
        );
        super::mirror::check_monitors(monitors, resources, &mut mirror_errs);
        for (at, problem) in mirror_errs {
            self.errs.push(at, problem);
        }
        mirrors
    }

    /// The scripts, which need no checks beyond their names.
    fn scripts(&self) -> Vec<Script> {
        self.file
            .scripts
            .iter()
            .map(|x| Script {
                name: x.name.clone(),
                duration: x.duration,
                exit_code: x.exit_code,
            })
            .collect()
    }
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

#[path = "validate_sections.rs"]
mod sections;

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;

/// Each server's priority: its own, else its index in the list, or (when a server
/// with its own priority holds that value, as after a server added without one and
/// an earlier server removed) the next value nobody holds. For every file where no
/// two servers met this equals the index, so only files refused before change.
fn implicit_priorities(servers: &[super::file::ServerFile]) -> Vec<u32> {
    let mut taken: BTreeSet<u32> = servers.iter().filter_map(|s| s.priority).collect();
    servers
        .iter()
        .enumerate()
        .map(|(i, s)| match s.priority {
            Some(p) => p,
            None => {
                let mut p = i as u32;
                while taken.contains(&p) {
                    p += 1;
                }
                taken.insert(p);
                p
            }
        })
        .collect()
}
