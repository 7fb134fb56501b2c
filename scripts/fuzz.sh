#!/usr/bin/env bash
# Fuzz our parsers with libFuzzer (clang, ASan+UBSan): tests/fuzz, docs/RELIABILITY.md.
#
#   scripts/fuzz.sh                  every target for 60 s each
#   scripts/fuzz.sh scan 600         one target for 10 minutes
#   scripts/fuzz.sh all 0            replay the committed seed corpora only (seconds)
#
# Targets: tokenizer_hf tokenizer_spm tokenizer_json model_config scan scan_schema
# openai_request json_constraint flat_tensor (FUZZ_TARGETS in scripts/lib.sh).
# Builds the fuzz targets in the ASan tree build-asan (clang; once, then only what changed), makes
# the generated tokenizers, runs each target over its committed seeds (tests/fuzz/corpus/<target>/)
# plus what earlier runs found (build-asan/corpus/<target>/, not committed), and prints
# executions, exec/s, coverage and corpus size per target. A crash, leak, sanitizer report,
# broken invariant, slow input (> 10 s) or out-of-memory fails the run and leaves the input in
# build-asan/crashes/<target>/; replay it with build-asan/tests/fuzz/fuzz_<target> FILE.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

target="${1:-all}"
seconds="${2:-60}"
if [ "$target" = all ]; then
  targets=("${FUZZ_TARGETS[@]}")
else
  targets=("$target")
fi

ensure_fuzz_build
step "fuzz" "${#targets[@]} target(s), ${seconds} s each (0 = seed corpus only)"
failed=()
for t in "${targets[@]}"; do
  run_fuzzer "$t" "$seconds" || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  STEP_NAME="fuzz (${failed[*]})"
  false
fi
