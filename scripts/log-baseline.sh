#!/usr/bin/env bash
# Writes every corpus scenario's event log (under its own seed and under seed 7) and
# `log_fingerprint N` into OUT, so that a refactoring which must not change behaviour
# is checked with `diff -r BEFORE AFTER` (run once on each side of the change).
# usage: scripts/log-baseline.sh OUT [N=5000]   (after `cargo build --release --examples`)
set -euo pipefail
out=${1:?usage: scripts/log-baseline.sh OUT [N]}
n=${2:-5000}
cd "$(dirname "$0")/.."
bin=target/release/clustersim
mkdir -p "$out/own" "$out/seed7"
for f in scenarios/*.yaml; do
  name=$(basename "$f" .yaml)
  "$bin" run "$f" --color never --events "$out/own/$name.jsonl" >/dev/null || true
  "$bin" run "$f" --color never --seed 7 --events "$out/seed7/$name.jsonl" >/dev/null || true
done
target/release/examples/log_fingerprint "$n" > "$out/fingerprint-$n.txt"
echo "$(ls "$out/own" | wc -l) scenarios × 2 seeds and $(wc -l < "$out/fingerprint-$n.txt") fingerprints in $out"
