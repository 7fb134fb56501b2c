#!/usr/bin/env bash
# Benchmarks for docs/BENCHMARKS.md: memory read bandwidth; dailydrug-bench on each bundle given
# (default: every bundle in .cache/bundles); and per bundle, ours against ExecuTorch's
# TextLLMRunner on the same .pte and llama.cpp on the same checkpoint (the bundle's source GGUF
# requantized to Q4_0 and Q8_0 by llama.cpp's own quantize call), interleaved, one table each
# (tools/bench/compare_engines.py). Results go to DIR (default .cache/bench/<date>) as JSON and
# markdown; report.md holds the tables.
#
#   scripts/bench.sh [--reps N] [--out DIR] [BUNDLE...]
#
# Sets up what is missing but the build and the bundles: the bench-only venv (llama-cpp-python
# built from source, ~4 min on 2 cores, once; ensure_bench_venv in scripts/lib.sh) and the
# requantized GGUFs (.cache/models, once). Needs a build with the dailydrug-bench, dailydrug-membw
# and dd_kernels_py targets (DD_BUILD_DIR, default build/; scripts/setup.sh makes it). Not part of
# the tests. Run it on an idle machine: the numbers are only as clean as the CPU is quiet (the
# load average is recorded with them).
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
ensure_bench_venv

# The GGUF a bundle was exported from (model_config.json: export_options.source), or nothing.
bundle_source_gguf() {
  local src
  src="$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1])).get("export_options", {}).get("source") or "")' \
    "$1/model_config.json")"
  case "$src" in
    "$QWEN05_GGUF_NAME") qwen05_gguf ;;
    "$SMOLLM2_GGUF_NAME") smollm2_gguf ;;
  esac
}

# SRC KIND: SRC requantized by llama.cpp to KIND (Q4_0, Q8_0) in .cache/models, made once.
requantized_gguf() {
  local out
  out="$CACHE/models/$(basename "${1%.gguf}").$2.gguf"
  if [ ! -f "$out" ]; then
    mkdir -p "$CACHE/models"
    # llama.cpp prints a line per tensor: kept in a log, shown only on failure
    "$BENCH_VENV/bin/python" - "$1" "$out.tmp" "$2" > "$out.log" 2>&1 <<'PYEOF' \
      || { tail -20 "$out.log" >&2; return 1; }
import sys
import llama_cpp
src, dst, kind = sys.argv[1:]
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind}")
params.allow_requantize = True  # the sources are already quantized (Q4_K_M, Q4_1)
if llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params) != 0:
    sys.exit(f"llama_model_quantize failed for {kind}")
PYEOF
    mv "$out.tmp" "$out"
    rm -f "$out.log"
  fi
  echo "$out"
}

step "bench/gguf" "each bundle's source GGUF requantized to Q4_0 and Q8_0 by llama.cpp"
declare -A GGUF_ARGS
for b in "${BUNDLE_ARGS[@]}"; do
  src="$(bundle_source_gguf "$b")"
  if [ -z "$src" ]; then
    echo "$(basename "$b"): source checkpoint unknown, no llama.cpp column"
    continue
  fi
  for q in Q4_0 Q8_0; do
    g="$(requantized_gguf "$src" "$q")"
    echo "$(basename "$b") $q: $g ($(du -h "$g" | cut -f1))"
    GGUF_ARGS[$b]+=" --gguf $g"
  done
done

step "bench/run" "membw, dailydrug-bench and the engine comparison, $REPS rounds"
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

: > "$OUT/report.md"
for b in "${BUNDLE_ARGS[@]}"; do
  name="$(basename "$b")"
  echo "== $name: ours, TextLLMRunner, llama.cpp"
  # shellcheck disable=SC2086  # GGUF_ARGS holds whole options
  "$PY" "$ROOT/tools/bench/compare_engines.py" --bundle "$b" --reps "$REPS" \
    --python "$BENCH_VENV/bin/python" --bench "$BUILD/tools/bench/dailydrug-bench" \
    ${GGUF_ARGS[$b]:-} --json "$OUT/engines-$name.json" --markdown "$OUT/engines-$name.md"
  { cat "$OUT/engines-$name.md"; echo; } >> "$OUT/report.md"
done
bench_conditions_end "$OUT"
