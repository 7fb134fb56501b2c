"""Ours, ExecuTorch's TextLLMRunner and llama.cpp on one bundle's checkpoint: same machine, same
thread count, interleaved rounds, one table (docs/BENCHMARKS.md).

For each round (--reps rounds), in fresh processes one after the other:
  ours    `dailydrug-bench --model BUNDLE --reps 1` (load from the packed-weight cache, prefill_N,
          decode, chat and assistant decode with and without speculation, TTFT, peak RSS)
  TextLLMRunner
          compare_textllmrunner.py's worker: ExecuTorch's own runner (the pybind of its C++
          runner, from the wheel) on the same model.pte and tokenizer.json (load, prefill_100,
          decode, ttft_cold where its one-call prefill fits), timed by its own Stats
  llama   this script's `--worker` mode under the bench venv's Python, once per GGUF (--gguf:
          the bundle's source checkpoint requantized by llama.cpp's own quantize call): the same
          prompts (`dailydrug-bench --prompts`; the chat and assistant prompts in ChatML, the
          template of both bundles' models), greedy, timed by llama.cpp's own counters
          (`llama_perf_context`: without Python's per-token overhead, which favours llama.cpp)
and prints medians and ratios (> 1: ours faster; for peak RSS ours / theirs, < 1: ours smaller).

    scripts/bench.sh [--reps N] [BUNDLE...]      # sets up the venv and the GGUFs, then runs this
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from compare_textllmrunner import current_rss_mb  # this script's folder: stdlib only at import

ROOT = Path(__file__).resolve().parents[2]
# TextLLMRunner prefills in one call of at most max_seq_len - 1 = 127 tokens.
TLR_PREFILL = 100


def chatml(system: str, user: str) -> str:
    return ((f"<|im_start|>system\n{system}<|im_end|>\n" if system else "")
            + f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


def bench_prompts(bench: Path) -> Dict[str, str]:
    """The prompts of dailydrug-bench's workloads, from the binary itself."""
    out = subprocess.run([str(bench), "--prompts"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def worker(gguf: Path, prompts: Dict[str, str], system: str, prefill: List[int], decode_n: int,
           threads: int) -> Dict:
    """One llama.cpp round on `gguf`: one value per workload, as JSON on stdout."""
    import llama_cpp

    baseline = current_rss_mb()
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=1024, n_batch=512, n_threads=threads,
                          n_threads_batch=threads, verbose=False)
    ctx = llm._ctx.ctx  # the llama_context, for llama.cpp's own counters
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    # As ours and TextLLMRunner: load + a first token. Without it the first timed call pays for
    # faulting in the mapped weights (a 3x slower first prefill).
    llm.eval(llm.tokenize(b"hi", add_bos=False, special=False))
    load_ms = (time.perf_counter() - t0) * 1000

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


def run_worker(cmd: List[str], what: str) -> Dict:
    """A worker process's result: the JSON object on its last line of output."""
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{what} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def textllmrunner_round(bundle: Path, prompts: Dict[str, str], decode_n: int,
                        threads: int) -> Dict[str, float]:
    report = run_worker([sys.executable, str(ROOT / "tools/bench/compare_textllmrunner.py"),
                         "--worker", "--bundle", str(bundle), "--prompts-json",
                         json.dumps(prompts), "--reps", "1", "--prefill", str(TLR_PREFILL),
                         "--decode", str(decode_n), "--threads", str(threads)],
                        f"TextLLMRunner worker on {bundle}")
    res = {r["workload"]: r["median"] for r in report["results"]}
    res["peak_rss_mb"] = report["peak_rss_kb"] / 1024
    res["rss_growth_mb"] = (report["peak_rss_kb"] - report["baseline_rss_kb"]) / 1024
    return res


def llama_round(args, gguf: Path, prompts: Dict[str, str], system: str) -> Dict[str, float]:
    return run_worker([str(args.python), __file__, "--worker", "--gguf", str(gguf),
                       "--prompts-json", json.dumps(prompts), "--system", system,
                       "--decode", str(args.decode), "--threads", str(args.threads),
                       *[a for n in args.prefill for a in ("--prefill", str(n))]],
                      f"llama.cpp worker on {gguf.name}")


def run_rounds(args) -> Dict[str, Dict[str, List[float]]]:
    cfg = json.loads((args.bundle / "model_config.json").read_text())
    system = cfg.get("system_prompt") or ""
    prompts = bench_prompts(args.bench)
    label = {g: "llama.cpp " + g.stem.rsplit(".", 1)[-1] for g in args.gguf}  # "….Q4_0"
    engines = {"ours": lambda: ours_round(args.bench, args.bundle, args.prefill, args.decode,
                                          args.threads)}
    if not args.no_textllmrunner:
        engines["TextLLMRunner"] = lambda: textllmrunner_round(args.bundle, prompts, args.decode,
                                                               args.threads)
    for g in args.gguf:
        engines[label[g]] = lambda g=g: llama_round(args, g, prompts, system)
    series: Dict[str, Dict[str, List[float]]] = {name: {} for name in engines}
    for i in range(args.reps):
        for name, run in engines.items():
            print(f"{args.bundle.name} round {i + 1}/{args.reps}: {name}", file=sys.stderr,
                  flush=True)
            for k, v in run().items():
                series[name].setdefault(k, []).append(v)
    return series


def rows(prefill: List[int], decode_n: int) -> List[Tuple[str, str, str, str]]:
    """(our workload, theirs, unit, better) for the table; theirs compares with our
    speculative and _nospec rows alike (neither other engine speculates)."""
    d = decode_n
    out = [("load", "load", "ms", "lower")]
    out += [(f"prefill_{p}", f"prefill_{p}", "tokens/s", "higher") for p in prefill]
    for w in ("decode", "chat_decode", "assistant_decode"):
        out.append((f"{w}_{d}", f"{w}_{d}", "tokens/s", "higher"))
        if w != "decode":
            out.append((f"{w}_{d}_nospec", f"{w}_{d}", "tokens/s", "higher"))
    out += [("ttft_cold", "ttft_cold", "ms", "lower"), ("peak_rss_mb", "peak_rss_mb", "MB", "rss")]
    return out


def markdown(bundle: str, series: Dict[str, Dict[str, List[float]]], prefill: List[int],
             decode_n: int) -> str:
    med = {who: {k: statistics.median(v) for k, v in s.items()} for who, s in series.items()}
    others = [e for e in med if e != "ours"]
    lines = [f"**{bundle}**", "",
             "| workload | ours | " + " | ".join(f"{e} | ours vs {e}" for e in others) + " |",
             "|---" * (2 + 2 * len(others)) + "|"]
    for o, t, unit, better in rows(prefill, decode_n):
        if o not in med["ours"]:
            continue
        ours = med["ours"][o]
        row = f"| {o} ({unit}) | {ours:.1f} |"
        for e in others:
            theirs = med[e].get(t)
            if not theirs or not ours:
                row += " – | – |"
                continue
            ratio = {"higher": ours / theirs, "lower": theirs / ours, "rss": ours / theirs}[better]
            row += f" {theirs:.1f} | {ratio:.2f} |"
        lines.append(row)
    growth = [f"{e} +{med[e]['rss_growth_mb']:.0f} MB" for e in others if "rss_growth_mb" in med[e]]
    lines += ["", "Ratios: > 1 means ours is faster (tokens/s: ours / theirs; ms: theirs / ours); "
              "peak RSS: ours / theirs. The other engines' peak RSS includes their Python "
              "process; growth over the worker's start: " + ", ".join(growth) + "."]
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
    ap.add_argument("--no-textllmrunner", action="store_true",
                    help="leave ExecuTorch's TextLLMRunner out")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.prefill = args.prefill or [TLR_PREFILL, 128, 300]
    if args.worker:
        print(json.dumps(worker(args.gguf[0], json.loads(args.prompts_json), args.system,
                                args.prefill, args.decode, args.threads)))
        return 0
    if not args.bench.is_file():
        ap.error(f"{args.bench} not found (build the dailydrug-bench target)")
    if not (args.bundle / "model_config.json").is_file():
        ap.error(f"{args.bundle} is not a bundle (no model_config.json)")
    series = run_rounds(args)
    md = markdown(args.bundle.resolve().name, series, args.prefill, args.decode)
    print(md)
    if args.json:
        args.json.write_text(json.dumps({"bundle": str(args.bundle), "series": series},
                                        indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
