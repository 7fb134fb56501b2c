#!/usr/bin/env bash
# Static checks of our C and C++ sources: clang-format (.clang-format, one style for the whole
# tree) and clang-tidy (.clang-tidy, the checks we keep) over every file the main build compiles.
# Any finding fails. Run by scripts/test.sh after the build; alone: ./scripts/lint.sh
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
  mapfile -t files < <("$VENV/bin/python" - "$BUILD/compile_commands.json" "$ROOT" "${dirs[@]}" <<'PY'
import json, sys
db, root, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
ours = tuple(f"{root}/{d}/" for d in dirs)
print("\n".join(sorted({e["file"] for e in json.load(open(db)) if e["file"].startswith(ours)})))
PY
)
  # -Wshadow=local is GCC's; clang would report the unknown option as an error.
  printf '%s\n' "${files[@]}" | xargs -P "$JOBS" -n 4 clang-tidy -p "$BUILD" --quiet \
    --extra-arg=-Wno-unknown-warning-option > "$log" 2>&1 || rc=$?
  local findings
  findings="$(grep -E '^/.*: (warning|error):' "$log" | sort -u || true)"
  if [ -n "$findings" ] || [ "$rc" -ne 0 ]; then
    [ -n "$findings" ] && echo "$findings" | sed 's/^/    /' >&2
    [ "$rc" -ne 0 ] && tail -5 "$log" | sed 's/^/    /' >&2
    echo "*** clang-tidy: $(echo -n "$findings" | grep -c . || true) finding(s), exit $rc ($log has the context)" >&2
    return 1
  fi
  echo "${#files[@]} files, no findings, $((SECONDS - t0)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ "${1:-}" = --fix ]; then
    lint_format --fix
  else
    lint_format
    lint_tidy "${1:-}"
  fi
fi
