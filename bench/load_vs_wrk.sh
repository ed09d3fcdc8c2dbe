#!/usr/bin/env bash
# Client cost per request, chimera bench against wrk: both from one client core
# (taskset -c 0) against the same no-delay simulator on the other core
# (taskset -c 1), 16 tokens per answer, 64 connections. Prints each tool's
# requests/s and user+system CPU per request (measured with /usr/bin/time),
# and the ratio. Usage: bench/load_vs_wrk.sh [BUILD_DIR] [REQUESTS] [SECONDS]
set -euo pipefail
# shellcheck source=bench/sim_port.sh
. "$(dirname "$0")/sim_port.sh"
build=${1:-build}
requests=${2:-20000}
seconds=${3:-5}
chimera="$build/bin/chimera"
work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

taskset -c 1 "$chimera" sim --port 0 --no-delays --parallel 1024 --max-queue 100000 \
  --threads 1 >"$work/sim.out" 2>&1 &
sim_pid=$!
port=$(sim_port "$work/sim.out")
url="http://127.0.0.1:$port"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gemma3:latest","prompt":"Hello","stream":true,"options":{"num_predict":16}}'
LUA

# wrk: requests/s from its own summary, CPU from time(1).
/usr/bin/time -f "%U %S" -o "$work/wrk.time" taskset -c 0 wrk -t1 -c64 -d"${seconds}s" \
  -s "$work/post.lua" "$url/api/generate" >"$work/wrk.out"
wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
wrk_n=$(awk '/requests in/ {print $1}' "$work/wrk.out")
wrk_cpu=$(awk '{print $1 + $2}' "$work/wrk.time")

/usr/bin/time -f "%e %U %S" -o "$work/chimera.time" taskset -c 0 "$chimera" --json bench \
  -e "$url" -c 64 --runs "$requests" --warmup 1 --num-predict 16 --no-store >"$work/chimera.json"
read -r wall user sys <"$work/chimera.time"
ch_rps=$(jq '.configurations[0].load.throughput.requests_per_s' "$work/chimera.json")
ch_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')

awk -v wr="$wrk_rps" -v wn="$wrk_n" -v wc="$wrk_cpu" -v cr="$ch_rps" -v cn="$requests" \
  -v cc="$ch_cpu" -v wall="$wall" 'BEGIN {
  printf "wrk:     %10.0f requests/s, %6.1f us CPU per request (%d requests)\n", wr, wc / wn * 1e6, wn
  printf "chimera: %10.0f requests/s, %6.1f us CPU per request (%d requests, %.2f s wall)\n", cr, cc / cn * 1e6, cn, wall
  printf "ratio:   wrk/chimera requests/s %.1fx, chimera/wrk CPU per request %.1fx\n", wr / cr, (cc / cn) / (wc / wn)
}'
