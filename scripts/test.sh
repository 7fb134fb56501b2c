#!/usr/bin/env bash
# Run the whole test suite (ctest: unit, integration, e2e). Sets up whatever is missing first, as
# scripts/setup.sh does. Extra arguments go to ctest (e.g. -L unit).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages
ensure_venv
ensure_build
ensure_bundles

step "tests" "ctest ($JOBS in parallel)"
cd "$BUILD"
ctest_args=(--output-on-failure -j "$JOBS" --timeout 1800)
"$VENV/bin/ctest" "${ctest_args[@]}" "$@"
