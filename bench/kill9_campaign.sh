#!/usr/bin/env bash
# kill -9 campaign: KILLS random kills each for `chimera run` (1-12 s after
# its start: a run takes a few seconds), `chimera bench` and `chimera sweep`
# (0.3-4 s) against one `chimera sim` on loopback, each kill followed by the
# command's resume, then one last resume to the end. After
# each command it checks that:
#   - the SQLite store passes PRAGMA integrity_check;
#   - no finished request is lost: every request id stored before a kill is
#     still stored at the end;
#   - none is duplicated: every request id is stored once, and each
#     configuration holds exactly its measured requests (no more);
#   - (run) the directory and the store agree: requests.jsonl lists exactly
#     the ids of the store run it names, every line naming that one run.
# Prints the counts; exits 1 on the first failed check. Not part of ctest.
# Usage: bench/kill9_campaign.sh [BUILD_DIR] [KILLS] [SEED]
set -euo pipefail
export LC_ALL=C  # one byte order for sort, uniq and comm
BUILD=${1:-build}
KILLS=${2:-20}
SEED=${3:-$$}
CHIMERA=$(realpath "$BUILD/bin/chimera")
HERE=$(realpath "$(dirname "$0")/..")
DIR=$(mktemp -d)
RANDOM=$SEED
SIM_PID=
cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$DIR"
}
trap cleanup EXIT

"$CHIMERA" sim --port 0 --config "$HERE/tests/fixtures/sim-slow.yaml" >"$DIR/sim.out" 2>&1 &
SIM_PID=$!
for _ in $(seq 200); do grep -q 'listening on' "$DIR/sim.out" 2>/dev/null && break; sleep 0.05; done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$DIR/sim.out" | head -1)
[ -n "$URL" ] || { echo "chimera sim did not start: $(cat "$DIR/sim.out")" >&2; exit 1; }
echo "seed $SEED, simulator at $URL, $KILLS kills per command"

fail() { echo "FAILED: $*" >&2; exit 1; }

# Every stored request as "run:id", one per line, sorted (duplicates kept).
stored_ids() { sqlite3 "$1" "SELECT run_id || ':' || request_key FROM requests ORDER BY 1"; }

# Runs "$@" in the background, kills it with -9 after a random MIN-MAX
# seconds; counts whether the kill landed (the process was still running)
# and keeps the ids stored at that moment.
LANDED=0 MISSED=0
kill_once() {
  local store=$1 tag=$2 min=$3 max=$4; shift 4
  "$@" >"$DIR/last.out" 2>"$DIR/last.err" &
  local pid=$!
  sleep "$(awk -v r=$RANDOM -v a="$min" -v b="$max" 'BEGIN { printf "%.2f", a + (b - a) * r / 32767 }')"
  kill -9 "$pid" 2>/dev/null || true
  local status=0
  wait "$pid" 2>/dev/null || status=$?
  # 128 + 9: the kill landed; anything else: the command had finished
  if [ "$status" = 137 ]; then LANDED=$((LANDED + 1)); else MISSED=$((MISSED + 1)); fi
  [ -f "$store" ] && stored_ids "$store" >>"$DIR/$tag.before"
  return 0
}

# The last resume, run to the end; when the last kill missed (the command
# had already finished), the finished command's output is the result and a
# new command would start a new measurement instead of resuming.
finish() {
  local out=$1 tag=$2; shift 2
  if [ "$MISSED" != 0 ]; then
    cp "$DIR/last.out" "$out"
    return 0
  fi
  "$@" >"$out" 2>"$DIR/last.err" || fail "$tag: final resume: $(tail -3 "$DIR/last.err")"
}

check_store() {
  local store=$1 tag=$2
  [ "$(sqlite3 "$store" 'PRAGMA integrity_check')" = ok ] || fail "$tag: integrity_check"
  stored_ids "$store" >"$DIR/$tag.after"
  local dup
  dup=$(uniq -d "$DIR/$tag.after" | wc -l)
  [ "$dup" = 0 ] || fail "$tag: $dup request ids stored twice: $(uniq -d "$DIR/$tag.after" | head -3)"
  sort -u "$DIR/$tag.before" 2>/dev/null >"$DIR/$tag.before.u" || true
  local lost
  lost=$(comm -23 "$DIR/$tag.before.u" "$DIR/$tag.after" | wc -l)
  [ "$lost" = 0 ] || fail "$tag: $lost stored request(s) lost: $(comm -23 "$DIR/$tag.before.u" "$DIR/$tag.after" | head -3)"
  echo "$tag: kills landed $LANDED (finished before its kill: $MISSED); stored ids seen before kills: $(wc -l <"$DIR/$tag.before.u"), all still stored; requests at the end $(wc -l <"$DIR/$tag.after"), none twice; integrity_check ok"
}

# --- chimera run ------------------------------------------------------------
RUN_OUT="$DIR/run"
RUN_ARGS=(run --endpoint "$URL" --artifacts "$HERE/examples/artifacts" --output-dir "$RUN_OUT"
  --runs 40 --option num_predict=40 --baseline-runs 1 --resume)
LANDED=0 MISSED=0
for _ in $(seq "$KILLS"); do
  kill_once "$RUN_OUT/results.sqlite" run 1 8 "$CHIMERA" "${RUN_ARGS[@]}"
  [ "$MISSED" = 0 ] || break  # it finished before the kill: nothing left to kill
done
finish "$DIR/run.out" run "$CHIMERA" "${RUN_ARGS[@]}"
check_store "$RUN_OUT/results.sqlite" run
python3 - "$RUN_OUT" <<'EOF' || fail "run: directory and store disagree"
import json, sqlite3, sys, collections
out = sys.argv[1]
lines = [json.loads(l) for l in open(f"{out}/requests.jsonl")]
ids = collections.Counter(l["id"] for l in lines)
assert all(n == 1 for n in ids.values()), "duplicate ids in requests.jsonl"
runs = {l["store_run_id"] for l in lines}
assert len(runs) == 1, f"requests.jsonl names store runs {runs}"
run_id = runs.pop()
db = sqlite3.connect(f"{out}/results.sqlite")
stored = collections.Counter(k for (k,) in db.execute("SELECT request_key FROM requests WHERE run_id=?", (run_id,)))
assert stored == ids, f"store run {run_id}: {len(stored)} ids, requests.jsonl {len(ids)}"
status, = db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
assert status == "complete", status
summary = json.load(open(f"{out}/summary.json"))
assert summary["complete"] and len(summary["runs"]) == 40, "summary.json not complete with 40 runs"
per_run = collections.Counter(r for (r,) in db.execute("SELECT run_index FROM agents WHERE run_id=?", (run_id,)))
assert sorted(per_run) == list(range(1, 41)) and len(set(per_run.values())) == 1, per_run
others = db.execute("SELECT COUNT(*) FROM runs WHERE id<>?", (run_id,)).fetchone()[0]
print(f"run: requests.jsonl {len(ids)} ids = store run {run_id}'s ids; 40 runs complete, "
      f"{per_run[1]} agent(s) per run stored once; other store runs (killed before run 1 finished): {others}")
EOF

# --- chimera bench ----------------------------------------------------------
BENCH_STORE="$DIR/bench.sqlite"
BENCH_ARGS=(--json bench --endpoint "$URL" --runs 1500 --concurrency 4 --warmup 1 --num-predict 20
  --store "$BENCH_STORE")
LANDED=0 MISSED=0
for _ in $(seq "$KILLS"); do
  kill_once "$BENCH_STORE" bench 0.3 4 "$CHIMERA" "${BENCH_ARGS[@]}"
  [ "$MISSED" = 0 ] || break
done
finish "$DIR/bench.json" bench "$CHIMERA" "${BENCH_ARGS[@]}"
check_store "$BENCH_STORE" bench
python3 - "$BENCH_STORE" "$DIR/bench.json" <<'EOF' || fail "bench: counts"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
report = json.load(open(sys.argv[2]))
runs = db.execute("SELECT id, status FROM runs").fetchall()
assert len(runs) == 1 and runs[0][1] == "complete", runs
measured = db.execute("SELECT COUNT(*) FROM requests WHERE warmup=0").fetchone()[0]
assert measured == 1500, f"{measured} measured requests stored, 1500 asked"
ok = report["configurations"][0]["counts"]["ok"]
assert ok == 1500, f"report ok {ok}"
attempts = db.execute("SELECT COUNT(DISTINCT substr(request_key, 1, instr(request_key, '-'))) FROM requests").fetchone()[0]
print(f"bench: one stored run, complete: 1500 measured requests (report ok {ok}) over {attempts} attempt(s)")
EOF

# --- chimera sweep ----------------------------------------------------------
SWEEP_STORE="$DIR/sweep.sqlite"
SWEEP_ARGS=(--json sweep --endpoint "$URL" --temperature 0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8 --runs 60
  --concurrency 2 --warmup 1 --num-predict 20 --store "$SWEEP_STORE")
LANDED=0 MISSED=0
for _ in $(seq "$KILLS"); do
  kill_once "$SWEEP_STORE" sweep 0.3 4 "$CHIMERA" "${SWEEP_ARGS[@]}"
  [ "$MISSED" = 0 ] || break
done
finish "$DIR/sweep.json" sweep "$CHIMERA" "${SWEEP_ARGS[@]}"
check_store "$SWEEP_STORE" sweep
python3 - "$SWEEP_STORE" "$DIR/sweep.json" <<'EOF' || fail "sweep: counts"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
report = json.load(open(sys.argv[2]))
runs = db.execute("SELECT id, status FROM runs").fetchall()
assert len(runs) == 1 and runs[0][1] == "complete", runs
configs = db.execute("SELECT COUNT(*), COUNT(DISTINCT config_key) FROM configurations").fetchone()
assert configs == (8, 8), f"configurations {configs}, grid 8"
per = db.execute("SELECT configuration_id, COUNT(*) FROM requests WHERE warmup=0 GROUP BY configuration_id").fetchall()
assert len(per) == 8 and all(n == 60 for _, n in per), per
assert all(c["counts"]["ok"] == 60 for c in report["configurations"]), "report counts"
print(f"sweep: one stored run, complete: 8 configuration rows for a grid of 8, 60 measured requests each")
EOF
echo "campaign passed"
