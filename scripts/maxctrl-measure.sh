#!/bin/bash
# Measures which maxctrl commands work against the MaxScale face: runs each line of
# scripts/maxctrl/commands-VERSION.txt with a maxctrl you built yourself from the
# MaxScale source (its maxctrl/ folder after `npm install`), unchanged but for host,
# port and credentials, against a fresh `clustersim serve --face maxscale=...` on the
# cluster of tests/data/xcat_cluster.yaml. Lines run in order (later ones see earlier
# changes). A line is `EXIT|PATTERN|ARGS`: it works when maxctrl exits with EXIT (0, or
# 1 for an expected refusal) and its output matches the extended regex PATTERN, i.e.
# when it shows what MaxScale 2.2 would answer.
#
# usage: scripts/maxctrl-measure.sh MAXCTRL_DIR VERSION [CLUSTERSIM]
#   e.g. scripts/maxctrl-measure.sh ~/MaxScale-2.2/maxctrl 2.2 target/debug/clustersim
set -u
dir=$1 version=$2 cs=${3:-target/debug/clustersim}
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-18989}
log=$(mktemp)
"$cs" serve --clock manual --listen 127.0.0.1:$((port + 1)) \
    --face maxscale=127.0.0.1:$port "$root/tests/data/xcat_cluster.yaml" >"$log" 2>&1 &
pid=$!
trap 'kill $pid; rm -f "$log"' EXIT
for _ in $(seq 50); do
    curl -s -o /dev/null -u admin:mariadb "http://127.0.0.1:$port/v1/" && break
    sleep 0.2
done
ok=0 n=0
while IFS='|' read -r want pattern args; do
    [ -z "$args" ] && continue
    eval "set -- $args"
    out=$(timeout 20 node "$dir/maxctrl.js" -h 127.0.0.1:$port -u admin -p mariadb "$@" 2>&1)
    rc=$?; [ $rc -ne 0 ] && rc=1
    n=$((n + 1))
    if [ "$rc" = "$want" ] && grep -qE -- "$pattern" <<<"$out"; then
        ok=$((ok + 1)); echo "works   maxctrl $args"
    else
        echo "FAILS   maxctrl $args"; head -4 <<<"$out" | sed 's/^/        /'
    fi
done <"$root/scripts/maxctrl/commands-$version.txt"
echo "maxctrl $version: $ok of $n commands work"
