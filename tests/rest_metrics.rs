//! `/metrics` and `/sim/v1/health` of a live server. The Prometheus text is also parsed
//! by the official Python parser in python/tests (see .ci/run); here each sample line is
//! parsed by the text format's grammar (name, labels, value) and checked by value.

mod rest_support;

use std::collections::BTreeMap;

/// One sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the sample lines of the Prometheus text format 0.0.4 (every non-comment line
/// must be `name{label="value",...} number`), failing on anything else.
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect("name and value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("closing brace");
                let mut labels = BTreeMap::new();
                for pair in body.split("\",").filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                    labels.insert(k.to_string(), v.trim_end_matches('"').to_string());
                }
                (name, labels)
            }
        };
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "metric name {name}"
        );
        out.push((name.to_string(), labels, value));
    }
    out
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<f64> = samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
    found[0]
}

#[test]
fn metrics_after_a_crash_and_failover() {
    let s = rest_support::manual(&[]);
    let before = parse(&s.request("GET", "/metrics", None, None).text);
    assert_eq!(
        value(&before, "clustersim_server_up", &[("server", "server1")]),
        1.0
    );
    assert_eq!(
        value(
            &before,
            "clustersim_group_failovers_total",
            &[("group", "failover1")]
        ),
        0.0
    );

    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server1"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.advance(120_000);
    assert_eq!(
        s.group("failover1"),
        ("Online".to_string(), "server2".to_string())
    );

    let r = s.request("GET", "/metrics", None, None);
    assert_eq!(r.status, 200);
    assert!(
        r.content_type.starts_with("text/plain; version=0.0.4"),
        "{}",
        r.content_type
    );
    let m = parse(&r.text);
    let g1 = [("group", "failover1")];
    assert_eq!(value(&m, "clustersim_group_failovers_total", &g1), 1.0);
    assert_eq!(
        value(
            &m,
            "clustersim_group_failovers_total",
            &[("group", "failover2")]
        ),
        0.0
    );
    assert_eq!(
        value(&m, "clustersim_server_up", &[("server", "server1")]),
        0.0
    );
    assert_eq!(
        value(&m, "clustersim_server_up", &[("server", "server2")]),
        1.0
    );
    let down = [("server", "server1"), ("status", "Offline")];
    assert_eq!(value(&m, "clustersim_server_status", &down), 1.0);
    let online = [("server", "server1"), ("status", "Online")];
    assert_eq!(value(&m, "clustersim_server_status", &online), 0.0);
    let on2 = [("group", "failover1"), ("server", "server2")];
    assert_eq!(value(&m, "clustersim_group_current_server", &on2), 1.0);
    assert_eq!(
        value(
            &m,
            "clustersim_group_status",
            &[("group", "failover1"), ("status", "Online")]
        ),
        1.0
    );
    assert_eq!(value(&m, "clustersim_virtual_time_seconds", &[]), 120.0);
    assert_eq!(value(&m, "clustersim_faults", &[("state", "active")]), 1.0);
    // The group was down from the crash until server2 had it Online again.
    let downtime = value(&m, "clustersim_group_downtime_seconds_total", &g1);
    let uptime = value(&m, "clustersim_group_uptime_seconds_total", &g1);
    assert!(downtime > 80.0 && downtime < 120.0, "downtime {downtime}");
    assert_eq!(downtime + uptime, 120.0);
    assert!(
        value(
            &m,
            "clustersim_events_total",
            &[("kind", "failover-starting")]
        ) >= 1.0
    );
    let paths = m
        .iter()
        .filter(|(n, _, _)| n == "clustersim_heartbeat_path_status")
        .count();
    assert!(paths > 0);
    // The scrapes and the calls above are counted by route template and code.
    let faults = [
        ("endpoint", "/sim/v1/faults"),
        ("method", "POST"),
        ("code", "200"),
    ];
    assert_eq!(value(&m, "clustersim_http_requests_total", &faults), 1.0);
    let group = [("endpoint", "/api/v1/groups/{name}"), ("code", "200")];
    assert_eq!(value(&m, "clustersim_http_requests_total", &group), 1.0);
}

#[test]
fn openmetrics_on_request_and_monitor_recoveries() {
    let s = rest_support::manual(&[]);
    let body = r#"{"kind":"monitor-result","monitor":"fipw1","server":"server1","result":"error","duration_ms":600000}"#;
    let r = s.post("/sim/v1/faults", Some(body));
    assert_eq!(r.status, 200, "{r:?}");
    s.advance(400_000);
    let mut req = ureq::get(&format!("{}/metrics", s.base));
    req = req.set("Accept", "application/openmetrics-text; version=1.0.0");
    let resp = req.call().expect("scrape");
    assert!(resp
        .content_type()
        .starts_with("application/openmetrics-text"));
    let text = resp.into_string().expect("text");
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    let m = parse(&text);
    let restart = [
        ("monitor", "fipw1"),
        ("server", "server1"),
        ("action", "restart"),
    ];
    assert!(value(&m, "clustersim_monitor_recoveries_total", &restart) >= 1.0);
    let status = [
        ("monitor", "fipw1"),
        ("server", "server1"),
        ("status", "Error"),
    ];
    assert_eq!(value(&m, "clustersim_monitor_status", &status), 1.0);
}

#[test]
fn health_answers_without_credentials() {
    let s = rest_support::manual(&[]);
    let r = s.request("GET", "/sim/v1/health", None, None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["live"], true);
    assert_eq!(r.body["ready"], true);
    assert_eq!(r.body["clock"], "manual");
    // Other /sim paths still need credentials.
    assert_eq!(s.request("GET", "/sim/v1/clock", None, None).status, 401);
}
