#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) and runs each for a bounded time (docs/hardening.md).
#
#   scripts/fuzz.sh                  every target 20 s (CI)
#   scripts/fuzz.sh 600              every target 10 min (by hand)
#   scripts/fuzz.sh 300 server quorum    only these targets
#   scripts/fuzz.sh --build          only configure, build and write the seed corpus
#   scripts/fuzz.sh --run 20 server  only run (built and seeded before; CI runs targets in parallel so)
#   ZABLAB_FUZZ_BUILD=/tmp/f scripts/fuzz.sh   another build directory (default build-fuzz/)
#   ZABLAB_FUZZ_JOBS=1 scripts/fuzz.sh         compile jobs (default 2)
#
# clang++ with -fsanitize=fuzzer-no-link,address,undefined over the whole tree, in a build directory
# of its own. Each run first replays tests/fuzz/regressions/<target>/, then fuzzes with three
# corpus directories: <build>/fuzz/corpus/<target> (kept between runs, grows), the seeds the
# generator writes from real traffic and files (<build>/fuzz/seeds/<target>), and the regressions.
# A crash leaves its input in <build>/fuzz/artifacts/<target>/ and fails the script; the summary
# prints execs/s and libFuzzer's cov/ft per target.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/ccache-env.sh

mode=all
case "${1:-}" in
  --build) mode=build; shift ;;
  --run) mode=run; shift ;;
esac
seconds=${1:-20}
shift || true
all_targets=(jute server quorum txn_log snapshot zoo_cfg scenario)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

build=${ZABLAB_FUZZ_BUILD:-build-fuzz}
jobs=${ZABLAB_FUZZ_JOBS:-2}
# ZABLAB_BUILD_LOCK=FILE: build under `flock FILE` (a machine whose builds take turns).
lock=()
[ -n "${ZABLAB_BUILD_LOCK:-}" ] && lock=(flock "$ZABLAB_BUILD_LOCK")

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (Debian: apt-get install clang); libFuzzer needs it" >&2
  exit 1
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -gline-tables-only"
link="-fsanitize=address,undefined"
command -v ld.lld >/dev/null 2>&1 && link="$link -fuse-ld=lld"

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

start=$(date +%s)
work="$build/fuzz"
if [ "$mode" != run ]; then
  if [ ! -f "$build/build.ninja" ]; then
    extra=()
    # tests/fuzz is added by tests/CMakeLists.txt once it says add_subdirectory(fuzz); until then,
    # inject.cmake adds it at the end of the top-level CMakeLists.
    if ! grep -q 'add_subdirectory(fuzz)' tests/CMakeLists.txt; then
      extra+=("-DCMAKE_PROJECT_INCLUDE=$root/tests/fuzz/inject.cmake")
    fi
    echo "fuzz: configuring $build"
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Fuzz -DZABLAB_FUZZ=ON \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$link" -DZABLAB_HARDENING_TESTS=OFF ${extra[@]+"${extra[@]}"} \
      ${zl_launcher[@]+"${zl_launcher[@]}"} >/dev/null
  fi
  echo "fuzz: building the fuzzers (-j$jobs)"
  ${lock[@]+"${lock[@]}"} cmake --build "$build" -j "$jobs" --target fuzzers
  echo "fuzz: build took $(( $(date +%s) - start )) s"

  rm -rf "$work/seeds"
  "$build/tests/fuzz/zablab-fuzz-seeds" "$work/seeds" >/dev/null
  # Real files as seeds too.
  cp conf/*.cfg "$work/seeds/zoo_cfg/" 2>/dev/null || true
  for f in labs/*/zoo.cfg; do [ -f "$f" ] && cp "$f" "$work/seeds/zoo_cfg/$(echo "$f" | tr / _)"; done
  for f in scenarios/*.scn tests/scenarios/*.scn; do [ -f "$f" ] && cp "$f" "$work/seeds/scenario/$(basename "$f")"; done
  [ "$mode" = build ] && exit 0
fi
if [ ! -d "$work/seeds" ]; then
  echo "fuzz: no seed corpus in $work/seeds (run scripts/fuzz.sh --build first)" >&2
  exit 1
fi

summary=()
failed=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: no $bin" >&2
    failed=1
    continue
  fi
  corpus="$work/corpus/$t"
  artifacts="$work/artifacts/$t/"
  regressions="tests/fuzz/regressions/$t"
  mkdir -p "$corpus" "$artifacts" "$regressions" "$work/seeds/$t"
  log="$work/$t.log"

  # The kept regressions first: each must pass before anything new is looked for.
  mapfile -t kept < <(find "$regressions" -maxdepth 1 -type f ! -name '.*' ! -name '*.md' | sort)
  if [ ${#kept[@]} -gt 0 ]; then
    if ! "$bin" -runs=1 "${kept[@]}" >"$work/$t.regressions.log" 2>&1; then
      echo "fuzz: $t: a kept regression input fails again; see $work/$t.regressions.log" >&2
      failed=1
      summary+=("$t: REGRESSION FAILS")
      continue
    fi
  fi

  echo "fuzz: $t for ${seconds} s"
  status=0
  "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$corpus" "$work/seeds/$t" "$regressions" >"$log" 2>&1 || status=$?
  # libFuzzer's last status line: "#312589<TAB>DONE   cov: 3132 ft: 4896 corp: 512/21Kb ... exec/s: 28417"
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -1 || true)
  field() { echo "$done_line" | grep -oE "$1: [0-9]+" | awk '{print $2}' || true; }
  cov=$(field cov)
  ft=$(field ft)
  corp=$(field corp)
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
  line=$(printf '%-9s execs %-9s exec/s %-7s cov %-6s ft %-7s corpus %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
  if [ $status -ne 0 ]; then
    crash=$(ls -t "$artifacts" 2>/dev/null | head -1 || true)
    line="$line  FAILED (status $status; input: $artifacts$crash; log: $log)"
    failed=1
    grep -E 'ERROR|SUMMARY|fuzz property|#[0-9]+ 0x' "$log" | head -20 >&2 || true
  fi
  summary+=("$line")
done

echo
echo "fuzz: ${seconds} s per target, total $(( $(date +%s) - start )) s"
for l in "${summary[@]}"; do echo "  $l"; done
exit $failed
