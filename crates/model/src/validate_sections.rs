//! The two longest sections of `validate::resolve`: the groups with their resources
//! (defaults, dependencies, start order) and the monitors.

use super::super::file::*;
use super::super::*;
use super::{known, mask, server_list, stable_topo, Ctx};
use petgraph::algo::toposort;
use petgraph::graph::DiGraph;

impl Ctx<'_> {
    /// The groups and, flattened in declaration order, their resources.
    pub(super) fn groups(&mut self, by_priority: &[ServerId]) -> (Vec<Group>, Vec<Resource>) {
        let mut groups = Vec::new();
        let mut resources: Vec<Resource> = Vec::new();
        let file = self.file;
        for (gi, g) in file.groups.iter().enumerate() {
            let policy = self.policy(gi, g, by_priority);
            let first = resources.len();
            for r in &g.resources {
                resources.push(self.resource(gi, r));
            }
            let members: Vec<ResourceId> = (first..resources.len()).collect();
            for (ri, r) in g.resources.iter().enumerate() {
                let deps = self.depends_on(gi, g, ri, r, &members, &resources);
                resources[first + ri].depends_on = deps;
            }
            let start_order = self.start_order(gi, &members, &resources);
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
        (groups, resources)
    }

    /// A group's startup servers: the listed ones, or all by priority when omitted.
    fn policy(&mut self, gi: usize, g: &GroupFile, by_priority: &[ServerId]) -> Vec<ServerId> {
        let Some(list) = &g.servers else {
            return by_priority.to_vec();
        };
        let at = format!("groups[{gi}].servers");
        if list.is_empty() {
            self.errs
                .push(at.clone(), "the startup server list is empty");
        }
        server_list(&mut self.errs, &at, list, &self.ix.servers)
    }

    /// A resource with its activation and deactivation defaults from the settings;
    /// its dependencies come later, once the whole group is known.
    fn resource(&self, gi: usize, r: &ResourceFile) -> Resource {
        let s = &self.file.settings;
        let (act, deact) = (&r.activation, &r.deactivation);
        Resource {
            name: r.name.clone(),
            kind: r.kind,
            group: gi,
            depends_on: Vec::new(),
            activation_duration: act
                .duration
                .unwrap_or(s.activation_durations.for_kind(r.kind)),
            activation_retry: act.retry.unwrap_or(s.activation_retry),
            failover_threshold: act
                .failover_threshold
                .unwrap_or(s.activation_failover_threshold),
            activation_final_action: act.final_action.unwrap_or(s.activation_final_action),
            deactivation_duration: deact
                .duration
                .unwrap_or(s.deactivation_durations.for_kind(r.kind)),
            deactivation_retry: deact.retry.unwrap_or(s.deactivation_retry),
            deactivation_final_action: deact.final_action.unwrap_or(s.deactivation_final_action),
            mirror: None,
        }
    }

    /// A resource's dependencies: the listed ones (within its group), or by type tier
    /// within the group when omitted.
    fn depends_on(
        &mut self,
        gi: usize,
        g: &GroupFile,
        ri: usize,
        r: &ResourceFile,
        members: &[ResourceId],
        resources: &[Resource],
    ) -> Vec<ResourceId> {
        let Some(list) = &r.depends_on else {
            return members
                .iter()
                .copied()
                .filter(|&m| resources[m].kind.default_tier() < r.kind.default_tier())
                .collect();
        };
        let id = members[0] + ri;
        let mut deps = Vec::new();
        for (di, d) in list.iter().enumerate() {
            let at = format!("groups[{gi}].resources[{ri}].depends_on[{di}]");
            match members.iter().find(|&&m| resources[m].name == *d) {
                Some(&m) if m == id => self.errs.push(at, format!("`{d}` depends on itself")),
                Some(&m) => deps.push(m),
                None if self.ix.resources.contains_key(d) => self.errs.push(
                    at,
                    format!("`{d}` belongs to another group; dependencies stay within a group"),
                ),
                None => {
                    let names: Vec<&str> = g.resources.iter().map(|x| x.name.as_str()).collect();
                    self.errs.push(
                        at,
                        format!(
                            "unknown resource `{d}` (resources of group `{}`: {})",
                            g.name,
                            names.join(", ")
                        ),
                    )
                }
            }
        }
        deps
    }

    /// A topological order of the group's resources; on a cycle, the error and the
    /// declaration order.
    fn start_order(
        &mut self,
        gi: usize,
        members: &[ResourceId],
        resources: &[Resource],
    ) -> Vec<ResourceId> {
        let Some(&first) = members.first() else {
            return Vec::new();
        };
        let mut graph = DiGraph::<ResourceId, ()>::new();
        let nodes: Vec<_> = members.iter().map(|&m| graph.add_node(m)).collect();
        for (k, &m) in members.iter().enumerate() {
            for &d in &resources[m].depends_on {
                graph.add_edge(nodes[d - first], nodes[k], ());
            }
        }
        match toposort(&graph, None) {
            Ok(order) => order.into_iter().map(|ix| graph[ix]).collect(),
            Err(cycle) => {
                let at = graph[cycle.node_id()];
                self.errs.push(
                    format!("groups[{gi}].resources"),
                    format!("dependency cycle through resource `{}`", resources[at].name),
                );
                members.to_vec()
            }
        }
    }

    /// The monitors, their defaults from the settings.
    pub(super) fn monitors(&mut self, resources: &[Resource]) -> Vec<Monitor> {
        let file = self.file;
        let n = file.servers.len();
        let mut monitors = Vec::new();
        for (i, m) in file.monitors.iter().enumerate() {
            let target = self.monitor_target(i, m);
            if m.timing == MonitorTiming::Active && m.target.is_none() {
                self.errs.push(
                    format!("monitors[{i}].timing"),
                    "timing `active` needs a `target` resource",
                );
            }
            let recovery = self.recovery(i, m, target, resources);
            monitors.push(self.monitor(i, m, target, recovery, n));
        }
        monitors
    }

    /// The resource a monitor watches, if it names one that exists.
    fn monitor_target(&mut self, i: usize, m: &MonitorFile) -> Option<ResourceId> {
        let t = m.target.as_ref()?;
        let found = self.ix.resources.get(t).copied();
        if found.is_none() {
            self.errs.push(
                format!("monitors[{i}].target"),
                format!("unknown resource `{t}` ({})", known(&self.ix.resources)),
            );
        }
        found
    }

    /// What a monitor recovers: the named resource, group or `LocalServer`; by default
    /// its target's group, or the server when it has no target.
    fn recovery(
        &mut self,
        i: usize,
        m: &MonitorFile,
        target: Option<ResourceId>,
        resources: &[Resource],
    ) -> RecoveryTarget {
        match m.recovery_target.as_deref() {
            Some("LocalServer") => RecoveryTarget::LocalServer,
            Some(name) => {
                if let Some(&r) = self.ix.resources.get(name) {
                    RecoveryTarget::Resource(r)
                } else if let Some(&g) = self.ix.groups.get(name) {
                    RecoveryTarget::Group(g)
                } else {
                    self.errs.push(
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
        }
    }

    /// The rest of a monitor: interval, servers, and the defaults from the settings.
    fn monitor(
        &mut self,
        i: usize,
        m: &MonitorFile,
        target: Option<ResourceId>,
        recovery: RecoveryTarget,
        n: usize,
    ) -> Monitor {
        let file = self.file;
        let s = &file.settings;
        let interval = m.interval.unwrap_or(s.monitor_interval);
        if interval.0 == 0 {
            self.errs.push(
                format!("monitors[{i}].interval"),
                "interval must be positive",
            );
        }
        let members = self.members(&format!("monitors[{i}].servers"), m.servers.as_deref());
        // Mirror-disk and hybrid-disk monitors default to 999 s [doc].
        let timeout_default = if matches!(m.kind.as_str(), "mdw" | "hdw") {
            Millis::secs(999)
        } else {
            s.monitor_timeout
        };
        Monitor {
            name: m.name.clone(),
            kind: m.kind.clone(),
            target,
            interval,
            timeout: m.timeout.unwrap_or(timeout_default),
            retry: m.retry.unwrap_or(s.monitor_retry),
            timing: m.timing,
            on_server: mask(n, &members),
            recovery,
            max_reactivation: m.max_reactivation.unwrap_or(s.monitor_max_reactivation),
            max_failover: m.max_failover.unwrap_or(s.monitor_max_failover),
            final_action: m.final_action.unwrap_or(s.monitor_final_action),
            ignore_timeout: m.ignore_timeout,
        }
    }
}
