#!/usr/bin/env bash
# The aarch64 stage of scripts/test.sh (also runnable on its own, after scripts/setup.sh):
# cross-builds the runtime (dd_llm), the C API library, the JNI library and the dailydrug CLI for
# 64-bit ARM Linux from the same sources with the same warnings, and runs the "arm64" ctest cases
# under qemu-aarch64 on an emulated CPU with the features of a 2023+ phone (dotprod, i8mm, ...).
#
#   1. packages: Debian's g++-aarch64-linux-gnu, qemu-user and the arm64 multiarch -dev packages
#      (dpkg --add-architecture arm64). SentencePiece's packages cannot be installed for arm64
#      next to the amd64 ones the x86 build needs (neither is Multi-Arch: same), so its arm64
#      .debs are downloaded with apt and unpacked into .cache/arm64/sysroot instead.
#   2. ExecuTorch: the executorch==1.5.1 manylinux_2_28_aarch64 wheel, fetched with pip download
#      (cached and SHA-256-checked in .cache/arm64, unpacked, never installed): its lib/ and
#      include/ are the same C++ SDK as the x86 wheel's.
#   3. build-arm64: CMake with cmake/toolchain-aarch64-linux-gnu.cmake.
#   4. ctest -L arm64 there: unit tests under qemu, and the greedy ids of the tiny model and of
#      SmolLM2 (.cache/bundles/test) compared with the x86 build's (tests/arm64.cmake).
# Skipped, saying why, only where the packages cannot be installed (no root and no sudo, or apt
# fails). DD_SKIP_ARM64=1 makes scripts/test.sh skip the stage; DD_ARM64_QEMU_CPU picks the
# emulated CPU (qemu -cpu; default max). docs/ANDROID.md has the results and what they mean.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ARM64_DIR="${BUILD}-arm64"
ARM64_CACHE="$CACHE/arm64"
ARM64_SYSROOT="$ARM64_CACHE/sysroot"
ET_ARM64_WHEEL=executorch-1.5.1-cp311-cp311-manylinux_2_28_aarch64.whl
ET_ARM64_WHEEL_SHA256=8ee02348a3ea80ddf770822911ebf78da616b73afce0fbaaa79f23311c88c66a
ET_ARM64_DIR="$ARM64_CACHE/executorch-1.5.1"

# The arm64 twins of the x86 build's -dev packages (nlohmann-json, CLI11 and the JDK headers are
# architecture-independent and already there; flatc runs on the host).
ARM64_TARGET_PACKAGES=(libpcre2-dev libsqlite3-dev libssl-dev libicu-dev libgtest-dev libgmock-dev
  libcpp-httplib-dev libxxhash-dev libhunspell-dev)
ARM64_UNPACKED_PACKAGES=(libsentencepiece0 libsentencepiece-dev)

# What the stage builds: the four deliverables and the test binaries of the "arm64" label.
ARM64_BUILD_TARGETS=(dd_llm dd_llm_c dd_llm_jni dailydrug)
ARM64_TEST_TARGETS=(tokenizer_conformance_test tokenizer_errors_test tokenizer_streaming_test
  sampler_test json_constraint_test runner_test kernels_attention_test c_api_test cpu_topology_test
  dd_greedy_ids)

# Set when the packages cannot be installed; arm64_stage then skips the rest, saying why.
ARM64_SKIPPED=""
arm64_skip() {
  ARM64_SKIPPED="$1"
  printf '\n*** arm64 stage skipped: %s\n' "$1" >&2
}

# qemu 7.2 (Debian 12) emulates SME wrongly: with -cpu max, XNNPACK/KleidiAI's SME kernels give
# wrong tokens (qemu 10 gets them right). Debian 12 takes qemu from bookworm-backports.
qemu_major() {
  local v
  v="$(qemu-aarch64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p')"
  echo "${v:-0}"
}

ensure_arm64_packages() {
  step "arm64 packages" "cross compiler, qemu-user and arm64 -dev packages"
  local missing=() p
  for p in g++-aarch64-linux-gnu; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  for p in "${ARM64_TARGET_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p:arm64")
  done
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  local need_qemu=0
  [ "$(qemu_major)" -ge 8 ] || need_qemu=1
  if [ ${#missing[@]} -eq 0 ] && [ "$need_qemu" = 0 ] && [ -f "$ARM64_SYSROOT/.dd-unpacked" ]; then
    echo "all installed (qemu $(qemu_major))"
    return
  fi
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo > /dev/null; then
    arm64_skip "packages missing (${missing[*]} qemu-user>=8) and neither root nor sudo to install them"
    return 0
  fi
  local apt=(sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get -qq)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    sudo_if_needed dpkg --add-architecture arm64
  fi
  local qemu_from=()
  if [ "$need_qemu" = 1 ] && [ "$codename" = bookworm ]; then
    local list=/etc/apt/sources.list.d/dd-bookworm-backports.list
    [ -f "$list" ] || echo "deb http://deb.debian.org/debian bookworm-backports main" \
      | sudo_if_needed tee "$list" > /dev/null
    qemu_from=(-t bookworm-backports)
  fi
  local what="${missing[*]}"
  if [ "$need_qemu" = 1 ]; then what+=" qemu-user ${qemu_from[*]}"; fi
  echo "installing: $what"
  "${apt[@]}" update || { arm64_skip "apt-get update failed"; return 0; }
  if [ ${#missing[@]} -gt 0 ]; then
    "${apt[@]}" install -y "${missing[@]}" || { arm64_skip "apt-get could not install ${missing[*]}"; return 0; }
  fi
  if [ "$need_qemu" = 1 ]; then
    "${apt[@]}" install -y "${qemu_from[@]}" qemu-user || "${apt[@]}" install -y qemu-user \
      || { arm64_skip "apt-get could not install qemu-user"; return 0; }
  fi
  # SentencePiece: unpacked, not installed (see the top of this file).
  if [ ! -f "$ARM64_SYSROOT/.dd-unpacked" ]; then
    local debs="$ARM64_CACHE/debs"
    rm -rf "$debs" "$ARM64_SYSROOT"
    mkdir -p "$debs" "$ARM64_SYSROOT"
    (cd "$debs" && apt-get -qq -o APT::Sandbox::User=root download \
      "${ARM64_UNPACKED_PACKAGES[@]/%/:arm64}") \
      || { arm64_skip "apt-get could not download ${ARM64_UNPACKED_PACKAGES[*]} for arm64"; return 0; }
    local deb
    for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$ARM64_SYSROOT"; done
    # The .pc file says prefix=/usr; point it at the unpacked copy.
    sed -i "s|^prefix=/usr\$|prefix=$ARM64_SYSROOT/usr|" \
      "$ARM64_SYSROOT/usr/lib/aarch64-linux-gnu/pkgconfig/sentencepiece.pc"
    touch "$ARM64_SYSROOT/.dd-unpacked"
  fi
  echo "installed (qemu $(qemu_major))"
}

ensure_arm64_wheel() {
  step "arm64 executorch" "executorch==1.5.1 manylinux_2_28_aarch64 wheel's C++ SDK (unpacked)"
  if [ -f "$ET_ARM64_DIR/.dd-sha256" ] &&
     [ "$(cat "$ET_ARM64_DIR/.dd-sha256")" = "$ET_ARM64_WHEEL_SHA256" ]; then
    echo "up to date ($ET_ARM64_DIR)"
    return
  fi
  local wheel="$ARM64_CACHE/wheel/$ET_ARM64_WHEEL"
  if [ ! -f "$wheel" ] ||
     ! echo "$ET_ARM64_WHEEL_SHA256  $wheel" | sha256sum -c --quiet - 2>/dev/null; then
    rm -f "$wheel"
    "$VENV/bin/pip" download --disable-pip-version-check --progress-bar off -q --no-deps \
      --only-binary=:all: --platform manylinux_2_28_aarch64 --python-version 3.11 \
      --implementation cp executorch==1.5.1 -d "$ARM64_CACHE/wheel"
  fi
  if ! echo "$ET_ARM64_WHEEL_SHA256  $wheel" | sha256sum -c --quiet -; then
    echo "$wheel does not have the SHA-256 recorded in scripts/arm64.sh" >&2
    return 1
  fi
  local tmp="$ARM64_CACHE/unpack.tmp"
  rm -rf "$tmp" "$ET_ARM64_DIR"
  "$VENV/bin/python" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("executorch/")])' \
    "$wheel" "$tmp"
  mv "$tmp/executorch" "$ET_ARM64_DIR"
  rm -rf "$tmp"
  echo "$ET_ARM64_WHEEL_SHA256" > "$ET_ARM64_DIR/.dd-sha256"
  echo "unpacked into $ET_ARM64_DIR ($(du -sh "$ET_ARM64_DIR/lib" | cut -f1) of libraries)"
}

arm64_qemu_cpu() {
  local cpu="${DD_ARM64_QEMU_CPU:-max}"
  # Debian 12's own qemu 7.2 (backports unavailable): SME off, see qemu_major above.
  if [ "$(qemu_major)" -lt 8 ] && [ "$cpu" = max ]; then cpu="max,sme=off"; fi
  echo "$cpu"
}

ensure_arm64_build() {
  local cmake="$VENV/bin/cmake" cpu
  cpu="$(arm64_qemu_cpu)"
  step "arm64 build" "aarch64 cross build in $ARM64_DIR ($JOBS jobs; tests run on qemu -cpu $cpu)"
  local tests
  tests="$(IFS=';'; echo "${ARM64_TEST_TARGETS[*]}")"
  local args
  mapfile -t args < <(cmake_common_args)
  args+=(-DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-aarch64-linux-gnu.cmake"
    -DDD_EXECUTORCH_DIR="$ET_ARM64_DIR" -DDD_ARM64_EXTRA_PREFIX="$ARM64_SYSROOT/usr"
    -DDD_ARM64_QEMU_CPU="$cpu" -DDD_SANITIZER_TARGETS="$tests" -DDD_X86_BUILD_DIR="$BUILD"
    # The optimisation of the x86 build without its debug information: a third less compile
    # time, and the sizes a release build has (the stage must fit CI's budget).
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG")
  local stamp="$ARM64_DIR/.dd-configure-args"
  if [ ! -f "$ARM64_DIR/CMakeCache.txt" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${args[*]}" ]; then
    rm -rf "$ARM64_DIR"
    mkdir -p "$ARM64_DIR"
    "$cmake" -S "$ROOT" -B "$ARM64_DIR" "${args[@]}" > "$ARM64_DIR.configure.log" \
      || { cat "$ARM64_DIR.configure.log"; false; }
    echo "${args[*]}" > "$stamp"
  fi
  # The fixtures are files the x86 tree's Python made (a .pte is the same on every CPU): shared.
  local f
  for f in tiny tokenizer; do
    mkdir -p "$BUILD/test-fixtures/$f" "$ARM64_DIR/test-fixtures"
    if [ -d "$ARM64_DIR/test-fixtures/$f" ] && [ ! -L "$ARM64_DIR/test-fixtures/$f" ]; then
      rm -rf "$ARM64_DIR/test-fixtures/$f"
    fi
    ln -sfn "$BUILD/test-fixtures/$f" "$ARM64_DIR/test-fixtures/$f"
  done
  local t0=$SECONDS targets=(dd_sanitizer_tests "${ARM64_BUILD_TARGETS[@]}")
  "$cmake" --build "$ARM64_DIR" -j "$JOBS" --target "${targets[@]}" 2>&1 \
    | grep -E "error|warning|Linking|Built target" | sed 's/^/    /' || true
  "$cmake" --build "$ARM64_DIR" -j "$JOBS" --target "${targets[@]}" > /dev/null  # fails the step
  echo "arm64 built in $((SECONDS - t0)) s"
}

# Sizes of the aarch64 libraries and CLI as built (RelWithDebInfo) and stripped, and of the
# ExecuTorch libraries they load: the numbers docs/ANDROID.md quotes.
arm64_sizes() {
  local f tmp
  tmp="$(mktemp)"
  printf '  %-34s %12s %12s\n' file "as built" stripped
  for f in "$ARM64_DIR/bindings/c/libdailydrug_llm.so" "$ARM64_DIR/bindings/jni/libdailydrug_llm_jni.so" \
    "$ARM64_DIR/frontends/cli/dailydrug" "$ET_ARM64_DIR"/lib/libexecutorch*.so \
    "$ARM64_SYSROOT/usr/lib/aarch64-linux-gnu/libsentencepiece.so.0.0.0"; do
    [ -f "$f" ] || continue
    aarch64-linux-gnu-strip -o "$tmp" "$f"
    printf '  %-34s %12s %12s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(stat -c %s "$tmp")"
  done
  rm -f "$tmp"
}

run_arm64_tests() {
  step "arm64 tests" "ctest -L arm64 in $ARM64_DIR under qemu-aarch64 ($JOBS in parallel)"
  local report="$ARM64_DIR/greedy-comparison.md" t0=$SECONDS rc=0
  rm -f "$report"
  (cd "$ARM64_DIR" && "$VENV/bin/ctest" --output-on-failure -j "$JOBS" --timeout 900 \
    --no-tests=error -L '^arm64$' "$@") || rc=$?
  if [ -f "$report" ]; then
    echo "greedy ids, x86 vs aarch64 (bundle | emulator | steps | verdict | closest margin | x86 | aarch64):"
    sed 's/^/  /' "$report"
  fi
  echo "arm64 sizes (bytes):"
  arm64_sizes
  echo "arm64 tests ran in $((SECONDS - t0)) s"
  return "$rc"
}

# The whole stage; scripts/test.sh sources this file and calls it.
arm64_stage() {
  local t0=$SECONDS
  ensure_arm64_packages
  [ -z "$ARM64_SKIPPED" ] || return 0
  ensure_arm64_wheel
  ensure_arm64_build
  run_arm64_tests "$@"
  echo "arm64 stage took $((SECONDS - t0)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  arm64_stage "$@"
fi
