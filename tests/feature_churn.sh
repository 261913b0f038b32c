#!/usr/bin/env bash
# Fails when `cargo test --release` would build a registry crate differently from
# `cargo build --release` (dev-dependencies switching on extra features of a normal
# dependency force a second build of tokio, axum, serde, ... after `cargo run`).
# It compares the artifact file names (which carry the feature hash) of the two builds.
# Usage: bash tests/feature_churn.sh   (builds both, so it doubles as the CI build step)
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts() {
  cargo "$@" --release --message-format=json \
    | jq -r 'select(.reason=="compiler-artifact")
             | select(.package_id | test("^path\\+file") | not)
             | .package_id as $id | .filenames[] | "\($id)\t\(.)"' | sort -u
}
build=$(mktemp) test=$(mktemp)
trap 'rm -f "$build" "$test"' EXIT
artifacts build >"$build"
artifacts test --no-run >"$test"
# A package whose build artifact is missing from the test build was rebuilt with other features.
churn=$(comm -23 "$build" "$test" | cut -f1 | sort -u | grep -Fxf <(cut -f1 "$test" | sort -u) || true)
if [ -n "$churn" ]; then
  echo "feature churn: cargo test rebuilds these dependencies with other features:" >&2
  echo "$churn" | sed 's/^/  /' >&2
  echo "align the features of the normal dependencies in Cargo.toml (cargo tree -e features -i CRATE)" >&2
  exit 1
fi
echo "feature churn: none ($(cut -f1 "$build" | sort -u | wc -l) dependency packages shared by build and test)"
