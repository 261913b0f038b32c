//! Faults: scheduled, active and healed, with their effects on the engine's state.
//! Each fault may start later (`at_ms`) and heal by itself (`duration_ms`).

use super::engine::{Ev, RState, Sim};
use super::event::EventKind;
use super::input::{CheckResult, FaultId, FaultKind, FaultSpec, InputError};
use super::names::{at, lookup, Kind, NameError};
use super::FaultInfo;
use crate::model::{Model, ServerId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A fault with its names resolved.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) enum Resolved {
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
    members: Vec<Vec<ServerId>>,
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

/// Ended faults remembered for [`Sim::fault_history`].
pub const MAX_ENDED_FAULTS: usize = 1_000;

/// Resolves a fault's names (the engine's one check; see `names::check_fault`).
pub(super) fn resolve(model: &Model, kind: &FaultKind) -> Result<Resolved, NameError> {
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

impl Sim {
    pub(crate) fn fault_inject(&mut self, spec: FaultSpec) -> Result<FaultId, InputError> {
        let what = resolve(&self.model, &spec.kind)?;
        let remaining = match &spec.kind {
            FaultKind::ActivationFailure { times, .. }
            | FaultKind::DeactivationFailure { times, .. } => match times {
                None => Some(1),
                Some(0) => None,
                Some(n) => Some(*n),
            },
            _ => None,
        };
        if spec.duration_ms == Some(0) {
            return Err(InputError::Invalid("duration_ms must be positive".into()));
        }
        self.faults.next_id += 1;
        let id = self.faults.next_id;
        let start = spec.at_ms.unwrap_or(self.now).max(self.now);
        let end = spec.duration_ms.map(|d| start.saturating_add(d));
        self.faults.list.insert(
            id,
            FaultRec {
                spec,
                what,
                active: false,
                start,
                end,
                remaining,
            },
        );
        if start > self.now {
            self.schedule(start, Ev::FaultStart { id });
        } else {
            self.fault_start(id);
        }
        Ok(id)
    }

    pub(crate) fn fault_start(&mut self, id: FaultId) {
        let Some(f) = self.faults.list.get_mut(&id) else {
            return;
        };
        if f.active {
            return;
        }
        f.active = true;
        let what = f.what.clone();
        let desc = describe(&self.model, &f.spec);
        if let Some(end) = f.end {
            self.schedule(end, Ev::FaultEnd { id });
        }
        self.log(EventKind::FaultInjected, |e| {
            e.fault = Some(id);
            e.reason = Some(desc);
        });
        self.apply_effect(&what, true);
    }

    pub(crate) fn fault_heal(&mut self, id: FaultId) -> Result<(), InputError> {
        self.fault_end(id, false)
    }

    /// Ends a fault: by its duration (`expired`) or healed by hand.
    pub(crate) fn fault_end(&mut self, id: FaultId, expired: bool) -> Result<(), InputError> {
        let Some(f) = self.faults.list.remove(&id) else {
            if expired {
                return Ok(());
            }
            let ids: Vec<String> = self.faults.list.keys().map(|k| k.to_string()).collect();
            return Err(InputError::Unknown(format!(
                "no fault with id {id}; active and scheduled: {}",
                if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                }
            )));
        };
        if expired && f.end != Some(self.now) {
            self.faults.list.insert(id, f); // a stale expiry of a re-timed fault
            return Ok(());
        }
        let desc = describe(&self.model, &f.spec);
        self.log(EventKind::FaultHealed, |e| {
            e.fault = Some(id);
            e.reason = Some(desc);
        });
        if f.active {
            self.apply_effect(&f.what, false);
        }
        let why = match (expired, f.active) {
            (true, _) => "expired",
            (false, true) => "healed",
            (false, false) => "cancelled",
        };
        if self.faults.ended.len() >= MAX_ENDED_FAULTS {
            self.faults.ended.pop_front();
        }
        self.faults.ended.push_back(FaultInfo {
            id,
            spec: f.spec,
            state: "ended",
            start_ms: f.start,
            // A cancelled fault never ran: no end before its start.
            end_ms: f.active.then_some(self.now),
            ended: Some(why),
        });
        Ok(())
    }

    /// Live reconfiguration: faults not yet ended whose names do not resolve in `model`.
    pub(crate) fn faults_unresolved_in(&self, model: &Model) -> Vec<FaultId> {
        let list = &self.faults.list;
        let bad = list
            .iter()
            .filter(|(_, f)| resolve(model, &f.spec.kind).is_err());
        bad.map(|(&id, _)| id).collect()
    }

    /// Live reconfiguration: every fault re-resolved against the new `model` (their
    /// names are unchanged; those naming a removed server have ended) and resource
    /// failures moved to the new server ids by `map`.
    pub(crate) fn faults_reresolve(
        &mut self,
        model: &Model,
        map: impl Fn(ServerId) -> Option<ServerId>,
    ) {
        for f in self.faults.list.values_mut() {
            if let Ok(what) = resolve(model, &f.spec.kind) {
                f.what = what;
            }
        }
        let old = std::mem::take(&mut self.faults.failed_resources);
        let moved = old.into_iter().filter_map(|(r, s)| Some((r, map(s)?)));
        self.faults.failed_resources = moved.collect();
    }

    /// Live faults and the last ended ones, by id: what `/sim/v1/faults` shows.
    pub fn fault_history(&self) -> Vec<FaultInfo> {
        let mut all = self.fault_list();
        all.extend(self.faults.ended.iter().cloned());
        all.sort_by_key(|f| f.id);
        all
    }

    pub(crate) fn fault_list(&self) -> Vec<FaultInfo> {
        self.faults
            .list
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

    fn apply_effect(&mut self, what: &Resolved, on: bool) {
        match *what {
            Resolved::Crash(s) => {
                if on {
                    self.servers[s].crash_faults += 1;
                    if self.servers[s].power {
                        self.abnormal_stop(s, true, false);
                    }
                } else {
                    self.servers[s].crash_faults -= 1;
                    if self.servers[s].crash_faults == 0 && !self.servers[s].power {
                        self.schedule_boot(s, true);
                    }
                }
            }
            Resolved::Hang(s) => {
                if on {
                    self.servers[s].hang_faults += 1;
                    if !self.servers[s].hung {
                        self.freeze_all_of(s);
                        self.servers[s].hung = true;
                        self.servers[s].hung_since = self.now;
                        self.log_at(s, EventKind::ServerHung, |_| {});
                        self.hb_refresh_server(s);
                        self.mon_refresh_server(s);
                    }
                } else {
                    self.servers[s].hang_faults -= 1;
                    if self.servers[s].hang_faults == 0 && self.servers[s].hung {
                        self.servers[s].hung = false;
                        self.log_at(s, EventKind::ServerResumed, |_| {});
                        self.check_declared_down(s);
                        if self.servers[s].alive() {
                            self.reset_links_into(s);
                        }
                        self.hb_refresh_server(s);
                        self.mon_refresh_server(s);
                    }
                }
            }
            Resolved::PathDown(s, p) => {
                if on {
                    self.servers[s].path_down[p] += 1;
                } else {
                    self.servers[s].path_down[p] -= 1;
                }
                self.hb_refresh_server_path(s, p);
            }
            Resolved::Partition(ref pt) => {
                for i in 0..pt.members.len() {
                    for j in i + 1..pt.members.len() {
                        self.hb_refresh_between(&pt.members[i], &pt.members[j]);
                    }
                }
            }
            Resolved::ResolverDown(r) => {
                let alert = if on { ("nm", 37) } else { ("nm", 36) };
                let kind = if on {
                    EventKind::ResolverError
                } else {
                    EventKind::ResolverNormal
                };
                if on || !self.faults.resolver_down(r) {
                    for s in 0..self.n() {
                        if self.servers[s].running() {
                            self.alert(
                                Some(s),
                                kind,
                                alert,
                                vec![super::event::Arg::Resolver(r), super::event::Arg::Server(s)],
                                |e| e.resolver = Some(r),
                            );
                        }
                    }
                }
            }
            Resolved::MonitorResult(m, s, _) => match s {
                Some(s) => self.mon_refresh(m, s),
                None => {
                    for s in 0..self.n() {
                        self.mon_refresh(m, s);
                    }
                }
            },
            // Mirrors are reconciled after every input (`Sim::mirror_refresh`).
            Resolved::ActivationFailure(..)
            | Resolved::DeactivationFailure(..)
            | Resolved::MirrorConnectDown(..) => {}
            Resolved::ResourceFailure(r, s) => {
                if on && self.rstate(r, s) == RState::Online {
                    self.faults.failed_resources.insert((r, s));
                } else if !on {
                    self.faults.failed_resources.remove(&(r, s));
                }
                self.mon_refresh_target(r, s);
            }
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
