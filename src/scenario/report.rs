//! The HTML report of a run: one self-contained page (inline CSS and SVG, no scripts or
//! external files) with, per scenario, status bands of servers, groups and monitors over
//! virtual time, the steps marked on them, and per-group failover metrics.

use super::runner::Outcome;
use super::timeline::{fmt_ms, fmt_secs};
use crate::model::Model;
use crate::sim::{status, Event, EventKind};
use std::collections::BTreeMap;
use std::fmt::Write;

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
struct Band {
    label: String,
    changes: Vec<(u64, &'static str)>,
}

/// Bands from the status events: each server's own state (service and power), each
/// server as its peers see it (server-down / server-up), each group and each monitor on
/// each server.
fn bands(model: &Model, events: &[Event]) -> Vec<Band> {
    let mut rows: BTreeMap<(u8, String), Vec<(u64, &'static str)>> = BTreeMap::new();
    let name = |s: Option<usize>| s.map_or("?".to_string(), |s| model.servers[s].name.clone());
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

fn color(st: &str) -> &'static str {
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

const LABEL_W: f64 = 260.0;
const PLOT_W: f64 = 900.0;
const ROW_H: f64 = 18.0;

fn timeline_svg(out: &mut String, o: &Outcome, marks: &[Mark]) {
    let rows = bands(&o.model, &o.events);
    let end = o.end_ms.max(1);
    let x = |t: u64| LABEL_W + PLOT_W * (t.min(end) as f64) / (end as f64);
    let height = 30.0 + ROW_H * rows.len() as f64 + 10.0;
    let _ = writeln!(
        out,
        r#"<svg class="tl" width="{}" height="{height}" viewBox="0 0 {} {height}" xmlns="http://www.w3.org/2000/svg">"#,
        LABEL_W + PLOT_W + 40.0,
        LABEL_W + PLOT_W + 40.0
    );
    // Time axis: ten ticks.
    for i in 0..=10u64 {
        let t = end * i / 10;
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="16" x2="{0:.1}" y2="{1}" stroke="#eee"/><text x="{0:.1}" y="12" class="tick">{2}</text>"##,
            x(t),
            height - 8.0,
            esc(&tick(t, end))
        );
    }
    for (i, b) in rows.iter().enumerate() {
        let y = 22.0 + ROW_H * i as f64;
        let _ = writeln!(
            out,
            r#"<text x="4" y="{:.1}" class="lbl">{}</text>"#,
            y + 12.0,
            esc(&b.label)
        );
        for (j, (t, st)) in b.changes.iter().enumerate() {
            let t_end = b.changes.get(j + 1).map_or(end, |(n, _)| *n);
            let w = (x(t_end) - x(*t)).max(0.5);
            let _ = writeln!(
                out,
                r#"<rect x="{:.1}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{}"><title>{}: {} from {} to {}</title></rect>"#,
                x(*t),
                ROW_H - 3.0,
                color(st),
                esc(&b.label),
                esc(st),
                esc(&fmt_secs(*t)),
                esc(&fmt_secs(t_end))
            );
        }
    }
    for (t, text, col) in marks {
        let _ = writeln!(
            out,
            r#"<line x1="{0:.1}" y1="16" x2="{0:.1}" y2="{1}" stroke="{col}" stroke-width="2" stroke-dasharray="4 2"><title>{2} {3}</title></line>"#,
            x(*t),
            height - 8.0,
            esc(&fmt_secs(*t)),
            esc(text)
        );
    }
    out.push_str("</svg>\n");
}

/// An axis label: whole seconds once the run is long enough for them to differ.
fn tick(t: u64, end: u64) -> String {
    if end >= 10_000 {
        format!("{}s", t / 1000)
    } else {
        format!("{t}ms")
    }
}

fn ms_list(v: &[u64]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.iter()
            .map(|t| fmt_secs(*t))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Renders the page. `marks` gives, per outcome, (time, step text, kind) of the steps run,
/// kind being `fault`, `heal` or `op`.
pub fn render(outcomes: &[(Outcome, Vec<Mark>)]) -> String {
    let mut out = String::new();
    let passed = outcomes.iter().filter(|(o, _)| o.passed()).count();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>clustersim run report</title>\n<style>\n");
    out.push_str(
        "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}h2{margin-top:2em;border-top:1px solid #ccc;padding-top:.6em}\n\
         .pass{color:#2a7a38}.fail{color:#b02020}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}\n\
         svg.tl text{font-size:11px;font-family:monospace}svg.tl .tick{text-anchor:middle;fill:#777}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}\n\
         .desc{color:#555;max-width:70em}.legend span{display:inline-block;padding:0 6px;margin-right:4px;color:#fff;font-size:12px}\n",
    );
    out.push_str("</style></head><body>\n<h1>clustersim run report</h1>\n");
    let _ = writeln!(
        out,
        "<p>{passed} of {} scenario(s) passed.</p>",
        outcomes.len()
    );
    out.push_str("<p class=\"legend\">");
    for st in [
        status::ONLINE,
        status::ONLINE_PENDING,
        status::CAUTION,
        status::ERROR,
        status::SUSPEND,
        status::OFFLINE,
        status::UNKNOWN,
    ] {
        let _ = write!(out, "<span style=\"background:{}\">{st}</span>", color(st));
    }
    out.push_str(" marks: <span style=\"background:#cc3333\">fault</span><span style=\"background:#3a9a48\">heal</span><span style=\"background:#4a78c2\">operation</span></p>\n");
    for (o, marks) in outcomes {
        let (cls, word) = if o.passed() {
            ("pass", "PASS")
        } else {
            ("fail", "FAIL")
        };
        let _ = writeln!(
            out,
            "<h2><span class=\"{cls}\">{word}</span> {}</h2>\n<p>{} &middot; seed {} &middot; virtual {} &middot; wall {:.1} ms &middot; {} events</p>",
            esc(&o.name),
            esc(&o.file),
            o.seed,
            esc(&fmt_ms(o.end_ms)),
            o.wall.as_secs_f64() * 1000.0,
            o.events.len()
        );
        if !o.description.is_empty() {
            let _ = writeln!(out, "<p class=\"desc\">{}</p>", esc(o.description.trim()));
        }
        if !o.failures.is_empty() {
            out.push_str("<pre>");
            for f in &o.failures {
                let _ = writeln!(out, "{}\n  seen: {}", esc(&f.what), esc(&f.seen));
            }
            out.push_str("</pre>\n");
        }
        let colored: Vec<Mark> = marks
            .iter()
            .map(|(t, text, k)| {
                let c = match *k {
                    "fault" => "#cc3333",
                    "heal" => "#3a9a48",
                    _ => "#4a78c2",
                };
                (*t, text.clone(), c)
            })
            .collect();
        timeline_svg(&mut out, o, &colored);
        out.push_str("<table><tr><th>group</th><th>downtime</th><th>failovers</th><th>time to detect</th><th>time to recover</th></tr>\n");
        for m in group_metrics(&o.model, &o.events, o.end_ms) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.group),
                esc(&fmt_secs(m.downtime_ms)),
                m.failovers,
                esc(&ms_list(&m.detect_ms)),
                esc(&ms_list(&m.recover_ms))
            );
        }
        out.push_str("</table>\n");
        if !marks.is_empty() {
            out.push_str("<details><summary>steps</summary><pre>");
            for (t, text, _) in marks {
                let _ = writeln!(out, "{:>10}  {}", fmt_secs(*t), esc(text));
            }
            out.push_str("</pre></details>\n");
        }
    }
    out.push_str("</body></html>\n");
    out
}

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
