#!/usr/bin/env bash
# Ours against llama.cpp on the same checkpoint (docs/BENCHMARKS.md, "Against llama.cpp"):
# sets up what is missing, then runs tools/bench/compare_llamacpp.py on the default bundle.
#   - the bench-only venv (ensure_bench_venv in scripts/lib.sh: llama-cpp-python built from its
#     source distribution, tools/bench/requirements.txt; ~4 min on 2 cores, once);
#   - the default bundle's source GGUF requantized by llama.cpp's own quantize call to Q4_0 and
#     Q8_0 (.cache/models, once);
#   - the build's dailydrug-bench and the default bundle (scripts/setup.sh makes both).
#
#   scripts/bench_llamacpp.sh [--reps N] [--out DIR]
#
# Not part of the tests. Run it on an idle machine; results go to DIR (default
# .cache/bench/llamacpp-<date>) as JSON and markdown.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args llamacpp 3 "" -- "$@"
ensure_bench_venv

step "bench/gguf" "the default bundle's GGUF requantized to Q4_0 and Q8_0 by llama.cpp"
src="$(qwen05_gguf)"
ggufs=()
for q in Q4_0 Q8_0; do
  out="$CACHE/models/qwen2.5-coder-0.5b-instruct.$q.gguf"
  if [ ! -f "$out" ]; then
    "$BENCH_VENV/bin/python" - "$src" "$out.tmp" "$q" <<'EOF'
import sys
import llama_cpp
src, dst, kind = sys.argv[1:]
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind}")
params.allow_requantize = True  # the source is already quantized (Q4_K_M)
if llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params) != 0:
    sys.exit(f"llama_model_quantize failed for {kind}")
EOF
    mv "$out.tmp" "$out"
  fi
  echo "$q: $out ($(du -h "$out" | cut -f1))"
  ggufs+=(--gguf "$out")
done

step "bench/compare" "ours vs llama.cpp, $REPS interleaved rounds"
require_files "run scripts/setup.sh first" "$BUILD/tools/bench/dailydrug-bench" \
  "$BUNDLES/default/model_config.json"
bench_conditions "$OUT"
"$VENV/bin/python" "$ROOT/tools/bench/compare_llamacpp.py" --bundle "$BUNDLES/default" \
  --python "$BENCH_VENV/bin/python" --bench "$BUILD/tools/bench/dailydrug-bench" \
  --reps "$REPS" "${ggufs[@]}" --json "$OUT/llamacpp.json" --markdown "$OUT/llamacpp.md"
bench_conditions_end "$OUT"
