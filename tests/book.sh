#!/usr/bin/env bash
# Builds the book (docs/, mdBook) with warnings as errors. mdbook comes from the crates
# registry through `cargo install --locked`, pinned; once installed (~/.cargo/bin) a
# second run does not rebuild it (cargo install answers "already installed" in < 1 s).
# Links and anchors are checked by tests/book_links.rs (cargo test); the shell blocks
# run in tests/readme_blocks.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
MDBOOK_VERSION=0.5.4
if ! mdbook --version 2>/dev/null | grep -qx "mdbook v$MDBOOK_VERSION"; then
  cargo install --locked --quiet mdbook --version "$MDBOOK_VERSION" --no-default-features --features search
fi
log=$(mktemp)
rc=0
mdbook build docs >"$log" 2>&1 || rc=$?
cat "$log"
if [ "$rc" -ne 0 ] || grep -Eq '(^| )(WARN|ERROR)( |$)' "$log"; then
  echo "book: FAILED (mdbook exit $rc, or a warning above)" >&2; exit 1
fi
test -s target/book/index.html
echo "book: built in target/book ($(find target/book -name '*.html' | wc -l) pages)"
