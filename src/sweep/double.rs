//! Double activations of one run, with where and why: which group, on which servers,
//! from when to when, the faults active when it began, the reason the engine gave for
//! the activation that made it double, and whether the engine detected it (a
//! `both-active` event). The same episodes as the `double_activation.*` metrics: a
//! group Online on two or more servers at once, by each server's own `group-status`.
//!
//! They differ from `events.both-active` on purpose: that event is the product's
//! detection, logged when a server hears again a peer that runs a group it runs too.
//! A double activation whose servers never hear each other again (a split that lasts
//! to the end of the run) has no such event; one that ends before they do (a hung
//! server that resumes, learns it was declared down and stops itself) has none either.

use crate::model::Model;
use crate::scenario::timeline::fmt_secs;
use crate::sim::{status, Event, EventKind};
use std::collections::BTreeMap;

/// One double activation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    pub group: usize,
    pub servers: Vec<usize>,
    pub from: u64,
    /// `None`: it lasted to the end of the run.
    pub until: Option<u64>,
    /// Descriptions of the faults active when it began.
    pub faults: Vec<String>,
    /// The reason logged with the last activation of the group before it began.
    pub why: Option<String>,
    /// A `both-active` event of the group while it lasted.
    pub detected: bool,
}

/// Every double activation in `events`.
pub fn episodes(events: &[Event]) -> Vec<Episode> {
    let mut online: BTreeMap<(usize, usize), bool> = BTreeMap::new();
    let mut active: BTreeMap<u64, String> = BTreeMap::new();
    let mut why: BTreeMap<usize, String> = BTreeMap::new();
    let mut open: BTreeMap<usize, Episode> = BTreeMap::new();
    let mut out = Vec::new();
    for e in events {
        match (e.kind, e.fault) {
            (EventKind::FaultInjected, Some(id)) => {
                active.insert(id, e.reason.clone().unwrap_or_default());
            }
            (EventKind::FaultHealed, Some(id)) => {
                active.remove(&id);
            }
            _ => {}
        }
        let Some(g) = e.group else { continue };
        if is_activation(e.kind) {
            if let Some(r) = &e.reason {
                why.insert(g, r.clone());
            }
        }
        if e.kind == EventKind::BothActive {
            if let Some(ep) = open.get_mut(&g) {
                ep.detected = true;
            }
        }
        let (EventKind::GroupStatus, Some(s), Some(st)) = (e.kind, e.server, e.status) else {
            continue;
        };
        online.insert((g, s), st == status::ONLINE);
        let on: Vec<usize> = online
            .range((g, 0)..=(g, usize::MAX))
            .filter(|(_, v)| **v)
            .map(|((_, s), _)| *s)
            .collect();
        match (on.len() >= 2, open.contains_key(&g)) {
            (true, false) => {
                open.insert(
                    g,
                    Episode {
                        group: g,
                        servers: on,
                        from: e.t_ms,
                        until: None,
                        faults: active.values().cloned().collect(),
                        why: why.get(&g).cloned(),
                        detected: false,
                    },
                );
            }
            (true, true) => {
                if let Some(ep) = open.get_mut(&g) {
                    for s in on {
                        if !ep.servers.contains(&s) {
                            ep.servers.push(s);
                        }
                    }
                }
            }
            (false, true) => {
                if let Some(mut ep) = open.remove(&g) {
                    ep.until = Some(e.t_ms);
                    out.push(ep);
                }
            }
            (false, false) => {}
        }
    }
    out.extend(open.into_values());
    out.sort_by_key(|ep| (ep.from, ep.group));
    out
}

fn is_activation(k: EventKind) -> bool {
    use EventKind::*;
    matches!(
        k,
        FailoverStarting
            | GroupMoving
            | FailbackStarting
            | DestinationChosen
            | RecoveryFailover
            | ActivationFailover
    )
}

/// The episode in one line.
pub fn describe(model: &Model, ep: &Episode) -> String {
    let servers: Vec<&str> = ep.servers.iter().map(|&s| model.server_name(s)).collect();
    let until = ep.until.map_or("the end of the run".to_string(), fmt_secs);
    let faults = if ep.faults.is_empty() {
        "no fault active".to_string()
    } else {
        format!("faults active: {}", ep.faults.join("; "))
    };
    let why = ep
        .why
        .as_ref()
        .map_or(String::new(), |w| format!("; last activation: {w}"));
    let detected = if ep.detected {
        "detected (both-active)"
    } else {
        "not detected (no both-active event)"
    };
    format!(
        "double activation: group {} Online on {} from {} until {until}; {faults}{why}; {detected}",
        model.groups[ep.group].name,
        servers.join(", "),
        fmt_secs(ep.from)
    )
}
