#!/usr/bin/env python3
"""What clang-tidy would read for each file, as one hash per file (scripts/lint.sh).

clang-tidy's findings for a translation unit are a function of its preprocessed text, its compiler
flags, the check configuration and clang-tidy's version. A file whose key is in
scripts/tidy_clean.txt was checked with no findings on exactly that input, so lint.sh need not
check it again; any change to the file, to a header it includes (ours, ExecuTorch's, the
system's), to its flags, to .clang-tidy or to the clang-tidy version gives a new key.

    tidy_keys.py BUILD_DIR ROOT JOBS DIR...   prints "KEY PATH" for every file the build compiles
                                              under ROOT/DIR (PATH relative to ROOT), sorted

The checkout's own path and the venv's are replaced by placeholders before hashing (they appear
in -I flags and in expanded __FILE__ macros; neither changes what clang-tidy finds), so a clean
clone elsewhere gets the same keys.
"""

import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys


def tidy_version() -> str:
    out = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True, check=True)
    return out.stdout


def config_text(root: str) -> str:
    parts = []
    for name in (".clang-tidy", "tests/.clang-tidy"):
        path = os.path.join(root, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                parts.append(f.read())
    return "\n".join(parts)


def preprocess_args(entry: dict) -> list:
    """The compile command with `-o OUT -c FILE` replaced by `-E -P FILE` (no line markers)."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c", "-MF", "-MT", "-MQ"):
            skip = a != "-c"
            continue
        if a in ("-MD", "-MMD") or a == entry["file"]:
            continue
        out.append(a)
    return out + ["-E", "-P", entry["file"]]


def key(entry: dict, root: str, venv: str, salt: bytes) -> str:
    args = preprocess_args(entry)
    text = subprocess.run(args, cwd=entry["directory"], capture_output=True, check=True).stdout
    flags = " ".join(args[1:-3]).encode()
    h = hashlib.sha256(salt)
    for part in (flags, text):
        part = part.replace(venv.encode(), b"<venv>").replace(root.encode(), b"<root>")
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:32]


def main() -> int:
    build, root, jobs, dirs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    root = os.path.realpath(root)
    venv = os.path.join(root, ".venv")
    ours = tuple(os.path.join(root, d) + os.sep for d in dirs)
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        entries = {e["file"]: e for e in json.load(f) if e["file"].startswith(ours)}
    files = sorted(entries)
    salt = (tidy_version() + config_text(root)).encode()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        keys = pool.map(lambda p: key(entries[p], root, venv, salt), files)
        for path, k in zip(files, keys):
            print(k, os.path.relpath(path, root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
