//! Generated copies of the vocabulary are committed (editors and OpenAPI tools read them
//! from the repository); this test regenerates them in memory from the Rust types and
//! fails when a committed copy is stale. Refresh them with
//! `UPDATE_EXPECT=1 cargo test --release --test generated`.

use clustersim::vocab::{openapi_document, pretty, scenario_schema};
use std::path::PathBuf;

fn check(path: &str, fresh: String) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    if committed == fresh {
        return;
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&file, fresh).expect("the generated copy is writable");
        return;
    }
    let line = committed
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .map_or(committed.lines().count().min(fresh.lines().count()), |i| i)
        + 1;
    panic!(
        "{path} is stale (first difference at line {line}): the Rust types changed. \
         Regenerate it with `UPDATE_EXPECT=1 cargo test --release --test generated` \
         and commit the result."
    );
}

#[test]
fn scenario_schema_is_fresh() {
    check("scenarios/scenario.schema.json", pretty(&scenario_schema()));
}

#[test]
fn openapi_components_are_fresh() {
    let path = "src/faces/expresscluster/openapi.json";
    let committed = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path))
        .expect("openapi.json exists");
    check(
        path,
        openapi_document(&committed).expect("openapi.json parses"),
    );
}

#[test]
fn exercise_schema_is_fresh() {
    check(
        "exercises/exercise.schema.json",
        pretty(&clustersim::host::exercise::exercise_schema()),
    );
}

#[path = "generated/book_reference.rs"]
mod book_reference;

#[test]
fn book_reference_pages_are_fresh() {
    check("docs/reference/cli.md", book_reference::cli());
    check(
        "docs/reference/vocabulary.md",
        book_reference::vocabulary_page(),
    );
    check("docs/reference/endpoints.md", book_reference::endpoints());
    check("docs/reference/limits.md", book_reference::limits());
}
