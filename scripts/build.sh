#!/usr/bin/env bash
# Configures (once) and builds zablab with Ninja into build/. Warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/ccache-env.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZABLAB_WERROR=ON ${zl_launcher[@]+"${zl_launcher[@]}"} >/dev/null
fi
cmake --build build -j "$(nproc)"
