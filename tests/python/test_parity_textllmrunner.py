"""Greedy generation of our C++ runner vs ExecuTorch's own runners on the same .pte.

1. ExecuTorch's Python `TextLLMRunner`: same raw prompt text (chat template already applied),
   temperature 0, no repetition penalty, 64 new tokens; the generated text must be identical.
   Its Python binding hands each token's bytes to the callback as `str`, so it raises
   UnicodeDecodeError on the first token that ends inside a UTF-8 sequence (Korean output;
   ExecuTorch issue #6284): there we compare the text it produced up to that point, and
2. token for token against a greedy loop over ExecuTorch's Python runtime (`executorch.runtime`)
   on the same program, which covers every prompt, Korean included.

Run by ctest with DD_DAILYDRUG (our CLI) and DD_BUNDLE (a bundle folder) in the environment:
parity.textllmrunner on the small test bundle (SmolLM2, ExecuTorch's stock attention) and
parity.default on the app's default bundle (Qwen2.5-Coder-0.5B 4-bit with our attention kernels,
which both ExecuTorch runners get by loading libdd_kernels_py.so into the process).

DD_PARITY=near (parity.default) replaces "identical" by "the same up to near-ties". On programs
exported with --attention dailydrug our runtime and ExecuTorch's Python runtime agree exactly in
fp32 (SmolLM2 fp32: identical greedy ids on every prompt here; both processes run the same kernel
object code, the same AVX2 clone), but in 8da8w/8da4w programs a token can differ where the top
two logits are within ~0.5: some float difference of the last bits between the two processes
(not pinned down, and not always there: docs/MODELS.md, "Parity with ExecuTorch's runtime", has
runs where every prompt was identical) is amplified by the dynamic int8 quantization of the activations. So there the
runtime is driven teacher-forced along our tokens, and each of our tokens must be its top-1 or
within NEAR_TIE logits of it, most of them exactly. TextLLMRunner's
text comparison is skipped there: its C++ tokenizer cannot compile Qwen's pre-tokenizer regex
(RE2 has no look-ahead) and splits Korean text differently.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "export"))

BUNDLE = Path(os.environ.get("DD_BUNDLE", ".cache/bundles/default"))
DAILYDRUG = os.environ.get("DD_DAILYDRUG", "build/frontends/cli/dailydrug")
MAX_NEW = 64
NEAR = os.environ.get("DD_PARITY", "exact") == "near"
NEAR_TIE = 1.0          # logits; measured worst gap 0.51 (Qwen 4-bit), 0.65 (SmolLM2 8-bit)
MIN_EXACT_SHARE = 0.85  # measured: 0.92 at worst (59 of 64)

CHATML = "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
PROMPTS = [
    CHATML.format("Write a long story about a cat who learns to take medicine every morning."),
    CHATML.format("타이레놀 복용 후 운전해도 될까요?"),
    CHATML.format("하루 세 번 식후 30분에 먹는 약에 대해 자세히 설명해 주세요."),
    "The history of aspirin began in ancient times, when",
    "약을 먹을 때 주의할 점은",
]


def register_kernels() -> None:
    """Kernels a bundle may need beyond ExecuTorch's Python defaults: the quantized_decomposed ops
    (8-bit embeddings) and, for programs exported with --attention dailydrug, ours."""
    import executorch.kernels.quantized  # noqa: F401
    from dailydrug_export.custom_ops import load_kernel_library
    from dailydrug_export.verify import uses_dailydrug_ops

    cfg = json.loads((BUNDLE / "model_config.json").read_text())
    if uses_dailydrug_ops(BUNDLE / cfg["model_file"]):
        load_kernel_library()


def ours(prompt: str) -> dict:
    out = subprocess.run(
        [DAILYDRUG, "--model", str(BUNDLE), "--json", "generate", prompt, "--raw",
         "--temperature", "0", "--repeat-penalty", "1", "--max-tokens", str(MAX_NEW), "--ids"],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def reference_runner():
    if not (BUNDLE / "model_config.json").is_file():
        pytest.skip(f"no bundle at {BUNDLE} (run scripts/setup.sh)")
    from executorch.extension.llm.runner import GenerationConfig, TextLLMRunner
    register_kernels()

    cfg = json.loads((BUNDLE / "model_config.json").read_text())
    runner = TextLLMRunner(str(BUNDLE / cfg["model_file"]), str(BUNDLE / cfg["tokenizer_file"]))

    def generate(prompt: str):
        """(text, complete): complete is False when the binding broke on partial UTF-8."""
        pieces = []
        runner.reset()
        try:
            runner.generate(prompt, GenerationConfig(echo=False, max_new_tokens=MAX_NEW,
                                                     temperature=0.0, num_bos=0, num_eos=0),
                            token_callback=pieces.append)
        except UnicodeDecodeError:
            return "".join(pieces), False
        return "".join(pieces), True

    return generate


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_text_matches_textllmrunner(reference_runner, prompt):
    if NEAR:
        pytest.skip("DD_PARITY=near: TextLLMRunner's tokenizer differs on this model (docstring)")
    theirs, complete = reference_runner(prompt)
    mine = ours(prompt)
    n = mine["usage"]["output_tokens"]
    if complete:
        assert mine["text"] == theirs, f"diverged within {n} tokens"
        # At least 64 tokens compared, unless both stopped at the end of turn.
        assert n == MAX_NEW or mine["finish_reason"] == "stop"
    else:
        assert mine["text"].startswith(theirs), "diverged before TextLLMRunner's binding broke"


@pytest.fixture(scope="module")
def runtime_greedy():
    if not (BUNDLE / "model_config.json").is_file():
        pytest.skip(f"no bundle at {BUNDLE} (run scripts/setup.sh)")
    import torch
    from executorch.runtime import Runtime
    from tokenizers import Tokenizer
    register_kernels()

    cfg = json.loads((BUNDLE / "model_config.json").read_text())
    prog = Runtime.get().load_program(str(BUNDLE / cfg["model_file"]))
    fwd = prog.load_method("forward")
    chunk = int(prog.load_method("get_max_seq_len").execute([])[0]) - 1
    tok = Tokenizer.from_file(str(BUNDLE / cfg["tokenizer_file"]))
    eos = set(cfg["eos_ids"])

    def step(ids, pos):
        return fwd.execute([torch.tensor([ids], dtype=torch.long),
                            torch.tensor([pos], dtype=torch.long)])[0].reshape(-1)

    def generate(prompt: str, forced=None):
        """Greedy ids; with `forced`, follow those ids instead and return, for each, how far its
        logit is below the runtime's top-1 (0.0 where it is the top-1)."""
        ids = tok.encode(prompt, add_special_tokens=False).ids
        logits = None
        for p in range(0, len(ids), chunk):
            logits = step(ids[p:p + chunk], p)
        out, gaps, pos = [], [], len(ids)
        for k in range(MAX_NEW if forced is None else len(forced)):
            nxt = int(logits.argmax()) if forced is None else forced[k]
            gaps.append(float(logits.max() - logits[nxt]))
            out.append(nxt)
            if nxt in eos or len(out) == MAX_NEW:
                break
            logits = step([nxt], pos)
            pos += 1
        return out if forced is None else gaps

    return generate


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_ids_match_executorch_runtime(runtime_greedy, prompt):
    mine = ours(prompt)["output_ids"]
    if not NEAR:
        assert mine == runtime_greedy(prompt)
        return
    gaps = runtime_greedy(prompt, forced=mine)
    assert len(gaps) == len(mine)
    assert max(gaps) <= NEAR_TIE, f"a token {max(gaps):.3f} logits below the reference's top-1"
    exact = sum(g == 0.0 for g in gaps) / len(gaps)
    assert exact >= MIN_EXACT_SHARE, f"only {exact:.0%} of our tokens are the reference's top-1"
