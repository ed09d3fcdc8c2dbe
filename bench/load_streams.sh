#!/usr/bin/env bash
# Concurrent streams held open at once: a simulator with STREAMS slots that
# decodes slowly (10 tokens/s, 20 tokens: each answer streams for about 2 s),
# and `chimera bench -c STREAMS --runs STREAMS`, so every request is in flight
# together. Prints how many were in flight at most (the client's own
# max_in_flight), how many finished ok, the wall time and the client's peak RSS.
# Each stream is one socket on each side, so both processes need more than
# STREAMS descriptors: the script raises the soft limit to the hard one and
# refuses to start when that is not enough.
# Usage: bench/load_streams.sh [BUILD_DIR] [STREAMS]
set -euo pipefail
# shellcheck source=bench/sim_port.sh
. "$(dirname "$0")/sim_port.sh"
build=${1:-build}
streams=${2:-10000}
chimera="$build/bin/chimera"
ulimit -n "$(ulimit -Hn)"
need=$((streams + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "need $need file descriptors per process, the hard limit is $(ulimit -Hn)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$chimera" sim --port 0 --parallel "$streams" --max-queue "$streams" --load-ms 0 \
  --decode-tps 10 --prefill-tps 1000000 --jitter 0 >"$work/sim.out" 2>&1 &
sim_pid=$!
port=$(sim_port "$work/sim.out")

/usr/bin/time -f "%e %M" -o "$work/time" "$chimera" --json bench -e "http://127.0.0.1:$port" \
  -c "$streams" --runs "$streams" --warmup 1 --num-predict 20 --no-store \
  --timeout-connect 60 >"$work/r.json"
read -r wall rss_kb <"$work/time"
jq -r --arg wall "$wall" --arg rss "$rss_kb" '.configurations[0].load.throughput |
  "streams in flight at most: \(.max_in_flight) of \(.requests) requests, \(.ok) ok; " +
  "wall \($wall) s; client peak RSS \(($rss | tonumber) / 1024 | floor) MB"' "$work/r.json"
