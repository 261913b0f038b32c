//! `sweep merge PART...`: a k-way merge of shard outputs by run index, in constant
//! memory (one line per part). The parts must share the header and the sweep id of
//! every row (same sweep file, base, overrides and build); the merged runs must be
//! 0, 1, 2, ... without gaps or repeats, and, for JSON lines, as many as the header says.

use super::cli::CliError;
use super::row::{key_of, Format};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

struct Part {
    name: String,
    lines: std::io::Lines<BufReader<std::fs::File>>,
    last: Option<u64>,
}

impl Part {
    fn next_line(&mut self) -> Result<Option<String>, CliError> {
        match self.lines.next() {
            None => Ok(None),
            Some(Ok(l)) => Ok(Some(l)),
            Some(Err(e)) => Err((2, format!("{}: cannot read: {e}", self.name))),
        }
    }
}

pub fn merge_cli(parts: &[PathBuf], out: Option<&Path>) -> Result<(), CliError> {
    let mut sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .map_err(|e| (2, format!("{}: cannot create: {e}", p.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    merge(parts, &mut sink)?;
    sink.flush().map_err(|e| (1, format!("cannot write: {e}")))
}

/// Merges `parts` into `sink`.
pub fn merge(parts: &[PathBuf], sink: &mut dyn Write) -> Result<(), CliError> {
    let mut open = Vec::new();
    let mut header: Option<(String, String)> = None;
    for p in parts {
        let name = p.display().to_string();
        let f = std::fs::File::open(p).map_err(|e| (2, format!("{name}: cannot open: {e}")))?;
        let mut part = Part {
            name: name.clone(),
            lines: BufReader::new(f).lines(),
            last: None,
        };
        let first = part
            .next_line()?
            .ok_or_else(|| (2, format!("{name}: empty; not a sweep output")))?;
        match &header {
            None => header = Some((first.clone(), name)),
            Some((h, from)) if *h != first => {
                return Err((2, format!("{name}: refused: its header differs from {from}'s; the parts are of different sweeps (file, overrides or build)")))
            }
            Some(_) => {}
        }
        open.push(part);
    }
    let Some((head, _)) = header else {
        return Err((2, "merge: no parts".into()));
    };
    let format = if head.starts_with("{\"sweep\":") {
        Format::Jsonl
    } else {
        Format::Csv
    };
    let (mut id, total) = match format {
        Format::Jsonl => {
            let v: serde_json::Value = serde_json::from_str(&head)
                .map_err(|e| (2, format!("the header is not JSON: {e}")))?;
            (
                v["sweep"].as_str().map(String::from),
                v["header"]["runs"].as_u64(),
            )
        }
        Format::Csv => (None, None),
    };
    let io = |e: std::io::Error| (1, format!("cannot write: {e}"));
    writeln!(sink, "{head}").map_err(io)?;
    let mut heap = BinaryHeap::new();
    let mut current: Vec<Option<String>> = vec![None; open.len()];
    for i in 0..open.len() {
        advance(&mut open, &mut current, &mut heap, i, format, &mut id)?;
    }
    let mut expected = 0u64;
    while let Some(Reverse((run, i))) = heap.pop() {
        if run != expected {
            let what = if run < expected {
                "appears twice"
            } else {
                "is missing"
            };
            let missing = if run < expected { run } else { expected };
            return Err((
                2,
                format!("run {missing} {what} in the parts (merge every shard once)"),
            ));
        }
        let line = current[i].take().unwrap_or_default();
        writeln!(sink, "{line}").map_err(io)?;
        expected += 1;
        advance(&mut open, &mut current, &mut heap, i, format, &mut id)?;
    }
    if let Some(t) = total.filter(|t| *t != expected) {
        return Err((
            2,
            format!(
                "the parts hold runs 0 to {} of {t}: a shard is missing",
                expected.saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

fn advance(
    open: &mut [Part],
    current: &mut [Option<String>],
    heap: &mut BinaryHeap<Reverse<(u64, usize)>>,
    i: usize,
    format: Format,
    id: &mut Option<String>,
) -> Result<(), CliError> {
    let part = &mut open[i];
    let Some(line) = part.next_line()? else {
        return Ok(());
    };
    let (hash, run) = key_of(&line, format)
        .ok_or_else(|| (2, format!("{}: a line is not a sweep row", part.name)))?;
    match id {
        None => *id = Some(hash.to_string()),
        Some(h) if h != hash => {
            return Err((
                2,
                format!(
                "{}: refused: row of sweep {hash}, not {h} (another sweep file, override or build)",
                part.name
            ),
            ))
        }
        Some(_) => {}
    }
    if part.last.is_some_and(|l| run <= l) {
        return Err((
            2,
            format!("{}: rows out of run order at run {run}", part.name),
        ));
    }
    part.last = Some(run);
    heap.push(Reverse((run, i)));
    current[i] = Some(line);
    Ok(())
}
