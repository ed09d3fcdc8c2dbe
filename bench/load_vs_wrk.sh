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
# Chimera runs twice a round: as a user runs it, every request stored as it
# finishes (a SQLite file of its own per run, its rows counted afterwards),
# and with --no-store (every figure still measured and summarised, none kept).
run_chimera() {
  local name=$1
  shift
  start_sim
  cpu_of "$work/$name.cpu" taskset -c 0 "$chimera" --json bench -e "$url" -c 64 \
    --runs "$requests" --warmup 1 --num-predict 16 "$@" >"$work/$name.json"
  jq '.configurations[0].load.throughput.requests_per_s' "$work/$name.json" >"$work/$name.rps"
}

for round in $(seq "$rounds"); do
  start_sim
  cpu_of "$work/wrk.cpu" taskset -c 0 wrk -t1 -c64 -d"${seconds}s" -s "$work/post.lua" \
    "$url/api/generate" >"$work/wrk.out"
  wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  wrk_n=$(awk '/requests in/ {print $1}' "$work/wrk.out")
  rm -f "$work"/store.sqlite*
  run_chimera stored --store "$work/store.sqlite"
  stored_rows=$(sqlite3 "$work/store.sqlite" "SELECT COUNT(*) FROM requests WHERE warmup = 0")
  if [ "$stored_rows" != "$requests" ]; then
    echo "round $round: the store holds $stored_rows measured requests, not $requests" >&2
    exit 1
  fi
  run_chimera unstored --no-store
  awk -v r="$round" -v wr="$wrk_rps" -v wn="$wrk_n" -v wc="$(cat "$work/wrk.cpu")" -v cn="$requests" \
    -v sr="$(cat "$work/stored.rps")" -v sc="$(cat "$work/stored.cpu")" \
    -v ur="$(cat "$work/unstored.rps")" -v uc="$(cat "$work/unstored.cpu")" 'BEGIN {
    printf "round %d: wrk %6.0f requests/s %5.1f us CPU per request (%d requests); chimera stored %6.0f requests/s %5.1f us, --no-store %6.0f requests/s %5.1f us (%d requests)\n",
      r, wr, wc / wn * 1e6, wn, sr, sc / cn * 1e6, ur, uc / cn * 1e6, cn
    printf "%f %f %f %f %f %f\n", wr, wc / wn * 1e6, sr, sc / cn * 1e6, ur, uc / cn * 1e6 > "/dev/stderr"
  }' 2>>"$work/rounds"
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
column_median() { awk -v c="$1" '{print $c}' "$work/rounds" | median; }
awk -v wr="$(column_median 1)" -v wc="$(column_median 2)" -v sr="$(column_median 3)" \
  -v sc="$(column_median 4)" -v ur="$(column_median 5)" -v uc="$(column_median 6)" -v n="$rounds" 'BEGIN {
  printf "median of %d rounds:\n", n
  printf "wrk:                %10.0f requests/s, %6.1f us CPU per request\n", wr, wc
  printf "chimera (stored):   %10.0f requests/s, %6.1f us CPU per request\n", sr, sc
  printf "chimera --no-store: %10.0f requests/s, %6.1f us CPU per request\n", ur, uc
  printf "ratio:   chimera/wrk CPU per request %.1fx stored, %.1fx --no-store\n", sc / wc, uc / wc
}'
