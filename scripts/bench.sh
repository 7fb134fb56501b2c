#!/usr/bin/env bash
# Benchmarks for docs/BENCHMARKS.md: memory read bandwidth, dailydrug-bench on each bundle given
# (default: every bundle in .cache/bundles), and the comparison with ExecuTorch's TextLLMRunner
# on the same .pte files. Results go to DIR (default .cache/bench/<date>) as JSON and markdown.
#
#   scripts/bench.sh [--reps N] [--out DIR] [BUNDLE...]
#
# Needs a build with the dailydrug-bench, dailydrug-membw and dd_kernels_py targets
# (DD_BUILD_DIR, default build/) and the venv. Run it on an idle machine: the numbers are only
# as clean as the CPU is quiet (the load average is recorded with them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PY="$VENV/bin/python"
bench_args "" 3 "BUNDLE..." -- "$@"
BUNDLE_ARGS=("${BENCH_REST[@]}")
if [ ${#BUNDLE_ARGS[@]} -eq 0 ]; then
  for b in "$BUNDLES"/*/; do
    [ -L "${b%/}" ] && continue  # `default` is a link to one of the others
    [ -f "$b/model_config.json" ] && BUNDLE_ARGS+=("${b%/}")
  done
fi
require_files -x "cmake --build $BUILD --target dailydrug-bench dailydrug-membw" \
  "$BUILD/tools/bench/dailydrug-bench" "$BUILD/tools/bench/dailydrug-membw"
export DD_KERNELS_LIB="${DD_KERNELS_LIB:-$BUILD/runtime/src/kernels/libdd_kernels_py.so}"
bench_conditions "$OUT"

echo "== memory read bandwidth"
"$BUILD/tools/bench/dailydrug-membw" --reps 5 --json "$OUT/membw.json" > /dev/null
"$PY" -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("  %d thread(s): best %.1f GB/s, median %.1f" % (r["threads"], r["best_gb_per_s"], r["median_gb_per_s"]))' "$OUT/membw.json"

for b in "${BUNDLE_ARGS[@]}"; do
  name="$(basename "$b")"
  echo "== dailydrug-bench $name"
  "$BUILD/tools/bench/dailydrug-bench" --model "$b" --reps "$REPS" \
    --json "$OUT/bench-$name.json" --markdown "$OUT/bench-$name.md" > /dev/null
  cat "$OUT/bench-$name.md"
done

echo "== ours vs ExecuTorch TextLLMRunner"
args=()
for b in "${BUNDLE_ARGS[@]}"; do args+=(--bundle "$b"); done
"$PY" "$ROOT/tools/bench/compare_textllmrunner.py" --bench "$BUILD/tools/bench/dailydrug-bench" \
  --reps "$REPS" "${args[@]}" --json "$OUT/compare.json" --markdown "$OUT/compare.md"
bench_conditions_end "$OUT"
