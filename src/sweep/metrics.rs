//! Metrics of one run, read from its event log and final view through the public `Sim`
//! API. "Online on a server" is each server's own account (its `group-status` events),
//! as the scenario expectation `online_on_servers` reads it.
//!
//! - `<group>.downtime_ms`: time the group was Online on no server, after it was first
//!   Online, up to the end of the run.
//! - `<group>.detect_ms`: from the start of the group's first outage to the first
//!   reaction naming the group (failover, destination, recovery or final action).
//! - `<group>.recover_ms`: the length of the first outage (none if it lasted to the end).
//! - `<group>.failovers`: `failover-starting` events of the group.
//! - `double_activation.count` / `.ms`: times a group became Online on two or more
//!   servers at once, and the total time it stayed so (summed over groups).
//! - `groups_online`: groups Online at the end (final view); `quiescence_ms`: the time of
//!   the last event logged; `events.<kind>`: events of that kind.

use crate::model::Model;
use crate::sim::{status, ClusterView, Event, EventKind};

/// What to measure, resolved against the base model.
#[derive(Clone, Debug)]
pub struct MetricSet {
    pub groups: Vec<usize>,
    pub per_group: Vec<&'static str>,
    pub events: Vec<EventKind>,
}

impl MetricSet {
    pub fn resolve(spec: &super::file::MetricsSpec, model: &Model) -> Result<MetricSet, String> {
        let groups = match &spec.groups {
            None => (0..model.groups.len()).collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    model.group_id(n).ok_or_else(|| {
                        let all: Vec<&str> = model.groups.iter().map(|g| g.name.as_str()).collect();
                        format!(
                            "metrics.groups: no group `{n}`; the groups are {}",
                            all.join(", ")
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let per_group = spec
            .per_group
            .iter()
            .map(|f| {
                super::file::PER_GROUP
                    .iter()
                    .copied()
                    .find(|k| k == f)
                    .ok_or_else(|| {
                        format!(
                            "metrics.per_group: `{f}` is not one of {}",
                            super::file::PER_GROUP.join(", ")
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        let events = spec
            .events
            .iter()
            .map(|k| {
                EventKind::from_name(k)
                    .ok_or_else(|| format!("metrics.events: `{k}` is not an event kind"))
            })
            .collect::<Result<_, _>>()?;
        Ok(MetricSet {
            groups,
            per_group,
            events,
        })
    }

    /// The metric column names, in row order.
    pub fn names(&self, model: &Model) -> Vec<String> {
        let mut out = Vec::new();
        for &g in &self.groups {
            for f in &self.per_group {
                let unit = if *f == "failovers" { "" } else { "_ms" };
                out.push(format!("{}.{f}{unit}", model.groups[g].name));
            }
        }
        out.extend(
            [
                "double_activation.count",
                "double_activation.ms",
                "groups_online",
                "quiescence_ms",
            ]
            .map(String::from),
        );
        out.extend(self.events.iter().map(|k| format!("events.{}", k.as_str())));
        out
    }

    /// The metrics of one run that ended at `end_ms`, in `names` order.
    pub fn measure(
        &self,
        model: &Model,
        events: &[Event],
        view: &ClusterView,
        end_ms: u64,
    ) -> Vec<Option<f64>> {
        let tracks = track(model, events, end_ms);
        let mut out =
            Vec::with_capacity(self.groups.len() * self.per_group.len() + 4 + self.events.len());
        for &g in &self.groups {
            let t = &tracks[g];
            for f in &self.per_group {
                out.push(match *f {
                    "downtime" => Some(t.downtime as f64),
                    "detect" => t.detect.map(|x| x as f64),
                    "recover" => t.recover.map(|x| x as f64),
                    _ => Some(t.failovers as f64),
                });
            }
        }
        out.push(Some(
            tracks.iter().map(|t| t.double_count).sum::<u64>() as f64
        ));
        out.push(Some(tracks.iter().map(|t| t.double_ms).sum::<u64>() as f64));
        out.push(Some(
            view.groups
                .iter()
                .filter(|g| g.status == status::ONLINE)
                .count() as f64,
        ));
        out.push(Some(events.last().map_or(0, |e| e.t_ms) as f64));
        for k in &self.events {
            out.push(Some(events.iter().filter(|e| e.kind == *k).count() as f64));
        }
        out
    }
}

/// One group's outages and double activations over a run.
#[derive(Clone, Debug, Default)]
struct Track {
    /// By server id as the log has it (servers may join and leave: a map, not a Vec).
    online_on: std::collections::BTreeMap<usize, bool>,
    ever_online: bool,
    outage_since: Option<u64>,
    first_outage: Option<u64>,
    downtime: u64,
    detect: Option<u64>,
    recover: Option<u64>,
    failovers: u64,
    double_since: Option<u64>,
    double_count: u64,
    double_ms: u64,
}

fn is_reaction(k: EventKind) -> bool {
    use EventKind::*;
    matches!(
        k,
        FailoverStarting
            | DestinationChosen
            | NoDestination
            | RecoveryRestart
            | RecoveryFailover
            | RecoveryFinalAction
            | FinalAction
            | ActivationRetry
            | ActivationFailover
    )
}

fn track(model: &Model, events: &[Event], end_ms: u64) -> Vec<Track> {
    let mut tracks: Vec<Track> = (0..model.groups.len())
        .map(|_| Track {
            online_on: Default::default(),
            ..Track::default()
        })
        .collect();
    for e in events {
        let Some(g) = e.group else { continue };
        let t = &mut tracks[g];
        if e.kind == EventKind::FailoverStarting {
            t.failovers += 1;
        }
        if is_reaction(e.kind) && t.detect.is_none() {
            if let Some(start) = t.first_outage {
                t.detect = Some(e.t_ms - start);
            }
        }
        let (EventKind::GroupStatus, Some(s), Some(st)) = (e.kind, e.server, e.status) else {
            continue;
        };
        let before = t.online_on.values().filter(|x| **x).count();
        t.online_on.insert(s, st == status::ONLINE);
        let after = t.online_on.values().filter(|x| **x).count();
        t.observe(e.t_ms, before, after);
    }
    for t in &mut tracks {
        if let Some(since) = t.outage_since {
            t.downtime += end_ms.saturating_sub(since);
        }
        if let Some(since) = t.double_since {
            t.double_ms += end_ms.saturating_sub(since);
        }
    }
    tracks
}

impl Track {
    fn observe(&mut self, now: u64, before: usize, after: usize) {
        if after > 0 {
            self.ever_online = true;
        }
        if before > 0 && after == 0 && self.ever_online {
            self.outage_since = Some(now);
            self.first_outage.get_or_insert(now);
        }
        if before == 0 && after > 0 {
            if let Some(since) = self.outage_since.take() {
                self.downtime += now - since;
                if self.recover.is_none() {
                    self.recover = self.first_outage.map(|f| now - f);
                }
            }
        }
        if before < 2 && after >= 2 {
            self.double_count += 1;
            self.double_since = Some(now);
        }
        if before >= 2 && after < 2 {
            if let Some(since) = self.double_since.take() {
                self.double_ms += now - since;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::runner::run_observed;

    fn corpus(name: &str) -> crate::scenario::Scenario {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        crate::scenario::load(&dir.join(name)).unwrap()
    }

    fn measure(sc: &crate::scenario::Scenario) -> Vec<(String, Option<f64>)> {
        let set = MetricSet::resolve(&Default::default(), &sc.model).unwrap();
        let (o, view) = run_observed(sc, sc.seed, |sim| sim.view());
        let values = set.measure(&o.model, &o.events, &view, o.end_ms);
        set.names(&o.model).into_iter().zip(values).collect()
    }

    fn get(m: &[(String, Option<f64>)], k: &str) -> Option<f64> {
        m.iter()
            .find(|(n, _)| n == k)
            .unwrap_or_else(|| panic!("no metric {k}"))
            .1
    }

    #[test]
    fn a_crash_costs_the_heartbeat_timeout_plus_activation() {
        let m = measure(&corpus("s2-server-crash-with-resolver-fails-over.yaml"));
        // Crash at 60 s; server2 declares server1 down after the timeout (phase-dependent,
        // at most 90 s), waits `np_failover_wait` (the 3 s heartbeat interval) so the
        // loser has run its NP action, then activates fip1 (1 s) and script1 (2 s).
        let detect = get(&m, "failover1.detect_ms").unwrap();
        assert!((87_000.0..=93_000.0).contains(&detect), "{detect}");
        assert_eq!(get(&m, "failover1.recover_ms"), Some(detect + 3_000.0));
        assert_eq!(
            get(&m, "failover1.downtime_ms"),
            get(&m, "failover1.recover_ms")
        );
        assert_eq!(get(&m, "failover1.failovers"), Some(1.0));
        assert_eq!(get(&m, "failover2.downtime_ms"), Some(0.0));
        assert_eq!(get(&m, "failover2.detect_ms"), None);
        assert_eq!(get(&m, "double_activation.count"), Some(0.0));
        assert_eq!(get(&m, "events.server-down"), Some(1.0));
    }

    #[test]
    fn a_healed_partition_without_resolver_is_a_double_activation() {
        let m = measure(&corpus("s2-both-active-then-shutdown-on-reconnection.yaml"));
        assert!(get(&m, "double_activation.count").unwrap() >= 1.0, "{m:?}");
        assert!(get(&m, "double_activation.ms").unwrap() > 0.0, "{m:?}");
    }
}
