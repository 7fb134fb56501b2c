"""DailyDrug's attention operators on the Python side (tools/export/dailydrug_export/
custom_ops.py): the reference implementations against PyTorch, the source transform in eager
mode against ExecuTorch's default attention, and a program exported with the operators run in
ExecuTorch's own Python runtime with our C++ kernels loaded (what the exporter's verification
does). The last test needs DD_TINY_DDATTN (the fixture folder of make_tiny_model_ddattn.py) and
DD_KERNELS_LIB (libdd_kernels_py.so); ctest sets both.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "export"))
sys.path.insert(0, str(ROOT / "tests" / "python"))

from dailydrug_export import custom_ops  # noqa: E402


def _naive(q, k, v, start_pos):
    """Textbook attention in float64 over the whole cache with an explicit -inf mask."""
    b, s, hq, d = q.shape
    rep = hq // k.shape[2]
    kk = k.double().repeat_interleave(rep, dim=2)  # [B, L, Hq, D]
    vv = v.double().repeat_interleave(rep, dim=2)
    scores = torch.einsum("bshd,blhd->bhsl", q.double(), kk) / d ** 0.5
    pos = torch.arange(k.shape[1])
    allowed = pos[None, :] <= (start_pos + torch.arange(s))[:, None]
    scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.einsum("bhsl,blhd->bshd", scores.softmax(-1), vv).float()


@pytest.mark.parametrize("b,s,hq,hkv,d,L,start", [
    (1, 1, 9, 3, 64, 1024, 1000), (1, 7, 9, 3, 64, 64, 57), (2, 5, 6, 2, 12, 32, 9),
    (1, 13, 8, 1, 16, 40, 5), (1, 4, 4, 4, 8, 16, 0)])
def test_sdpa_reference_matches_textbook_attention(b, s, hq, hkv, d, L, start):
    g = torch.Generator().manual_seed(b * 1000 + s * 10 + start)
    q = torch.randn(b, s, hq, d, generator=g)
    k = torch.randn(b, L, hkv, d, generator=g)
    v = torch.randn(b, L, hkv, d, generator=g)
    got = torch.ops.dailydrug.sdpa(q, k, v, start)
    assert got.shape == q.shape
    torch.testing.assert_close(got, _naive(q, k, v, start), atol=2e-5, rtol=1e-4)
    # Positions after the last query are never read.
    k2, v2 = k.clone(), v.clone()
    k2[:, start + s:] = float("nan")
    v2[:, start + s:] = float("nan")
    torch.testing.assert_close(torch.ops.dailydrug.sdpa(q, k2, v2, start), got)


def test_update_cache_writes_in_place_and_checks_range():
    cache = torch.zeros(1, 10, 2, 4)
    value = torch.randn(1, 3, 2, 4)
    out = torch.ops.dailydrug.update_cache(value, cache, 7)
    assert out.shape == (1,)
    torch.testing.assert_close(cache[:, 7:], value)
    assert cache[:, :7].abs().sum() == 0
    with pytest.raises(ValueError, match="do not fit"):
        torch.ops.dailydrug.update_cache(value, cache, 8)
    with pytest.raises(ValueError, match="do not fit"):
        torch.ops.dailydrug.sdpa(torch.randn(1, 3, 4, 4), cache, cache, 8)


def test_transform_keeps_eager_logits():
    from make_tiny_model import MAX_CTX, MAX_SEQ, TOKENS, tiny_checkpoint

    from dailydrug_export.lower import eager_model

    ck = tiny_checkpoint()
    ref = eager_model(ck, MAX_SEQ, MAX_CTX, use_kv_cache=True)
    ours = custom_ops.use_dailydrug_attention(eager_model(ck, MAX_SEQ, MAX_CTX,
                                                          use_kv_cache=True))
    with torch.no_grad():
        pos = 0
        for n in (5, 1, 1, 7, 1):
            toks = torch.tensor([TOKENS[pos:pos + n]])
            p = {"input_pos": torch.tensor([pos])}
            a, b = ref(toks, p), ours(toks, p)
            torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
            pos += n


def test_transform_refuses_a_model_without_kv_cache():
    with pytest.raises(RuntimeError, match="no KVCache"):
        custom_ops.use_dailydrug_attention(torch.nn.Linear(2, 2))


@pytest.mark.skipif(not os.environ.get("DD_TINY_DDATTN"), reason="needs DD_TINY_DDATTN fixture")
def test_program_runs_in_executorch_python_runtime_with_our_kernels():
    from dailydrug_export.verify import ProgramRunner, uses_dailydrug_ops

    fixture = Path(os.environ["DD_TINY_DDATTN"])
    pte = fixture / "model.pte"
    assert uses_dailydrug_ops(pte)
    ref = json.loads((fixture / "reference.json").read_text())
    runner = ProgramRunner(pte)  # loads libdd_kernels_py.so (DD_KERNELS_LIB)
    toks, logits = ref["tokens"], ref["logits"]
    got = runner.step(toks[:9], 0)
    assert float((got - torch.tensor(logits[8])).abs().max()) < 1e-4
    for i in range(9, len(toks)):
        got = runner.step([toks[i]], i)
        assert float((got - torch.tensor(logits[i])).abs().max()) < 1e-4
