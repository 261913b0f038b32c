#!/usr/bin/env bash
# Runs every ```sh block of README.md, scenarios/README.md and the book's chapters (in
# docs/SUMMARY.md's order) as printed, in order, from the repository root, and fails on
# the first command that fails. Conventions (keep new blocks within them):
# - `clustersim` is the release binary (target/release is put first on PATH, as after
#   `cargo install --path .`).
# - A line that starts a server (`cargo run ... -- serve ...` or `clustersim serve ...`)
#   runs in the background; the runner waits until /sim/v1/health answers, then goes on.
#   The server stays up for the following blocks of the same file (a block of curls uses
#   the previous block's server) until the next serve line or the end of the file; at
#   most 120 s each.
# - `curl` gets --max-time 20; `curl -N` (a stream) is cut after 2 s, which counts as
#   success. An answer with `"result":{"code":5` (another operation in progress) fails
#   the run: a block must wait where an operation takes time.
# - `cargo test` lines are skipped (.ci/run runs the test suite itself).
# - A block that cannot run here (it needs docker, a Kubernetes cluster, ...) is marked
#   by the line `<!-- not run: REASON -->` right before its fence; a reason is required.
#   Synopses are ```text blocks, not shell.
# - Files the blocks create that git does not know are removed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build --release --quiet || exit 1
export PATH="$root/target/release:$PATH"
work=$(mktemp -d)
git ls-files --others --exclude-standard | sort >"$work/before"

script="$work/blocks.sh"
python3 - "$script" README.md scenarios/README.md <<'PY'
import os, re, shlex, sys
out, files = sys.argv[1], sys.argv[2:]
# The book's chapters, in SUMMARY.md's order (each once).
for target in re.findall(r"\]\(([^)#]+\.md)\)", open("docs/SUMMARY.md").read()):
    path = os.path.normpath(os.path.join("docs", target))
    if path not in files:
        files.append(path)
serve = re.compile(r"^(cargo run\b.*\s--\s+serve\b|clustersim serve\b)")
block_re = re.compile(r"(^<!-- not run:(.*?)-->\n)?^```(?:sh|bash|shell)\n(.*?)^```", re.S | re.M)
lines = []
for f in files:
    text = open(f).read()
    lines.append("stop_serve")  # a file's blocks never lean on another file's server
    for n, m in enumerate(block_re.finditer(text), 1):
        marked, reason, block = m.group(1), (m.group(2) or "").strip(), m.group(3)
        if marked and not reason:
            sys.exit(f"{f} block {n}: `<!-- not run: -->` needs a reason")
        if marked:
            lines.append(f"echo {shlex.quote(f'== {f} block {n}: not run ({reason})')}")
            continue
        lines.append(f"echo {shlex.quote(f'== {f} block {n}')}")
        for line in block.splitlines():
            # A trailing `&` (a person backgrounds the server) is the runner's job here.
            cmd = line.split("   #")[0].split("  #")[0].strip().rstrip("&").strip() if serve.match(line) else line
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            lines.append(f"echo {shlex.quote('$ ' + line)}")
            if serve.match(line):
                lines.append(f"start_serve {shlex.quote(cmd)}")
            elif line.startswith("cargo test"):
                lines.append("echo '(skipped: .ci/run runs the tests)'")
            else:
                lines.append(line)
open(out, "w").write("\n".join(lines) + "\n")
PY

cat >"$work/prelude.sh" <<'SH'
set -eo pipefail
serve_pid=""
stop_serve() {
  if [ -n "$serve_pid" ]; then kill -INT "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  serve_pid=""
}
trap stop_serve EXIT
start_serve() {
  stop_serve
  timeout 120 bash -c "$1" >"$WORK/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 600); do
    if command curl -s --max-time 1 http://127.0.0.1:29009/sim/v1/health >/dev/null 2>&1; then return 0; fi
    kill -0 "$serve_pid" 2>/dev/null || { cat "$WORK/serve.log"; return 1; }
    sleep 0.2
  done
  echo "the server did not answer within 120 s"; cat "$WORK/serve.log"; return 1
}
curl() {
  local a rc=0 body
  for a in "$@"; do
    if [ "$a" = -N ]; then command curl -s --max-time 2 "$@" || rc=$?; [ "$rc" -eq 28 ] && rc=0; echo; return "$rc"; fi
  done
  body=$(command curl --silent --show-error --max-time 20 "$@") || return $?
  echo "$body"
  case "$body" in *'"result":{"code":5'*) echo "another operation was in progress: the block must wait" >&2; return 1 ;; esac
}
SH
[ -s "$script" ] || { echo "README blocks: no script was made"; exit 1; }
WORK=$work bash -c "source '$work/prelude.sh'; source '$script'"
rc=$?

git ls-files --others --exclude-standard | sort >"$work/after"
comm -13 "$work/before" "$work/after" | while read -r f; do rm -f -- "$f"; done
blocks=$(grep -c "^echo '== " "$script" || true)
rm -rf .venv "$work"
if [ "$rc" -ne 0 ]; then echo "README blocks: FAILED (exit code $rc)"; exit 1; fi
echo "README and book blocks: all ran ($blocks blocks, those marked not run included)"
