#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the Catch2 unit tests (docs/hardening.md).
#
#   scripts/sanitize.sh                 configure build-asan/ (once), build zablab-unit, run every test
#   scripts/sanitize.sh '[zab]'         ... run only the tests Catch2 selects with these arguments
#   ZABLAB_SAN_BUILD=/tmp/asan scripts/sanitize.sh    another build directory
#   ZABLAB_SAN_JOBS=1 scripts/sanitize.sh             compile jobs (default 2)
#
# Its own build directory (never build/): g++ (see below) with
# -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer at -O1 with minimal
# debug info (-g1: enough for symbolized stacks, much cheaper to compile and link than -g). Only the
# zablab-unit target is built. Any sanitizer report fails the run (halt_on_error, and a leak fails
# the process at exit); the exit status is zablab-unit's.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${ZABLAB_SAN_BUILD:-build-asan}
jobs=${ZABLAB_SAN_JOBS:-2}

# g++ by default: the compiler CI already has, and the one the tree is written for (clang 14, the
# Debian 12 one, lacks C++20 lambda captures of structured bindings that gui/ uses).
# ZABLAB_SAN_CXX=clang++ picks clang (then use a build directory of its own).
cxx=${ZABLAB_SAN_CXX:-g++}
case "$cxx" in
  *clang++*) cc=${cxx/clang++/clang}; debug="-O1 -gline-tables-only" ;;
  *) cc=${cxx/g++/gcc}; debug="-O1 -g1" ;;
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
if [ ! -f "$build/build.ninja" ]; then
  echo "sanitize: configuring $build with $cxx"
  cmake -S . -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Sanitize \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_C_FLAGS_SANITIZE="$san $debug" \
    -DCMAKE_CXX_FLAGS_SANITIZE="$san $debug" \
    -DCMAKE_EXE_LINKER_FLAGS_SANITIZE="$link" \
    -DCMAKE_SHARED_LINKER_FLAGS_SANITIZE="$link" >/dev/null
fi
echo "sanitize: building zablab-unit (-j$jobs)"
cmake --build "$build" -j "$jobs" --target zablab-unit
built=$(date +%s)
echo "sanitize: build took $((built - start)) s"

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
# The unit binary finds the source tree (lint tests) through ZABLAB_SOURCE_DIR, compiled in.
"$build/tests/zablab-unit" "$@" || status=$?
echo "sanitize: tests took $(( $(date +%s) - built )) s; exit status $status"
exit $status
