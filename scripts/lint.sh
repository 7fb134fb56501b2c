#!/usr/bin/env bash
# Static checks of our C and C++ sources: clang-format (.clang-format, one style for the whole
# tree) and clang-tidy (.clang-tidy, the checks we keep) over every file the main build compiles.
# Any finding fails. Run by scripts/test.sh after the build; alone: ./scripts/lint.sh
# clang-tidy checks only the files whose input changed since their last clean check
# (scripts/tidy_keys.py, scripts/tidy_clean.txt; DD_TIDY_NO_CACHE=1 checks every file).
#   ./scripts/lint.sh --all   clang-tidy over the tests as well (CI checks the library, the front
#                             ends, bindings and tools: the tests' ~60 files would add ~4 minutes
#                             on 2 cores)
#   ./scripts/lint.sh --fix   rewrites the files clang-format would change (tidy findings are
#                             fixed by hand).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Our sources: everything tracked under these folders (the build's generated files and the
# ExecuTorch headers are not ours).
LINT_DIRS=(runtime app frontends bindings tools tests)
TIDY_DIRS=(runtime app frontends bindings tools)

lint_format() {
  step "lint/format" "clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1)"
  local files
  mapfile -t files < <(cd "$ROOT" && git ls-files -- "${LINT_DIRS[@]/%//*.cpp}" \
    "${LINT_DIRS[@]/%//*.cc}" "${LINT_DIRS[@]/%//*.c}" "${LINT_DIRS[@]/%//*.h}")
  if [ "${1:-}" = --fix ]; then
    (cd "$ROOT" && clang-format -i "${files[@]}")
    echo "formatted ${#files[@]} files"
    return
  fi
  local bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$ROOT/$f" > /dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf '    not formatted: %s\n' "${bad[@]}" >&2
    echo "*** ${#bad[@]} of ${#files[@]} files differ from .clang-format (./scripts/lint.sh --fix)" >&2
    return 1
  fi
  echo "${#files[@]} files formatted"
}

lint_tidy() {  # lint_tidy [--all]
  local dirs=("${TIDY_DIRS[@]}")
  [ "${1:-}" != --all ] || dirs=("${LINT_DIRS[@]}")
  step "lint/tidy" "clang-tidy over the main build's sources in ${dirs[*]} ($JOBS jobs)"
  local log="$BUILD/clang-tidy.log" t0=$SECONDS files rc=0
  # Every file the main build compiles in those folders, with its key: scripts/tidy_keys.py hashes
  # what clang-tidy would read (preprocessed text, flags, .clang-tidy, its version), and
  # scripts/tidy_clean.txt lists the keys that had no findings. Files unchanged since their last
  # clean check are not checked again; DD_TIDY_NO_CACHE=1 checks all.
  local manifest="$ROOT/scripts/tidy_clean.txt" keys todo=()
  keys="$("$VENV/bin/python" "$ROOT/scripts/tidy_keys.py" "$BUILD" "$ROOT" "$JOBS" "${dirs[@]}")" \
    || { echo "*** clang-tidy: could not preprocess the sources (scripts/tidy_keys.py)" >&2; return 1; }
  mapfile -t files < <(awk -v r="$ROOT/" '{print r $2}' <<< "$keys")
  if [ "${DD_TIDY_NO_CACHE:-0}" = 1 ] || [ ! -f "$manifest" ]; then
    todo=("${files[@]}")
  else
    mapfile -t todo < <(grep -vxFf "$manifest" <<< "$keys" | awk -v r="$ROOT/" '{print r $2}')
  fi
  # -Wshadow=local is GCC's; clang would report the unknown option as an error.
  if [ ${#todo[@]} -gt 0 ]; then
    printf '%s\n' "${todo[@]}" | xargs -P "$JOBS" -n 4 clang-tidy -p "$BUILD" --quiet \
      --extra-arg=-Wno-unknown-warning-option > "$log" 2>&1 || rc=$?
  else
    : > "$log"
  fi
  local findings
  findings="$(grep -E '^/.*: (warning|error):' "$log" | sort -u || true)"
  if [ -n "$findings" ] || [ "$rc" -ne 0 ]; then
    [ -n "$findings" ] && echo "$findings" | sed 's/^/    /' >&2
    [ "$rc" -ne 0 ] && tail -5 "$log" | sed 's/^/    /' >&2
    echo "*** clang-tidy: $(echo -n "$findings" | grep -c . || true) finding(s), exit $rc ($log has the context)" >&2
    return 1
  fi
  # Record the clean keys (a developer's run; CI's clean clone keeps the committed list): the
  # keys of other files (the tests, when they were not checked) stay.
  if [ "${CI:-}" != true ]; then
    { [ ! -f "$manifest" ] || awk 'NR == FNR { now[$2] = 1; next } !($2 in now)' \
        <(echo "$keys") "$manifest"
      echo "$keys"; } | sort -k2,2 > "$manifest.tmp" && mv "$manifest.tmp" "$manifest"
  fi
  echo "${#files[@]} files: ${#todo[@]} checked, no findings; $(( ${#files[@]} - ${#todo[@]} )) unchanged since their last clean check; $((SECONDS - t0)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ "${1:-}" = --fix ]; then
    lint_format --fix
  else
    lint_format
    lint_tidy "${1:-}"
  fi
fi
