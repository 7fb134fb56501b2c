#!/usr/bin/env python3
"""Our JSON constraint's token mask beside llguidance's, on the same tokenizer, schema and
document (docs/BENCHMARKS.md, "Constrained decoding"). Run by scripts/bench_mask.sh in the
bench-only venv, which has llguidance (tools/bench/requirements.txt).

For each (schema, document) pair, dailydrug-maskbench replays the document's tokens through our
mask and prints its figures and the token ids; here llguidance's LLMatcher replays the same ids:
before each token compute_bitmask() (the mask, one bit per token; timed around the Python call,
so it includes the binding's overhead of a few microseconds), then consume_token(). Time to first
mask: building the matcher for the schema and its first mask. The tokenizer's own setup
(LLTokenizer; our vocabulary trie) is reported on its own line: once per process.

    compare_llguidance.py --maskbench BIN --tokenizer tokenizer.json \
        --case NAME SCHEMA DOCUMENT [--case ...] [--reps 5] [--json OUT] [--markdown OUT]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def percentiles(values):
    v = sorted(values)
    at = lambda q: v[min(len(v) - 1, int(q * len(v)))]  # noqa: E731 (same rule as the C++ tool)
    return {"median": at(0.5), "p99": at(0.99), "max": v[-1], "n": len(v)}


def run_ours(maskbench, tokenizer, schema, document, reps):
    out = subprocess.run([maskbench, "--tokenizer", tokenizer, "--schema", schema,
                          "--document", document, "--reps", str(reps)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def run_llguidance(tokenizer_json, schema_text, ids, reps):
    import llguidance

    t0 = time.perf_counter()
    tok = llguidance.LLTokenizer(tokenizer_json)
    setup_ms = (time.perf_counter() - t0) * 1e3
    # lenient: keywords it does not implement are ignored instead of failing the grammar, as ours
    # ignores uniqueItems (the scan schema has it; neither enforces it while generating).
    grammar = llguidance.LLMatcher.grammar_from_json_schema(schema_text,
                                                            defaults={"lenient": True})
    first_ms, mask_us = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        m = llguidance.LLMatcher(tok, grammar)
        if m.is_error():
            sys.exit(f"llguidance: {m.get_error()}")
        for i, token in enumerate(ids):
            t = time.perf_counter()
            mask = m.compute_bitmask()
            mask_us.append((time.perf_counter() - t) * 1e6)
            if i == 0:
                first_ms.append((time.perf_counter() - t0) * 1e3)
            if not (mask[token // 8] >> (token % 8)) & 1:
                sys.exit(f"llguidance masks token {i} (id {token}) of the document")
            if not m.consume_token(token):
                sys.exit(f"llguidance refused token {i} (id {token}): {m.get_error()}")
        if m.is_error():
            sys.exit(f"llguidance: {m.get_error()}")
    return {"engine": "llguidance " + importlib.metadata.version("llguidance"),
            "tokenizer_setup_ms": setup_ms, "first_mask_ms": statistics.median(first_ms),
            "mask_us": percentiles(mask_us)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maskbench", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--case", nargs=3, action="append", required=True,
                    metavar=("NAME", "SCHEMA", "DOCUMENT"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    tokenizer_json = Path(args.tokenizer).read_text(encoding="utf-8")
    results = []
    for name, schema, document in args.case:
        ours = run_ours(args.maskbench, args.tokenizer, schema, document, args.reps)
        theirs = run_llguidance(tokenizer_json, Path(schema).read_text(encoding="utf-8"),
                                ours["document_ids"], args.reps)
        ours.pop("document_ids")
        results.append({"case": name, "document_tokens": ours["document_tokens"],
                        "dailydrug": ours, "llguidance": theirs})
        print(json.dumps(results[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        rows = ["| case | engine | mask median µs | mask p99 µs | mask max µs | first mask ms "
                "| tokenizer setup ms |", "|---|---|---|---|---|---|---|"]
        for r in results:
            for key in ("dailydrug", "llguidance"):
                e = r[key]
                rows.append(f"| {r['case']} ({r['document_tokens']} tokens) | {e['engine']} | "
                            f"{e['mask_us']['median']:.1f} | {e['mask_us']['p99']:.1f} | "
                            f"{e['mask_us']['max']:.1f} | {e['first_mask_ms']:.2f} | "
                            f"{e['tokenizer_setup_ms']:.0f} |")
        extra = [f"dailydrug-maskbench also applies the mask to a row of logits (-inf where "
                 f"masked), what the sampler chain runs: median "
                 f"{r['dailydrug']['apply_us']['median']:.1f} µs for {r['case']}." for r in results]
        Path(args.markdown).write_text("\n".join(rows + [""] + extra) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
