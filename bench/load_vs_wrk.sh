#!/usr/bin/env bash
# Client cost per request, chimera bench against wrk: both from one client core
# (taskset -c 0) against the same no-delay simulator on the other core
# (taskset -c 1), 16 tokens per answer, 64 connections. Each round runs wrk,
# then chimera, each against a simulator of its own; the script prints every
# round and the median of the rounds:
# each tool's requests/s and CPU per request, and the ratio.
#
# CPU is the process's on-CPU time: `perf stat`'s task-clock (the scheduler's
# exact run time) when perf works here, else user + system time from
# /usr/bin/time (sampled at each clock tick, so noisier and often higher).
# Usage: bench/load_vs_wrk.sh [BUILD_DIR] [REQUESTS] [SECONDS] [ROUNDS]
set -euo pipefail
# shellcheck source=bench/sim_port.sh
. "$(dirname "$0")/sim_port.sh"
build=${1:-build}
requests=${2:-20000}
seconds=${3:-5}
rounds=${4:-3}
chimera="$build/bin/chimera"
work=$(mktemp -d)
sim_pid=""
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# A fresh simulator for every measured run, so that no run inherits the
# history (memory, truth records) of the ones before it.
start_sim() {
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  taskset -c 1 "$chimera" sim --port 0 --no-delays --parallel 1024 --max-queue 100000 \
    --threads 1 >"$work/sim.out" 2>&1 &
  sim_pid=$!
  url="http://127.0.0.1:$(sim_port "$work/sim.out")"
}

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gemma3:latest","prompt":"Hello","stream":true,"options":{"num_predict":16}}'
LUA

if perf stat -e task-clock -o /dev/null true 2>/dev/null; then
  clock="perf task-clock"
else
  clock="time(1) user+sys"
fi

# Runs "$@" and writes its CPU seconds to $1's file.
cpu_of() {
  local out=$1
  shift
  if [ "$clock" = "perf task-clock" ]; then
    perf stat -x, -e task-clock -o "$out.perf" "$@"
    awk -F, '/task-clock/ {print $1 / 1000}' "$out.perf" >"$out"
  else
    /usr/bin/time -f "%U %S" -o "$out.time" "$@"
    awk '{print $1 + $2}' "$out.time" >"$out"
  fi
}

echo "CPU measured by $clock"
for round in $(seq "$rounds"); do
  start_sim
  cpu_of "$work/wrk.cpu" taskset -c 0 wrk -t1 -c64 -d"${seconds}s" -s "$work/post.lua" \
    "$url/api/generate" >"$work/wrk.out"
  wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  wrk_n=$(awk '/requests in/ {print $1}' "$work/wrk.out")
  start_sim
  cpu_of "$work/chimera.cpu" taskset -c 0 "$chimera" --json bench -e "$url" -c 64 \
    --runs "$requests" --warmup 1 --num-predict 16 --no-store >"$work/chimera.json"
  ch_rps=$(jq '.configurations[0].load.throughput.requests_per_s' "$work/chimera.json")
  awk -v r="$round" -v wr="$wrk_rps" -v wn="$wrk_n" -v wc="$(cat "$work/wrk.cpu")" \
    -v cr="$ch_rps" -v cn="$requests" -v cc="$(cat "$work/chimera.cpu")" 'BEGIN {
    printf "round %d: wrk %8.0f requests/s %6.1f us CPU per request (%d requests); chimera %8.0f requests/s %6.1f us (%d requests)\n",
      r, wr, wc / wn * 1e6, wn, cr, cc / cn * 1e6, cn
    printf "%f %f %f %f\n", wr, wc / wn * 1e6, cr, cc / cn * 1e6 > "/dev/stderr"
  }' 2>>"$work/rounds"
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
wr=$(awk '{print $1}' "$work/rounds" | median)
wc=$(awk '{print $2}' "$work/rounds" | median)
cr=$(awk '{print $3}' "$work/rounds" | median)
cc=$(awk '{print $4}' "$work/rounds" | median)
awk -v wr="$wr" -v wc="$wc" -v cr="$cr" -v cc="$cc" -v n="$rounds" 'BEGIN {
  printf "median of %d rounds:\n", n
  printf "wrk:     %10.0f requests/s, %6.1f us CPU per request\n", wr, wc
  printf "chimera: %10.0f requests/s, %6.1f us CPU per request\n", cr, cc
  printf "ratio:   wrk/chimera requests/s %.1fx, chimera/wrk CPU per request %.1fx\n", wr / cr, cc / wc
}'
