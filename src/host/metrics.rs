//! `GET /metrics`: the cluster in the Prometheus text format (0.0.4, or OpenMetrics when
//! the scraper asks for it), encoded by the official `prometheus-client` crate.
//!
//! Every scrape builds a fresh registry from one engine call (the view, the event log
//! and the fault list at one virtual instant), so figures never disagree with each
//! other. Counters are derived from the event log since t=0; `POST /sim/v1/reset`
//! starts them again, which Prometheus reads as a counter reset (like a restart).
//! The product's families (statuses as one-hot series with a `status` label in the
//! product's words, as Prometheus' guidance for enums asks) come from the faces
//! ([`crate::faces::METRIC_FAMILIES`]), built with [`one_hot`]; the host stays
//! product-neutral and adds the simulation's clock, faults and events. HTTP request
//! counters live across scrapes in [`HttpCounters`], fed by the [`count`] middleware.

use super::App;
use crate::sim::Sim;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{prometheus_text, text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

/// A series' labels, in order.
pub type Labels = Vec<(String, String)>;
type GaugeF = Gauge<f64, AtomicU64>;

/// Requests answered, by route template (`/api/v1/groups/{name}`, bounded cardinality;
/// `unmatched` for unknown paths), method and status code.
#[derive(Clone, Debug, Default)]
pub struct HttpCounters(Family<Labels, Counter>);

/// Middleware: counts every answered request in [`HttpCounters`].
pub async fn count(State(http): State<HttpCounters>, req: Request, next: Next) -> Response {
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let resp = next.run(req).await;
    let labels = vec![
        ("endpoint".to_string(), endpoint),
        ("method".to_string(), method),
        ("code".to_string(), resp.status().as_u16().to_string()),
    ];
    http.0.get_or_create(&labels).inc();
    resp
}

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Sets one series per state of `states` (plus `current` if it is not listed): 1 for
/// `current`, 0 for the others.
pub fn one_hot(
    family: &Family<Labels, Gauge>,
    base: &[(&str, &str)],
    states: &[&str],
    current: &str,
) {
    let extra = (!states.contains(&current)).then_some(current);
    for state in states.iter().copied().chain(extra) {
        let mut l = labels(base);
        l.push(("status".to_string(), state.to_string()));
        family.get_or_create(&l).set(i64::from(state == current));
    }
}

/// The registry of one scrape: everything read on the engine thread at one instant.
/// The product's families (statuses in its words) come from the faces
/// ([`crate::faces::METRIC_FAMILIES`]); the host adds its own: the simulation's clock,
/// faults and events, and the HTTP counters.
pub fn registry(
    sim: &Sim,
    speed: f64,
    manual: bool,
    http: &HttpCounters,
    state_problems: Option<usize>,
) -> Registry {
    let mut reg = Registry::with_prefix("clustersim");
    for families in crate::faces::METRIC_FAMILIES {
        families(&mut reg, sim);
    }
    register_sim(&mut reg, sim, speed, manual);
    reg.register(
        "http_requests",
        "HTTP requests answered, by route template, method and status code",
        http.0.clone(),
    );
    if let Some(n) = state_problems {
        let g: Gauge = Gauge::default();
        g.set(n as i64);
        reg.register(
            "state_recovery_problems",
            "What recovery of the --state directory dropped or replaced at start",
            g,
        );
    }
    reg
}

fn register_sim(reg: &mut Registry, sim: &Sim, speed: f64, manual: bool) {
    let faults = Family::<Labels, Gauge>::default();
    for state in ["active", "scheduled"] {
        faults.get_or_create(&labels(&[("state", state)])).set(0);
    }
    for f in sim.faults() {
        faults.get_or_create(&labels(&[("state", f.state)])).inc();
    }
    let events = Family::<Labels, Counter>::default();
    for e in sim.events() {
        events
            .get_or_create(&labels(&[("kind", e.kind.as_str())]))
            .inc();
    }
    let time = GaugeF::default();
    time.set(sim.now() as f64 / 1000.0);
    let speed_g = GaugeF::default();
    speed_g.set(if manual { 0.0 } else { speed });
    reg.register(
        "faults",
        "Injected faults by state (active, or scheduled for later)",
        faults,
    );
    reg.register("events", "Event log entries since t=0, by kind", events);
    reg.register_with_unit(
        "virtual_time",
        "Virtual time since t=0",
        Unit::Seconds,
        time,
    );
    reg.register(
        "clock_speed",
        "Virtual seconds per wall second (0 with the manual clock)",
        speed_g,
    );
}

/// The encoder writes a family's series in hash order; sorting them within each
/// family (between comment lines) keeps scrapes stable and readable.
fn sorted_samples(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut family: Vec<&str> = Vec::new();
    let flush = |family: &mut Vec<&str>, out: &mut String| {
        family.sort_unstable();
        for l in family.drain(..) {
            out.push_str(l);
            out.push('\n');
        }
    };
    for line in text.lines() {
        if line.starts_with('#') {
            flush(&mut family, &mut out);
            out.push_str(line);
            out.push('\n');
        } else {
            family.push(line);
        }
    }
    flush(&mut family, &mut out);
    out
}

/// `GET /metrics`.
pub async fn scrape(app: App, http: HttpCounters, headers: HeaderMap) -> Response {
    let open_metrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/openmetrics-text"));
    let rendered = app.engine.metrics(open_metrics, http).await;
    match rendered {
        Ok(body) => {
            let ctype = if open_metrics {
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            } else {
                prometheus_text::CONTENT_TYPE
            };
            ([(header::CONTENT_TYPE, ctype)], body).into_response()
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot render the metrics\n",
        )
            .into_response(),
    }
}

/// Renders the metrics of `sim` in the engine (the [`Command::Metrics`] reply):
/// Prometheus text, or OpenMetrics when `open_metrics`.
///
/// [`Command::Metrics`]: super::command::Command::Metrics
pub fn render(
    sim: &Sim,
    speed: f64,
    manual: bool,
    http: &HttpCounters,
    open_metrics: bool,
    state_problems: Option<usize>,
) -> String {
    let reg = registry(sim, speed, manual, http, state_problems);
    let mut out = String::new();
    let result = if open_metrics {
        text::encode(&mut out, &reg)
    } else {
        prometheus_text::encode(&mut out, &reg)
    };
    match result {
        Ok(()) => sorted_samples(&out),
        Err(e) => format!("# cannot render the metrics: {e}\n"),
    }
}
