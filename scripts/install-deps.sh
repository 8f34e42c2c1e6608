#!/usr/bin/env bash
# Installs the Debian 12 packages zablab needs, skipping those already present.
# Idempotent: a second run installs nothing and prints nothing but "all present".
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  # libraries (Boost 1.74: Graph, Program_options, Asio is header-only in libboost-dev)
  libboost-dev libboost-graph-dev libboost-program-options-dev
  libsqlite3-dev sqlite3 catch2 libreadline-dev
  # bench/json_read_bench.cpp only: nlohmann::json, measured against our trace-JSON reader
  nlohmann-json3-dev
  # visualizer (ImGui 1.86 + GLFW, software GL and a virtual screen for headless runs)
  libimgui-dev libglfw3-dev libstb-dev libgl1-mesa-dri xvfb
  # integration tests: kazoo under /usr/bin/python3, and Apache's C client
  python3 python3-kazoo python3-pytest zookeeper-bin libzookeeper-mt-dev netcat-openbsd
  # Apache ZooKeeper 3.8.0 itself (Java): members of the mixed-ensemble tests, and the comparisons
  zookeeper
  # hardening (docs/hardening.md): clang with libFuzzer and the sanitizer runtimes, lld (links the
  # instrumented binaries in seconds), llvm-symbolizer (readable sanitizer stacks)
  clang clang-14 libclang-rt-14-dev lld llvm-14
  # the browser build (docs/web.md): emscripten, dpkg-dev and tcl for `apt-get source` of ImGui and
  # SQLite (whose amalgamation its makefile generates with tclsh), the font the page preloads, and
  # headless Chromium driven over CDP by tests/web (python3-websocket)
  emscripten dpkg-dev tcl fonts-dejavu-core chromium python3-websocket
)

# `apt-get source` needs deb-src entries: made from the Debian deb entries this machine already
# has (same mirrors, suites and keys), once. A new entry means the package lists need an update.
need_update=""
src_entries=/etc/apt/sources.list.d/zablab-deb-src.sources
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  SUDO_SRC=""
  if [ "$(id -u)" -ne 0 ]; then SUDO_SRC="sudo"; fi
  {
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed -E 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources
    fi
  } | $SUDO_SRC tee "$src_entries" >/dev/null
  if [ -f /etc/apt/sources.list ] && grep -qE '^deb ' /etc/apt/sources.list; then
    grep -E '^deb ' /etc/apt/sources.list | sed -E 's/^deb /deb-src /' |
      $SUDO_SRC tee /etc/apt/sources.list.d/zablab-deb-src.list >/dev/null
  fi
  need_update=1
fi
if ! ls /var/lib/apt/lists/*_Sources* >/dev/null 2>&1; then need_update=1; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ] && [ -z "$need_update" ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: done"
