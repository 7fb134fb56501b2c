"""Our runtime vs llama.cpp on the same checkpoint, same machine, same thread count, interleaved.

The default bundle is exported from Qwen2.5-Coder-0.5B-Instruct's Q4_K_M GGUF
(.cache/models/, assembled by scripts/lib.sh). llama.cpp runs that same file requantized with its
own quantize call (`llama_model_quantize`, allow_requantize) to Q4_0 and Q8_0, through
`llama-cpp-python` (built from its source distribution in a bench-only venv; never in the app).

For each round (--reps rounds), in fresh processes one after the other:
  ours    `dailydrug-bench --model BUNDLE --reps 1` (prefill_N, decode, chat and assistant decode
          with and without speculation, TTFT, peak RSS)
  llama   this script's `--worker` mode under the bench venv's Python, once per GGUF: the same
          prompts (`dailydrug-bench --prompts`: the decode prompt, the chat and assistant prompts
          in the bundle's chat template, the sentence repeated to N tokens for prefill), greedy,
          64 tokens, timed by llama.cpp's own counters
          (`llama_perf_context`: prompt and decode time inside llama.cpp, without Python's
          per-token overhead, which favours llama.cpp)
and prints medians and ratios (ours / llama.cpp; > 1 = ours faster or, for RSS, larger).

    scripts/bench_llamacpp.sh [--reps N]      # sets up the venv and the GGUFs, then runs this
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[2]
# (our workload, llama.cpp's figure); decode workloads compare tokens/s.
PAIRS = [("prefill_{p}", "prefill_{p}"), ("decode_{d}", "decode_{d}"),
         ("chat_decode_{d}", "chat_decode_{d}"), ("chat_decode_{d}_nospec", "chat_decode_{d}"),
         ("assistant_decode_{d}", "assistant_decode_{d}"),
         ("assistant_decode_{d}_nospec", "assistant_decode_{d}")]


def chatml(system: str, user: str) -> str:
    return ((f"<|im_start|>system\n{system}<|im_end|>\n" if system else "")
            + f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_prompts(bench: Path) -> Dict[str, str]:
    """The prompts of dailydrug-bench's workloads, from the binary itself."""
    out = subprocess.run([str(bench), "--prompts"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def worker(gguf: Path, prompts: Dict[str, str], system: str, prefill: List[int], decode_n: int,
           threads: int) -> Dict:
    """One llama.cpp round on `gguf`: one value per workload, as JSON on stdout."""
    import llama_cpp

    baseline = _current_rss_mb()
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=1024, n_batch=512, n_threads=threads,
                          n_threads_batch=threads, verbose=False)
    load_ms = (time.perf_counter() - t0) * 1000
    ctx = llm._ctx.ctx  # the llama_context, for llama.cpp's own counters
    vocab = llama_cpp.llama_model_get_vocab(llm.model)

    def timed(tokens: List[int], max_new: int) -> Dict[str, float]:
        llm.reset()
        llama_cpp.llama_perf_context_reset(ctx)
        llm.eval(tokens)
        for _ in range(max_new - 1):  # as ours: the first token comes from the prompt's call
            tok = llm.sample(top_k=1, temp=0.0, repeat_penalty=1.0)
            if llama_cpp.llama_vocab_is_eog(vocab, tok):
                break
            llm.eval([tok])
        llama_cpp.llama_synchronize(ctx)  # the counters are updated when the work is waited for
        p = llama_cpp.llama_perf_context(ctx)
        return {"prompt_ms": p.t_p_eval_ms, "prompt_n": p.n_p_eval, "eval_ms": p.t_eval_ms,
                "eval_n": p.n_eval}

    results: Dict[str, float] = {"load": load_ms}
    for n in prefill:
        text, ids = "", []
        while len(ids) < n:
            text += prompts["prefill_sentence"]
            ids = llm.tokenize(text.encode(), add_bos=False, special=False)
        r = timed(ids[:n], 1)
        results[f"prefill_{n}"] = r["prompt_n"] * 1000.0 / r["prompt_ms"]
    for name, prompt in [("decode", prompts["decode"]),
                         ("chat_decode", chatml(system, prompts["chat"])),
                         ("assistant_decode", chatml(system, prompts["assistant"]))]:
        ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        r = timed(ids, decode_n)
        if r["eval_n"] > 0:
            results[f"{name}_{decode_n}"] = r["eval_n"] * 1000.0 / r["eval_ms"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    results["peak_rss_mb"] = peak
    results["rss_growth_mb"] = peak - baseline
    return results


def ours_round(bench: Path, bundle: Path, prefill: List[int], decode_n: int,
               threads: int) -> Dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ours.json"
        subprocess.run([str(bench), "--model", str(bundle), "--reps", "1", "--prefill",
                        ",".join(map(str, prefill)), "--decode", str(decode_n), "--threads",
                        str(threads), "--decode-contexts", "", "--json", str(path)],
                       check=True, stdout=subprocess.DEVNULL)
        report = json.loads(path.read_text())
    out = {r["workload"]: r["median"] for r in report["results"]}
    out["peak_rss_mb"] = report["peak_rss_kb"] / 1024
    return out


def run_rounds(args) -> Dict[str, Dict[str, List[float]]]:
    cfg = json.loads((args.bundle / "model_config.json").read_text())
    system = cfg.get("system_prompt") or ""
    prompts = bench_prompts(args.bench)
    series: Dict[str, Dict[str, List[float]]] = {"ours": {}}
    label = {g: g.stem.rsplit(".", 1)[-1] for g in args.gguf}  # "…instruct.Q4_0" -> "Q4_0"
    for g in args.gguf:
        series[label[g]] = {}
    for i in range(args.reps):
        print(f"round {i + 1}/{args.reps}: ours", file=sys.stderr, flush=True)
        for k, v in ours_round(args.bench, args.bundle, args.prefill, args.decode,
                               args.threads).items():
            series["ours"].setdefault(k, []).append(v)
        for g in args.gguf:
            print(f"round {i + 1}/{args.reps}: llama.cpp {label[g]}", file=sys.stderr, flush=True)
            out = subprocess.run([str(args.python), __file__, "--worker", "--gguf", str(g),
                                  "--prompts-json", json.dumps(prompts),
                                  "--system", system, "--decode", str(args.decode),
                                  "--threads", str(args.threads),
                                  *[a for n in args.prefill for a in ("--prefill", str(n))]],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"llama.cpp worker on {g.name} failed:\n{out.stderr[-2000:]}")
            for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items():
                series[label[g]].setdefault(k, []).append(v)
    return series


def markdown(series: Dict[str, Dict[str, List[float]]], prefill: List[int], decode_n: int) -> str:
    med = {who: {k: statistics.median(v) for k, v in s.items()} for who, s in series.items()}
    ggufs = [g for g in med if g != "ours"]
    head = "| workload | ours | " + " | ".join(f"llama.cpp {g} | ours / {g}" for g in ggufs)
    lines = [head + " |", "|---" * (2 + 2 * len(ggufs)) + "|"]
    pairs = [(o.format(p=p, d=decode_n), t.format(p=p, d=decode_n))
             for o, t in PAIRS for p in (prefill if "{p}" in o else [None])]
    for o, t in pairs + [("peak_rss_mb", "peak_rss_mb")]:
        if o not in med["ours"]:
            continue
        unit = "MB" if o == "peak_rss_mb" else "tokens/s"
        row = f"| {o} ({unit}) | {med['ours'][o]:.1f} |"
        for g in ggufs:
            theirs = med[g].get(t)
            row += (f" {theirs:.1f} | {med['ours'][o] / theirs:.2f} |" if theirs
                    else " – | – |")
        lines.append(row)
    if ggufs:
        lines.append("")
        lines.append("llama.cpp peak RSS includes Python and llama-cpp-python; growth over the "
                     "worker's start: " + ", ".join(
                         f"{g} +{med[g]['rss_growth_mb']:.0f} MB" for g in ggufs) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, default=ROOT / ".cache/bundles/default")
    ap.add_argument("--gguf", type=Path, action="append", default=[])
    ap.add_argument("--python", type=Path, default=ROOT / ".cache/bench-venv/bin/python",
                    help="the bench venv's Python (with llama-cpp-python)")
    ap.add_argument("--bench", type=Path, default=ROOT / "build/tools/bench/dailydrug-bench")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--prefill", type=int, action="append")
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--system", default="")
    ap.add_argument("--prompts-json", default="{}", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.prefill = args.prefill or [128, 300]
    if args.worker:
        print(json.dumps(worker(args.gguf[0], json.loads(args.prompts_json), args.system,
                                args.prefill, args.decode, args.threads)))
        return 0
    if not args.bench.is_file():
        ap.error(f"{args.bench} not found (build the dailydrug-bench target)")
    if not (args.bundle / "model_config.json").is_file():
        ap.error(f"{args.bundle} is not a bundle (no model_config.json)")
    series = run_rounds(args)
    md = markdown(series, args.prefill, args.decode)
    print(md)
    if args.json:
        args.json.write_text(json.dumps(series, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
