#!/usr/bin/env bash
# `make bench`: starts the release build on a scratch SQLite database and measures it with wrk.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=.build/release/lintel
work=$(mktemp -d /tmp/lintel-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/site.conf" <<CONF
server { listen 127.0.0.1:$port }
database sqlite://$work/bench.sqlite3
logging {
    level warning
    access_log off
}
CONF

"$binary" serve --config "$work/site.conf" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

measure() { # measure NAME PATH: wrk -t1 -c32 -d10s, prints requests/s
    local name=$1 path=$2 out rps
    out=$(wrk -t1 -c32 -d10s "http://127.0.0.1:$port$path")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    latency=$(awk '/Latency/ {print $2}' <<<"$out")
    printf '%-40s %12s req/s   (mean latency %s)\n' "$name" "$rps" "$latency"
}

echo "Lintel $("$binary" version | awk '{print $2}') release build, wrk -t1 -c32 -d10s on $(nproc) cores"
measure "GET /healthz (ceiling)" /healthz
measure "GET /api/v1/health/ready (database)" /api/v1/health/ready
