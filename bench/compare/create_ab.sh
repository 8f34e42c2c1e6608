#!/bin/bash
# usage: bench/compare/create_ab.sh SERVER_BINARY -- a standalone server on a fresh dataDir, 20,000 creates of 1 KB
# (4 sessions x 16 in flight); prints creates/s, p99 and max latency in us. Run it alternately
# with two binaries (a before/after pair) several times and compare medians.
bin=$1; d=$(mktemp -d); port=$((20000 + RANDOM % 20000))
printf "tickTime=2000\ndataDir=$d\nclientPort=$port\nclientPortAddress=127.0.0.1\n" > $d/zoo.cfg
$bin $d/zoo.cfg > $d/out 2>&1 &
pid=$!
sleep 0.5
${ZABLAB_LOAD:-build/bench/load/zablab-load} --server 127.0.0.1:$port --op create --value-size 1024 --keys 1 --total-ops 20000 --duration 60 --warmup 0 2>/dev/null | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print(j['ops_per_s'], j['latency']['p99_us'], j['latency']['max_us'])"
kill $pid; wait $pid 2>/dev/null
rm -rf $d
