//! The sweep report's figures, drawn by `plotters` (its SVG backend) into inline SVG so
//! the page needs nothing from the network: an ECDF per metric (one step line per
//! point), boxes per point (p25..p75, median, whiskers p5..p95, runs beyond as dots), and
//! p50/p95/p99 against a numeric factor with bootstrap intervals. Times are shown in
//! the unit their range reads best in (ms, s, min, h); axes say what and in which unit.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt;
use std::ops::Range;

/// A figure that could not be drawn (the backend's error, as text).
#[derive(Debug, Clone, PartialEq)]
pub struct DrawError(pub String);

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "drawing a figure: {}", self.0)
    }
}

impl std::error::Error for DrawError {}

fn drew<E: fmt::Debug>(e: E) -> DrawError {
    DrawError(format!("{e:?}"))
}

/// Colour-blind safe (Okabe-Ito), then repeated.
const COLORS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

pub fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

/// Lines, boxes or series drawn in one figure at most; the caption says when more exist.
pub const MAX_LINES: usize = 12;
pub const MAX_BOXES: usize = 40;
/// Runs beyond the whiskers drawn as dots per side of a box (the most extreme ones).
pub const MAX_OUTLIERS: usize = 25;
const WIDTH: u32 = 600;
const FONT: &str = "sans-serif";

/// How a metric's (or a factor's) values are shown on an axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// "failover1.downtime (min)".
    pub desc: String,
    /// Raw value / `div` = the value in the shown unit.
    pub div: f64,
}

/// The axis of `name` whose values reach `max`: a time (a name ending in `_ms` or `.ms`,
/// or a factor of durations) in the largest unit that still reads at least 3 of it.
pub fn axis_for(name: &str, max: f64, time: bool) -> Axis {
    let stem = name
        .strip_suffix("_ms")
        .or_else(|| name.strip_suffix(".ms"))
        .unwrap_or(name);
    if !(time || stem.len() < name.len()) {
        return Axis {
            desc: format!("{name} (count)"),
            div: 1.0,
        };
    }
    let (unit, div) = [("h", 3_600_000.0), ("min", 60_000.0), ("s", 1_000.0)]
        .into_iter()
        .find(|(_, d)| max >= 3.0 * d)
        .unwrap_or(("ms", 1.0));
    Axis {
        desc: format!("{stem} ({unit})"),
        div,
    }
}

/// A tick label: at most two decimals, no trailing zeros, no thousands noise.
pub fn tick(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// `0..max` padded by 5 %, never empty.
fn range(max: f64) -> Range<f64> {
    padded(max, 1.05)
}

/// `0..max * pad`, or `0..1` when there is nothing to show.
fn padded(max: f64, pad: f64) -> Range<f64> {
    if max > 0.0 && max.is_finite() {
        0.0..max * pad
    } else {
        0.0..1.0
    }
}

/// Runs `draw` on a `WIDTH` x `height` SVG canvas and returns the SVG text.
fn canvas(
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), DrawError>,
) -> Result<String, DrawError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drew)?;
        draw(&root)?;
        root.present().map_err(drew)?;
    }
    Ok(svg)
}

/// A chart with numeric axes, their titles and tick labels, and a light grid.
fn xy_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    (x, y): (Range<f64>, Range<f64>),
    (x_desc, y_desc): (&str, &str),
) -> Result<Chart<'a, 'b>, DrawError> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(58)
        .build_cartesian_2d(x, y)
        .map_err(drew)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(drew)?;
    Ok(chart)
}

/// The ECDF of one metric, one step line per point: `lines` are (label, counts).
pub fn ecdf(
    title: &str,
    axis: &Axis,
    lines: &[(String, Vec<(f64, u64)>)],
) -> Result<String, DrawError> {
    let max = lines
        .iter()
        .filter_map(|l| l.1.last())
        .map(|c| c.0 / axis.div)
        .fold(0.0, f64::max);
    canvas(380, |root| {
        let mut chart = xy_chart(
            root,
            title,
            (range(max), 0.0..1.0),
            (&axis.desc, "fraction of runs ≤ x"),
        )?;
        for (i, (label, counts)) in lines.iter().take(MAX_LINES).enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(steps(counts, axis.div), c.stroke_width(2)))
                .map_err(drew)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                });
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

/// The ECDF's corners: from (first value, 0), up at each distinct value.
fn steps(counts: &[(f64, u64)], div: f64) -> Vec<(f64, f64)> {
    let n: u64 = counts.iter().map(|c| c.1).sum();
    let mut out = Vec::with_capacity(2 * counts.len());
    let mut seen = 0;
    for &(v, c) in counts {
        out.push((v / div, seen as f64 / n as f64));
        seen += c;
        out.push((v / div, seen as f64 / n as f64));
    }
    out
}

fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, at: SeriesLabelPosition) -> Result<(), DrawError> {
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 15))
        .draw()
        .map_err(drew)
}

/// One box of [`boxes`]: the quantiles it draws (raw values) and the runs beyond.
#[derive(Clone, Debug, Default)]
pub struct BoxRow {
    pub label: String,
    /// p5, p25, p50, p75, p95.
    pub q: [f64; 5],
    pub outliers: Vec<f64>,
}

/// Horizontal boxes, one per point (`rows` in order, top to bottom).
pub fn boxes(title: &str, axis: &Axis, rows: &[BoxRow]) -> Result<String, DrawError> {
    let rows = &rows[..rows.len().min(MAX_BOXES)];
    let max = rows
        .iter()
        .flat_map(|r| r.q.iter().chain(&r.outliers))
        .map(|v| v / axis.div)
        .fold(0.0, f64::max);
    let label_w = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(4) as u32
        * 7
        + 16;
    let n = rows.len().max(1);
    canvas(90 + 26 * n as u32, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(label_w.min(WIDTH / 2))
            .build_cartesian_2d(range(max), -0.5..n as f64 - 0.5)
            .map_err(drew)?;
        let label = |y: &f64| {
            let i = y.round();
            let row = (n as f64 - 1.0 - i) as usize;
            ((y - i).abs() < 1e-6 && i >= 0.0)
                .then(|| rows.get(row).map(|r| r.label.clone()))
                .flatten()
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .x_desc(axis.desc.as_str())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&label)
            .y_labels(2 * n + 1)
            .disable_y_mesh()
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(drew)?;
        for (i, r) in rows.iter().enumerate() {
            draw_box(&mut chart, (n - 1 - i) as f64, r, axis.div, color(i))?;
        }
        Ok(())
    })
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// One box at height `y`: whiskers with caps, the box, the median, the outliers.
fn draw_box(chart: &mut Chart, y: f64, r: &BoxRow, div: f64, c: RGBColor) -> Result<(), DrawError> {
    let [p5, p25, p50, p75, p95] = r.q.map(|v| v / div);
    let h = 0.3;
    let line = c.stroke_width(1);
    let shapes = vec![
        PathElement::new(vec![(p5, y), (p25, y)], line),
        PathElement::new(vec![(p75, y), (p95, y)], line),
        PathElement::new(vec![(p5, y - h / 2.0), (p5, y + h / 2.0)], line),
        PathElement::new(vec![(p95, y - h / 2.0), (p95, y + h / 2.0)], line),
        PathElement::new(vec![(p50, y - h), (p50, y + h)], BLACK.stroke_width(2)),
    ];
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(p25, y - h), (p75, y + h)],
            c.mix(0.3).filled(),
        )))
        .map_err(drew)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(p25, y - h), (p75, y + h)],
            line,
        )))
        .map_err(drew)?;
    chart.draw_series(shapes).map_err(drew)?;
    chart
        .draw_series(
            r.outliers
                .iter()
                .map(|v| Circle::new((v / div, y), 2, c.filled())),
        )
        .map_err(drew)?;
    Ok(())
}

/// A quantile of one point against a factor: its value and bootstrap interval (raw).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pct {
    pub y: f64,
    pub lo: f64,
    pub hi: f64,
}

/// One line of [`percentiles`]: the other factors' values, and per factor value x the
/// p50, p95 and p99.
#[derive(Clone, Debug)]
pub struct FactorSeries {
    pub label: String,
    pub points: Vec<(f64, [Pct; 3])>,
}

/// p50 (solid, dots), p95 (dashed, triangles) and p99 (dotted, crosses) of a metric
/// against a factor, each with its 95 % bootstrap interval as error bars; one colour per
/// combination of the other factors.
pub fn percentiles(
    title: &str,
    x: &Axis,
    y: &Axis,
    series: &[FactorSeries],
) -> Result<String, DrawError> {
    let series = &series[..series.len().min(MAX_LINES)];
    let pts = || series.iter().flat_map(|s| s.points.iter());
    let xmax = pts().map(|p| p.0 / x.div).fold(0.0, f64::max);
    let ymax = pts()
        .flat_map(|p| p.1.iter().map(|q| q.hi))
        .map(|v| v / y.div)
        .fold(0.0, f64::max);
    // Headroom above the highest interval for the legend.
    let top = padded(ymax, 1.15 + 0.09 * (series.len() + 3) as f64);
    canvas(400, |root| {
        let mut chart = xy_chart(root, title, (range(xmax), top), (&x.desc, &y.desc))?;
        for (i, s) in series.iter().enumerate() {
            draw_quantiles(&mut chart, s, (x.div, y.div), color(i))?;
        }
        for (k, name) in ["p50 ●", "p95 ▲ (dashed)", "p99 × (dotted)"]
            .into_iter()
            .enumerate()
        {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(drew)?
                .label(name)
                .legend(move |(x, y)| marker(k, (x + 9, y), BLACK));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// The marker of quantile `k` (p50, p95, p99): in the plot and in the legend.
fn marker<DB: DrawingBackend, C: Clone + 'static>(
    k: usize,
    at: C,
    c: RGBColor,
) -> DynElement<'static, DB, C> {
    match k {
        0 => Circle::new(at, 3, c.filled()).into_dyn(),
        1 => TriangleMarker::new(at, 4, c.filled()).into_dyn(),
        _ => Cross::new(at, 4, c.stroke_width(2)).into_dyn(),
    }
}

/// One series' three quantile lines with markers and error bars.
fn draw_quantiles(
    chart: &mut Chart,
    s: &FactorSeries,
    (dx, dy): (f64, f64),
    c: RGBColor,
) -> Result<(), DrawError> {
    for k in 0..3 {
        let line: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0 / dx, p.1[k].y / dy)).collect();
        let style = c.stroke_width(if k == 0 { 2 } else { 1 });
        let drawn = match k {
            0 => chart.draw_series(LineSeries::new(line.clone(), style)),
            1 => chart.draw_series(DashedLineSeries::new(line.clone(), 6, 4, style)),
            _ => chart.draw_series(DashedLineSeries::new(line.clone(), 2, 3, style)),
        }
        .map_err(drew)?;
        if k == 0 {
            drawn.label(s.label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
            });
        }
        chart
            .draw_series(s.points.iter().map(|p| {
                let q = p.1[k];
                ErrorBar::new_vertical(
                    p.0 / dx,
                    q.lo / dy,
                    q.y / dy,
                    q.hi / dy,
                    c.stroke_width(1),
                    8,
                )
            }))
            .map_err(drew)?;
        chart
            .draw_series(line.iter().map(|&at| marker(k, at, c)))
            .map_err(drew)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_pick_a_readable_unit() {
        assert_eq!(
            axis_for("failover1.downtime_ms", 42_600_000.0, false).desc,
            "failover1.downtime (h)"
        );
        assert_eq!(
            axis_for("double_activation.ms", 90_000.0, false).desc,
            "double_activation (s)"
        );
        assert_eq!(
            axis_for("settings.heartbeat_timeout", 180_000.0, true).div,
            60_000.0
        );
        assert_eq!(
            axis_for("events.server-down", 7.0, false).desc,
            "events.server-down (count)"
        );
        assert_eq!(axis_for("x_ms", 500.0, false).desc, "x (ms)");
        assert_eq!(tick(1.0), "1");
        assert_eq!(tick(1.25), "1.25");
        assert_eq!(tick(-0.001), "0");
    }

    #[test]
    fn an_ecdf_draws_one_polyline_per_point_ending_at_one() {
        let a = vec![(1000.0, 1), (3000.0, 3)];
        let svg = ecdf(
            "m",
            &axis_for("m_ms", 3000.0, false),
            &[("a".into(), a.clone()), ("b<".into(), a)],
        )
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("m (s)"), "{svg}");
        assert!(svg.contains("b&lt;"), "labels are escaped");
        assert_eq!(
            steps(&[(1.0, 1), (3.0, 3)], 1.0),
            vec![(1.0, 0.0), (1.0, 0.25), (3.0, 0.25), (3.0, 1.0)]
        );
    }
}
