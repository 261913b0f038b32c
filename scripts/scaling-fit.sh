#!/usr/bin/env bash
# Reads criterion's estimates of the `scaling` group (after
# `cargo bench --bench engine -- scaling`) and prints the README's table: per cluster
# size the median time of one run (1 simulated hour, a fault every 10 minutes, engine
# set-up included), the speed-up over real time, and the exponent k of the fit
# time ~ servers^k over 100 ... 10,000 servers (least squares on logarithms).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import json, math, os
root = "target/criterion/scaling"
rows = []
for d in sorted(os.listdir(root), key=lambda x: int(x) if x.isdigit() else -1):
    f = os.path.join(root, d, "new", "estimates.json")
    if d.isdigit() and os.path.exists(f):
        ns = json.load(open(f))["median"]["point_estimate"]
        rows.append((int(d), ns / 1e6))
print("| servers | median per run | speed-up over real time |")
print("|---|---|---|")
for n, ms in rows:
    print(f"| {n:,} | {ms:,.1f} ms | {3_600_000 / ms:,.0f}x |")
pts = [(math.log(n), math.log(ms)) for n, ms in rows if 100 <= n <= 10_000]
if len(pts) >= 2:
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    k = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    print(f"\ngrowth from 100 to 10,000 servers: time ~ servers^{k:.2f} (bar: <= 1.15)")
PY
