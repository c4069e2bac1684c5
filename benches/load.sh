#!/usr/bin/env bash
# The load test of `deemed serve` (figures in benches/README.md): starts the release build on
# a free loopback port, then, each bounded in time, wrk against /healthz and
# /v1/when-effective at 16 connections, and a 1M-record log through /v1/batch.
#   cargo build --release && cargo build --release --example gen_log && benches/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
log="${LOG:-/tmp/real1m.jsonl}"
[ -f "$log" ] || target/release/examples/gen_log 1000000 > "$log"
target/release/deemed serve --addr 127.0.0.1:0 2> /tmp/deemed-serve.err &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening /tmp/deemed-serve.err 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's/.*listening on http:\/\///p' /tmp/deemed-serve.err)
echo "== GET /healthz"
wrk -t2 -c16 -d"$duration" --latency "http://$addr/healthz" | grep -E "Requests/sec|50%|99%"
echo "== POST /v1/when-effective"
wrk -t2 -c16 -d"$duration" --latency -s benches/when_effective.lua "http://$addr/v1/when-effective" | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== POST /v1/batch ($log)"
timeout 120 python3 benches/batch_client.py "$log" "$addr"
echo "== deemed batch --threads 1 (the same log)"
/usr/bin/time -f "%e s" target/release/deemed batch "$log" --quiet --threads 1 > /dev/null 2> /tmp/deemed-batch.err || true
tail -1 /tmp/deemed-batch.err
