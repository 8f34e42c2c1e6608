#!/bin/bash
# The bug-finding benchmark (issue 17): for every deliberate bug, the seeds and wall time random
# fuzzing needs to find it, and the states, time and counterexample length systematic exploration
# needs; then the same budgets on the correct code. Prints a Markdown table (bench/RESULTS.md).
#
#   bench/bug_hunt.sh [build/apps/sim/zablab-sim] [fuzz|explore|explore-none|all]
#   EXPLORE_LIMIT=240 bench/bug_hunt.sh ...   (seconds per explore run; default 600)
#   EXPLORE_FLAGS=--replay bench/bug_hunt.sh ... explore   (more explore options: --replay re-runs
#                                                 each path from the start instead of forking)
#   JOBS=2 SERVERS=3 bench/bug_hunt.sh ... fuzz  (fuzz workers, default 1; 3 or 5 voters, default:
#                                                 each seed picks)
#
# Fuzz: `zablab-sim fuzz --bug B --seeds 1000 --jobs 1 --no-shrink` (one core), stops at the first
# failing seed. Explore: depth-first (forking at each state) with the bounds below (one core), at
# most EXPLORE_LIMIT s; the correct code once per distinct set of bounds (`explore-none`).
set -u
SIM=${1:-build/apps/sim/zablab-sim}
WHAT=${2:-all}
OUT=$(mktemp -d /tmp/zablab-bug-hunt.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

BUGS=$("$SIM" fuzz --list-bugs)

# Explore bounds per bug: the choices the bug needs to show. Bugs without an entry need choices
# the explorer does not make yet (observers, a client on a chosen server, 5 servers).
declare -A BOUNDS MSGS POINTS
CRASHY="max-crashes=3,max-restarts=3,max-crash-points=1,max-partitions=0,max-transactions=1,depth=11"
QUIET="max-crashes=0,max-restarts=0,max-crash-points=0,max-partitions=0,max-transactions=2,depth=4"
FAULTY="max-crashes=2,max-restarts=2,max-crash-points=0,max-partitions=1,max-transactions=2,depth=6"
EPHEMERAL="max-crashes=1,max-restarts=1,max-crash-points=0,max-partitions=0,max-transactions=1,max-ephemerals=1,depth=5"
READS="max-crashes=2,max-restarts=2,max-crash-points=0,max-partitions=1,max-transactions=1,max-reads=1,depth=6"
for bug in corrupt-proposal echo-commit reorder-commit reorder-proposal reorder-ack leader-ack-before-fsync \
           repeat-leaderinfo reorder-replies; do BOUNDS[$bug]=$QUIET; done
BOUNDS[skip-trunc]=$FAULTY
BOUNDS[sync-no-barrier]=$READS
BOUNDS[stale-follower-reads]=$READS
BOUNDS[keep-expired-ephemerals]=$EPHEMERAL
BOUNDS[zookeeper-2845]="max-crashes=1,max-restarts=1,max-crash-points=0,max-partitions=1,max-transactions=1,max-reads=1,depth=8"
BOUNDS[commit-without-quorum]="max-crashes=0,max-restarts=0,max-crash-points=0,max-partitions=0,max-transactions=1,depth=2"
BOUNDS[ack-before-fsync]="max-crashes=3,max-restarts=2,max-crash-points=0,max-partitions=0,max-transactions=1,depth=9"
BOUNDS[election-ignores-zxid]="max-crashes=2,max-restarts=2,max-crash-points=0,max-partitions=0,max-transactions=1,depth=9"
BOUNDS[zookeeper-3911]=$CRASHY;  POINTS[zookeeper-3911]=after-current-epoch
BOUNDS[zookeeper-4643]=$CRASHY;  POINTS[zookeeper-4643]=after-current-epoch
BOUNDS[zookeeper-4646]=$CRASHY;  POINTS[zookeeper-4646]=after-ack-newleader

now() { date +%s.%N; }

fuzz_row() {
  local bug=$1 t0 t1 seed
  t0=$(now)
  "$SIM" fuzz --bug "$bug" --seeds 1000 --jobs "${JOBS:-1}" ${SERVERS:+--servers "$SERVERS"} --no-shrink \
    --progress none --out "$OUT" >"$OUT/fuzz-$bug.log" 2>&1
  t1=$(now)
  seed=$(grep -oE '^  seed [0-9]+:' "$OUT/fuzz-$bug.log" | head -1 | grep -oE '[0-9]+')
  sig=$(grep -oE '^  seed [0-9]+: [^ ]+' "$OUT/fuzz-$bug.log" | head -1 | cut -d' ' -f5)
  printf '| %s | fuzz | %s | %.1f s | %s |\n' "$bug" "${seed:-not found in 1000}" "$(echo "$t1 - $t0" | bc)" "${sig:-}"
}

explore_row() {
  local bug=$1 bounds=$2 points=${3:-} label=${4:-$1} t0 t1 log
  log="$OUT/explore-$label.log"
  t0=$(now)
  timeout -s INT "${EXPLORE_LIMIT:-600}" "$SIM" explore --bug "$bug" --mode dfs --bounds "$bounds" --messages "" \
    ${points:+--points "$points"} ${EXPLORE_FLAGS:-} --quiet --out "$OUT" >"$log" 2>&1
  t1=$(now)
  local stats found len
  stats=$(grep -oE 'states [0-9]+  distinct [0-9]+' "$log" | tail -1)
  found=$(grep -oE 'VIOLATION after [0-9]+ choices: [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+' "$log" | grep -oE 'zab\.[a-z-]+|client\.[a-z-]+' | head -1)
  len=$(grep -cE '^(after|when) ' "$OUT/explore-$bug.scn" 2>/dev/null)
  if [ -n "$found" ]; then rm -f "$OUT/explore-$bug.scn"; else len=""; found=$(grep -oE 'no violation|interrupted|stopped' "$log" | head -1); fi
  printf '| %s | explore %s | %s | %.1f s | %s%s |\n' "$label" "$bounds${points:+ points=$points}" "$stats" \
    "$(echo "$t1 - $t0" | bc)" "$found" "${len:+, $len steps after shrinking}"
}

echo "| bug | method | seeds / states | wall time | found |"
echo "|---|---|---|---|---|"
for bug in $BUGS none; do
  if [ "$WHAT" = fuzz ] || [ "$WHAT" = all ]; then fuzz_row "$bug"; fi
done
if [ "$WHAT" = explore ] || [ "$WHAT" = all ]; then
  for bug in $BUGS; do
    [ -n "${BOUNDS[$bug]:-}" ] && explore_row "$bug" "${BOUNDS[$bug]}" "${POINTS[$bug]:-}"
  done
fi
if [ "$WHAT" = explore-none ] || [ "$WHAT" = all ]; then
  declare -A DONE
  for bug in $BUGS; do
    [ -n "${BOUNDS[$bug]:-}" ] || continue
    pts=${POINTS[$bug]:-}
    [ "${BOUNDS[$bug]}" = "$CRASHY" ] && pts=after-current-epoch,after-ack-newleader
    key="${BOUNDS[$bug]} $pts"
    [ -n "${DONE[$key]:-}" ] && continue
    DONE[$key]=1
    explore_row none "${BOUNDS[$bug]}" "$pts" "none"
  done
fi
