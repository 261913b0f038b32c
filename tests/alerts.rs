//! `crates/core/src/alerts.tsv` is produced from the product's alert catalogue
//! (`../shared/reference/ec-x42-alert-messages.csv`): module, level, id and message of
//! the first row of each (module, id). This test regenerates it and fails when the
//! committed copy differs; `UPDATE_EXPECT=1 cargo test --release --test alerts` rewrites
//! it. Where the catalogue must be present (`CI` set, as `.ci/run` does) its absence fails.

use std::collections::BTreeSet;
use std::path::PathBuf;

const HEADER: &str =
    "# module\tlevel\tid\tmessage  (from the EXPRESSCLUSTER X 4.2 alert catalogue)";

/// The fields of one CSV record (RFC 4180 quoting), and the rest of the text.
fn record(text: &str) -> (Vec<String>, &str) {
    let (mut fields, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek().map(|p| p.1) == Some('"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut cur)),
            (false, '\n') => {
                fields.push(cur.trim_end_matches('\r').to_string());
                return (fields, &text[i + 1..]);
            }
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    (fields, "")
}

fn tsv_from(csv: &str) -> String {
    let (_, mut rest) = record(csv);
    let mut seen = BTreeSet::new();
    let mut out = vec![HEADER.to_string()];
    while !rest.is_empty() {
        let (f, next) = record(rest);
        rest = next;
        if f.len() < 4 || !seen.insert((f[0].clone(), f[2].clone())) {
            continue;
        }
        out.push(format!("{}\t{}\t{}\t{}", f[0], f[1], f[2], f[3]));
    }
    out.join("\n") + "\n"
}

#[test]
fn alerts_tsv_is_generated_from_the_catalogue() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let csv_path = root.join("../shared/reference/ec-x42-alert-messages.csv");
    let Ok(csv) = std::fs::read_to_string(&csv_path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the alert catalogue {} is missing; CI must have ../shared beside the repository",
            csv_path.display()
        );
        eprintln!(
            "note: {} is absent; alerts.tsv not checked",
            csv_path.display()
        );
        return;
    };
    let fresh = tsv_from(&csv);
    assert!(
        fresh.lines().count() > 700,
        "the catalogue parsed to too few rows"
    );
    let tsv = root.join("crates/core/src/alerts.tsv");
    let committed = std::fs::read_to_string(&tsv).unwrap_or_default();
    if committed != fresh {
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&tsv, fresh).unwrap();
            return;
        }
        panic!(
            "crates/core/src/alerts.tsv is stale: run `UPDATE_EXPECT=1 cargo test --release --test alerts`"
        );
    }
}
