//! Inline SVG charts for the sweep report, drawn here so the page needs nothing from
//! the network: box plots (one box per point) and lines with a confidence band.

use super::stats::{fmt_num, Stat};
use std::fmt::Write;

const W: f64 = 600.0;
const LEFT: f64 = 210.0;
const RIGHT: f64 = 20.0;
const ROW: f64 = 22.0;
const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Up to about 5 round tick values covering `lo..=hi`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 12 {
        out.push(t);
        t += step;
    }
    out
}

/// (lo, hi) padded so a constant series still has a visible axis.
fn span(lo: f64, hi: f64) -> (f64, f64) {
    if (hi - lo).abs() < 1e-9 {
        let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    }
}

fn x_axis(svg: &mut String, lo: f64, hi: f64, y: f64, x: impl Fn(f64) -> f64) {
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="#999"/>"##,
        W - RIGHT
    );
    for t in ticks(lo, hi) {
        let px = x(t);
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{y}" x2="{px:.1}" y2="{}" stroke="#999"/><text x="{px:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            y + 4.0,
            y + 15.0,
            fmt_num(Some(t))
        );
    }
}

/// One horizontal box per labelled distribution: whiskers min..max, box p25..p75,
/// a bar at the median and a dot at the mean.
pub fn box_plot(title: &str, rows: &[(String, &Stat)]) -> String {
    let rows: Vec<&(String, &Stat)> = rows.iter().filter(|(_, s)| s.n > 0).collect();
    let lo = rows
        .iter()
        .map(|(_, s)| s.min)
        .fold(f64::INFINITY, f64::min);
    let hi = rows
        .iter()
        .map(|(_, s)| s.max)
        .fold(f64::NEG_INFINITY, f64::max);
    if rows.is_empty() {
        return format!(
            r##"<svg class="plot box" xmlns="http://www.w3.org/2000/svg" width="{W}" height="44" viewBox="0 0 {W} 44"><text x="4" y="16" font-size="13" font-weight="bold">{}</text><text x="4" y="36" font-size="11">no value in any run (what it measures never happened)</text></svg>"##,
            esc(title)
        );
    }
    let (lo, hi) = span(lo, hi);
    let x = |v: f64| LEFT + (v - lo) / (hi - lo) * (W - LEFT - RIGHT);
    let h = 30.0 + ROW * rows.len() as f64 + 24.0;
    let mut svg = format!(
        r##"<svg class="plot box" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}"><text x="4" y="16" font-size="13" font-weight="bold">{}</text>"##,
        esc(title)
    );
    for (i, (label, s)) in rows.iter().enumerate() {
        let cy = 30.0 + ROW * i as f64 + ROW / 2.0;
        let q = |p: f64| x(s.quantile(p).unwrap_or(0.0));
        let c = COLORS[i % COLORS.len()];
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text><line x1="{:.1}" y1="{cy}" x2="{:.1}" y2="{cy}" stroke="{c}"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{c}" fill-opacity="0.25" stroke="{c}"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{c}" stroke-width="2"/><circle cx="{:.1}" cy="{cy}" r="2.5" fill="#000"><title>n {} mean {} p50 {} p95 {} max {}</title></circle>"##,
            LEFT - 6.0,
            cy + 3.0,
            esc(label),
            x(s.min),
            x(s.max),
            q(0.25),
            cy - 7.0,
            (q(0.75) - q(0.25)).max(1.0),
            14.0,
            q(0.5),
            cy - 7.0,
            q(0.5),
            cy + 7.0,
            x(s.mean().unwrap_or(0.0)),
            s.n,
            fmt_num(s.mean()),
            fmt_num(s.quantile(0.5)),
            fmt_num(s.quantile(0.95)),
            fmt_num(Some(s.max)),
        );
    }
    x_axis(&mut svg, lo, hi, h - 24.0, x);
    svg.push_str("</svg>");
    svg
}

/// A series: its name and (x, mean, ci half-width) points.
pub type Series = (String, Vec<(f64, f64, f64)>);

/// Mean against a numeric factor, one line per series, with the 95 % band.
pub fn line_chart(title: &str, x_name: &str, series: &[Series]) -> String {
    let pts = || series.iter().flat_map(|s| s.1.iter());
    if pts().next().is_none() {
        return String::new();
    }
    let (x0, x1) = span(
        pts().map(|p| p.0).fold(f64::INFINITY, f64::min),
        pts().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
    );
    let (y0, y1) = span(
        pts().map(|p| p.1 - p.2).fold(f64::INFINITY, f64::min),
        pts().map(|p| p.1 + p.2).fold(f64::NEG_INFINITY, f64::max),
    );
    let (top, plot_h) = (28.0, 180.0);
    let legend = 14.0 * series.len() as f64;
    let h = top + plot_h + 40.0 + legend;
    let left = 70.0;
    let x = |v: f64| left + (v - x0) / (x1 - x0) * (W - left - RIGHT);
    let y = |v: f64| top + plot_h - (v - y0) / (y1 - y0) * plot_h;
    let mut svg = format!(
        r##"<svg class="plot line" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}"><text x="4" y="16" font-size="13" font-weight="bold">{}</text>"##,
        esc(title)
    );
    axes(&mut svg, (x0, x1), (y0, y1), (left, top, plot_h), x_name);
    for (i, (name, p)) in series.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        let mut band: Vec<String> = p
            .iter()
            .map(|q| format!("{:.1},{:.1}", x(q.0), y(q.1 + q.2)))
            .collect();
        band.extend(
            p.iter()
                .rev()
                .map(|q| format!("{:.1},{:.1}", x(q.0), y(q.1 - q.2))),
        );
        let line: Vec<String> = p
            .iter()
            .map(|q| format!("{:.1},{:.1}", x(q.0), y(q.1)))
            .collect();
        let ly = top + plot_h + 44.0 + 14.0 * i as f64;
        let _ = write!(
            svg,
            r##"<polygon points="{}" fill="{c}" fill-opacity="0.18" stroke="none"/><polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/><rect x="{left}" y="{:.1}" width="10" height="10" fill="{c}"/><text x="{}" y="{:.1}" font-size="10">{}</text>"##,
            band.join(" "),
            line.join(" "),
            ly - 9.0,
            left + 14.0,
            ly,
            esc(name)
        );
        for q in p {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{c}"/>"##,
                x(q.0),
                y(q.1)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Grid lines and tick labels of a line chart, and the x axis' name.
fn axes(
    svg: &mut String,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    (left, top, plot_h): (f64, f64, f64),
    x_name: &str,
) {
    let x = |v: f64| left + (v - x0) / (x1 - x0) * (W - left - RIGHT);
    let y = |v: f64| top + plot_h - (v - y0) / (y1 - y0) * plot_h;
    for t in ticks(y0, y1) {
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#eee"/><text x="{2}" y="{3:.1}" font-size="10" text-anchor="end">{4}</text>"##,
            y(t),
            W - RIGHT,
            left - 4.0,
            y(t) + 3.0,
            fmt_num(Some(t))
        );
    }
    for t in ticks(x0, x1) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            x(t),
            top + plot_h + 14.0,
            fmt_num(Some(t))
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
        (left + W - RIGHT) / 2.0,
        top + plot_h + 28.0,
        esc(x_name)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_span() {
        assert_eq!(ticks(0.0, 100.0), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = ticks(28_000.0, 92_000.0);
        assert!(
            t.len() >= 3 && t[0] >= 28_000.0 && *t.last().unwrap() <= 92_000.0,
            "{t:?}"
        );
    }

    #[test]
    fn charts_draw_one_mark_per_row_and_escape_labels() {
        let mut s = Stat::default();
        for v in [1.0, 2.0, 3.0] {
            s.add(v);
        }
        let svg = box_plot("t<1>", &[("a&b".into(), &s), ("c".into(), &s)]);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("t&lt;1&gt;") && svg.contains("a&amp;b"));
        let line = line_chart(
            "m",
            "x",
            &[("s".into(), vec![(1.0, 2.0, 0.5), (2.0, 3.0, 0.5)])],
        );
        assert_eq!(line.matches("<polyline").count(), 1);
        assert_eq!(line.matches("<circle").count(), 2);
    }
}
