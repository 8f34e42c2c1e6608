#!/bin/bash
# A/B of two zablab-server binaries on the write path (used for the PosixDisk append batching,
# bench/RESULTS.md, issue 8): alternating, a fresh server and dataDir each time, a set load and a
# create load of compare.py's shape (4 sessions x 32 in flight), 6 rounds.
# Usage: bench/compare/ab_disk_batching.sh OLD_SERVER NEW_SERVER ZABLAB_LOAD [WORKDIR]
set -u
old=$1 new=$2 load=$3 work=${4:-$(mktemp -d)}
mkdir -p "$work" && cd "$work" || exit 1
for round in 1 2 3 4 5 6; do
  if (( round % 2 )); then order="old new"; else order="new old"; fi
  for v in $order; do
    bin=$old; [ "$v" = new ] && bin=$new
    rm -rf "d-$v"; mkdir -p "d-$v/data"
    port=$((24000 + round * 10)); [ "$v" = new ] && port=$((port + 1))
    printf 'tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nforceSync=yes\n' \
      "$PWD/d-$v/data" "$port" > "d-$v/zoo.cfg"
    nice -n -10 "$bin" "d-$v/zoo.cfg" > "d-$v/log" 2>&1 & spid=$!
    sleep 0.5
    l1=$(cut -d' ' -f1 /proc/loadavg)
    w=$(timeout 60 nice -n -10 "$load" --server 127.0.0.1:$port --op set --sessions 4 --inflight 32 --duration 3 --warmup 1 2>/dev/null | tail -1)
    c=$(timeout 60 nice -n -10 "$load" --server 127.0.0.1:$port --op create --sessions 4 --inflight 32 --duration 3 --warmup 0.5 2>/dev/null | tail -1)
    kill "$spid"; wait "$spid" 2>/dev/null
    field() { echo "$1" | grep -o "\"$2\":[0-9.]*" | cut -d: -f2; }
    echo "$round $v load1=$l1 set=$(field "$w" ops_per_s) set_p99=$(field "$w" p99_us) create=$(field "$c" ops_per_s) create_p99=$(field "$c" p99_us)"
  done
done
