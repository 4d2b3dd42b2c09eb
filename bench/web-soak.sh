#!/usr/bin/env bash
# Starts the whole Macha web app on 127.0.0.1, runs health cycles back to back through the API,
# and prints its resident memory every 100 cycles: VmRSS and its anonymous, file-backed and shared
# parts from /proc/PID/status, in MB. Usage: bench/web-soak.sh [cycles] [port]
# The app inherits the environment, so DOTNET_GCgen0size=0x400000 bench/web-soak.sh measures the app
# as the Nix package's wrapper starts it.
set -euo pipefail
cycles=${1:-1000}
port=${2:-5391}
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d)
out=$(mktemp -d)

dotnet publish "$root/Macha.Web" -c Release -o "$out" >/dev/null
Macha__DataDirectory="$data" Macha__CheckInterval=1.00:00:00 \
  "$out/macha" --Kestrel:Endpoints:Http:Url="http://127.0.0.1:$port" >"$data/app.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$data" "$out"' EXIT

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break
  sleep 0.2
done

rss() {
  awk '/^(VmRSS|RssAnon|RssFile|RssShmem):/ { sub(":", "", $1); printf " %s_mb=%.1f", tolower($1), $2 / 1024 }' \
    "/proc/$pid/status"
}
echo "cycles=0$(rss)"
start=$(date +%s)
for i in $(seq 1 "$cycles"); do
  id=$(curl -sf -X POST "http://127.0.0.1:$port/api/cycles" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  while curl -sf "http://127.0.0.1:$port/api/cycles/$id" | grep -Eq '"state":"(Queued|Running)"'; do
    sleep 0.05
  done
  if (( i % 100 == 0 )); then
    echo "cycles=$i$(rss)"
  fi
done
echo "seconds=$(( $(date +%s) - start ))"
