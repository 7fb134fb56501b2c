"""Our runtime vs ExecuTorch's own `TextLLMRunner` on the same .pte files, in one invocation.

For each bundle this runs, one after the other in fresh processes on the same machine:
  ours    `dailydrug-bench --model BUNDLE --json ...` (load, prefill_N, decode_N, TTFT, RSS)
  theirs  this script's `--worker` mode: ExecuTorch's Python TextLLMRunner (the pybind of its C++
          runner, from the executorch wheel) on the bundle's model.pte and tokenizer.json with
          the same workloads, timed from the runner's own Stats
and prints the ratios. Programs exported with `--attention dailydrug` need our kernels in
ExecuTorch's runtime: the worker loads libdd_kernels_py.so (DD_KERNELS_LIB or the newest build
tree), which registers them in the libexecutorch.so the runner uses.

    .venv/bin/python tools/bench/compare_textllmrunner.py --bench build/tools/bench/dailydrug-bench \
        --bundle .cache/bundles/default --reps 3 --markdown out.md

Notes on fairness, printed with the results: TextLLMRunner has no prefix cache (ttft_warm is ours
only); its RSS includes the Python interpreter and torch, so the worker also reports the growth
over its own baseline before the runner was made; both use ExecuTorch's default thread pool
set to the same size (--threads, default: ours picks and theirs is set to match). On a busy
machine compare decode_cpu_N (CPU time per token) with --threads 1: wall-clock rates then
mostly measure the other processes.
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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _summary(name: str, unit: str, values: List[float]) -> Dict:
    return {"workload": name, "unit": unit, "median": statistics.median(values),
            "min": min(values), "max": max(values), "reps": len(values)}


def _cpu_ms() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1000.0


def worker(bundle: Path, prompts: Dict[str, str], reps: int, prefill_n: int, decode_n: int,
           threads: int) -> Dict:
    """ExecuTorch's TextLLMRunner on the bundle with dailydrug-bench's prompts (`--prompts`);
    prints JSON like dailydrug-bench's."""
    cfg = json.loads((bundle / "model_config.json").read_text())
    pte = bundle / cfg["model_file"]
    sys.path.insert(0, str(ROOT / "tools" / "export"))
    from dailydrug_export.verify import uses_dailydrug_ops
    import executorch.kernels.quantized  # noqa: F401  (8-bit embeddings: embedding_byte)
    if uses_dailydrug_ops(pte):
        from dailydrug_export.custom_ops import load_kernel_library
        load_kernel_library()
    from executorch.extension.llm.runner import GenerationConfig, TextLLMRunner
    from executorch.extension.pybindings.portable_lib import (_threadpool_get_thread_count,
                                                              _unsafe_reset_threadpool)
    from tokenizers import Tokenizer

    if threads > 0:  # the pool is libexecutorch_threadpool.so's, shared with the LLM runner
        _unsafe_reset_threadpool(threads)
    baseline = current_rss_mb()  # Python, torch and ExecuTorch loaded, no model yet

    tok = Tokenizer.from_file(str(bundle / cfg["tokenizer_file"]))
    text, ids = "", []
    while len(ids) < prefill_n:
        text += prompts["prefill_sentence"]
        ids = tok.encode(text, add_special_tokens=False).ids
    prefill_prompt = tok.decode(ids[:prefill_n])
    tmpl = cfg.get("chat_template") or {}
    system = cfg.get("system_prompt") or ""
    # ChatML, the template of the bundles this compares (SmolLM2); the exact text matters only
    # for the token count, which Stats reports.
    chat_prompt = ((f"<|im_start|>system\n{system}<|im_end|>\n" if system else "")
                   + f"<|im_start|>user\n{prompts['chat']}<|im_end|>\n<|im_start|>assistant\n")
    if tmpl.get("name") not in (None, "chatml"):
        chat_prompt = prompts["chat"]

    def run(runner, prompt: str, max_new: int):
        got = {}
        runner.reset()
        try:
            runner.generate(prompt, GenerationConfig(echo=False, max_new_tokens=max_new,
                                                     temperature=0.0, num_bos=0, num_eos=0),
                            token_callback=None,
                            stats_callback=lambda st: got.setdefault("s", st))
        except UnicodeDecodeError:  # the binding's str callback on partial UTF-8 (issue #6284)
            pass
        return got.get("s")

    load, prefill, decode, decode_cpu, ttft = [], [], [], [], []
    runner = None
    for _ in range(reps):
        runner = None
        t0 = time.perf_counter()
        runner = TextLLMRunner(str(pte), str(bundle / cfg["tokenizer_file"]))
        run(runner, "hi", 1)  # as ours: open + load + first token
        load.append((time.perf_counter() - t0) * 1000)
    # TextLLMRunner prefills in one call of at most max_seq_len - 1 tokens and its own tokenizer
    # may split the text into more tokens than HF `tokenizers` does (for Qwen2 its RE2 cannot
    # compile the split regex and falls back): shorten the text until the call fits. The rate is
    # per prompt token as TextLLMRunner counts them, so the figure stays comparable.
    n = prefill_n
    while True:
        try:
            run(runner, prefill_prompt, 1)
            break
        except RuntimeError:
            n = int(n * 0.8)
            if n < 8:
                raise
            prefill_prompt = tok.decode(ids[:n])
    for _ in range(reps):
        st = run(runner, prefill_prompt, 1)
        prefill.append(st.num_prompt_tokens * 1000.0
                       / max(1, st.prompt_eval_end_ms - st.inference_start_ms))
        st = run(runner, prompts["decode"], decode_n)
        decode.append((st.num_generated_tokens - 1) * 1000.0
                      / max(1, st.inference_end_ms - st.first_token_ms))
        c0 = _cpu_ms()  # CPU time per decoded token, as dailydrug-bench's decode_cpu_N
        st = run(runner, prompts["decode"], decode_n)
        c1 = _cpu_ms()
        run(runner, prompts["decode"], 1)
        c2 = _cpu_ms()
        if st.num_generated_tokens > 1:
            decode_cpu.append(((c1 - c0) - (c2 - c1)) / (st.num_generated_tokens - 1))
        try:  # TextLLMRunner prefills in one call: a system prompt + question longer than
            # max_seq_len - 1 of its tokens (Qwen2's Korean app prompt) fails; no figure then
            st = run(runner, chat_prompt, 1)
            ttft.append(float(st.first_token_ms - st.inference_start_ms))
        except RuntimeError:
            pass
    peak = _rss_mb()
    return {"bundle": str(bundle), "runner": "executorch.TextLLMRunner",
            "threads": _threadpool_get_thread_count(),
            "peak_rss_kb": int(peak * 1024), "baseline_rss_kb": int(baseline * 1024),
            "results": [_summary("load", "ms", load),
                        _summary(f"prefill_{prefill_n}", "tokens/s", prefill),
                        _summary(f"decode_{decode_n}", "tokens/s", decode),
                        _summary(f"decode_cpu_{decode_n}", "CPU ms/token", decode_cpu),
                        *([_summary("ttft_cold", "ms", ttft)] if ttft else [])]}


def _by_name(report: Dict) -> Dict[str, float]:
    return {r["workload"]: r["median"] for r in report["results"]}


def compare(bundle: Path, bench: Path, reps: int, prefill_n: int, decode_n: int,
            threads: int) -> Dict:
    with tempfile.TemporaryDirectory() as tmp:
        ours_json = Path(tmp) / "ours.json"
        subprocess.run([str(bench), "--model", str(bundle), "--reps", str(reps), "--prefill",
                        str(prefill_n), "--decode", str(decode_n), "--threads", str(threads),
                        "--decode-contexts", "", "--json", str(ours_json)],
                       check=True, stdout=subprocess.DEVNULL)
        ours = json.loads(ours_json.read_text())
    prompts = subprocess.run([str(bench), "--prompts"], check=True, capture_output=True,
                             text=True).stdout
    out = subprocess.run([sys.executable, __file__, "--worker", "--bundle", str(bundle),
                          "--prompts-json", prompts,
                          "--reps", str(reps), "--prefill", str(prefill_n), "--decode",
                          str(decode_n), "--threads", str(ours["threads"])],
                         check=True, capture_output=True, text=True)
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    o, t = _by_name(ours), _by_name(theirs)
    pf, dc = f"prefill_{prefill_n}", f"decode_{decode_n}"
    ratios = {
        "decode_tokens_per_s": o[dc] / t[dc],
        "decode_cpu_per_token_speedup": t[f"decode_cpu_{decode_n}"] / o[f"decode_cpu_{decode_n}"],
        "prefill_tokens_per_s": o[pf] / t[pf],
        "ttft_cold_speedup": t["ttft_cold"] / o["ttft_cold"] if "ttft_cold" in t else None,
        "load_speedup": t["load"] / o["load"],
        "peak_rss_ours_mb": ours["peak_rss_kb"] / 1024,
        "peak_rss_theirs_mb": theirs["peak_rss_kb"] / 1024,
        "rss_growth_theirs_mb": (theirs["peak_rss_kb"] - theirs["baseline_rss_kb"]) / 1024,
    }
    return {"bundle": str(bundle), "ours": ours, "theirs": theirs, "ratios": ratios}


def markdown(rows: List[Dict]) -> str:
    lines = ["| bundle | workload | ours | TextLLMRunner | ours / theirs |",
             "|---|---|---|---|---|"]
    for r in rows:
        o, t = _by_name(r["ours"]), _by_name(r["theirs"])
        name = Path(r["bundle"]).name
        for w, th in t.items():
            unit = next(x["unit"] for x in r["theirs"]["results"] if x["workload"] == w)
            if w not in o or not o[w] or not th:
                continue
            ratio = o[w] / th if unit == "tokens/s" else th / o[w]
            label = "x faster" if ratio >= 1 else "x (slower)"
            lines.append(f"| {name} | {w} ({unit}) | {o[w]:.1f} | {th:.1f} | {ratio:.2f}{label} |")
        ra = r["ratios"]
        lines.append(f"| {name} | peak RSS (MB) | {ra['peak_rss_ours_mb']:.0f} | "
                     f"{ra['peak_rss_theirs_mb']:.0f} (+{ra['rss_growth_theirs_mb']:.0f} over "
                     f"Python+torch+ExecuTorch before loading) | |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, action="append", required=True)
    ap.add_argument("--bench", type=Path, default=ROOT / "build/tools/bench/dailydrug-bench")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--prefill", type=int, default=100)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--threads", type=int, default=-1,
                    help="thread count for both runtimes (-1: ours picks, theirs matches it)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--prompts-json", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.bundle[0], json.loads(args.prompts_json), args.reps,
                                args.prefill, args.decode,
                                args.threads)))
        return 0
    if not args.bench.is_file():
        ap.error(f"{args.bench} not found (build the dailydrug-bench target)")
    rows = []
    for b in args.bundle:
        if not (b / "model_config.json").is_file():
            ap.error(f"{b} is not a bundle (no model_config.json)")
        print(f"comparing on {b} ...", file=sys.stderr, flush=True)
        rows.append(compare(b, args.bench, args.reps, args.prefill, args.decode, args.threads))
    md = markdown(rows)
    print(md)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
