//! The behaviour contract: `behaviour/catalogue.yaml` gives every modelled behaviour a
//! stable id; every corpus scenario names the ids it shows (`covers:`). This test fails
//! when an id has no scenario, a scenario cites no id or an unknown one, or the book
//! page generated from both (`docs/behaviour-catalogue.md`) is stale. Refresh the page
//! with `UPDATE_EXPECT=1 cargo test --test behaviour_catalogue`.

use clustersim::scenario::{cli::discover, file::load};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    behaviours: Vec<Behaviour>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Behaviour {
    id: String,
    title: String,
    basis: String,
    source: String,
    #[serde(default)]
    setting: Option<String>,
    #[serde(default)]
    retired: Option<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalogue() -> Catalogue {
    let path = root().join("behaviour/catalogue.yaml");
    let text = std::fs::read_to_string(&path).expect("behaviour/catalogue.yaml exists");
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(scenario file name, its name, the ids it covers)` for every corpus file.
fn corpus() -> Vec<(String, String, Vec<String>)> {
    let files = discover(&[root().join("scenarios")]).expect("scenarios/ has files");
    files
        .iter()
        .map(|f| {
            let s = load(f).unwrap_or_else(|e| panic!("{e}"));
            let file = f.file_name().unwrap().to_string_lossy().to_string();
            (file, s.name, s.covers)
        })
        .collect()
}

/// Every problem with the catalogue and the corpus's citations, one line each.
fn problems(cat: &Catalogue, corpus: &[(String, String, Vec<String>)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for b in &cat.behaviours {
        let well_formed = b.id.split('-').collect::<Vec<_>>();
        let ok = matches!(well_formed.as_slice(), ["EC", area, n]
            if !area.is_empty() && area.chars().all(|c| c.is_ascii_uppercase())
               && n.parse::<u32>().is_ok());
        if !ok {
            out.push(format!("{}: an id is EC-AREA-N", b.id));
        }
        if seen.insert(b.id.as_str(), ()).is_some() {
            out.push(format!("{}: the id is listed twice", b.id));
        }
        if !["doc", "infer", "assume"].contains(&b.basis.as_str()) {
            out.push(format!("{}: basis is doc, infer or assume", b.id));
        }
        if b.title.trim().is_empty() || b.source.trim().is_empty() {
            out.push(format!("{}: a behaviour needs a title and a source", b.id));
        }
    }
    let live = |id: &str| {
        cat.behaviours
            .iter()
            .any(|b| b.id == id && b.retired.is_none())
    };
    for (file, _, covers) in corpus {
        if covers.is_empty() {
            out.push(format!(
                "scenarios/{file}: cites no behaviour id (`covers:`)"
            ));
        }
        for id in covers.iter().filter(|id| !live(id)) {
            out.push(format!(
                "scenarios/{file}: cites `{id}`, which is not a live id of the catalogue"
            ));
        }
    }
    for b in cat.behaviours.iter().filter(|b| b.retired.is_none()) {
        if !corpus.iter().any(|(_, _, c)| c.contains(&b.id)) {
            out.push(format!("{}: no scenario covers it", b.id));
        }
    }
    out
}

#[test]
fn every_id_has_a_scenario_and_every_scenario_cites_known_ids() {
    let p = problems(&catalogue(), &corpus());
    assert!(p.is_empty(), "{}", p.join("\n"));
}

/// The check itself fails when a citation is removed or an id is unknown: the corpus
/// with one id's citations taken out, and with an invented id, must be reported.
#[test]
fn the_check_fails_when_a_citation_is_removed_or_unknown() {
    let cat = catalogue();
    let mut corpus = corpus();
    let victim = cat.behaviours[0].id.clone();
    for (_, _, covers) in corpus.iter_mut() {
        covers.retain(|id| *id != victim);
    }
    let p = problems(&cat, &corpus);
    assert!(
        p.contains(&format!("{victim}: no scenario covers it")),
        "{p:#?}"
    );
    corpus[0].2 = vec!["EC-NOPE-1".into()];
    let p = problems(&cat, &corpus);
    let file = corpus[0].0.clone();
    assert!(
        p.contains(&format!(
            "scenarios/{file}: cites `EC-NOPE-1`, which is not a live id of the catalogue"
        )),
        "{p:#?}"
    );
    corpus[0].2.clear();
    assert!(problems(&cat, &corpus).contains(&format!(
        "scenarios/{file}: cites no behaviour id (`covers:`)"
    )));
}

/// The book page: every behaviour with its source and basis, and the scenarios that
/// show it.
fn render(cat: &Catalogue, corpus: &[(String, String, Vec<String>)]) -> String {
    let mut s = String::from(
        "# Behaviour catalogue\n\n\
         Generated from `behaviour/catalogue.yaml` and the `covers:` field of every scenario \
         in `scenarios/` by `tests/behaviour_catalogue.rs` \
         (`UPDATE_EXPECT=1 cargo test --test behaviour_catalogue`); do not edit by hand.\n\n\
         Every behaviour of EXPRESSCLUSTER X the simulator models has a stable id. **Basis**: \
         `doc` stated in NEC material, `infer` our reading of NEC material, `assume` not found \
         publicly (the simulator's documented default, a named setting). **Source**: `B §n` is \
         a section of the behaviour reference (`expresscluster-behaviour.md`), `M` the X 5.x \
         mirror endpoints note, `alert` the X 4.2 alert catalogue, `REST` the REST API \
         reference.\n\n",
    );
    let live: Vec<_> = cat
        .behaviours
        .iter()
        .filter(|b| b.retired.is_none())
        .collect();
    s.push_str(&format!(
        "{} behaviours, {} scenarios.\n\n",
        live.len(),
        corpus.len()
    ));
    s.push_str("| id | behaviour | basis | source | scenarios |\n|---|---|---|---|---|\n");
    for b in &live {
        let scenarios: Vec<String> = corpus
            .iter()
            .filter(|(_, _, c)| c.contains(&b.id))
            .map(|(f, _, _)| format!("`{}`", f.trim_end_matches(".yaml")))
            .collect();
        let setting = b
            .setting
            .as_ref()
            .map(|x| format!(" (setting: `{x}`)"))
            .unwrap_or_default();
        s.push_str(&format!(
            "| {} | {} | {}{} | {} | {} |\n",
            b.id,
            b.title.replace('|', "\\|"),
            b.basis,
            setting,
            b.source,
            scenarios.join(", ")
        ));
    }
    s
}

#[test]
fn the_book_page_is_fresh() {
    let fresh = render(&catalogue(), &corpus());
    let path = root().join("docs/behaviour-catalogue.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == fresh {
        return;
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, fresh).expect("docs/ is writable");
        return;
    }
    panic!(
        "docs/behaviour-catalogue.md is stale: regenerate it with \
         `UPDATE_EXPECT=1 cargo test --test behaviour_catalogue` and commit it"
    );
}
