#!/usr/bin/env bash
# Our JSON constraint's token mask against llguidance's (docs/BENCHMARKS.md, "Constrained
# decoding"): sets up what is missing (the bench-only venv, scripts/lib.sh ensure_bench_venv),
# then runs tools/bench/compare_llguidance.py on the default bundle's tokenizer (Qwen2, 151,936
# tokens) with two schemas and a document valid against each:
#   scan       app/schemas/scan_result.schema.json, the scan result of
#              tests/data/scan/dev/d01_rx_table_basic.txt (tools/bench/mask/)
#   reasoning  an OpenAI-style json_schema (steps of explanation/output, a final answer)
#
#   scripts/bench_mask.sh [--reps N] [--out DIR]
#
# Not part of the tests. Run it on an idle machine; results go to DIR (default
# .cache/bench/mask-<date>) as JSON and markdown.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_args mask 5 "" -- "$@"
ensure_bench_venv

step "bench/mask" "our token mask and llguidance's, $REPS replays of each document"
require_files "run scripts/setup.sh first" "$BUILD/tools/bench/dailydrug-maskbench" \
  "$BUNDLES/default/tokenizer.json"
bench_conditions "$OUT"
MASK="$ROOT/tools/bench/mask"
"$BENCH_VENV/bin/python" "$ROOT/tools/bench/compare_llguidance.py" \
  --maskbench "$BUILD/tools/bench/dailydrug-maskbench" \
  --tokenizer "$BUNDLES/default/tokenizer.json" --reps "$REPS" \
  --case scan "$ROOT/app/schemas/scan_result.schema.json" "$MASK/scan_result.document.json" \
  --case reasoning "$MASK/reasoning.schema.json" "$MASK/reasoning.document.json" \
  --json "$OUT/mask.json" --markdown "$OUT/mask.md"
bench_conditions_end "$OUT"
