"""Check an exported program against PyTorch eager on the same weights.

For each fixed prompt (English and Korean, in the model's chat template) the fp32 eager model
greedily writes a short continuation; the program then reads prompt + continuation through
ExecuTorch's own Python runtime exactly as our C++ runner does (chunked prefill within the token
bound, then one token per call), and at every position its next-token logits are compared with
eager's. Reported: top-1 agreement, the largest logit difference, and the perplexity of a fixed
Korean/English text under both (teacher forcing), whose ratio is the quality figure for 8-bit and
4-bit programs. A program that returns several rows of logits per call (logits_rows > 1, for
speculative decoding) also reads the last rows of each sequence again in one call, and each row's
top-1 is compared with the one-token-per-call row: the share that differs is how often a batched
verification could choose another token than plain decoding (near-ties under other float order).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import torch

PROMPTS = [
    "What is the capital of France?",
    "How often should I take ibuprofen for a headache?",
    "타이레놀 복용 후 운전해도 될까요?",
    "하루 세 번 식후 30분에 복용하는 약은 언제 먹어야 하나요?",
]
QUALITY_TEXT = (
    "Take one tablet three times a day after meals. Drink plenty of water and do not drive "
    "if you feel drowsy. 이 약은 하루 세 번 식후 30분에 한 정씩 복용하세요. 졸음이 올 수 "
    "있으니 운전은 피하고, 이상 증상이 있으면 의사나 약사와 상담하세요."
)

# What each precision must reach. fp32 must reproduce eager; quantized programs are allowed to
# drift, within bounds that still give a usable model.
THRESHOLDS = {
    "fp32": {"min_top1": 0.99, "max_logit_diff": 0.05, "max_ppl_ratio": 1.01},
    "8bit": {"min_top1": 0.85, "max_logit_diff": None, "max_ppl_ratio": 1.15},
    "4bit": {"min_top1": 0.60, "max_logit_diff": None, "max_ppl_ratio": 1.6},
}

# The bundles the project ships are held to their own measured figures, not to the wide
# per-precision floor above, so that a change that costs a shipped bundle some of its agreement
# fails its export. Each gate is the bundle's measured verification (model_config.json
# "verification", exported 2026-12-06) minus a margin: top-1 2 of the 68 positions lower, the
# perplexity ratio 0.04 higher, rounded outward to two decimals. docs/MODELS.md, "Quality gates",
# has the table and the command.
BUNDLE_GATES = {
    # measured top-1 61/68 = 0.897, ppl ratio 1.255
    ("Qwen2.5-Coder-0.5B-Instruct", "4bit"):
        {"min_top1": 0.86, "max_logit_diff": None, "max_ppl_ratio": 1.30},
    # measured top-1 67/68 = 0.985, ppl ratio 1.077
    ("Qwen2.5-Coder-0.5B-Instruct", "8bit"):
        {"min_top1": 0.95, "max_logit_diff": None, "max_ppl_ratio": 1.12},
    # measured top-1 65/68 = 0.956, ppl ratio 1.040
    ("SmolLM2-135M-Instruct", "8bit"):
        {"min_top1": 0.92, "max_logit_diff": None, "max_ppl_ratio": 1.08},
}


def gates_for(model_name: Optional[str], precision: str,
              lora: bool = False) -> Dict[str, Any]:
    """The thresholds an export must meet: the bundle's own gate when it is one the project
    ships (by model name and precision; a LoRA adapter changes the reference, so not then),
    otherwise the precision's floor."""
    if not lora and (model_name, precision) in BUNDLE_GATES:
        return dict(BUNDLE_GATES[(model_name, precision)])
    return dict(THRESHOLDS[precision])


def check_report(report: Dict[str, Any], th: Dict[str, Any]) -> List[str]:
    """The gates `report` (a verification report) fails, as messages; empty when it passes."""
    failures = []
    if report["top1_agreement"] < th["min_top1"]:
        failures.append(f"top-1 agreement {report['top1_agreement']:.3f} < {th['min_top1']}")
    if th["max_logit_diff"] is not None and report["max_abs_logit_diff"] > th["max_logit_diff"]:
        failures.append(f"max logit difference {report['max_abs_logit_diff']:.4f} > "
                        f"{th['max_logit_diff']}")
    if report["perplexity_ratio"] > th["max_ppl_ratio"]:
        failures.append(f"perplexity ratio {report['perplexity_ratio']:.3f} > "
                        f"{th['max_ppl_ratio']}")
    return failures


class VerificationFailed(RuntimeError):
    pass


def uses_dailydrug_ops(pte: Path) -> bool:
    """True when the program calls dailydrug:: operators (their names are stored verbatim in
    the program's operator table)."""
    import mmap

    with open(pte, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(b"dailydrug::") >= 0


class ProgramRunner:
    """Drive a .pte through ExecuTorch's Python runtime with the same calls our C++ makes."""

    def __init__(self, pte: Path, data_path: Optional[Path] = None):
        """data_path: the one .ptd holding the weights kept outside the program, if any."""
        import executorch.kernels.quantized  # noqa: F401  (quantized_decomposed kernels, e.g.
        # embedding_byte of --embedding-bits, for this Python runtime; the C++ app links them)
        from executorch.runtime import Runtime

        if uses_dailydrug_ops(pte):  # our custom ops: register our kernels with this runtime
            from .custom_ops import load_kernel_library
            load_kernel_library()
        prog = Runtime.get().load_program(str(pte), data_path=data_path)
        self._forward = prog.load_method("forward")
        self.max_seq_len = int(prog.load_method("get_max_seq_len").execute([])[0])
        self.max_context_len = int(prog.load_method("get_max_context_len").execute([])[0])

    def rows(self, tokens: List[int], pos: int) -> torch.Tensor:
        """The logits rows the program returns for `tokens` placed at positions pos..: [n, vocab]
        for the last n positions (n = 1, or min(len(tokens), logits_rows))."""
        out = self._forward.execute([torch.tensor([tokens], dtype=torch.long),
                                     torch.tensor([pos], dtype=torch.long)])[0]
        return out.reshape(-1, out.shape[-1])

    def step(self, tokens: List[int], pos: int) -> torch.Tensor:
        """Next-token logits [vocab] after `tokens` placed at positions pos.."""
        return self.rows(tokens, pos)[-1]


def _nll(logits: torch.Tensor, target: int) -> float:
    return float(-torch.log_softmax(logits.double(), -1)[target])


def verify_program(pte: Path, eager: torch.nn.Module, encode: Callable[[str], List[int]],
                   render_prompt: Callable[[str], str], precision: str,
                   continuation: int = 16,
                   log: Callable[[str], None] = print,
                   data_path: Optional[Path] = None,
                   thresholds: Optional[Dict[str, Any]] = None,
                   logits_rows: int = 1) -> Dict[str, Any]:
    """`thresholds`: the gates to apply (gates_for()); the precision's floor when None.
    `logits_rows`: the rows of logits the program returns per call (ExportOptions.rows())."""
    from executorch.runtime import Runtime  # noqa: F401  (fail early if the runtime is missing)

    t0 = time.time()
    runner = ProgramRunner(pte, data_path)
    agree = total = 0
    worst = 0.0
    per_prompt = []
    rows_total = rows_differ = 0
    rows_worst = 0.0
    for text in PROMPTS:
        prompt = encode(render_prompt(text))
        seq = list(prompt)
        with torch.no_grad():
            for _ in range(continuation):  # eager fp32 writes the continuation greedily
                seq.append(int(eager(torch.tensor([seq]))[0, -1].argmax()))
            ref = eager(torch.tensor([seq]))[0]  # [T, vocab] (full logits)
        # The program reads the prompt in chunks and the continuation one token at a time.
        chunk = runner.max_seq_len - 1
        got = {}
        pos = 0
        while pos < len(prompt):
            n = min(chunk, len(prompt) - pos)
            got[pos + n - 1] = runner.step(prompt[pos:pos + n], pos)
            pos += n
        for i in range(len(prompt), len(seq)):
            got[i] = runner.step([seq[i]], i)
        p_agree = 0
        for i, row in got.items():
            d = float((row - ref[i]).abs().max())
            worst = max(worst, d)
            same = int(row.argmax()) == int(ref[i].argmax())
            agree += same
            p_agree += same
            total += 1
        per_prompt.append({"prompt": text, "prompt_tokens": len(prompt),
                           "positions": len(got), "top1_agree": p_agree})
        if logits_rows > 1:  # the continuation's last rows again, in one call
            n = min(logits_rows, continuation)
            batch = runner.rows(seq[len(seq) - n:], len(seq) - n)
            if batch.shape[0] != n:
                raise VerificationFailed(f"a {n}-token call returned {batch.shape[0]} rows of "
                                         f"logits, expected {n}")
            for j in range(n):
                single = got[len(seq) - n + j]
                rows_worst = max(rows_worst, float((batch[j] - single).abs().max()))
                rows_differ += int(batch[j].argmax()) != int(single.argmax())
                rows_total += 1

    # Perplexity of a fixed text, teacher forced, one token per call for the program.
    qt = encode(QUALITY_TEXT)
    with torch.no_grad():
        ref = eager(torch.tensor([qt]))[0]
    nll_ref = nll_pte = 0.0
    for i in range(len(qt) - 1):
        nll_pte += _nll(runner.step([qt[i]], i), qt[i + 1])
        nll_ref += _nll(ref[i], qt[i + 1])
    n = len(qt) - 1
    ppl_ref, ppl_pte = math.exp(nll_ref / n), math.exp(nll_pte / n)
    report = {
        "precision": precision,
        "top1_agreement": agree / total,
        "positions_compared": total,
        "max_abs_logit_diff": worst,
        "perplexity_eager_fp32": ppl_ref,
        "perplexity_program": ppl_pte,
        "perplexity_ratio": ppl_pte / ppl_ref,
        "quality_text_tokens": len(qt),
        "prompts": per_prompt,
        "seconds": round(time.time() - t0, 2),
    }
    if logits_rows > 1:
        report["logits_rows"] = {"rows": logits_rows, "rows_compared": rows_total,
                                 "top1_differs_from_single_step": rows_differ,
                                 "max_abs_diff_from_single_step": rows_worst}
    th = thresholds if thresholds is not None else dict(THRESHOLDS[precision])
    failures = check_report(report, th)
    report["thresholds"] = th
    report["passed"] = not failures
    report["failures"] = failures
    return report
