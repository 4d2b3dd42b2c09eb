#!/usr/bin/env bash
# Measures the REST API's throughput and latency with wrk (Debian package wrk) against a Release
# build of Macha on 127.0.0.1, for GET /api/approvals and GET /api/snapshots/latest.
# Usage: bench/api-wrk.sh [seconds] [connections] [port]
set -euo pipefail
seconds=${1:-30}
connections=${2:-32}
port=${3:-5393}
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d)
out=$(mktemp -d)
base="http://127.0.0.1:$port"

dotnet publish "$root/Macha.Web" -c Release -o "$out" >/dev/null
Macha__DataDirectory="$data" Macha__CheckInterval=1.00:00:00 \
  "$out/macha" --Kestrel:Endpoints:Http:Url="$base" >"$data/app.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$data" "$out"' EXIT

# The first health cycle writes the first snapshot, which can take a minute on a busy machine.
for _ in $(seq 1 600); do
  curl -sf "$base/api/snapshots/latest" >/dev/null && break
  sleep 0.2
done
if ! curl -sf "$base/api/snapshots/latest" >/dev/null; then
  echo "No snapshot after 120 s, so the snapshot figures would count 404 responses. The app's log:" >&2
  tail -n 20 "$data/app.log" >&2
  exit 1
fi

# 50 pending approvals, so the list endpoint returns a full default page (50) rather than an empty one.
# Times are UTC ticks (100 ns since 0001-01-01), as Macha stores them.
now_ticks=$(( $(date +%s) * 10000000 + 621355968000000000 ))
for i in $(seq 1 50); do
  id=$(cat /proc/sys/kernel/random/uuid | tr 'a-z' 'A-Z')
  # The first health cycle may be writing at the same moment; wait for its lock rather than fail.
  sqlite3 -cmd ".timeout 10000" "$data/macha.db" "INSERT INTO Approvals (Id, State, HostName, ActionKind, ArgvJson, Risk, Reason, DedupKey, CreatedAt, ChangedAt)
    VALUES ('$id', 'Pending', 'bench-host', 'restart-unit', '[\"sudo\",\"-n\",\"systemctl\",\"restart\",\"unit$i.service\"]', 'Low',
            'unit$i.service failed.', 'bench:$i', $now_ticks, $now_ticks);"
done
test "$(curl -sf "$base/api/approvals" | grep -o '"totalCount":[0-9]*')" = '"totalCount":50'

echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for path in /api/approvals /api/snapshots/latest; do
  echo "== GET $path"
  wrk --threads 2 --connections "$connections" --duration "${seconds}s" --latency "$base$path"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
