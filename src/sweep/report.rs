//! `sweep report RESULTS.jsonl --html OUT.html`: one self-contained page (inline CSS and
//! SVG, no script, nothing from the network) with the summary table, a box plot per
//! metric over the points, the mean of each metric against each numeric factor with its
//! 95 % band, and the flagged runs (a broken expectation or a double activation) with the
//! command that replays each. The results are read in one pass, in bounded memory: the
//! statistics as in `summary`, and at most [`MAX_FLAGGED`] flagged runs listed.

use super::cli::CliError;
use super::file::numeric;
use super::plan::shell;
use super::summary::{PointStats, Summary};
use super::svg::{box_plot, esc, line_chart, Series};
use crate::sweep::stats::fmt_num;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::BufRead;
use std::path::Path;

pub const MAX_FLAGGED: usize = 200;

/// A flagged run as the page lists it.
pub struct Flagged {
    pub run: u64,
    pub seed: u64,
    pub labels: Vec<String>,
    pub why: String,
    pub replay: String,
}

pub struct Report {
    pub header: Value,
    pub summary: Summary,
    pub flagged: Vec<Flagged>,
    pub flagged_total: u64,
    pub rows: u64,
}

pub fn report_cli(results: &Path, html: &Path) -> Result<(), CliError> {
    let f = std::fs::File::open(results)
        .map_err(|e| (2, format!("{}: cannot open: {e}", results.display())))?;
    let r = read(std::io::BufReader::new(f), &results.display().to_string())?;
    std::fs::write(html, render(&r))
        .map_err(|e| (1, format!("{}: cannot write: {e}", html.display())))
}

/// Reads a results file (JSON lines with the header line first).
pub fn read(input: impl BufRead, name: &str) -> Result<Report, CliError> {
    let mut lines = input.lines();
    let bad = |what: String| (2, format!("{name}: {what}"));
    let first = lines
        .next()
        .ok_or_else(|| bad("empty".into()))?
        .map_err(|e| bad(e.to_string()))?;
    let head: Value = serde_json::from_str(&first).map_err(|_| bad("the first line is not a sweep header; the report reads JSON lines written by `clustersim sweep --out FILE.jsonl`".into()))?;
    let header = head
        .get("header")
        .cloned()
        .ok_or_else(|| bad("the first line is not a sweep header".into()))?;
    let id = head["sweep"].as_str().unwrap_or_default().to_string();
    let metrics: Vec<String> = header["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(String::from))
        .collect();
    let mut r = Report {
        header,
        summary: Summary::new(metrics.clone()),
        flagged: Vec::new(),
        flagged_total: 0,
        rows: 0,
    };
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| bad(e.to_string()))?;
        let row: Value =
            serde_json::from_str(&line).map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
        if row["sweep"].as_str() != Some(id.as_str()) {
            return Err(bad(format!("line {}: a row of another sweep", i + 2)));
        }
        let point = row["point"].as_u64().unwrap_or(0);
        let labels = || labels(&r.header, &row);
        let values: Vec<Option<f64>> = metrics.iter().map(|m| row["metrics"][m].as_f64()).collect();
        let flagged = row["flagged"].as_bool().unwrap_or(false);
        r.summary.add(point, labels, flagged, &values);
        r.rows += 1;
        if flagged {
            r.flagged_total += 1;
            if r.flagged.len() < MAX_FLAGGED {
                r.flagged.push(flag(&r.header, &row));
            }
        }
    }
    Ok(r)
}

/// `name=value` of each factor, in the header's factor order.
fn labels(header: &Value, row: &Value) -> Vec<String> {
    header["factors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["name"].as_str())
        .map(|k| format!("{k}={}", crate::set::render_value(&row["factors"][k])))
        .collect()
}

/// Why a row is flagged, and its replay command, from the header.
fn flag(header: &Value, row: &Value) -> Flagged {
    let texts = header["expectations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut why: Vec<String> = row["expect"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, ok)| ok.as_bool() == Some(false))
        .map(|(i, _)| {
            format!(
                "expect[{i}] {}",
                texts.get(i).and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    let doubles = row["metrics"]["double_activation.count"]
        .as_f64()
        .unwrap_or(0.0);
    if doubles > 0.0 {
        why.push(format!(
            "double activation ({} time(s), {} ms)",
            fmt_num(Some(doubles)),
            fmt_num(row["metrics"]["double_activation.ms"].as_f64())
        ));
    }
    if why.is_empty() {
        why.push(format!(
            "{} failure(s) (a step or the run)",
            row["failures"]
        ));
    }
    let seed = row["seed"].as_u64().unwrap_or(0);
    Flagged {
        run: row["run"].as_u64().unwrap_or(0),
        seed,
        labels: labels(header, row),
        why: why.join("; "),
        replay: replay(header, row),
    }
}

/// `clustersim run SCENARIO --seed S --set k=v ...` (or `sweep FILE --only R`).
pub fn replay(header: &Value, row: &Value) -> String {
    let seed = row["seed"].as_u64().unwrap_or(0);
    let mut sets: Vec<String> = header["sets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect();
    let only_sets = sets.clone();
    for f in header["factors"].as_array().into_iter().flatten() {
        let name = f["name"].as_str().unwrap_or_default();
        let values = f["values"].as_array().cloned().unwrap_or_default();
        if let Some(i) = values.iter().position(|v| *v == row["factors"][name]) {
            sets.extend(
                f["sets"][i]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str().map(String::from)),
            );
        }
    }
    let setargs = |list: &[String]| {
        list.iter()
            .map(|s| format!(" --set {}", shell(s)))
            .collect::<String>()
    };
    match header["base"]["scenario"].as_str() {
        Some(path) => format!(
            "clustersim run {} --seed {seed}{}",
            shell(path),
            setargs(&sets)
        ),
        None => {
            let sample = header["sample"]
                .as_u64()
                .map(|n| format!(" --sample {n}"))
                .unwrap_or_default();
            let file = header["file"].as_str().unwrap_or_default();
            format!(
                "clustersim sweep {}{}{sample} --only {}",
                shell(file),
                setargs(&only_sets),
                row["run"]
            )
        }
    }
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1300px}\
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}\
th{background:#f4f4f4}td.l,th.l{text-align:left}code{font-size:12px;background:#f6f6f6;padding:2px 4px;user-select:all}\
.plots{display:flex;flex-wrap:wrap;gap:14px}.plot{border:1px solid #eee;background:#fff}h2{margin-top:28px}";

pub fn render(r: &Report) -> String {
    let h = &r.header;
    let mut s = String::new();
    let title = h["name"].as_str().unwrap_or("sweep");
    let _ = write!(s, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>", esc(title));
    let _ = write!(
        s,
        "<h1>{}</h1><p>{} rows of {} runs ({} points x {} seeds), <b>{} flagged</b>. Sweep file <code>{}</code>.</p>",
        esc(title),
        r.rows,
        h["runs"],
        h["points"],
        h["seeds"],
        r.flagged_total,
        esc(h["file"].as_str().unwrap_or(""))
    );
    s.push_str("<h2>Distributions per point</h2><p>Box: p25 to p75, bar: median, dot: mean, whiskers: min to max.</p><div class=\"plots\">");
    for (m, name) in r.summary.metrics.iter().enumerate() {
        let rows: Vec<(String, &super::stats::Stat)> = r
            .summary
            .points
            .iter()
            .map(|(p, ps)| (short(*p, ps), &ps.stats[m]))
            .collect();
        s.push_str(&box_plot(name, &rows));
    }
    s.push_str("</div>");
    factor_lines(&mut s, r);
    summary_table(&mut s, &r.summary);
    flagged_list(&mut s, r);
    s.push_str("</body></html>\n");
    s
}

fn short(point: u64, p: &PointStats) -> String {
    let l: Vec<&str> = p
        .labels
        .iter()
        .map(|l| l.rsplit('.').next().unwrap_or(l))
        .collect();
    if l.is_empty() {
        format!("point {point}")
    } else {
        l.join(" ")
    }
}

/// Metrics with one value in every run of every point: listed once, not per point.
fn constants(sum: &Summary) -> Vec<(usize, f64)> {
    (0..sum.metrics.len())
        .filter_map(|m| {
            let mut it = sum.points.values().map(|p| &p.stats[m]);
            let first = it.next()?;
            let v = first.max;
            let same = |st: &super::stats::Stat| st.n > 0 && st.min == v && st.max == v;
            (same(first) && it.all(same)).then_some((m, v))
        })
        .collect()
}

fn summary_table(s: &mut String, sum: &Summary) {
    let constant = constants(sum);
    s.push_str("<h2>Summary per point</h2>");
    if !constant.is_empty() {
        let list: Vec<String> = constant
            .iter()
            .map(|(m, v)| format!("{} = {}", esc(&sum.metrics[*m]), fmt_num(Some(*v))))
            .collect();
        let _ = write!(s, "<p>The same in every run: {}.</p>", list.join(", "));
    }
    s.push_str("<table id=\"summary\"><tr><th class=\"l\">point</th><th class=\"l\">metric</th><th>runs</th><th>flagged</th><th>n</th><th>mean</th><th>±95% CI</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>");
    for (p, ps) in &sum.points {
        let shown: Vec<(&String, &super::stats::Stat)> = sum
            .metrics
            .iter()
            .zip(&ps.stats)
            .enumerate()
            .filter(|(m, (_, st))| st.n > 0 && !constant.iter().any(|c| c.0 == *m))
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

/// For each numeric factor, each metric's mean against it, one line per combination of
/// the other factors.
fn factor_lines(s: &mut String, r: &Report) {
    let factors = r.header["factors"].as_array().cloned().unwrap_or_default();
    for (fi, f) in factors.iter().enumerate() {
        let values = f["values"].as_array().cloned().unwrap_or_default();
        if values.len() < 2 || !values.iter().all(|v| numeric(v).is_some()) {
            continue;
        }
        let fname = f["name"].as_str().unwrap_or_default();
        let _ = write!(s, "<h2>Against {}</h2><p>Mean and 95 % confidence band; one line per value of the other factors.</p><div class=\"plots\">", esc(fname));
        for (m, mname) in r.summary.metrics.iter().enumerate() {
            let mut series: BTreeMap<String, Vec<(f64, f64, f64)>> = BTreeMap::new();
            for ps in r.summary.points.values() {
                let st = &ps.stats[m];
                let (Some(mean), Some(x)) = (
                    st.mean(),
                    ps.labels
                        .get(fi)
                        .and_then(|l| l.split_once('='))
                        .and_then(|(_, v)| numeric(&crate::set::parse_value(v).ok()?)),
                ) else {
                    continue;
                };
                let others: Vec<&str> = ps
                    .labels
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != fi)
                    .map(|(_, l)| l.as_str())
                    .collect();
                let key = if others.is_empty() {
                    "all".to_string()
                } else {
                    others.join(" ")
                };
                series
                    .entry(key)
                    .or_default()
                    .push((x, mean, st.ci95().unwrap_or(0.0)));
            }
            let list: Vec<Series> = series
                .into_iter()
                .map(|(k, mut v)| {
                    v.sort_by(|a, b| a.0.total_cmp(&b.0));
                    (k, v)
                })
                .collect();
            let unit = if values.iter().any(|v| v.is_string()) {
                " (ms)"
            } else {
                ""
            };
            s.push_str(&line_chart(mname, &format!("{fname}{unit}"), &list));
        }
        s.push_str("</div>");
    }
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
    s.push_str(".</p><table id=\"flagged\"><tr><th>run</th><th>seed</th><th class=\"l\">factors</th><th class=\"l\">why</th><th class=\"l\">replay</th></tr>");
    for f in &r.flagged {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\"><code class=\"replay\">{}</code></td></tr>",
            f.run,
            f.seed,
            esc(&f.labels.join(" ")),
            esc(&f.why),
            esc(&f.replay)
        );
    }
    s.push_str("</table>");
}
