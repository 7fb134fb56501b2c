#!/usr/bin/env bash
# Run the whole test suite (ctest: unit, integration, e2e). Sets up whatever is missing first, as
# scripts/setup.sh does. Extra arguments go to ctest (e.g. -L unit).
# Then the aarch64 stage: the runtime, C API, JNI library and CLI cross-built for ARM, and the
# "arm64" cases under qemu (scripts/arm64.sh). DD_SKIP_ARM64=1 skips it.
# Then the sanitizer stage: our unit tests again, built with ASan+LSan+UBSan (build-asan, clang)
# and the concurrency cases with TSan (build-tsan); any sanitizer report fails the run. About
# 11 minutes on 2 cores the first time, seconds when nothing changed. DD_SKIP_SANITIZERS=1 skips it.
# Last, a short fuzz pass over every libFuzzer target (DD_SKIP_FUZZ=1 skips it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages
ensure_venv
ensure_kernels_module
start_bundles ensure_default_bundle ensure_test_bundle
ensure_build
# The ASan tree compiles at the lowest priority from here on, on the CPU that the lint, the
# bundles' lowering and the tests leave; the sanitizer stage finishes it.
[ "${DD_SKIP_SANITIZERS:-0}" = 1 ] || start_sanitizer_prebuild asan "address,undefined"
# Static checks: clang-format and clang-tidy over our sources (scripts/lint.sh); any finding fails.
# They run while the bundles are still lowering, on the core the lowering leaves.
# DD_SKIP_LINT=1 skips them.
if [ "${DD_SKIP_LINT:-0}" = 1 ]; then
  step "lint" "skipped (DD_SKIP_LINT=1)"
else
  source "$ROOT/scripts/lint.sh"
  lint_format
  lint_tidy
fi
wait_bundles

step "tests" "ctest ($JOBS in parallel)"
cd "$BUILD"
# No suite may silently stop being registered: the cases per label and suite are checked
# against tests/registered_tests.json before they run (scripts/check_test_suite.py).
check_registered_tests "$BUILD" main
ctest_args=(--output-on-failure -j "$JOBS" --timeout 1800 --output-junit "$BUILD/Testing/ctest.xml")
rm -f "$BUILD/Testing/ctest.xml"
"$VENV/bin/ctest" "${ctest_args[@]}" "$@"
# A skipped case is not a passed one: in CI each skip must be listed with its reason in
# tests/allowed_skips.txt.
check_skipped_tests "$BUILD/Testing/ctest.xml"

# aarch64: the runtime, C API, JNI library and CLI cross-built for 64-bit ARM, and the "arm64"
# cases run under qemu-aarch64, greedy ids compared with this x86 build (scripts/arm64.sh,
# docs/ANDROID.md). DD_SKIP_ARM64=1 skips it.
if [ "${DD_SKIP_ARM64:-0}" = 1 ]; then
  step "arm64" "skipped (DD_SKIP_ARM64=1)"
else
  source "$ROOT/scripts/arm64.sh"
  arm64_stage
fi

if [ "${DD_SKIP_SANITIZERS:-0}" = 1 ]; then
  step "sanitizers" "skipped (DD_SKIP_SANITIZERS=1)"
else
  ensure_sanitizer_build asan "address,undefined"
  run_sanitizer_tests asan
  ensure_sanitizer_build tsan thread
  run_sanitizer_tests tsan
fi

# Fuzz smoke pass: every libFuzzer target (tests/fuzz) over its committed seed corpus, then
# DD_FUZZ_SECONDS (default 5) of fuzzing each; any crash or sanitizer report fails the run.
# The targets are built in the ASan tree (about 25 s on top of it). DD_SKIP_FUZZ=1 skips it; long
# runs: scripts/fuzz.sh.
if [ "${DD_SKIP_FUZZ:-0}" = 1 ]; then
  step "fuzz" "skipped (DD_SKIP_FUZZ=1)"
  exit 0
fi
ensure_fuzz_build
step "fuzz" "smoke pass: ${#FUZZ_TARGETS[@]} targets, seed corpus + ${DD_FUZZ_SECONDS:-5} s each"
fuzz_failed=""
for t in "${FUZZ_TARGETS[@]}"; do
  run_fuzzer "$t" "${DD_FUZZ_SECONDS:-5}" || fuzz_failed+=" fuzz_$t"
done
if [ -n "$fuzz_failed" ]; then
  echo "*** fuzz smoke pass failed:$fuzz_failed" >&2
  exit 1
fi
