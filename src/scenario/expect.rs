//! Expectations: the state of an object at a time or within a time, ordered event
//! sequences, event counts, and invariants checked after every engine step. States are
//! read from `Sim::view()` (or `view_from` a named server); "Online on N servers" is
//! read from the per-server `group-status` events, which is each server's own truth.

use super::pattern::EventPattern;
use super::timeline::fmt_ms;
use crate::model::Model;
use crate::sim::{status, ClusterView, Event, EventKind, Sim};
use std::cell::OnceCell;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Expectation {
    /// Position in the file's `expect` list.
    pub index: usize,
    pub check: Check,
    /// The expectation as a person reads it.
    pub text: String,
}

#[derive(Clone, Debug)]
pub enum Check {
    /// `cond` holds at the end of instant `t`.
    At {
        t: u64,
        cond: Condition,
    },
    /// `cond` holds at some moment within `within` ms of the anchor.
    Within {
        since: Anchor,
        within: u64,
        cond: Condition,
    },
    /// The patterns match events in this order (other events may come between).
    Sequence {
        items: Vec<EventPattern>,
        window: Window,
    },
    Count {
        pattern: EventPattern,
        bound: Bound,
        window: Window,
    },
    /// After every engine step in the window, `cond` holds (`Always`) or not (`Never`).
    Always {
        cond: Condition,
        window: Window,
    },
    Never {
        cond: Condition,
        window: Window,
    },
}

/// Where a `within` window starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    Time(u64),
    /// When the step with this index ran (a trigger's time is known only then).
    Step(usize),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub from: u64,
    pub until: Option<u64>,
}

impl Window {
    pub fn contains(&self, t: u64) -> bool {
        t >= self.from && self.until.is_none_or(|u| t <= u)
    }
    fn describe(&self) -> String {
        match (self.from, self.until) {
            (0, None) => String::new(),
            (f, None) => format!(" from {}", fmt_ms(f)),
            (f, Some(u)) => format!(" from {} until {}", fmt_ms(f), fmt_ms(u)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    pub at_least: u64,
    pub at_most: Option<u64>,
}

impl Bound {
    pub fn holds(&self, n: u64) -> bool {
        n >= self.at_least && self.at_most.is_none_or(|m| n <= m)
    }
    pub fn describe(&self) -> String {
        match self.at_most {
            Some(m) if m == self.at_least => format!("exactly {m}"),
            Some(m) if self.at_least == 0 => format!("at most {m}"),
            Some(m) => format!("between {} and {m}", self.at_least),
            None => format!("at least {}", self.at_least),
        }
    }
}

/// The object a condition is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Cluster,
    Server(usize),
    Group(usize),
    Resource(usize),
    Monitor(usize),
    Path(usize),
    Resolver(usize),
    /// Every group: the condition holds when any group meets it.
    AnyGroup,
    /// An `md` resource's mirror (by resource id).
    Mirror(usize),
}

/// For groups and resources, where they run (`current`); for monitors and heartbeat
/// paths, the server whose instance is meant (`instance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Server(usize),
    /// Group `current` reads `None`.
    Nowhere,
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub subject: Subject,
    pub status: Option<&'static str>,
    pub not: Option<&'static str>,
    pub on: Option<On>,
    /// The server whose view is read; the default view otherwise.
    pub view_from: Option<usize>,
    /// Groups: Online on at least this many servers at once.
    pub online_on_servers: Option<u32>,
    /// Cluster: suspended or not.
    pub suspended: Option<bool>,
    pub text: String,
}

/// Each server's own status of each group, from the `group-status` events.
#[derive(Clone, Debug, Default)]
pub struct GroupTracker {
    status: BTreeMap<(usize, usize), &'static str>,
}

impl GroupTracker {
    pub fn observe(&mut self, e: &Event) {
        if e.kind != EventKind::GroupStatus {
            return;
        }
        if let (Some(g), Some(s), Some(st)) = (e.group, e.server, e.status) {
            self.status.insert((g, s), st);
        }
    }
    /// Servers on which group `g` is Online, by their own account.
    pub fn online_on(&self, g: usize) -> Vec<usize> {
        self.status
            .range((g, 0)..=(g, usize::MAX))
            .filter(|(_, st)| **st == status::ONLINE)
            .map(|((_, s), _)| *s)
            .collect()
    }
}

/// What a condition needs to look at, with views built lazily and at most once.
pub struct Probe<'a> {
    pub sim: &'a Sim,
    pub groups: &'a GroupTracker,
    view: OnceCell<ClusterView>,
    from: Vec<OnceCell<ClusterView>>,
}

impl<'a> Probe<'a> {
    pub fn new(sim: &'a Sim, groups: &'a GroupTracker) -> Probe<'a> {
        let n = sim.model().servers.len();
        Probe {
            sim,
            groups,
            view: OnceCell::new(),
            from: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }
    fn view(&self, from: Option<usize>) -> &ClusterView {
        match from {
            Some(s) => self.from[s].get_or_init(|| self.sim.view_from(s)),
            None => self.view.get_or_init(|| self.sim.view()),
        }
    }
}

/// Whether a condition holds, and what was seen, in words.
pub struct Observed {
    pub holds: bool,
    pub seen: String,
}

impl Condition {
    pub fn observe(&self, p: &Probe) -> Observed {
        let model = p.sim.model();
        if let (Subject::Group(g), Some(n)) = (self.subject, self.online_on_servers) {
            return self.observe_online_on(p, g, n);
        }
        let v = p.view(self.view_from);
        if self.subject == Subject::AnyGroup {
            return self.observe_any_group(v);
        }
        let suffix = match self.view_from {
            Some(s) => format!(" (as {} sees it)", model.servers[s].name),
            None => String::new(),
        };
        if let (Subject::Cluster, Some(want)) = (self.subject, self.suspended) {
            return self.observe_suspended(v, want, &suffix);
        }
        let (st, current, name) = self.read_status(v, model);
        let mut holds = self.status_ok(st);
        let mut seen = format!("{name} {st}");
        if let Some(cur) = &current {
            seen.push_str(&format!(" on {cur}"));
            if matches!(self.subject, Subject::Group(_) | Subject::Resource(_)) {
                holds &= match self.on {
                    Some(On::Server(s)) => *cur == model.servers[s].name,
                    Some(On::Nowhere) => cur == status::NONE,
                    None => true,
                };
            }
        }
        seen.push_str(&suffix);
        Observed { holds, seen }
    }

    /// "Online on N servers": read from each server's own `group-status` events, not
    /// from a view, since a split cluster's servers disagree about where a group runs.
    fn observe_online_on(&self, p: &Probe, g: usize, n: u32) -> Observed {
        let model = p.sim.model();
        let on: Vec<&str> = p
            .groups
            .online_on(g)
            .iter()
            .map(|&s| model.servers[s].name.as_str())
            .collect();
        let seen = if on.is_empty() {
            format!("group {} Online on no server", model.groups[g].name)
        } else {
            format!("group {} Online on {}", model.groups[g].name, on.join(", "))
        };
        Observed {
            holds: on.len() >= n as usize,
            seen,
        }
    }

    /// "Any group": holds when some group meets the status; what was seen lists them.
    fn observe_any_group(&self, v: &ClusterView) -> Observed {
        let hit: Vec<String> = v
            .groups
            .iter()
            .filter(|g| self.status_ok(g.status))
            .map(|g| format!("group {} {}", g.name, g.status))
            .collect();
        let seen = if hit.is_empty() {
            "no group matching".to_string()
        } else {
            hit.join(", ")
        };
        Observed {
            holds: !hit.is_empty(),
            seen,
        }
    }

    /// The cluster, suspended or not: the words say only that, the status still counts.
    fn observe_suspended(&self, v: &ClusterView, want: bool, suffix: &str) -> Observed {
        let seen = format!(
            "cluster {}{suffix}",
            if v.suspended {
                "suspended"
            } else {
                "not suspended"
            }
        );
        let holds = v.suspended == want && self.status_ok(v.status);
        Observed { holds, seen }
    }

    /// The subject's status in the view, where it runs (groups and resources), and its
    /// name in words; `Unknown` when the view has no such object.
    fn read_status(
        &self,
        v: &ClusterView,
        model: &Model,
    ) -> (&'static str, Option<String>, String) {
        match self.subject {
            Subject::Cluster => (v.status, None, "cluster".to_string()),
            Subject::Server(s) => {
                let name = &model.servers[s].name;
                (
                    v.server(name).map_or(status::UNKNOWN, |x| x.status),
                    None,
                    format!("server {name}"),
                )
            }
            Subject::Group(g) => {
                let name = &model.groups[g].name;
                match v.group(name) {
                    Some(x) => (x.status, Some(x.current.clone()), format!("group {name}")),
                    None => (status::UNKNOWN, None, format!("group {name}")),
                }
            }
            Subject::Resource(r) => {
                let name = &model.resources[r].name;
                match v.resource(name) {
                    Some(x) => (
                        x.status,
                        Some(x.current.clone()),
                        format!("resource {name}"),
                    ),
                    None => (status::UNKNOWN, None, format!("resource {name}")),
                }
            }
            Subject::Monitor(m) => {
                let mv = v.monitor(&model.monitors[m].name);
                let per = mv.map(|x| (x.status, x.servers.iter().map(|i| (&i.name, i.status))));
                self.per_server("monitor", &model.monitors[m].name, per, model)
            }
            Subject::Path(h) => self.path_status(v, model, h),
            Subject::AnyGroup => (status::UNKNOWN, None, "any group".to_string()),
            Subject::Resolver(r) => {
                let name = &model.resolvers[r].name;
                let st = v
                    .resolvers
                    .iter()
                    .find(|x| &x.name == name)
                    .map_or(status::UNKNOWN, |x| x.status);
                (st, None, format!("resolver {name}"))
            }
            Subject::Mirror(r) => {
                let mv = v.mirror(&model.resources[r].name);
                let per = mv.map(|x| (x.status, x.servers.iter().map(|i| (&i.name, i.status))));
                self.per_server("mirror", &model.resources[r].name, per, model)
            }
        }
    }

    /// A heartbeat path: with `on: server`, that server's instance of it; otherwise the
    /// cluster-wide heartbeat status.
    fn path_status(
        &self,
        v: &ClusterView,
        model: &Model,
        h: usize,
    ) -> (&'static str, Option<String>, String) {
        let name = &model.paths[h].name;
        match self.on {
            Some(On::Server(s)) => {
                let sname = &model.servers[s].name;
                let st = v
                    .server(sname)
                    .and_then(|x| x.paths.iter().find(|p| &p.name == name))
                    .map_or(status::UNKNOWN, |p| p.status);
                (st, None, format!("heartbeat {name} from {sname}"))
            }
            _ => {
                let st = v
                    .heartbeats
                    .iter()
                    .find(|p| &p.name == name)
                    .map_or(status::UNKNOWN, |p| p.status);
                (st, None, format!("heartbeat {name}"))
            }
        }
    }

    /// A subject with a status per server (monitor, mirror): its overall status, or with
    /// `on: server` its status there; `Unknown` when the view has no such object.
    fn per_server<'v>(
        &self,
        kind: &str,
        name: &str,
        per: Option<(
            &'static str,
            impl Iterator<Item = (&'v String, &'static str)>,
        )>,
        model: &Model,
    ) -> (&'static str, Option<String>, String) {
        match self.on {
            Some(On::Server(s)) => {
                let sname = &model.servers[s].name;
                let st = per
                    .and_then(|(_, mut servers)| servers.find(|(n, _)| *n == sname))
                    .map_or(status::UNKNOWN, |(_, st)| st);
                (st, None, format!("{kind} {name} on {sname}"))
            }
            _ => (
                per.map_or(status::UNKNOWN, |(st, _)| st),
                None,
                format!("{kind} {name}"),
            ),
        }
    }

    fn status_ok(&self, st: &str) -> bool {
        self.status.is_none_or(|w| w == st) && self.not.is_none_or(|n| n != st)
    }
}

/// Builds the words of a condition (`group failover1 Online on server2`).
pub fn describe_condition(model: &Model, c: &Condition) -> String {
    let mut s = match c.subject {
        Subject::Cluster => "cluster".to_string(),
        Subject::Server(i) => format!("server {}", model.servers[i].name),
        Subject::Group(i) => format!("group {}", model.groups[i].name),
        Subject::Resource(i) => format!("resource {}", model.resources[i].name),
        Subject::Monitor(i) => format!("monitor {}", model.monitors[i].name),
        Subject::Path(i) => format!("heartbeat {}", model.paths[i].name),
        Subject::Resolver(i) => format!("resolver {}", model.resolvers[i].name),
        Subject::AnyGroup => "any group".to_string(),
        Subject::Mirror(i) => format!("mirror {}", model.resources[i].name),
    };
    if let Some(n) = c.online_on_servers {
        s.push_str(&format!(" Online on {n} or more servers"));
    }
    if let Some(b) = c.suspended {
        s.push_str(if b { " suspended" } else { " not suspended" });
    }
    if let Some(st) = c.status {
        s.push_str(&format!(" {st}"));
    }
    if let Some(st) = c.not {
        s.push_str(&format!(" not {st}"));
    }
    match c.on {
        Some(On::Server(i)) => s.push_str(&format!(" on {}", model.servers[i].name)),
        Some(On::Nowhere) => s.push_str(" on None (nowhere)"),
        None => {}
    }
    if let Some(i) = c.view_from {
        s.push_str(&format!(" (as {} sees it)", model.servers[i].name));
    }
    s
}

/// Builds the words of a whole expectation.
pub fn describe_check(check: &Check, step_label: impl Fn(usize) -> String) -> String {
    match check {
        Check::At { t, cond } => format!("{} at {}", cond.text, fmt_ms(*t)),
        Check::Within {
            since,
            within,
            cond,
        } => {
            let since = match since {
                Anchor::Time(0) => String::new(),
                Anchor::Time(t) => format!(" since {}", fmt_ms(*t)),
                Anchor::Step(i) => format!(" since step {}", step_label(*i)),
            };
            format!("{} within {}{since}", cond.text, fmt_ms(*within))
        }
        Check::Sequence { items, window } => {
            let list: Vec<&str> = items.iter().map(|p| p.text.as_str()).collect();
            format!("sequence{}: {}", window.describe(), list.join(" -> "))
        }
        Check::Count {
            pattern,
            bound,
            window,
        } => {
            format!(
                "{} `{}` event(s){}",
                bound.describe(),
                pattern.text,
                window.describe()
            )
        }
        Check::Always { cond, window } => format!("always{}: {}", window.describe(), cond.text),
        Check::Never { cond, window } => format!("never{}: {}", window.describe(), cond.text),
    }
}
