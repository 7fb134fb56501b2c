#!/usr/bin/env python3
"""Guards on the test suite itself, run by scripts/test.sh (docs/RELIABILITY.md, "Gates"):

  counts BUILD_DIR TREE   the ctest cases registered in BUILD_DIR, per label and per suite, against
                          the minimums of TREE in tests/registered_tests.json: fewer fails, so a
                          suite that stops being built or discovered cannot vanish unnoticed.
                          --update writes today's counts as the new minimums.
  skips JUNIT...          the cases ctest reported as skipped or disabled (its --output-junit
                          files, e.g. GoogleTest's DISABLED_ cases); each
                          must be listed with its reason in tests/allowed_skips.txt. Unlisted
                          skips fail when CI is set (or with --strict), are printed otherwise.
  threads MAIN TSAN       every case labelled "threads" in the main tree has its "tsan." twin in
                          the TSan tree, labelled tsan and threads: the TSan stage runs them all.
  sealed PATH SHA256      the files of a sealed evaluation set (a folder or one file) hash to the recorded SHA-256 (names
                          and contents, sorted), so its cases cannot be edited toward what the
                          code produces without the change showing in review (ctest
                          scan_layouts_sealed_unchanged); prints only the count and the hash.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTS_FILE = ROOT / "tests" / "registered_tests.json"
ALLOWED_FILE = ROOT / "tests" / "allowed_skips.txt"
TREE_PREFIX = re.compile(r"^(asan|tsan|arm64)\.")


def registered(build: Path) -> dict[str, list[str]]:
    """{test name: labels} of every case ctest knows in `build`."""
    ctest = os.environ.get("DD_CTEST", "ctest")
    out = subprocess.run([ctest, "--show-only=json-v1"], cwd=build, check=True,
                         capture_output=True, text=True).stdout
    tests = {}
    for t in json.loads(out)["tests"]:
        labels = next((p["value"] for p in t.get("properties", []) if p["name"] == "LABELS"), [])
        tests[t["name"]] = labels
    return tests


def suite_of(name: str) -> str:
    """GoogleTest suite (Matrix/BundleFaultTest, RunnerTest) or the ctest name's first part."""
    return TREE_PREFIX.sub("", name).split(".", 1)[0]


def count(tests: dict[str, list[str]]) -> dict[str, dict]:
    by_label: dict[str, dict] = {}
    for name, labels in tests.items():
        for label in labels or ["(none)"]:
            entry = by_label.setdefault(label, {"total": 0, "suites": Counter()})
            entry["total"] += 1
            entry["suites"][suite_of(name)] += 1
    return {label: {"total": e["total"], "suites": dict(sorted(e["suites"].items()))}
            for label, e in sorted(by_label.items())}


def cmd_counts(args) -> int:
    now = count(registered(Path(args.build)))
    if args.tree != "main":  # a sanitizer tree runs only the cases of its own label (+ threads)
        now = {label: v for label, v in now.items() if label in (args.tree, "threads")}
    data = json.loads(COUNTS_FILE.read_text()) if COUNTS_FILE.is_file() else {}
    if args.update:
        data[args.tree] = now
        COUNTS_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"{COUNTS_FILE}: {args.tree} updated ({sum(v['total'] for v in now.values())} "
              "label entries)")
        return 0
    if args.tree not in data:
        print(f"*** no minimums for tree {args.tree} in {COUNTS_FILE}", file=sys.stderr)
        return 1
    drops, grew = [], []
    for label, want in data[args.tree].items():
        have = now.get(label, {"total": 0, "suites": {}})
        if have["total"] < want["total"]:
            drops.append(f"label {label}: {have['total']} cases, at least {want['total']} expected")
        for suite, n in want["suites"].items():
            got = have["suites"].get(suite, 0)
            if got < n:
                drops.append(f"label {label}, suite {suite}: {got} cases, at least {n} expected")
        if have["total"] > want["total"]:
            grew.append(f"{label} {want['total']} -> {have['total']}")
    for label in now:
        if label not in data[args.tree]:
            grew.append(f"new label {label}: {now[label]['total']}")
    summary = ", ".join(f"{label} {v['total']}" for label, v in now.items())
    print(f"registered ctest cases ({args.tree}): {summary}")
    if grew:
        print("more than the recorded minimums (raise them: scripts/check_test_suite.py counts "
              f"{args.build} {args.tree} --update): " + "; ".join(grew))
    if drops:
        print("*** fewer registered tests than tests/registered_tests.json records:\n  "
              + "\n  ".join(drops), file=sys.stderr)
        return 1
    return 0


def load_allowed() -> list[tuple[re.Pattern, str]]:
    entries = []
    for n, line in enumerate(ALLOWED_FILE.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, sep, reason = line.partition(" | ")
        if not sep or not reason.strip():
            raise SystemExit(f"{ALLOWED_FILE}:{n}: 'REGEX | reason' expected")
        entries.append((re.compile(pattern.strip()), reason.strip()))
    return entries


def cmd_skips(args) -> int:
    allowed = load_allowed()
    strict = args.strict or os.environ.get("CI", "").lower() in ("1", "true", "yes")
    unlisted = []
    for path in args.junit:
        for case in ET.parse(path).getroot().iter("testcase"):
            skipped = case.find("skipped")
            if skipped is None and case.get("status") != "disabled":
                continue
            message = skipped.get("message", "") if skipped is not None else "disabled"
            name = case.get("name", "")
            why = next((w for p, w in allowed if p.search(name)), None)
            if why:
                print(f"skipped (listed: {why}): {name}")
            else:
                out = (case.findtext("system-out") or "").strip().splitlines()
                unlisted.append(f"{name} ({message}): "
                                + " | ".join(out[-3:]))
    if unlisted:
        print(("*** " if strict else "warning: ") + f"{len(unlisted)} skipped ctest cases not in "
              f"tests/allowed_skips.txt:\n  " + "\n  ".join(unlisted),
              file=sys.stderr if strict else sys.stdout)
        return 1 if strict else 0
    return 0


def cmd_threads(args) -> int:
    main = registered(Path(args.main))
    tsan = registered(Path(args.tsan))
    missing = [n for n, labels in main.items() if "threads" in labels
               and not {"tsan", "threads"} <= set(tsan.get("tsan." + n, []))]
    n = sum("threads" in labels for labels in main.values())
    if missing:
        print(f"*** {len(missing)} of {n} cases labelled threads have no tsan twin labelled "
              "tsan;threads (add their target to SANITIZER_TARGETS_TSAN in scripts/lib.sh):\n  "
              + "\n  ".join(missing[:30]), file=sys.stderr)
        return 1
    print(f"all {n} cases labelled threads run in the TSan tree")
    return 0


def sealed_hash(folder: Path) -> tuple[int, str]:
    import hashlib
    h = hashlib.sha256()
    base = folder if folder.is_dir() else folder.parent
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else \
        ([folder] if folder.is_file() else [])
    for p in files:
        data = p.read_bytes()
        h.update(f"{p.relative_to(base).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return len(files), h.hexdigest()


def cmd_sealed(args) -> int:
    n, digest = sealed_hash(Path(args.dir))
    print(f"{args.dir}: {n} files, sha256 {digest}")
    if n == 0 or digest != args.sha256:
        print(f"*** the sealed set changed (recorded {args.sha256}); a fix to a sealed case is "
              "made by someone not working on the code it scores and recorded with the new hash "
              "(tests/data/scan/layouts-README.md)", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("counts")
    c.add_argument("build")
    c.add_argument("tree")
    c.add_argument("--update", action="store_true")
    s = sub.add_parser("skips")
    s.add_argument("junit", nargs="+")
    s.add_argument("--strict", action="store_true")
    t = sub.add_parser("threads")
    t.add_argument("main")
    t.add_argument("tsan")
    z = sub.add_parser("sealed")
    z.add_argument("dir")
    z.add_argument("sha256")
    args = ap.parse_args()
    return {"counts": cmd_counts, "skips": cmd_skips, "threads": cmd_threads,
            "sealed": cmd_sealed}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
