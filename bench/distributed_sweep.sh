#!/bin/sh
# Wall time of a 64-cell distributed sweep against simulators: one worker, then
# WORKERS workers, each against a fresh database of a throwaway PostgreSQL
# (initdb in a temporary directory, loopback only, run as `nobody` under root).
# Usage: bench/distributed_sweep.sh [BUILD_DIR] [WORKERS]
set -eu
BUILD=${1:-build}
WORKERS=${2:-4}
CHIMERA=$(realpath "$BUILD/bin/chimera")
SIM_CONFIG=$(realpath "$(dirname "$0")/../tests/fixtures/sim-fast.yaml")
PGBIN=${CHIMERA_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
DIR=$(mktemp -d)
chmod 777 "$DIR"
AS=""
[ "$(id -u)" = 0 ] && AS="runuser -u nobody --"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$AS "$PGBIN/initdb" -D "$DIR/data" -U chimera -A trust --locale=C >/dev/null
$AS "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null
trap '$AS "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null; rm -rf "$DIR"' EXIT

# 8 temperatures x 8 top_k = 64 cells; 1 warm-up + 3 requests of 200 tokens each.
GRID="--sim --sim-config $SIM_CONFIG --temperature 0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8 --top-k 1,2,3,4,5,6,7,8 --runs 3 --num-predict 200"
run() {  # run N: register the sweep in a fresh database, time N workers
  db="sweep$1"
  $AS "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U chimera "$db"
  url="postgresql://chimera@127.0.0.1:$PORT/$db"
  # shellcheck disable=SC2086
  "$CHIMERA" sweep $GRID --store "$url" --distributed >/dev/null
  start=$(date +%s.%N)
  i=0
  while [ "$i" -lt "$1" ]; do
    JOB_COMPLETION_INDEX=$i "$CHIMERA" worker --store "$url" --poll 0.2 >"$DIR/w$1-$i.log" 2>&1 &
    i=$((i + 1))
  done
  wait
  end=$(date +%s.%N)
  "$CHIMERA" sweep --status --store "$url" | head -1
  echo "$1 worker(s): $(echo "$end - $start" | bc) s"
}
run 1
run "$WORKERS"
