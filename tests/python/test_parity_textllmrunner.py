"""Greedy generation of our C++ runner vs ExecuTorch's own runners on the same .pte.

1. ExecuTorch's Python `TextLLMRunner`: same raw prompt text (chat template already applied),
   temperature 0, no repetition penalty, 64 new tokens; the generated text must be identical.
   Its Python binding hands each token's bytes to the callback as `str`, so it raises
   UnicodeDecodeError on the first token that ends inside a UTF-8 sequence (Korean output;
   ExecuTorch issue #6284): there we compare the text it produced up to that point, and skip the
   prompt when that is nothing (SmolLM2's Korean). Its C++
   tokenizer cannot compile Qwen's pre-tokenizer regex (RE2 has no look-ahead) and falls back to
   another split, which encodes the Korean prompts differently: where its ids for a prompt differ
   from tokenizer.json's the two runners read different inputs, so that prompt is skipped with
   the ids in the reason (expected for the three Korean Qwen prompts; ctest runs pytest with -rs,
   so every skip and its reason are printed), and
2. token for token against a greedy loop over ExecuTorch's Python runtime (`executorch.runtime`)
   on the same program, which covers every prompt, Korean included: the ids must be identical.

Run by ctest with DD_DAILYDRUG (our CLI) and DD_BUNDLE (a bundle folder) in the environment:
parity.textllmrunner on the small test bundle (SmolLM2, ExecuTorch's stock attention) and
parity.default on the app's default bundle (Qwen2.5-Coder-0.5B 4-bit with our attention kernels,
which both ExecuTorch runners get by loading libdd_kernels_py.so into the process). Both are
exact: measured identical on all five prompts on both bundles (docs/MODELS.md, "Parity with
ExecuTorch's runtime", has the command and the date).
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

CHATML = "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
PROMPTS = [
    CHATML.format("Write a long story about a cat who learns to take medicine every morning."),
    CHATML.format("타이레놀 복용 후 운전해도 될까요?"),
    CHATML.format("하루 세 번 식후 30분에 먹는 약에 대해 자세히 설명해 주세요."),
    "The history of aspirin began in ancient times, when",
    "약을 먹을 때 주의할 점은",
]
# Test ids name the bundle folder, so a skip says which bundle it is on.
_NAMES = ["story_chat_en", "tylenol_chat_ko", "dosing_chat_ko", "aspirin_raw_en", "caution_raw_ko"]
IDS = [f"{BUNDLE.resolve().name}-{n}" for n in _NAMES]


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
    # The tokenizer TextLLMRunner uses (pytorch_tokenizers' C++ HFTokenizer) and the reference.
    from pytorch_tokenizers import CppHFTokenizer
    from tokenizers import Tokenizer
    theirs_tok = CppHFTokenizer()
    theirs_tok.load(str(BUNDLE / cfg["tokenizer_file"]))
    ref_tok = Tokenizer.from_file(str(BUNDLE / cfg["tokenizer_file"]))

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

    def same_input(prompt: str):
        """(True, "") when TextLLMRunner's tokenizer encodes `prompt` as tokenizer.json does."""
        a = list(theirs_tok.encode(prompt, 0, 0))
        b = ref_tok.encode(prompt, add_special_tokens=False).ids
        return a == b, f"{len(a)} ids from TextLLMRunner's tokenizer, {len(b)} from tokenizer.json"

    generate.same_input = same_input
    return generate


@pytest.mark.parametrize("prompt", PROMPTS, ids=IDS)
def test_greedy_text_matches_textllmrunner(reference_runner, prompt):
    same, why = reference_runner.same_input(prompt)
    if not same:
        pytest.skip(f"TextLLMRunner reads another input: {why}")
    theirs, complete = reference_runner(prompt)
    mine = ours(prompt)
    n = mine["usage"]["output_tokens"]
    if complete:
        assert mine["text"] == theirs, f"diverged within {n} tokens"
        # At least 64 tokens compared, unless both stopped at the end of turn.
        assert n == MAX_NEW or mine["finish_reason"] == "stop"
    else:
        # The binding broke on a partial character: what it gave must be a real part of ours.
        if not theirs:  # broke on the first token: there is no text to compare
            pytest.skip("TextLLMRunner's binding broke on its first token (partial UTF-8, "
                        "ExecuTorch #6284)")
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
        out = fwd.execute([torch.tensor([ids], dtype=torch.long),
                           torch.tensor([pos], dtype=torch.long)])[0]
        return out.reshape(-1, out.shape[-1])[-1]  # the last of the rows the program returns

    def generate(prompt: str):
        """Greedy ids."""
        ids = tok.encode(prompt, add_special_tokens=False).ids
        logits = None
        for p in range(0, len(ids), chunk):
            logits = step(ids[p:p + chunk], p)
        out, pos = [], len(ids)
        for _ in range(MAX_NEW):
            nxt = int(logits.argmax())
            out.append(nxt)
            if nxt in eos or len(out) == MAX_NEW:
                break
            logits = step([nxt], pos)
            pos += 1
        return out

    return generate


@pytest.mark.parametrize("prompt", PROMPTS, ids=IDS)
def test_greedy_ids_match_executorch_runtime(runtime_greedy, prompt):
    mine = ours(prompt)["output_ids"]
    theirs = runtime_greedy(prompt)
    assert len(mine) >= 1
    assert mine == theirs, (
        f"first difference at step "
        f"{next((k for k, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))}")
