#!/usr/bin/env bash
# Open-loop Poisson arrivals against a no-delay simulator in another process:
# for each rate, the achieved send rate and the send lateness (actual −
# scheduled, ms) that `chimera bench --rate` measured.
# Usage: bench/load_poisson.sh [BUILD_DIR] [SECONDS] [RATE...]
set -euo pipefail
# shellcheck source=bench/sim_port.sh
. "$(dirname "$0")/sim_port.sh"
build=${1:-build}
seconds=${2:-10}
shift 2 || true
rates=("$@")
[ ${#rates[@]} -eq 0 ] && rates=(200 2000)
chimera="$build/bin/chimera"
work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

taskset -c 1 "$chimera" sim --port 0 --no-delays --parallel 1024 --max-queue 100000 \
  >"$work/sim.out" 2>&1 &
sim_pid=$!
port=$(sim_port "$work/sim.out")

printf "%8s %10s %10s %10s %10s %10s %8s\n" target scheduled achieved "late p50" "late p99" \
  "late max" requests
for rate in "${rates[@]}"; do
  taskset -c 0 "$chimera" --json bench -e "http://127.0.0.1:$port" --rate "$rate" \
    --arrival poisson --arrival-seed 1 --duration "$seconds" --num-predict 16 --no-store \
    >"$work/r.json"
  jq -r '.configurations[0].load.schedule |
    [.target_rate, .scheduled_rate, .achieved_rate, .lateness_ms.p50, .lateness_ms.p99,
     .lateness_ms.max, .requests] | @tsv' "$work/r.json" |
    awk '{printf "%8.0f %10.1f %10.1f %10.3f %10.3f %10.3f %8d\n", $1, $2, $3, $4, $5, $6, $7}'
done
