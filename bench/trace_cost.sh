#!/usr/bin/env bash
# What zablab-server --trace costs a busy ensemble: a 3-member zablab ensemble on loopback
# (scripts/ensemble.sh), written to by zablab-load for a few seconds, with every member recording
# its trace (core events and every peer message: PROPOSALs, ACKs, COMMITs, PINGs, votes) or none.
# Rounds alternate (off, on, off, on, ...) so that the machine's other load hits both alike.
#
#   bench/trace_cost.sh [ROUNDS] [SECONDS]     default 3 rounds of 5 s per setting
#
# Prints one line per run: the setting and zablab-load's JSON (ops/s, latency percentiles), and
# each recording's size. ZABLAB_TRACE_MEMBERS="1" records on member 1 only (default "1 2 3": all;
# which one leads is up to the election). Uses client ports 2181+K.. (K = ZABLAB_ENSEMBLE_PORT_OFFSET, default 700)
# and var/ensemble (deleted before each run). Needs build/apps/zablab-server (or the binary in
# ZABLAB_SERVER_BINARY, to compare builds) and
# build/bench/load/zablab-load.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-5}
export ZABLAB_ENSEMBLE_PORT_OFFSET=${ZABLAB_ENSEMBLE_PORT_OFFSET:-700}
TRACES=$PWD/var/trace-cost
SERVER=${ZABLAB_SERVER_BINARY:-$PWD/build/apps/zablab-server}  # another build to compare
LOAD=build/bench/load/zablab-load
hosts=""
for id in 1 2 3; do hosts+="${hosts:+,}127.0.0.1:$((2180 + ZABLAB_ENSEMBLE_PORT_OFFSET + id))"; done

# scripts/ensemble.sh runs $ZABLAB_SERVER <zoo.cfg>; this wrapper adds --trace for each member.
wrapper=$(mktemp)
trap 'rm -f "$wrapper"; scripts/ensemble.sh stop >/dev/null 2>&1 || true' EXIT
MEMBERS=" ${ZABLAB_TRACE_MEMBERS:-1 2 3} "
cat >"$wrapper" <<WRAP
#!/usr/bin/env bash
name=\$(basename "\$1" .cfg)
[[ "$MEMBERS" == *" \${name#zoo} "* ]] || exec "$SERVER" "\$@"
exec "$SERVER" --trace "$TRACES/\$name.db" "\$@"
WRAP
chmod +x "$wrapper"

run() {  # run off|on
  rm -rf var/ensemble "$TRACES"
  mkdir -p "$TRACES"
  if [[ $1 == on ]]; then ZABLAB_SERVER=$wrapper scripts/ensemble.sh start >/dev/null; else
    ZABLAB_SERVER=$SERVER scripts/ensemble.sh start >/dev/null; fi
  local result
  result=$("$LOAD" --server "$hosts" --op set --sessions 8 --inflight 16 --duration "$SECONDS_PER_RUN" \
    --label "trace-$1")
  scripts/ensemble.sh stop >/dev/null
  echo "trace $1: $result"
  [[ $1 == on ]] && du -b "$TRACES"/*.db | awk '{printf "  %s %d bytes\n", $2, $1}'
  [[ $1 == on ]] && grep -h "leader\|LEADING" var/ensemble/server*.log | grep -o "peer [0-9]*: [A-Z]* -> LEADING" | tail -1
  return 0
}

for _ in $(seq "$ROUNDS"); do
  run off
  run on
done
