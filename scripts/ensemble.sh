#!/usr/bin/env bash
# A 3-server zablab ensemble on this machine, in the background.
#
#   scripts/ensemble.sh [start]   write var/ensemble/zoo<N>.cfg + data<N>/myid, start the 3 servers,
#                                 print the connect string and each server's mode
#   scripts/ensemble.sh status    each server's mode (srvr four-letter word)
#   scripts/ensemble.sh stop      stop the servers this script started (SIGTERM, then SIGKILL)
#
# Server N (1..3) uses client port 2180+N, quorum port 2887+N and election port 3887+N on
# 127.0.0.1 (ZABLAB_ENSEMBLE_PORT_OFFSET=K adds K to all of them); its data is var/ensemble/data<N>,
# its log var/ensemble/server<N>.log. Data is kept between runs (delete var/ensemble/ for a fresh
# ensemble). ZABLAB_SERVER overrides the binary (default build/apps/zablab-server; build it with
# scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=var/ensemble
SERVER=${ZABLAB_SERVER:-build/apps/zablab-server}
IDS=(1 2 3)
HOST=127.0.0.1
OFFSET=${ZABLAB_ENSEMBLE_PORT_OFFSET:-0}

client_port() { echo $((2180 + OFFSET + $1)); }

srvr() {  # srvr <port>: the server's answer to the srvr four-letter word, or nothing
  local port=$1 answer=""
  if exec 3<>"/dev/tcp/$HOST/$port" 2>/dev/null; then
    printf srvr >&3
    answer=$(timeout 2 cat <&3 || true)
    exec 3<&- 3>&-
  fi
  printf '%s' "$answer"
}

mode_of() {
  local answer
  answer=$(srvr "$(client_port "$1")")
  if [[ -z $answer ]]; then
    echo "not answering"
  elif [[ $answer == *"Mode: "* ]]; then
    sed -n 's/^Mode: //p' <<<"$answer"
  else
    echo "${answer%%$'\n'*}"  # e.g. "This ZooKeeper instance is not currently serving requests"
  fi
}

running_pid() {  # running_pid <id>: the pid of server <id> if this script started it and it runs
  local pidfile=$DIR/server$1.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(cat "$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q zablab-server "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

status() {
  for id in "${IDS[@]}"; do
    local pid
    if pid=$(running_pid "$id"); then
      echo "server $id (pid $pid, $HOST:$(client_port "$id")): $(mode_of "$id")"
    else
      echo "server $id: not running"
    fi
  done
}

start() {
  if [[ ! -x $SERVER ]]; then
    echo "ensemble.sh: $SERVER not found; build it first (scripts/build.sh)" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  for id in "${IDS[@]}"; do
    if pid=$(running_pid "$id"); then
      echo "ensemble.sh: server $id is already running (pid $pid); 'scripts/ensemble.sh stop' first" >&2
      exit 1
    fi
  done
  for id in "${IDS[@]}"; do
    mkdir -p "$DIR/data$id"
    echo "$id" >"$DIR/data$id/myid"
    {
      echo "tickTime=2000"
      echo "initLimit=10"
      echo "syncLimit=5"
      echo "dataDir=$PWD/$DIR/data$id"
      echo "clientPort=$(client_port "$id")"
      echo "clientPortAddress=$HOST"
      echo "4lw.commands.whitelist=*"
      for peer in "${IDS[@]}"; do
        echo "server.$peer=$HOST:$((2887 + OFFSET + peer)):$((3887 + OFFSET + peer))"
      done
    } >"$DIR/zoo$id.cfg"
    nohup "$SERVER" "$DIR/zoo$id.cfg" >"$DIR/server$id.log" 2>&1 </dev/null &
    echo $! >"$DIR/server$id.pid"
  done
  # Each prints "zablab-server: serving on ..." once its ports are open.
  for id in "${IDS[@]}"; do
    for _ in $(seq 100); do
      grep -q "serving on" "$DIR/server$id.log" 2>/dev/null && break
      running_pid "$id" >/dev/null || break
      sleep 0.1
    done
    if ! running_pid "$id" >/dev/null; then
      echo "ensemble.sh: server $id did not start; its log ($DIR/server$id.log) ends with:" >&2
      tail -n 20 "$DIR/server$id.log" >&2
      stop >/dev/null
      exit 1
    fi
  done
  # Then they elect a leader and the others sync with it (usually well under a second).
  echo "started; waiting for a leader and its followers (at most 30 s)"
  for _ in $(seq 150); do
    local now
    now=$(status)
    [[ $now == *leader* && $now != *"not currently serving"* && $now != *"not answering"* ]] && break
    sleep 0.2
  done
  local hosts=""
  for id in "${IDS[@]}"; do hosts+="${hosts:+,}$HOST:$(client_port "$id")"; done
  status
  echo "logs: $DIR/server{1,2,3}.log   stop with: scripts/ensemble.sh stop"
  echo "connect string: $hosts"
}

stop() {
  local pids=()
  for id in "${IDS[@]}"; do
    if pid=$(running_pid "$id"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      echo "stopping server $id (pid $pid)"
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  for id in "${IDS[@]}"; do rm -f "$DIR/server$id.pid"; done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: scripts/ensemble.sh [start|status|stop]" >&2
    exit 2
    ;;
esac
