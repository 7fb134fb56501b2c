#!/usr/bin/env bash
# Run the whole test suite (ctest: unit, integration, e2e). Sets up whatever is missing first, as
# scripts/setup.sh does. Extra arguments go to ctest (e.g. -L unit).
# Then the sanitizer stage: our unit tests again, built with ASan+LSan+UBSan (build-asan) and the
# concurrency cases with TSan (build-tsan); any sanitizer report fails the run. About 4 minutes
# on 2 cores the first time, seconds when nothing changed. DD_SKIP_SANITIZERS=1 skips it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages
ensure_venv
ensure_build
ensure_bundles

step "tests" "ctest ($JOBS in parallel)"
cd "$BUILD"
ctest_args=(--output-on-failure -j "$JOBS" --timeout 1800)
"$VENV/bin/ctest" "${ctest_args[@]}" "$@"

if [ "${DD_SKIP_SANITIZERS:-0}" = 1 ]; then
  step "sanitizers" "skipped (DD_SKIP_SANITIZERS=1)"
  exit 0
fi
ensure_sanitizer_build asan "address,undefined"
run_sanitizer_tests asan
ensure_sanitizer_build tsan thread
run_sanitizer_tests tsan
