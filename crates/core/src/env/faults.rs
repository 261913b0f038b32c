//! Faults as the environment holds them: scheduled, active and ended, with their names
//! resolved, and the questions the behaviour asks of them (does a partition block
//! this link, can this server reach the resolver's target, what does the monitor
//! see, does this activation fail). Their effects on the product are in
//! `sim/fault.rs`.

use crate::input::{CheckResult, FaultId, FaultKind, FaultSpec, InputError};
use crate::model::{Model, ServerId};
use crate::names::{at, lookup, Kind, NameError};
use crate::FaultInfo;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A fault with its names resolved.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) enum Resolved {
    Crash(ServerId),
    Hang(ServerId),
    PathDown(ServerId, usize),
    Partition(Partition),
    ResolverDown(usize),
    MonitorResult(usize, Option<ServerId>, CheckResult),
    ActivationFailure(usize, ServerId),
    DeactivationFailure(usize, ServerId),
    ResourceFailure(usize, ServerId),
    MirrorConnectDown(usize, Option<ServerId>),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Partition {
    /// Per server: its side, if named on one. Servers on no side are unaffected.
    side_of: Vec<Option<usize>>,
    /// Per resolver: the side its target is on, if placed.
    resolver_side: BTreeMap<usize, usize>,
    paths: Option<Vec<usize>>,
    /// Mirror connects cut: all when `paths` is absent, else those `paths` names.
    connects: Option<Vec<usize>>,
    oneway: bool,
    /// The servers of each side.
    pub members: Vec<Vec<ServerId>>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct FaultRec {
    spec: FaultSpec,
    what: Resolved,
    active: bool,
    start: u64,
    end: Option<u64>,
    /// Activation/deactivation failures: how many are left (None = always).
    remaining: Option<u32>,
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Faults {
    next_id: FaultId,
    list: BTreeMap<FaultId, FaultRec>,
    /// Resource failures in effect: (resource, server) -> fault.
    failed_resources: BTreeSet<(usize, ServerId)>,
    /// The last [`MAX_ENDED_FAULTS`] faults that ended, oldest first.
    ended: VecDeque<FaultInfo>,
}

/// Ended faults remembered for [`crate::Sim::fault_history`].
pub const MAX_ENDED_FAULTS: usize = 1_000;

/// Resolves a fault's names (the engine's one check; see `names::check_fault`).
pub(crate) fn resolve(model: &Model, kind: &FaultKind) -> Result<Resolved, NameError> {
    let id = |field, k, name: &str| at(field, lookup(model, k, name));
    Ok(match kind {
        FaultKind::ServerCrash { server: s } => Resolved::Crash(id("server", Kind::Server, s)?),
        FaultKind::ServerHang { server: s } => Resolved::Hang(id("server", Kind::Server, s)?),
        FaultKind::HeartbeatPathDown { server: s, path } => Resolved::PathDown(
            id("server", Kind::Server, s)?,
            id("path", Kind::Path, path)?,
        ),
        FaultKind::Partition {
            sides,
            paths,
            oneway,
        } => Resolved::Partition(resolve_partition(model, sides, paths, *oneway)?),
        FaultKind::ResolverTargetDown { resolver } => {
            Resolved::ResolverDown(id("resolver", Kind::Resolver, resolver)?)
        }
        FaultKind::MonitorResult {
            monitor,
            server: s,
            result,
        } => Resolved::MonitorResult(
            id("monitor", Kind::Monitor, monitor)?,
            s.as_deref()
                .map(|s| id("server", Kind::Server, s))
                .transpose()?,
            *result,
        ),
        FaultKind::ActivationFailure {
            resource: r,
            server: s,
            ..
        } => Resolved::ActivationFailure(
            id("resource", Kind::Resource, r)?,
            id("server", Kind::Server, s)?,
        ),
        FaultKind::DeactivationFailure {
            resource: r,
            server: s,
            ..
        } => Resolved::DeactivationFailure(
            id("resource", Kind::Resource, r)?,
            id("server", Kind::Server, s)?,
        ),
        FaultKind::ResourceFailure {
            resource: r,
            server: s,
        } => Resolved::ResourceFailure(
            id("resource", Kind::Resource, r)?,
            id("server", Kind::Server, s)?,
        ),
        FaultKind::MirrorConnectDown { connect, server } => Resolved::MirrorConnectDown(
            id("connect", Kind::MirrorConnect, connect)?,
            server
                .as_deref()
                .map(|s| id("server", Kind::Server, s))
                .transpose()?,
        ),
    })
}

fn resolve_partition(
    model: &Model,
    sides: &[Vec<String>],
    paths: &Option<Vec<String>>,
    oneway: bool,
) -> Result<Partition, NameError> {
    let invalid = |m: String| NameError {
        field: "sides",
        error: InputError::Invalid(m),
    };
    if sides.len() < 2 {
        return Err(invalid("a partition needs at least two sides".into()));
    }
    let mut side_of = vec![None; model.servers.len()];
    let mut resolver_side = BTreeMap::new();
    let mut members = vec![Vec::new(); sides.len()];
    for (i, side) in sides.iter().enumerate() {
        for name in side {
            if let Some(s) = model.server_id(name) {
                if side_of[s].is_some() {
                    return Err(invalid(format!("server `{name}` is on two sides")));
                }
                side_of[s] = Some(i);
                members[i].push(s);
            } else if let Some(r) = model.resolver_id(name) {
                resolver_side.insert(r, i);
            } else {
                let mut valid = Kind::Server.names(model);
                valid.extend(Kind::Resolver.names(model));
                let e = InputError::unknown_name("server or resolver", name, valid);
                return Err(NameError {
                    field: "sides",
                    error: e,
                });
            }
        }
    }
    // `paths` may name heartbeat paths and mirror connects.
    let (mut hb, mut mc) = (Vec::new(), Vec::new());
    for p in paths.iter().flatten() {
        match model.mirror_connect_id(p) {
            Some(c) => mc.push(c),
            None => hb.push(at("paths", lookup(model, Kind::Path, p))?),
        }
    }
    let (paths, connects) = match paths {
        Some(_) => (Some(hb), Some(mc)),
        None => (None, None),
    };
    Ok(Partition {
        side_of,
        resolver_side,
        paths,
        connects,
        oneway,
        members,
    })
}

impl Faults {
    fn active(&self) -> impl Iterator<Item = &FaultRec> {
        self.list.values().filter(|f| f.active)
    }

    /// Whether a partition stops heartbeats from `send` to `recv` on path `p`.
    pub fn blocks(&self, send: ServerId, recv: ServerId, p: usize) -> bool {
        self.active().any(|f| match &f.what {
            Resolved::Partition(pt) => {
                let on_path = pt.paths.as_ref().is_none_or(|ps| ps.contains(&p));
                match (pt.side_of[send], pt.side_of[recv]) {
                    (Some(a), Some(b)) if a != b && on_path => !pt.oneway || a == 0,
                    _ => false,
                }
            }
            _ => false,
        })
    }

    /// The servers an active partition puts on another side than o (a superset of
    /// those whose heartbeats it cuts from or to o).
    pub fn cut_off_from(&self, o: ServerId) -> Vec<ServerId> {
        let mut v = Vec::new();
        for f in self.active() {
            if let Resolved::Partition(pt) = &f.what {
                if let Some(a) = pt.side_of[o] {
                    for (b, side) in pt.members.iter().enumerate() {
                        if b != a {
                            v.extend_from_slice(side);
                        }
                    }
                }
            }
        }
        v
    }

    /// Whether mirror connect c carries nothing between a and b (either way).
    pub fn mirror_connect_cut(&self, c: usize, a: ServerId, b: ServerId) -> bool {
        self.active().any(|f| match &f.what {
            Resolved::MirrorConnectDown(x, on) => *x == c && on.is_none_or(|s| s == a || s == b),
            Resolved::Partition(pt) => {
                let on = pt.connects.as_ref().is_none_or(|cs| cs.contains(&c));
                matches!((pt.side_of[a], pt.side_of[b]), (Some(x), Some(y)) if x != y && on)
            }
            _ => false,
        })
    }

    /// Whether server o can reach resolver r's target.
    pub fn resolver_reachable(&self, r: usize, o: ServerId) -> bool {
        !self.active().any(|f| match &f.what {
            Resolved::ResolverDown(x) => *x == r,
            Resolved::Partition(pt) => match (pt.resolver_side.get(&r), pt.side_of[o]) {
                (Some(&rs), Some(os)) => rs != os,
                _ => false,
            },
            _ => false,
        })
    }

    pub fn resolver_down(&self, r: usize) -> bool {
        self.active()
            .any(|f| matches!(f.what, Resolved::ResolverDown(x) if x == r))
    }

    /// The worst injected result for monitor m on s: error, then timeout, then caution.
    pub fn monitor_result(&self, m: usize, s: ServerId) -> Option<CheckResult> {
        let rank = |c: CheckResult| match c {
            CheckResult::Error => 3,
            CheckResult::Timeout => 2,
            CheckResult::Caution => 1,
        };
        self.active()
            .filter_map(|f| match f.what {
                Resolved::MonitorResult(x, on, res) if x == m && on.is_none_or(|o| o == s) => {
                    Some(res)
                }
                _ => None,
            })
            .max_by_key(|&c| rank(c))
    }

    fn take(&mut self, activation: bool, r: usize, s: ServerId) -> bool {
        for f in self.list.values_mut().filter(|f| f.active) {
            let hit = match f.what {
                Resolved::ActivationFailure(x, y) => activation && x == r && y == s,
                Resolved::DeactivationFailure(x, y) => !activation && x == r && y == s,
                _ => false,
            };
            if hit {
                match f.remaining {
                    None => return true,
                    Some(0) => {}
                    Some(n) => {
                        f.remaining = Some(n - 1);
                        return true;
                    }
                }
            }
        }
        false
    }

    pub fn take_activation_failure(&mut self, r: usize, s: ServerId) -> bool {
        self.take(true, r, s)
    }

    pub fn take_deactivation_failure(&mut self, r: usize, s: ServerId) -> bool {
        self.take(false, r, s)
    }

    pub fn resource_failed(&self, r: usize, s: ServerId) -> bool {
        self.failed_resources.contains(&(r, s))
    }

    /// A failed resource that is deactivated is repaired by its restart.
    pub fn clear_resource_failure(&mut self, r: usize, s: ServerId) {
        self.failed_resources.remove(&(r, s));
    }
}

/// A fault that has just started: what it does, and when it ends if it has a duration.
pub(crate) struct Started {
    pub what: Resolved,
    pub desc: String,
    pub end: Option<u64>,
}

/// A fault that has just ended: what it did and whether it was in effect.
pub(crate) struct Ended {
    pub what: Resolved,
    pub desc: String,
    pub was_active: bool,
}

impl Faults {
    /// Records a resolved fault, not yet in effect; returns its id.
    pub fn add(
        &mut self,
        spec: FaultSpec,
        what: Resolved,
        start: u64,
        end: Option<u64>,
    ) -> FaultId {
        let remaining = match &spec.kind {
            FaultKind::ActivationFailure { times, .. }
            | FaultKind::DeactivationFailure { times, .. } => match times {
                None => Some(1),
                Some(0) => None,
                Some(n) => Some(*n),
            },
            _ => None,
        };
        self.next_id += 1;
        let id = self.next_id;
        let rec = FaultRec {
            spec,
            what,
            active: false,
            start,
            end,
            remaining,
        };
        self.list.insert(id, rec);
        id
    }

    /// Puts fault `id` in effect; None if it is unknown or already in effect.
    pub fn start(&mut self, model: &Model, id: FaultId) -> Option<Started> {
        let f = self.list.get_mut(&id).filter(|f| !f.active)?;
        f.active = true;
        Some(Started {
            what: f.what.clone(),
            desc: describe(model, &f.spec),
            end: f.end,
        })
    }

    /// Ends fault `id` at `now`: `expired` by its duration (a stale expiry of a
    /// re-timed fault is ignored: `Ok(None)`), else healed or cancelled by hand.
    pub fn end(
        &mut self,
        model: &Model,
        id: FaultId,
        expired: bool,
        now: u64,
    ) -> Result<Option<Ended>, InputError> {
        let Some(f) = self.list.remove(&id) else {
            if expired {
                return Ok(None);
            }
            let ids: Vec<String> = self.list.keys().map(|k| k.to_string()).collect();
            return Err(InputError::Unknown(format!(
                "no fault with id {id}; active and scheduled: {}",
                if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                }
            )));
        };
        if expired && f.end != Some(now) {
            self.list.insert(id, f);
            return Ok(None);
        }
        let why = match (expired, f.active) {
            (true, _) => "expired",
            (false, true) => "healed",
            (false, false) => "cancelled",
        };
        if self.ended.len() >= MAX_ENDED_FAULTS {
            self.ended.pop_front();
        }
        let desc = describe(model, &f.spec);
        self.ended.push_back(FaultInfo {
            id,
            spec: f.spec,
            state: "ended",
            start_ms: f.start,
            // A cancelled fault never ran: no end before its start.
            end_ms: f.active.then_some(now),
            ended: Some(why),
        });
        Ok(Some(Ended {
            what: f.what,
            desc,
            was_active: f.active,
        }))
    }

    /// Live reconfiguration: faults not yet ended whose names do not resolve in `model`.
    pub fn unresolved_in(&self, model: &Model) -> Vec<FaultId> {
        let bad = self
            .list
            .iter()
            .filter(|(_, f)| resolve(model, &f.spec.kind).is_err());
        bad.map(|(&id, _)| id).collect()
    }

    /// Live reconfiguration: every fault re-resolved against the new `model` (their
    /// names are unchanged; those naming a removed server have ended) and resource
    /// failures moved to the new server ids by `map`.
    pub fn reresolve(&mut self, model: &Model, map: impl Fn(ServerId) -> Option<ServerId>) {
        for f in self.list.values_mut() {
            if let Ok(what) = resolve(model, &f.spec.kind) {
                f.what = what;
            }
        }
        let old = std::mem::take(&mut self.failed_resources);
        let moved = old.into_iter().filter_map(|(r, s)| Some((r, map(s)?)));
        self.failed_resources = moved.collect();
    }

    /// Live and scheduled faults, by id.
    pub fn list(&self) -> Vec<FaultInfo> {
        self.list
            .iter()
            .map(|(&id, f)| {
                let fired = f.remaining == Some(0);
                FaultInfo {
                    id,
                    spec: f.spec.clone(),
                    state: match (fired, f.active) {
                        (true, _) => "ended",
                        (false, true) => "active",
                        (false, false) => "scheduled",
                    },
                    start_ms: f.start,
                    end_ms: f.end,
                    ended: fired.then_some("fired"),
                }
            })
            .collect()
    }

    /// Live faults and the last ended ones, by id.
    pub fn history(&self) -> Vec<FaultInfo> {
        let mut all = self.list();
        all.extend(self.ended.iter().cloned());
        all.sort_by_key(|f| f.id);
        all
    }

    /// A resource failure takes effect (the resource was Online) or ends.
    pub fn set_resource_failure(&mut self, r: usize, s: ServerId, on: bool) {
        if on {
            self.failed_resources.insert((r, s));
        } else {
            self.failed_resources.remove(&(r, s));
        }
    }
}

/// A one-line description of a fault for the log.
pub(crate) fn describe(model: &Model, spec: &FaultSpec) -> String {
    let _ = model;
    match &spec.kind {
        FaultKind::ServerCrash { server } => format!("server-crash {server}"),
        FaultKind::ServerHang { server } => format!("server-hang {server}"),
        FaultKind::HeartbeatPathDown { server, path } => {
            format!("heartbeat-path-down {path} on {server}")
        }
        FaultKind::Partition {
            sides,
            paths,
            oneway,
        } => {
            let sides: Vec<String> = sides
                .iter()
                .map(|s| format!("[{}]", s.join(", ")))
                .collect();
            let mut d = format!("partition {}", sides.join(" | "));
            if let Some(p) = paths {
                d.push_str(&format!(" on {}", p.join(", ")));
            }
            if *oneway {
                d.push_str(" (one-way)");
            }
            d
        }
        FaultKind::ResolverTargetDown { resolver } => format!("resolver-target-down {resolver}"),
        FaultKind::MonitorResult {
            monitor,
            server,
            result,
        } => format!(
            "monitor-result {monitor} {} on {}",
            match result {
                CheckResult::Error => "error",
                CheckResult::Caution => "caution",
                CheckResult::Timeout => "timeout",
            },
            server.as_deref().unwrap_or("every server")
        ),
        FaultKind::ActivationFailure {
            resource,
            server,
            times,
        } => {
            format!(
                "activation-failure {resource} on {server}{}",
                times_text(*times)
            )
        }
        FaultKind::DeactivationFailure {
            resource,
            server,
            times,
        } => {
            format!(
                "deactivation-failure {resource} on {server}{}",
                times_text(*times)
            )
        }
        FaultKind::ResourceFailure { resource, server } => {
            format!("resource-failure {resource} on {server}")
        }
        FaultKind::MirrorConnectDown { connect, server } => format!(
            "mirror-connect-down {connect} on {}",
            server.as_deref().unwrap_or("every server")
        ),
    }
}

fn times_text(t: Option<u32>) -> String {
    match t {
        None | Some(1) => String::new(),
        Some(0) => " (always)".into(),
        Some(n) => format!(" ({n} times)"),
    }
}
