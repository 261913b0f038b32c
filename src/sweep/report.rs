//! `sweep report RESULTS --html OUT.html`: one self-contained page (inline CSS and SVG,
//! no script, nothing from the network; drawn in `page` and `figures`). RESULTS is what
//! a sweep writes: JSON lines (header line first) or CSV (column names first); a CSV row
//! becomes the JSON row it stands for, so both go through one path. The results are
//! read in one pass, in bounded memory: the statistics as in `summary`, and at most
//! [`MAX_FLAGGED`] flagged runs listed.

use super::cli::CliError;
use super::plan::shell;
use super::summary::Summary;
use crate::sweep::stats::fmt_num;
use serde_json::{json, Map, Value};
use std::io::BufRead;
use std::path::Path;

pub const MAX_FLAGGED: usize = 200;

/// A flagged run as the page lists it.
pub struct Flagged {
    pub run: u64,
    pub seed: u64,
    pub labels: Vec<String>,
    pub why: String,
    /// `clustersim sweep FILE --only R --scenario row-R.yaml`.
    pub replay: String,
    /// `clustersim run SCENARIO --seed S --set ...` when the base is a scenario.
    pub direct: Option<String>,
}

pub struct Report {
    pub header: Value,
    pub summary: Summary,
    pub flagged: Vec<Flagged>,
    pub flagged_total: u64,
    pub rows: u64,
    /// Read from CSV, which does not record the sweep file.
    pub from_csv: bool,
}

pub fn report_cli(results: &Path, html: &Path) -> Result<(), CliError> {
    let f = std::fs::File::open(results)
        .map_err(|e| (2, format!("{}: cannot open: {e}", results.display())))?;
    let r = read(std::io::BufReader::new(f), &results.display().to_string())?;
    let page = super::page::render(&r).map_err(|e| (1, e.to_string()))?;
    std::fs::write(html, page).map_err(|e| (1, format!("{}: cannot write: {e}", html.display())))
}

/// Reads a results file: JSON lines when it starts with `{`, CSV otherwise.
pub fn read(mut input: impl BufRead, name: &str) -> Result<Report, CliError> {
    let bad = |what: String| (2, format!("{name}: {what}"));
    let first = input.fill_buf().map_err(|e| bad(e.to_string()))?;
    if first.is_empty() {
        return Err(bad("empty; not a sweep output".into()));
    }
    if first[0] == b'{' {
        read_jsonl(input, name)
    } else {
        read_csv(input, name)
    }
}

fn read_jsonl(input: impl BufRead, name: &str) -> Result<Report, CliError> {
    let mut lines = input.lines();
    let bad = |what: String| (2, format!("{name}: {what}"));
    let first = lines
        .next()
        .ok_or_else(|| bad("empty".into()))?
        .map_err(|e| bad(e.to_string()))?;
    let head: Value = serde_json::from_str(&first).map_err(|_| bad("line 1: not a sweep header; the report reads the JSON lines or CSV written by `clustersim sweep --out FILE`".into()))?;
    let header = head
        .get("header")
        .cloned()
        .ok_or_else(|| bad("line 1: not a sweep header".into()))?;
    let id = head["sweep"].as_str().unwrap_or_default().to_string();
    let mut r = Report::new(header, false);
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| bad(e.to_string()))?;
        let row: Value =
            serde_json::from_str(&line).map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
        if row["sweep"].as_str() != Some(id.as_str()) {
            return Err(bad(format!("line {}: a row of another sweep", i + 2)));
        }
        r.add(&row);
    }
    Ok(r)
}

/// The columns of a sweep's CSV: `sweep,run,point,seed,FACTOR...,flagged,failures,
/// final_status,METRIC...,expect.0...` (see `row::csv_header`).
struct Columns {
    factors: Vec<String>,
    metrics: Vec<String>,
    expectations: usize,
}

impl Columns {
    fn of(head: &csv::StringRecord) -> Option<Columns> {
        let cols: Vec<&str> = head.iter().collect();
        let flagged = cols.iter().position(|c| *c == "flagged")?;
        let status = cols.iter().position(|c| *c == "final_status")?;
        let expect = cols
            .iter()
            .position(|c| c.starts_with("expect."))
            .unwrap_or(cols.len());
        let ok = cols.get(..4) == Some(&["sweep", "run", "point", "seed"][..])
            && status == flagged + 2
            && cols.get(flagged + 1) == Some(&"failures")
            && expect > status;
        ok.then(|| Columns {
            factors: cols[4..flagged].iter().map(|s| s.to_string()).collect(),
            metrics: cols[status + 1..expect]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            expectations: cols.len() - expect,
        })
    }
}

fn read_csv(input: impl BufRead, name: &str) -> Result<Report, CliError> {
    let bad = |what: String| (2, format!("{name}: {what}"));
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let head = rd
        .headers()
        .map_err(|e| bad(format!("line 1: {e}")))?
        .clone();
    let cols = Columns::of(&head).ok_or_else(|| bad("line 1: not the column names of a sweep's CSV (sweep,run,point,seed,...,flagged,failures,final_status,...)".into()))?;
    let header = json!({
        "factors": cols.factors.iter().map(|f| json!({"name": f})).collect::<Vec<_>>(),
        "metrics": cols.metrics,
        "expectations": vec![Value::Null; cols.expectations],
    });
    let mut r = Report::new(header, true);
    let mut id: Option<String> = None;
    for rec in rd.records() {
        let rec = rec.map_err(|e| bad(csv_error(&e)))?;
        let line = rec.position().map_or(0, |p| p.line());
        let row = csv_row(&cols, &rec).map_err(|e| bad(format!("line {line}: {e}")))?;
        let sweep = row["sweep"].as_str().unwrap_or_default();
        match &id {
            None => id = Some(sweep.to_string()),
            Some(i) if i != sweep => {
                return Err(bad(format!("line {line}: a row of another sweep")))
            }
            Some(_) => {}
        }
        r.add(&row);
    }
    Ok(r)
}

/// A CSV reader's error with its line, as the page's errors read.
fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {}: {len} fields where the column names have {expected_len}",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        _ => match e.position() {
            Some(p) => format!("line {}: {e}", p.line()),
            None => e.to_string(),
        },
    }
}

/// The JSON row a CSV record stands for.
fn csv_row(cols: &Columns, rec: &csv::StringRecord) -> Result<Value, String> {
    let cell = |i: usize| rec.get(i).unwrap_or_default();
    let int = |i: usize, what: &str| {
        cell(i)
            .parse::<u64>()
            .map_err(|_| format!("{what} `{}` is not a whole number", cell(i)))
    };
    let f = cols.factors.len();
    let mut factors = Map::new();
    for (k, name) in cols.factors.iter().enumerate() {
        let v = crate::set::parse_value(cell(4 + k)).map_err(|e| format!("factor {name}: {e}"))?;
        factors.insert(name.clone(), v);
    }
    let flagged = match cell(4 + f) {
        "true" => true,
        "false" => false,
        other => return Err(format!("flagged `{other}` is neither true nor false")),
    };
    let mut metrics = Map::new();
    for (k, name) in cols.metrics.iter().enumerate() {
        let raw = cell(7 + f + k);
        let v = if raw.is_empty() {
            Value::Null
        } else {
            let x: f64 = raw
                .parse()
                .map_err(|_| format!("metric {name}: `{raw}` is not a number"))?;
            json!(x)
        };
        metrics.insert(name.clone(), v);
    }
    let first_expect = 7 + f + cols.metrics.len();
    let expect: Vec<bool> = (0..cols.expectations)
        .map(|k| match cell(first_expect + k) {
            "pass" => Ok(true),
            "fail" => Ok(false),
            other => Err(format!("expect.{k} `{other}` is neither pass nor fail")),
        })
        .collect::<Result<_, _>>()?;
    Ok(json!({
        "sweep": cell(0), "run": int(1, "run")?, "point": int(2, "point")?, "seed": int(3, "seed")?,
        "factors": factors, "flagged": flagged, "failures": int(5 + f, "failures")?,
        "final_status": cell(6 + f), "expect": expect, "metrics": metrics,
    }))
}

impl Report {
    fn new(header: Value, from_csv: bool) -> Report {
        let metrics: Vec<String> = header["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(String::from))
            .collect();
        Report {
            header,
            summary: Summary::new(metrics),
            flagged: Vec::new(),
            flagged_total: 0,
            rows: 0,
            from_csv,
        }
    }

    /// Adds one row (a JSON row of the sweep's output, or what a CSV record stands for).
    fn add(&mut self, row: &Value) {
        let point = row["point"].as_u64().unwrap_or(0);
        let values: Vec<Option<f64>> = self
            .summary
            .metrics
            .iter()
            .map(|m| row["metrics"][m].as_f64())
            .collect();
        let flagged = row["flagged"].as_bool().unwrap_or(false);
        let header = &self.header;
        self.summary
            .add(point, || labels(header, row), flagged, &values);
        self.rows += 1;
        if flagged {
            self.flagged_total += 1;
            if self.flagged.len() < MAX_FLAGGED {
                self.flagged.push(flag(&self.header, row));
            }
        }
    }
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
    Flagged {
        run: row["run"].as_u64().unwrap_or(0),
        seed: row["seed"].as_u64().unwrap_or(0),
        labels: labels(header, row),
        why: why.join("; "),
        replay: replay(header, row),
        direct: direct(header, row),
    }
}

/// The file a sweep's replay names: the header's, or `SWEEP_FILE` for a CSV (which does
/// not record it; the page says to put the sweep file there).
pub const UNKNOWN_FILE: &str = "SWEEP_FILE";

fn strings(v: &Value) -> impl Iterator<Item = String> + '_ {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
}

fn set_args(list: &[String]) -> String {
    list.iter()
        .map(|s| format!(" --set {}", shell(s)))
        .collect()
}

/// `clustersim sweep FILE [--set ...] [--sample N] --only R --scenario row-R.yaml`: the
/// run again, written out as a scenario file that `clustersim run` replays.
pub fn replay(header: &Value, row: &Value) -> String {
    let sample = header["sample"]
        .as_u64()
        .map(|n| format!(" --sample {n}"))
        .unwrap_or_default();
    let file = header["file"].as_str().unwrap_or(UNKNOWN_FILE);
    let sets: Vec<String> = strings(&header["sets"]).collect();
    let run = row["run"].as_u64().unwrap_or(0);
    format!(
        "clustersim sweep {}{}{sample} --only {run} --scenario row-{run}.yaml",
        shell(file),
        set_args(&sets),
    )
}

/// `clustersim run SCENARIO --seed S --set k=v ...` for a scenario base: the run at once,
/// the sweep's and the point's overrides on the command line.
pub fn direct(header: &Value, row: &Value) -> Option<String> {
    let path = header["base"]["scenario"].as_str()?;
    let mut sets: Vec<String> = strings(&header["sets"]).collect();
    for f in header["factors"].as_array().into_iter().flatten() {
        let name = f["name"].as_str().unwrap_or_default();
        let values = f["values"].as_array().cloned().unwrap_or_default();
        if let Some(i) = values.iter().position(|v| *v == row["factors"][name]) {
            sets.extend(strings(&f["sets"][i]));
        }
    }
    Some(format!(
        "clustersim run {} --seed {}{}",
        shell(path),
        row["seed"].as_u64().unwrap_or(0),
        set_args(&sets)
    ))
}
