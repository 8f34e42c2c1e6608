#!/usr/bin/env bash
# Configures (once) and builds zablab with Ninja into build/. Warnings are errors.
#
#   scripts/build.sh                           everything (about 11 minutes on 2 cores the first time)
#   scripts/build.sh zablab-server zablab-cli  only these targets and what they need (Lab 1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/ccache-env.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZABLAB_WERROR=ON ${zl_launcher[@]+"${zl_launcher[@]}"} >/dev/null
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "$(nproc)" "${targets[@]}"
