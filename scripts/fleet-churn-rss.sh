#!/bin/sh
# Creates N clusters through POST /sim/v1/clusters and deletes them, in rounds of at
# most 1,000 (the host holds at most 2,000 at once), and prints the server's RSS (KiB),
# threads and file descriptors at start, after the first round's creates and at the
# end.   usage: scripts/fleet-churn-rss.sh [N] [--state DIR]
set -eu
N=${1:-5000}
shift || true
BIN=${BIN:-target/release/clustersim}
PORT=${PORT:-29391}
LOG=$(mktemp)
"$BIN" serve --clock manual --listen 127.0.0.1:$PORT "$@" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; rm -f "$LOG"' EXIT INT TERM
until grep -q serving "$LOG"; do sleep 0.1; done
U=http://127.0.0.1:$PORT
show() {
  rss=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  anon=$(awk "/RssAnon/ {print \$2}" /proc/$PID/status)
  file=$(awk "/RssFile/ {print \$2}" /proc/$PID/status)
  thr=$(awk '/Threads/ {print $2}' /proc/$PID/status)
  fds=$(ls /proc/$PID/fd | wc -l)
  echo "$1: rss_kib=$rss anon_kib=$anon file_kib=$file threads=$thr fds=$fds"
}
curl -s -u user:password $U/sim/v1/clusters >/dev/null
show start
ROUND=1000
done_n=0
while [ $done_n -lt "$N" ]; do
  i=$((done_n + 1)); end=$((done_n + ROUND)); [ $end -gt "$N" ] && end=$N
  while [ $i -le $end ]; do
    curl -s -o /dev/null -u user:password -X POST $U/sim/v1/clusters -d "{\"name\":\"c$i\"}"
    i=$((i + 1))
  done
  [ $done_n -eq 0 ] && show created
  i=$((done_n + 1))
  while [ $i -le $end ]; do
    curl -s -o /dev/null -u user:password -X DELETE $U/sim/v1/clusters/c$i
    i=$((i + 1))
  done
  done_n=$end
done
sleep 2
curl -s -u user:password $U/sim/v1/clusters >/dev/null
show deleted
