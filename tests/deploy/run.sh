#!/usr/bin/env bash
# Tests the ways to spread a sweep, locally, and the sweep report in a browser:
# 1. the Kubernetes manifests validate against the Kubernetes schemas (kubernetes-validate
#    from PyPI, --strict) and the Job against tests/deploy/job.schema.json (the values)
#    and its container command, run as N local processes (JOB_COMPLETION_INDEX=i),
#    gives parts that merge into the unsharded file, byte for byte;
# 2. the Slurm array script, run as N local processes (SLURM_ARRAY_TASK_ID=i), too;
# 3. the report of those results opens in headless Chromium with its table and plots.
# Installs what is missing (Debian's chromium, python3-yaml, python3-jsonschema,
# python3-venv; kubernetes-validate into target/kubernetes-validate).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
need=()
python3 -c "import yaml, jsonschema" 2>/dev/null || need+=(python3-yaml python3-jsonschema)
python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "deploy test: installing ${need[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release --quiet
bin="$root/target/release"
export PATH="$bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sweep="${SWEEP:-tests/deploy/quick-sweep.yaml}"
fail() { echo "deploy test: FAIL: $*"; exit 1; }
KUBERNETES_VALIDATE=1.37.0

echo "== unsharded"
clustersim sweep "$sweep" --quiet --out "$work/whole.jsonl"

echo "== kubernetes: schema, then the container command as N processes"
job="$(python3 tests/deploy/check_job.py deploy/kubernetes/sweep-job.yaml tests/deploy/job.schema.json)"
# The claim the Job mounts is defined beside it, under the same name.
python3 - <<'PY' || fail "deploy/kubernetes/results-pvc.yaml does not define the Job's claim"
import yaml
pvc = yaml.safe_load(open("deploy/kubernetes/results-pvc.yaml"))
job = yaml.safe_load(open("deploy/kubernetes/sweep-job.yaml"))
claims = [v["persistentVolumeClaim"]["claimName"] for v in job["spec"]["template"]["spec"]["volumes"]]
assert pvc["apiVersion"] == "v1" and pvc["kind"] == "PersistentVolumeClaim", pvc
assert pvc["metadata"]["name"] in claims and pvc["spec"]["resources"]["requests"]["storage"], pvc
PY
# Both manifests against the Kubernetes API schemas themselves: kubernetes-validate
# (PyPI; the schemas ship inside the package, so it works offline), --strict so an
# unknown field is an error. Installed once into target/ (a second run reuses it).
kv_venv="$root/target/kubernetes-validate"
if ! "$kv_venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$KUBERNETES_VALIDATE"; then
  python3 -m venv "$kv_venv" && "$kv_venv/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE"
fi
"$kv_venv/bin/kubernetes-validate" --strict deploy/kubernetes/*.yaml \
  || fail "deploy/kubernetes/*.yaml do not validate against the Kubernetes schemas"
sed 's/^  parallelism:/  paralelism:/' deploy/kubernetes/sweep-job.yaml > "$work/unknown-field.yaml"
grep -q '^  paralelism:' "$work/unknown-field.yaml" || fail "the Job has no spec.parallelism to misspell"
if "$kv_venv/bin/kubernetes-validate" --strict --quiet "$work/unknown-field.yaml" >/dev/null 2>&1; then
  fail "kubernetes-validate accepts a misspelt spec field"
fi
# A manifest with a typo in a value the Kubernetes schema leaves open (a string)
# must be refused by the project's own schema of the fields the Job uses.
sed 's/completionMode: Indexed/completionMode: indexed/' deploy/kubernetes/sweep-job.yaml > "$work/typo.yaml"
if python3 tests/deploy/check_job.py "$work/typo.yaml" tests/deploy/job.schema.json >/dev/null 2>&1; then
  fail "the schema accepts completionMode: indexed"
fi
n="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["completions"])' "$job")"
line="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["line"])' "$job")"
shards="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["env"]["SHARDS"])' "$job")"
mkdir -p "$work/k8s"
pids=()
for ((i = 0; i < n; i++)); do
  JOB_COMPLETION_INDEX=$i SWEEP="$sweep" SHARDS="$shards" RESULTS="$work/k8s" /bin/sh -c "$line" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a Job pod's command failed"; done
clustersim sweep merge "$work"/k8s/part-*.jsonl --out "$work/k8s.jsonl"
cmp "$work/whole.jsonl" "$work/k8s.jsonl" || fail "kubernetes parts do not merge into the unsharded file"

echo "== slurm: the array script as N processes"
tasks="$(sed -n 's/^#SBATCH --array=0-\([0-9]*\)$/\1/p' deploy/slurm/sweep.sbatch)"
pids=()
for ((i = 0; i <= tasks; i++)); do
  SLURM_ARRAY_TASK_ID=$i SWEEP="$sweep" RESULTS="$work/slurm" bash deploy/slurm/sweep.sbatch &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "an array task failed"; done
clustersim sweep merge "$work"/slurm/part-*.jsonl --out "$work/slurm.jsonl"
cmp "$work/whole.jsonl" "$work/slurm.jsonl" || fail "slurm parts do not merge into the unsharded file"

echo "== report in headless chromium"
clustersim sweep report "$work/whole.jsonl" --html "$work/report.html"
chrome="${CHROMIUM:-/usr/bin/chromium}"
"$chrome" --headless --no-sandbox --disable-gpu --dump-dom "file://$work/report.html" > "$work/dom.html" 2>/dev/null
ecdfs="$(grep -o 'class="plot ecdf"' "$work/dom.html" | wc -l)"
lines="$(grep -o 'class="plot pct"' "$work/dom.html" | wc -l)"
grep -q '<table id="summary">' "$work/dom.html" || fail "no summary table in the rendered page"
# Figures per varying metric are checked in tests/browser/sweep.test.mjs; here: present.
[ "$ecdfs" -ge 1 ] || fail "no ECDF in the rendered page"
[ "$lines" -ge 1 ] || fail "no plot against a factor"
if [ -n "${SCREENSHOT:-}" ]; then
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1000 \
    --screenshot="$SCREENSHOT" "file://$work/report.html" 2>/dev/null
fi
echo "deploy test: passed (kubernetes $n shards, slurm $((tasks + 1)) tasks, report with $ecdfs ECDFs + $lines plots against a factor)"
