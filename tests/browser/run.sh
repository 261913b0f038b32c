#!/usr/bin/env bash
# Runs the dashboard's browser test: installs what is missing (Debian's chromium,
# playwright-core from npm; never a downloaded browser), builds the release binary when
# it is not up to date, and runs tests/browser/{dashboard,report,sweep}.test.mjs, whose
# last lines are `N passed, N failed`. Screenshots go to target/browser/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

command -v node >/dev/null || { echo "browser test: Node.js (20 or later) is required"; exit 1; }

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "browser test: installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "browser test: installing playwright-core"
  # The package never downloads a browser; this only fetches its JavaScript.
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

if [ -z "${CLUSTERSIM_BIN:-}" ]; then
  # A no-op when the release binary is up to date; never test a stale page.
  cargo build --release --quiet
fi
bin="${CLUSTERSIM_BIN:-${CARGO_TARGET_DIR:-target}/release/clustersim}"
export CLUSTERSIM_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

node "$here/dashboard.test.mjs"
node "$here/report.test.mjs"
node "$here/sweep.test.mjs"
