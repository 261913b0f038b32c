//! The sweep report's HTML page: a table of contents; the metrics that never vary in one
//! line; per varying metric its ECDF per point, its boxes per point and its p50/p95/p99
//! against each numeric factor (figures drawn by `figures`, intervals from
//! `bootstrap`); the summary table; the flagged runs, each with the command that
//! replays it. The page is a pure function of the results: the same file gives the same
//! bytes.

use super::bootstrap::{quantile_ci, stream, RESAMPLES};
use super::figures::{self, Axis, BoxRow, DrawError, FactorSeries, Pct, MAX_LINES, MAX_OUTLIERS};
use super::file::numeric;
use super::report::{Report, UNKNOWN_FILE};
use super::stats::{fmt_num, Stat};
use super::summary::{PointStats, Summary};
use crate::scenario::report::esc;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1300px}\
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}\
th{background:#f4f4f4}td.l,th.l{text-align:left}code{font-size:12px;background:#f6f6f6;padding:2px 4px;user-select:all}\
.plots{display:flex;flex-wrap:wrap;gap:14px}figure.plot{margin:0;border:1px solid #eee;background:#fff}\
figcaption{font-size:12px;color:#555;max-width:590px;padding:2px 6px 6px}h2{margin-top:28px}\
nav ul{columns:3;margin:4px 0}tr:target{background:#fff3c4}";

/// The quantiles drawn against a factor.
const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// What a metric did over the whole sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Varying,
    /// The same value in every run that measured it.
    Constant(f64),
    /// Measured in no run (what it measures never happened).
    Never,
}

fn kind(sum: &Summary, m: usize) -> Kind {
    let stats = || sum.points.values().map(|p| &p.stats[m]).filter(|s| s.n > 0);
    let Some(first) = stats().next() else {
        return Kind::Never;
    };
    let v = first.min;
    if stats().all(|s| s.min == v && s.max == v) {
        Kind::Constant(v)
    } else {
        Kind::Varying
    }
}

/// An HTML id for a metric.
fn anchor(metric: &str) -> String {
    let slug: String = metric
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("metric-{slug}")
}

pub fn render(r: &Report) -> Result<String, DrawError> {
    let h = &r.header;
    let mut s = String::new();
    let title = h["name"].as_str().unwrap_or("sweep");
    let _ = write!(s, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>", esc(title));
    let file = h["file"]
        .as_str()
        .map_or("(not recorded in the CSV)".into(), |f| {
            format!("<code>{}</code>", esc(f))
        });
    let _ = write!(
        s,
        "<h1>{}</h1><p>{} rows ({} points), <a href=\"#flagged\"><b>{} flagged</b></a>. Sweep file {file}.</p>",
        esc(title),
        r.rows,
        r.summary.points.len(),
        r.flagged_total,
    );
    let kinds: Vec<Kind> = (0..r.summary.metrics.len())
        .map(|m| kind(&r.summary, m))
        .collect();
    toc(&mut s, &r.summary, &kinds);
    unvarying(&mut s, &r.summary, &kinds);
    for (m, name) in r.summary.metrics.iter().enumerate() {
        if kinds[m] == Kind::Varying {
            metric_section(&mut s, r, m, name)?;
        }
    }
    summary_table(&mut s, &r.summary, &kinds);
    flagged_list(&mut s, r);
    s.push_str("</body></html>\n");
    Ok(s)
}

fn toc(s: &mut String, sum: &Summary, kinds: &[Kind]) {
    s.push_str("<nav id=\"toc\"><b>Contents</b><ul>");
    for (m, name) in sum.metrics.iter().enumerate() {
        if kinds[m] == Kind::Varying {
            let _ = write!(
                s,
                "<li><a href=\"#{}\">{}</a></li>",
                anchor(name),
                esc(name)
            );
        }
    }
    s.push_str("<li><a href=\"#summary\">Summary per point</a></li><li><a href=\"#flagged\">Flagged runs</a></li></ul></nav>");
}

/// The metrics that never vary, and those never measured, in one line each.
fn unvarying(s: &mut String, sum: &Summary, kinds: &[Kind]) {
    let constant: Vec<String> = kinds
        .iter()
        .zip(&sum.metrics)
        .filter_map(|(k, n)| match k {
            Kind::Constant(v) => Some(format!("{} = {}", esc(n), fmt_num(Some(*v)))),
            _ => None,
        })
        .collect();
    if !constant.is_empty() {
        let _ = write!(
            s,
            "<p id=\"constant\">The same in every run: {}.</p>",
            constant.join(", ")
        );
    }
    let never: Vec<String> = kinds
        .iter()
        .zip(&sum.metrics)
        .filter(|(k, _)| **k == Kind::Never)
        .map(|(_, n)| esc(n))
        .collect();
    if !never.is_empty() {
        let _ = write!(
            s,
            "<p id=\"never\">Measured in no run (what they measure never happened): {}.</p>",
            never.join(", ")
        );
    }
}

/// `name=value` of each factor without the key's dotted prefix.
fn short_parts(p: &PointStats) -> Vec<&str> {
    p.labels
        .iter()
        .map(|l| {
            let key_end = l.find('=').unwrap_or(l.len());
            l[..key_end]
                .rfind('.')
                .map_or(l.as_str(), |dot| &l[dot + 1..])
        })
        .collect()
}

fn short(point: u64, p: &PointStats) -> String {
    let l = short_parts(p);
    if l.is_empty() {
        format!("point {point}")
    } else {
        l.join(" ")
    }
}

fn figure(s: &mut String, class: &str, metric: &str, svg: &str, caption: &str) {
    let _ = write!(
        s,
        "<figure class=\"plot {class}\" data-metric=\"{}\">{svg}<figcaption>{caption}</figcaption></figure>",
        esc(metric)
    );
}

/// More lines than a figure draws: the caption says which are shown.
fn first_of(total: usize, max: usize, what: &str) -> String {
    if total > max {
        format!(" The first {max} of {total} {what} are drawn; the table lists all.")
    } else {
        String::new()
    }
}

fn metric_section(s: &mut String, r: &Report, m: usize, name: &str) -> Result<(), DrawError> {
    let sum = &r.summary;
    let max = sum
        .points
        .values()
        .map(|p| p.stats[m].max)
        .fold(0.0, f64::max);
    let axis = figures::axis_for(name, max, false);
    let _ = write!(
        s,
        "<section class=\"metric\" id=\"{}\" data-metric=\"{}\"><h2>{}</h2><div class=\"plots\">",
        anchor(name),
        esc(name),
        esc(&axis.desc)
    );
    let measured: Vec<(u64, &PointStats)> = sum
        .points
        .iter()
        .filter(|(_, p)| p.stats[m].n > 0)
        .map(|(k, p)| (*k, p))
        .collect();
    let lines: Vec<(String, Vec<(f64, u64)>)> = measured
        .iter()
        .take(MAX_LINES)
        .map(|(k, p)| (short(*k, p), p.stats[m].counts()))
        .collect();
    let svg = figures::ecdf(&format!("{name}: ECDF per point"), &axis, &lines)?;
    let caption = format!(
        "The share of runs (y) whose {} is at most x; one line per point.{}",
        esc(name),
        first_of(measured.len(), MAX_LINES, "points")
    );
    figure(s, "ecdf", name, &svg, &caption);
    let rows: Vec<BoxRow> = measured
        .iter()
        .map(|(k, p)| box_row(short(*k, p), &p.stats[m]))
        .collect();
    let svg = figures::boxes(&format!("{name}: per point"), &axis, &rows)?;
    let caption = format!("Box p25 to p75, black bar the median, whiskers p5 to p95, dots the runs beyond (at most {MAX_OUTLIERS} each side).{}", first_of(rows.len(), figures::MAX_BOXES, "points"));
    figure(s, "box", name, &svg, &caption);
    against_factors(s, r, m, name, &axis)?;
    s.push_str("</div></section>");
    Ok(())
}

fn box_row(label: String, st: &Stat) -> BoxRow {
    let q = [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| st.quantile(q).unwrap_or(0.0));
    let counts = st.counts();
    let low = counts
        .iter()
        .take_while(|c| c.0 < q[0])
        .take(MAX_OUTLIERS)
        .map(|c| c.0);
    let high = counts
        .iter()
        .rev()
        .take_while(|c| c.0 > q[4])
        .take(MAX_OUTLIERS)
        .map(|c| c.0);
    BoxRow {
        label,
        q,
        outliers: low.chain(high).collect(),
    }
}

/// A numeric factor: its index, name and whether its values are durations.
fn numeric_factors(r: &Report) -> Vec<(usize, String, bool)> {
    let names: Vec<String> = r.header["factors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["name"].as_str().map(String::from))
        .collect();
    names
        .into_iter()
        .enumerate()
        .filter_map(|(fi, name)| {
            let values: Vec<serde_json::Value> = r
                .summary
                .points
                .values()
                .filter_map(|p| factor_value(p, fi))
                .collect();
            let numeric_all = values.len() == r.summary.points.len()
                && values.iter().all(|v| numeric(v).is_some());
            let distinct = values
                .iter()
                .filter_map(numeric)
                .fold(Vec::<f64>::new(), |mut d, x| {
                    if !d.contains(&x) {
                        d.push(x);
                    }
                    d
                });
            let time = values.iter().any(|v| v.is_string());
            (numeric_all && distinct.len() >= 2).then_some((fi, name, time))
        })
        .collect()
}

fn factor_value(p: &PointStats, fi: usize) -> Option<serde_json::Value> {
    let (_, v) = p.labels.get(fi)?.split_once('=')?;
    crate::set::parse_value(v).ok()
}

/// p50/p95/p99 of metric `m` against each numeric factor, one series per combination of
/// the other factors.
fn against_factors(
    s: &mut String,
    r: &Report,
    m: usize,
    name: &str,
    y: &Axis,
) -> Result<(), DrawError> {
    for (fi, fname, time) in numeric_factors(r) {
        let mut series: BTreeMap<String, Vec<(f64, [Pct; 3])>> = BTreeMap::new();
        for (point, ps) in &r.summary.points {
            let st = &ps.stats[m];
            let Some(x) = factor_value(ps, fi).as_ref().and_then(numeric) else {
                continue;
            };
            if st.n == 0 {
                continue;
            }
            let counts = st.counts();
            let pct = QUANTILES.map(|q| {
                let y = st.quantile(q).unwrap_or(0.0);
                let (lo, hi) = quantile_ci(&counts, q, stream(*point, m, q)).unwrap_or((y, y));
                Pct { y, lo, hi }
            });
            let mut others = short_parts(ps);
            others.remove(fi);
            let key = if others.is_empty() {
                "all points".to_string()
            } else {
                others.join(" ")
            };
            series.entry(key).or_default().push((x, pct));
        }
        let list: Vec<FactorSeries> = series
            .into_iter()
            .map(|(label, mut points)| {
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                FactorSeries { label, points }
            })
            .collect();
        let xmax = list
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .fold(0.0, f64::max);
        let short_name = fname.rsplit('.').next().unwrap_or(&fname);
        let x = figures::axis_for(short_name, xmax, time);
        let svg = figures::percentiles(&format!("{name} against {short_name}"), &x, y, &list)?;
        let caption = format!("p50, p95 and p99 of {} against {}; one colour per value of the other factors; bars: 95 % bootstrap interval ({RESAMPLES} resamples, seeded).{}", esc(name), esc(&fname), first_of(list.len(), MAX_LINES, "series"));
        figure(s, "pct", name, &svg, &caption);
    }
    Ok(())
}

fn summary_table(s: &mut String, sum: &Summary, kinds: &[Kind]) {
    s.push_str("<h2>Summary per point</h2>");
    s.push_str("<table id=\"summary\"><tr><th class=\"l\">point</th><th class=\"l\">metric</th><th>runs</th><th>flagged</th><th>n</th><th>mean</th><th>±95% CI</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>");
    for (p, ps) in &sum.points {
        let shown: Vec<(&String, &Stat)> = sum
            .metrics
            .iter()
            .zip(&ps.stats)
            .enumerate()
            .filter(|(m, (_, st))| st.n > 0 && kinds[*m] == Kind::Varying)
            .map(|(_, x)| x)
            .collect();
        for (i, (m, st)) in shown.iter().enumerate() {
            let lead = if i == 0 {
                format!(
                    "<td class=\"l\" rowspan=\"{n}\">{p}: {}</td>",
                    esc(&ps.labels.join(" ")),
                    n = shown.len()
                )
            } else {
                String::new()
            };
            let _ = write!(
                s,
                "<tr>{lead}<td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(m),
                ps.runs,
                ps.flagged,
                st.n,
                fmt_num(st.mean()),
                fmt_num(st.ci95()),
                fmt_num(st.quantile(0.5)),
                fmt_num(st.quantile(0.95)),
                fmt_num(st.quantile(0.99)),
                fmt_num(Some(st.max))
            );
        }
    }
    s.push_str("</table>");
}

fn flagged_list(s: &mut String, r: &Report) {
    let _ = write!(
        s,
        "<h2>Flagged runs</h2><p>{} run(s) broke an expectation or had a double activation",
        r.flagged_total
    );
    if r.flagged_total > r.flagged.len() as u64 {
        let _ = write!(s, "; the first {} are listed", r.flagged.len());
    }
    s.push_str(". Each replays with its command: it writes the run as a scenario file (add <code>--events FILE</code>, <code>--explain</code> or <code>--report FILE.html</code> for its event log, its why and its timeline), which <code>clustersim run</code> replays to the same metrics.");
    if r.from_csv {
        let _ = write!(s, " A CSV does not record its sweep file: put yours (with the sweep's <code>--set</code> and <code>--sample</code>) in place of <code>{UNKNOWN_FILE}</code>.");
    }
    s.push_str("</p><table id=\"flagged\"><tr><th>run</th><th>seed</th><th class=\"l\">factors</th><th class=\"l\">why</th><th class=\"l\">replay</th></tr>");
    for f in &r.flagged {
        let direct = f.direct.as_ref().map_or(String::new(), |d| {
            format!("<br>or at once: <code class=\"direct\">{}</code>", esc(d))
        });
        let _ = write!(
            s,
            "<tr id=\"run-{run}\"><td><a href=\"#run-{run}\">{run}</a></td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\"><code class=\"replay\">{}</code><br>then <code class=\"then\">clustersim run row-{run}.yaml</code>{direct}</td></tr>",
            f.seed,
            esc(&f.labels.join(" ")),
            esc(&f.why),
            esc(&f.replay),
            run = f.run,
        );
    }
    s.push_str("</table>");
}
