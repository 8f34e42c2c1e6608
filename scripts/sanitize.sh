#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the Catch2 unit tests and a short simulator
# sweep (docs/hardening.md).
#
#   scripts/sanitize.sh                 configure build-asan/ (once), build, run the unit tests, then
#                                       the simulator sweep
#   scripts/sanitize.sh '[zab]'         ... the unit tests Catch2 selects with these arguments (no sweep)
#   scripts/sanitize.sh --build         only configure and build (zablab-unit, zablab-sim)
#   scripts/sanitize.sh --unit [args]   only run the unit tests (built before)
#   scripts/sanitize.sh --sim           only run the simulator sweep (built before)
#   ZABLAB_SAN_BUILD=/tmp/asan scripts/sanitize.sh    another build directory
#   ZABLAB_SAN_JOBS=1 scripts/sanitize.sh             compile jobs (default 2)
#   ZABLAB_SAN_SWEEP_SEEDS=10                         fault schedules per ensemble size in the sweep
#   ZABLAB_RECIPE_SEEDS=10                            seeded worlds per recipe test (normal build: 50)
#   ZABLAB_BUILD_LOCK=/tmp/lock                       build under flock (machines shared by builds)
#
# CI runs the three steps as ctest entries (tests/fuzz/CMakeLists.txt, label "hardening").
#
# Its own build directory (never build/): g++ (see below) with
# -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer at -O0 with minimal
# debug info (-g1: enough for symbolized stacks, much cheaper to compile and link than -g). Only the
# zablab-unit and zablab-sim targets are built. Any sanitizer report fails the run (halt_on_error,
# and a leak fails the process at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/ccache-env.sh

mode=all
case "${1:-}" in
  --build) mode=build; shift ;;
  --unit) mode=unit; shift ;;
  --sim) mode=sim; shift ;;
esac
# Catch2 arguments select some unit tests: then the sweep is not run either.
[ "$mode" = all ] && [ $# -gt 0 ] && mode=all-unit

build=${ZABLAB_SAN_BUILD:-build-asan}
jobs=${ZABLAB_SAN_JOBS:-2}
# ZABLAB_BUILD_LOCK=FILE: build under `flock FILE` (a machine whose builds take turns).
lock=()
[ -n "${ZABLAB_BUILD_LOCK:-}" ] && lock=(flock "$ZABLAB_BUILD_LOCK")

# g++ by default: the compiler CI already has, and the one the tree is written for.
# ZABLAB_SAN_CXX=clang++ picks clang (then use a build directory of its own).
cxx=${ZABLAB_SAN_CXX:-g++}
case "$cxx" in
  *clang++*) cc=${cxx/clang++/clang}; debug="-O1 -gline-tables-only" ;;
  # -O0: this build is CI's longest step. Measured on the 2-core CI machine (session 3): the
  # ASan build of zablab-unit + zablab-sim takes 348 s at -O0 against 605 s at -O1, and its tests
  # then take 86 s (unit) and 146 s (simulator sweep, run beside them) instead of ~33 s and ~50 s.
  *) cc=${cxx/g++/gcc}; debug="-O0 -g1" ;;
esac
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
link="$san"
# lld (or gold) links the ~100 MB test binary in seconds rather than a minute.
if command -v ld.lld >/dev/null 2>&1; then
  link="$link -fuse-ld=lld"
elif command -v ld.gold >/dev/null 2>&1; then
  link="$link -fuse-ld=gold"
fi

start=$(date +%s)
if [ "$mode" = all ] || [ "$mode" = all-unit ] || [ "$mode" = build ]; then
  if [ ! -f "$build/build.ninja" ]; then
    echo "sanitize: configuring $build with $cxx"
    cmake -S . -B "$build" -G Ninja \
      -DCMAKE_BUILD_TYPE=Sanitize \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_C_FLAGS_SANITIZE="$san $debug" \
      -DCMAKE_CXX_FLAGS_SANITIZE="$san $debug" \
      -DCMAKE_EXE_LINKER_FLAGS_SANITIZE="$link" \
      -DCMAKE_SHARED_LINKER_FLAGS_SANITIZE="$link" \
      -DZABLAB_HARDENING_TESTS=OFF ${zl_launcher[@]+"${zl_launcher[@]}"} >/dev/null
  fi
  echo "sanitize: building zablab-unit and zablab-sim (-j$jobs)"
  ${lock[@]+"${lock[@]}"} cmake --build "$build" -j "$jobs" --target zablab-unit zablab-sim
  echo "sanitize: build took $(( $(date +%s) - start )) s"
  [ "$mode" = build ] && exit 0
fi
built=$(date +%s)

# halt_on_error: the first report ends the run with a non-zero status; symbolized stacks need
# llvm-symbolizer (in clang's package), found on PATH by the runtimes.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1}
if ! command -v llvm-symbolizer >/dev/null 2>&1; then
  for s in /usr/bin/llvm-symbolizer-* /usr/lib/llvm-*/bin/llvm-symbolizer; do
    [ -x "$s" ] && export ASAN_SYMBOLIZER_PATH="$s" && break
  done
fi

status=0
if [ "$mode" = all ] || [ "$mode" = all-unit ] || [ "$mode" = unit ]; then
  # The recipe tests replay 50 seeded simulated worlds each; under the sanitizers 10 seeds cover
  # the same code (the normal build runs all 50) and keep the run near a minute rather than ten.
  export ZABLAB_RECIPE_SEEDS=${ZABLAB_RECIPE_SEEDS:-10}
  # The unit binary finds the source tree (lint tests) through ZABLAB_SOURCE_DIR, compiled in.
  "$build/tests/zablab-unit" "$@" || status=$?
  echo "sanitize: unit tests took $(( $(date +%s) - built )) s; exit status $status"
fi
if [ $status -eq 0 ] && { [ "$mode" = all ] || [ "$mode" = sim ]; }; then
  # The simulator sweep: every scenario, then random fault schedules on 3 and 5 servers, all under
  # the sanitizers (the unit tests run only a few simulated worlds).
  sim="$build/apps/sim/zablab-sim"
  seeds=${ZABLAB_SAN_SWEEP_SEEDS:-10}
  t0=$(date +%s)
  for scn in scenarios/*.scn; do
    "$sim" run "$scn" --quiet >/dev/null || { echo "sanitize: $scn failed under the sanitizers" >&2; status=1; }
  done
  for n in 3 5; do
    "$sim" fuzz --seeds "$seeds" --servers "$n" --first-seed 1000 --no-shrink >"$build/sweep-$n.log" 2>&1 ||
      { tail -20 "$build/sweep-$n.log" >&2; echo "sanitize: sweep on $n servers failed" >&2; status=1; }
  done
  echo "sanitize: simulator sweep ($(ls scenarios/*.scn | wc -l) scenarios, $seeds fault schedules x 3 and 5 servers) took $(( $(date +%s) - t0 )) s; exit status $status"
fi
exit $status
