//! The HTML report's data: per-group failover metrics and the status bands of servers,
//! groups and monitors over virtual time (the page itself is `report_page`).

use crate::model::Model;
use crate::sim::{status, Event, EventKind};
use std::collections::BTreeMap;

/// Failover metrics of one group, computed from the event log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupMetrics {
    pub group: String,
    /// Time, after the group was first Online, during which it was Online nowhere.
    pub downtime_ms: u64,
    pub failovers: u32,
    /// Per failover: from the latest fault before it to the failover start.
    pub detect_ms: Vec<u64>,
    /// Per failover: from that fault to the group Online again on some server.
    pub recover_ms: Vec<u64>,
}

/// Computes [`GroupMetrics`] for every group over `[0, end_ms]`.
pub fn group_metrics(model: &Model, events: &[Event], end_ms: u64) -> Vec<GroupMetrics> {
    (0..model.groups.len())
        .map(|g| metrics_of(model, events, g, end_ms))
        .collect()
}

fn metrics_of(model: &Model, events: &[Event], g: usize, end_ms: u64) -> GroupMetrics {
    let mut m = GroupMetrics {
        group: model.groups[g].name.clone(),
        ..Default::default()
    };
    let mut online: BTreeMap<usize, bool> = BTreeMap::new();
    let mut seen_online = false;
    let mut down_since: Option<u64> = None;
    let mut last_fault: Option<u64> = None;
    let mut waiting: Vec<u64> = Vec::new(); // fault times of failovers not yet recovered
    for e in events.iter().filter(|e| e.t_ms <= end_ms) {
        match e.kind {
            EventKind::FaultInjected => last_fault = Some(e.t_ms),
            EventKind::FailoverStarting if e.group == Some(g) => {
                m.failovers += 1;
                if let Some(f) = last_fault {
                    m.detect_ms.push(e.t_ms - f);
                    waiting.push(f);
                }
            }
            EventKind::GroupStatus if e.group == Some(g) => {
                if let (Some(s), Some(st)) = (e.server, e.status) {
                    online.insert(s, st == status::ONLINE);
                }
                let any = online.values().any(|v| *v);
                if any {
                    seen_online = true;
                    if let Some(d) = down_since.take() {
                        m.downtime_ms += e.t_ms - d;
                    }
                    for f in waiting.drain(..) {
                        m.recover_ms.push(e.t_ms - f);
                    }
                } else if seen_online && down_since.is_none() {
                    down_since = Some(e.t_ms);
                }
            }
            _ => {}
        }
    }
    if let Some(d) = down_since {
        m.downtime_ms += end_ms.saturating_sub(d);
    }
    m
}

/// A step marked on the timeline: (time, text, `fault`/`heal`/`op` or a colour).
pub type Mark = (u64, String, &'static str);

/// One status band: a label and (start, status) changes.
pub(super) struct Band {
    pub label: String,
    pub changes: Vec<(u64, &'static str)>,
}

/// Bands from the status events: each server's own state (service and power), each
/// server as its peers see it (server-down / server-up), each group and each monitor on
/// each server.
pub(super) fn bands(model: &Model, events: &[Event]) -> Vec<Band> {
    let mut rows: BTreeMap<(u8, String), Vec<(u64, &'static str)>> = BTreeMap::new();
    let name = |s: Option<usize>| s.map_or("?".to_string(), |s| model.server_name(s).to_string());
    // The state a hung server returns to when it resumes.
    let mut before_hang: BTreeMap<usize, &'static str> = BTreeMap::new();
    let mut own: BTreeMap<usize, &'static str> = BTreeMap::new();
    for e in events {
        let (key, st) = match e.kind {
            EventKind::ServiceStarted => (own_key(&name, e.server), status::ONLINE),
            EventKind::ServiceStopped => (
                own_key(&name, e.server),
                e.status.unwrap_or(status::OFFLINE),
            ),
            EventKind::ServerPoweredOff => (own_key(&name, e.server), status::OFFLINE),
            EventKind::ServerHung => {
                if let Some(s) = e.server {
                    before_hang.insert(s, own.get(&s).copied().unwrap_or(status::ONLINE));
                }
                (own_key(&name, e.server), status::UNKNOWN)
            }
            EventKind::ServerResumed => {
                let back = e
                    .server
                    .and_then(|s| before_hang.remove(&s))
                    .unwrap_or(status::ONLINE);
                (own_key(&name, e.server), back)
            }
            EventKind::ServerDown | EventKind::ServerUp => match (e.peer, e.status) {
                (Some(p), Some(st)) => (
                    (
                        1,
                        format!("server {} seen by {}", name(Some(p)), name(e.server)),
                    ),
                    st,
                ),
                _ => continue,
            },
            EventKind::GroupStatus => match (e.group, e.status) {
                (Some(g), Some(st)) => (
                    (
                        2,
                        format!("group {} on {}", model.groups[g].name, name(e.server)),
                    ),
                    st,
                ),
                _ => continue,
            },
            EventKind::MonitorStatus => match (e.monitor, e.status) {
                (Some(m), Some(st)) => (
                    (
                        3,
                        format!("monitor {} on {}", model.monitors[m].name, name(e.server)),
                    ),
                    st,
                ),
                _ => continue,
            },
            _ => continue,
        };
        if key.0 == 0 {
            if let Some(s) = e.server {
                own.insert(s, st);
            }
        }
        let row = rows.entry(key).or_default();
        if row.last().map(|(_, s)| *s) != Some(st) {
            row.push((e.t_ms, st));
        }
    }
    rows.into_iter()
        .map(|((_, label), changes)| Band { label, changes })
        .collect()
}

fn own_key(name: &impl Fn(Option<usize>) -> String, s: Option<usize>) -> (u8, String) {
    (0, format!("server {}", name(s)))
}

pub(super) fn color(st: &str) -> &'static str {
    match st {
        status::ONLINE | status::NORMAL => "#3a9a48",
        status::ONLINE_PENDING | status::OFFLINE_PENDING => "#e0c341",
        status::CAUTION => "#e88a2e",
        status::ERROR | status::ONLINE_FAILURE | status::OFFLINE_FAILURE => "#cc3333",
        status::SUSPEND => "#4a78c2",
        status::OFFLINE => "#9a9a9a",
        _ => "#d8d8d8",
    }
}

/// Escapes text for HTML and XML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

pub use super::report_page::render;

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        t: u64,
        kind: EventKind,
        g: Option<usize>,
        s: Option<usize>,
        st: Option<&'static str>,
    ) -> Event {
        let mut e = Event::new(kind);
        e.t_ms = t;
        e.group = g;
        e.server = s;
        e.status = st;
        e
    }

    #[test]
    fn metrics_follow_the_group_status_events() {
        let model = Model::default_cluster();
        let g = Some(0);
        let events = vec![
            ev(0, EventKind::GroupStatus, g, Some(0), Some(status::ONLINE)),
            ev(10_000, EventKind::FaultInjected, None, Some(0), None),
            ev(
                10_000,
                EventKind::GroupStatus,
                g,
                Some(0),
                Some(status::OFFLINE),
            ),
            ev(100_000, EventKind::FailoverStarting, g, Some(1), None),
            ev(
                100_000,
                EventKind::GroupStatus,
                g,
                Some(1),
                Some(status::ONLINE_PENDING),
            ),
            ev(
                103_000,
                EventKind::GroupStatus,
                g,
                Some(1),
                Some(status::ONLINE),
            ),
        ];
        let m = &group_metrics(&model, &events, 200_000)[0];
        assert_eq!(m.failovers, 1);
        assert_eq!(m.downtime_ms, 93_000);
        assert_eq!(m.detect_ms, vec![90_000]);
        assert_eq!(m.recover_ms, vec![93_000]);
        // Never Online again: down until the end.
        let m = &group_metrics(&model, &events[..4], 200_000)[0];
        assert_eq!(m.downtime_ms, 190_000);
        assert!(m.recover_ms.is_empty());
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn bands_follow_servers_groups_and_peers() {
        let model = Model::default_cluster();
        let mut down = ev(
            150_000,
            EventKind::ServerDown,
            None,
            Some(1),
            Some(status::OFFLINE),
        );
        down.peer = Some(0);
        let events = vec![
            ev(0, EventKind::ServiceStarted, None, Some(0), None),
            ev(
                0,
                EventKind::GroupStatus,
                Some(0),
                Some(0),
                Some(status::ONLINE),
            ),
            ev(
                60_000,
                EventKind::ServerPoweredOff,
                None,
                Some(0),
                Some(status::OFFLINE),
            ),
            ev(
                60_000,
                EventKind::GroupStatus,
                Some(0),
                Some(0),
                Some(status::OFFLINE),
            ),
            down,
        ];
        let b = bands(&model, &events);
        let labels: Vec<&str> = b.iter().map(|x| x.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "server server1",
                "server server1 seen by server2",
                "group failover1 on server1"
            ]
        );
        assert_eq!(
            b[0].changes,
            vec![(0, status::ONLINE), (60_000, status::OFFLINE)]
        );
        assert_eq!(b[1].changes, vec![(150_000, status::OFFLINE)]);
    }
}
