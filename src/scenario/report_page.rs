//! The HTML report of a run: one self-contained page (inline CSS and SVG, no scripts or
//! external files). Per scenario: the verdict, every expectation with its verdict (and
//! what was seen instead), a timeline of status bands with the steps as labelled marks
//! and the `--explain` lines as hoverable dots, the explain lines and the steps as
//! lists, and per-group failover metrics. Times read `m:ss` (`h:mm:ss` past an hour).

use super::explain::narrative;
use super::report::{bands, color, esc, group_metrics, Mark};
use super::runner::Outcome;
use super::timeline::{fmt_ms, fmt_secs};
use crate::sim::status;
use std::fmt::Write;

/// One scenario's page section: its run, the steps' marks, its expectations' texts.
pub type Page = (Outcome, Vec<Mark>, Vec<String>);

const LABEL_W: f64 = 250.0;
const PLOT_W: f64 = 900.0;
const ROW_H: f64 = 18.0;
/// Rows of step labels above the bands, staggered so neighbouring labels do not overlap.
const MARK_ROWS: usize = 3;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}\
h2{margin-top:1.6em;border-top:1px solid #ccc;padding-top:.6em}\
.pass{color:#2a7a38}.fail{color:#b02020}table{border-collapse:collapse;margin:.6em 0}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}\
svg.tl{width:100%;height:auto}svg.tl text{font-size:11px;font-family:monospace}\
svg.tl .tick{text-anchor:middle;fill:#777}svg.tl .mark{font-size:10px}\
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;margin:.3em 0}pre.explain{white-space:pre-wrap}\
.desc{color:#555;max-width:70em}.legend span{display:inline-block;padding:0 6px;margin-right:4px;color:#fff;font-size:12px}\
h3{font-size:1em;margin:.8em 0 .2em}";

/// `m:ss`, or `h:mm:ss` from an hour on; tenths below ten seconds' span (`0:01.5`).
pub fn fmt_clock(ms: u64, fine: bool) -> String {
    let s = ms / 1000;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let frac = if fine {
        format!(".{}", ms % 1000 / 100)
    } else {
        String::new()
    };
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}{frac}")
    } else {
        format!("{m}:{sec:02}{frac}")
    }
}

/// The explain lines of a run with their times (for the timeline's dots).
fn explained(o: &Outcome) -> Vec<(u64, String)> {
    o.events
        .iter()
        .flat_map(|e| {
            narrative(&o.model, std::slice::from_ref(e))
                .into_iter()
                .map(move |l| (e.t_ms, l.trim().to_string()))
        })
        .collect()
}

fn timeline_svg(
    out: &mut String,
    o: &Outcome,
    marks: &[(u64, String, &str)],
    why: &[(u64, String)],
) {
    let rows = bands(&o.model, &o.events);
    let end = o.end_ms.max(1);
    let fine = end < 10_000;
    let x = |t: u64| LABEL_W + PLOT_W * (t.min(end) as f64) / (end as f64);
    let top = 20.0 + 12.0 * MARK_ROWS as f64;
    let why_y = top + ROW_H * rows.len() as f64 + 4.0;
    let height = why_y + ROW_H + 6.0;
    let width = LABEL_W + PLOT_W + 40.0;
    let _ = writeln!(
        out,
        r#"<svg class="tl" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">"#
    );
    for i in 0..=10u64 {
        let t = end * i / 10;
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="16" x2="{0:.1}" y2="{1}" stroke="#eee"/><text x="{0:.1}" y="12" class="tick">{2}</text>"##,
            x(t),
            height - 4.0,
            esc(&fmt_clock(t, fine))
        );
    }
    for (i, b) in rows.iter().enumerate() {
        let y = top + ROW_H * i as f64;
        let _ = writeln!(
            out,
            r#"<text x="4" y="{:.1}">{}</text>"#,
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
    let _ = writeln!(
        out,
        r#"<text x="4" y="{:.1}">why (explain)</text>"#,
        why_y + 12.0
    );
    for (t, line) in why {
        let _ = writeln!(
            out,
            r##"<circle class="why" cx="{:.1}" cy="{:.1}" r="5" fill="#6a3d9a"><title>{}</title></circle>"##,
            x(*t),
            why_y + 8.0,
            esc(line)
        );
    }
    for (k, (t, text, col)) in marks.iter().enumerate() {
        let label_y = 26.0 + 12.0 * (k % MARK_ROWS) as f64;
        let short: String = text.chars().take(28).collect();
        let _ = writeln!(
            out,
            r#"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2}" stroke="{col}" stroke-width="2" stroke-dasharray="4 2"><title>{3} {4}</title></line><text class="mark" x="{5:.1}" y="{1:.1}" fill="{col}">{6}</text>"#,
            x(*t),
            label_y,
            why_y - 2.0,
            esc(&fmt_secs(*t)),
            esc(text),
            x(*t) + 3.0,
            esc(&short)
        );
    }
    out.push_str("</svg>\n");
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

/// Every expectation with its verdict; a failed one shows what was seen instead.
fn expectations(out: &mut String, o: &Outcome, texts: &[String]) {
    out.push_str("<h3>expectations</h3>\n<table class=\"expect\"><tr><th>#</th><th>expectation</th><th>verdict</th></tr>\n");
    for (i, text) in texts.iter().enumerate() {
        let prefix = format!("expect[{i}] ");
        let failed: Vec<_> = o
            .failures
            .iter()
            .filter(|f| f.what.starts_with(&prefix))
            .collect();
        let verdict = if failed.is_empty() {
            "<span class=\"pass\">PASS</span>".to_string()
        } else {
            let seen: Vec<String> = failed.iter().map(|f| esc(&f.seen)).collect();
            format!("<span class=\"fail\">FAIL</span>: {}", seen.join("; "))
        };
        let _ = writeln!(
            out,
            "<tr><td>{i}</td><td>{}</td><td>{verdict}</td></tr>",
            esc(text)
        );
    }
    out.push_str("</table>\n");
    let others: Vec<_> = o
        .failures
        .iter()
        .filter(|f| !f.what.starts_with("expect["))
        .collect();
    for f in others {
        let _ = writeln!(
            out,
            "<p class=\"fail\">{}: {}</p>",
            esc(&f.what),
            esc(&f.seen)
        );
    }
}

fn metrics_table(out: &mut String, o: &Outcome) {
    out.push_str("<h3>failover metrics</h3>\n<table><tr><th>group</th><th>downtime</th><th>failovers</th><th>time to detect</th><th>time to recover</th></tr>\n");
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
}

fn section(out: &mut String, (o, marks, texts): &Page) {
    let (cls, word) = if o.passed() {
        ("pass", "PASS")
    } else {
        ("fail", "FAIL")
    };
    let _ = writeln!(
        out,
        "<section class=\"scenario\" data-verdict=\"{cls}\"><h2><span class=\"{cls}\">{word}</span> {}</h2>\n<p>{} &middot; seed {} &middot; virtual {} &middot; wall {:.3} ms &middot; {} events</p>",
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
    expectations(out, o, texts);
    let colored: Vec<(u64, String, &str)> = marks
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
    let why = explained(o);
    timeline_svg(out, o, &colored, &why);
    out.push_str("<h3>why (explain)</h3>\n<pre class=\"explain\">");
    if why.is_empty() {
        out.push_str("(no failover, failback, recovery or final action happened)\n");
    }
    for (_, line) in &why {
        let _ = writeln!(out, "{}", esc(line));
    }
    out.push_str("</pre>\n<h3>steps</h3>\n<pre class=\"steps\">");
    for (t, text, _) in marks {
        let _ = writeln!(out, "{:>9}  {}", fmt_clock(*t, true), esc(text));
    }
    out.push_str("</pre>\n");
    metrics_table(out, o);
    out.push_str("</section>\n");
}

/// Renders the page. `marks` gives, per outcome, (time, step text, kind) of the steps run,
/// kind being `fault`, `heal` or `op`.
pub fn render(pages: &[Page]) -> String {
    let mut out = String::new();
    let passed = pages.iter().filter(|(o, _, _)| o.passed()).count();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>clustersim run report</title>\n<style>{STYLE}</style></head><body>\n<h1>clustersim run report</h1>\n<p>{passed} of {} scenario(s) passed.</p>",
        pages.len()
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
    out.push_str(" marks: <span style=\"background:#cc3333\">fault</span><span style=\"background:#3a9a48\">heal</span><span style=\"background:#4a78c2\">operation</span><span style=\"background:#6a3d9a\">why (hover)</span></p>\n");
    for page in pages {
        section(&mut out, page);
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_minutes_and_hours() {
        assert_eq!(fmt_clock(0, false), "0:00");
        assert_eq!(fmt_clock(1_800_000, false), "30:00");
        assert_eq!(fmt_clock(3_723_000, false), "1:02:03");
        assert_eq!(fmt_clock(1_500, true), "0:01.5");
    }
}
