//! Every relative link of the README, the book (`docs/`) and the other READMEs resolves:
//! the file or folder exists, and an `#anchor` names a heading of the target (ids as
//! mdBook and GitHub make them). Links to other sites are not fetched (CI is offline).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files checked: the READMEs and every `.md` under `docs/`.
fn markdown_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["README.md", "scenarios/README.md", "python/README.md"]
        .iter()
        .map(|p| repo().join(p))
        .collect();
    let mut dirs = vec![repo().join("docs")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("docs/ is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The text outside fenced code blocks, one entry per line (code lines blanked).
fn prose(text: &str) -> Vec<String> {
    let mut fenced = false;
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with("```") {
                fenced = !fenced;
                return String::new();
            }
            if fenced {
                String::new()
            } else {
                without_code_spans(l)
            }
        })
        .collect()
}

/// A line with its `code spans` removed (their content is not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

/// Inline link and image targets: `[text](target)` and `![alt](target)`.
fn links(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) => {
                let target = after[..j].split_whitespace().next().unwrap_or("");
                out.push(target.to_string());
                rest = &after[j..];
            }
            None => break,
        }
    }
    out
}

/// A heading's id as mdBook (and GitHub) make it: the text without markup, lower case,
/// letters, digits, `_` and `-` kept, spaces as `-`, everything else dropped.
fn heading_id(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    // [text](url) -> text
    while let Some(i) = rest.find('[') {
        text.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match (after.find("]("), after.find(')')) {
            (Some(j), Some(k)) if j < k => {
                text.push_str(&after[..j]);
                rest = &after[k + 1..];
            }
            _ => {
                text.push('[');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text.trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_lowercase().next()?),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings (repeated ids get `-1`, `-2`, ...).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for l in text.lines() {
        if l.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let Some(h) = l.strip_prefix('#') else {
            continue;
        };
        if fenced {
            continue;
        }
        let h = h.trim_start_matches('#');
        if !h.starts_with(' ') {
            continue;
        }
        let id = heading_id(&h.replace('`', ""));
        let n = seen.entry(id.clone()).or_insert(0);
        out.insert(if *n == 0 {
            id.clone()
        } else {
            format!("{id}-{n}")
        });
        *n += 1;
    }
    out
}

/// Problems of one link from `file`, if any.
fn check_link(file: &Path, target: &str) -> Option<String> {
    if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let dest = if path.is_empty() {
        file.to_path_buf()
    } else {
        file.parent().unwrap().join(path)
    };
    if !dest.exists() {
        return Some(format!("{target}: no such file ({})", dest.display()));
    }
    let anchor = anchor?;
    if dest.extension().is_none_or(|x| x != "md") {
        return Some(format!(
            "{target}: an anchor into a file that is not Markdown"
        ));
    }
    let text = std::fs::read_to_string(&dest).ok()?;
    (!anchors(&text).contains(anchor)).then(|| format!("{target}: no heading with id {anchor:?}"))
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in prose(&text).iter().enumerate() {
            for target in links(line) {
                checked += 1;
                if let Some(p) = check_link(&file, &target) {
                    let shown = file
                        .strip_prefix(repo())
                        .unwrap_or(&file)
                        .display()
                        .to_string();
                    problems.push(format!("{shown}:{}: {p}", n + 1));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} links found: is the parser broken?"
    );
    assert!(problems.is_empty(), "dead links:\n{}", problems.join("\n"));
}

#[test]
fn heading_ids_follow_mdbook() {
    assert_eq!(
        heading_id("Fleets: many clusters in one serve"),
        "fleets-many-clusters-in-one-serve"
    );
    assert_eq!(
        heading_id("The Cello pool face: a lab of clusters"),
        "the-cello-pool-face-a-lab-of-clusters"
    );
    assert_eq!(heading_id("[Link](x.md) and more"), "link-and-more");
    let a = anchors("# A\n## A\n```\n# not a heading\n```\n");
    assert_eq!(a, BTreeSet::from(["a".to_string(), "a-1".to_string()]));
    assert_eq!(
        links("see [x](a.md#b) and ![i](c.png)"),
        vec!["a.md#b", "c.png"]
    );
}

#[test]
fn a_dead_link_is_found() {
    let readme = repo().join("README.md");
    assert!(check_link(&readme, "docs/no-such-chapter.md").is_some());
    assert!(check_link(&readme, "docs/control-api.md#no-such-heading").is_some());
    assert!(check_link(
        &readme,
        "docs/control-api.md#fleets-many-clusters-in-one-serve"
    )
    .is_none());
}
