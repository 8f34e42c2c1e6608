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
  # visualizer (ImGui 1.86 + GLFW, software GL and a virtual screen for headless runs)
  libimgui-dev libglfw3-dev libstb-dev libgl1-mesa-dri xvfb
  # integration tests: kazoo under /usr/bin/python3, and Apache's C client
  python3 python3-kazoo python3-pytest zookeeper-bin libzookeeper-mt-dev netcat-openbsd
  # hardening (docs/hardening.md): clang with libFuzzer and the sanitizer runtimes, lld (links the
  # instrumented binaries in seconds), llvm-symbolizer (readable sanitizer stacks)
  clang clang-14 libclang-rt-14-dev lld llvm-14
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
