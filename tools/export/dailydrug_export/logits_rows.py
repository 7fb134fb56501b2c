"""Logits for the last few positions of a call, for speculative decoding.

ExecuTorch's LLaMA transformer returns either the last position's logits ([1, vocab]) or, with
``generate_full_logits``, every position's ([1, T, vocab]). Verifying K drafted tokens in one call
needs the logits of the last K + 1 positions; computing all T rows would make a 127-token prefill
call run the output projection (the largest matrix) 127 times instead of once.

With ``ExportOptions.logits_rows = R > 1`` the transformer is built with full logits and a source
transform placed after every other one (so the quantization of the output layer, including
quant_mix.py's 8-bit output, is already in place) wraps ``model.output`` in ``LastRowsOutput``,
which applies it to ``h[:, -R:, :]`` only. A T-token call then returns [1, min(T, R), vocab].
R = 1 keeps ExecuTorch's last-row program unchanged.
"""

from __future__ import annotations

import contextlib

import torch


class LastRowsOutput(torch.nn.Module):
    """The output projection applied to the last `rows` positions of [B, T, dim]."""

    def __init__(self, projection: torch.nn.Module, rows: int):
        super().__init__()
        self.projection = projection
        self.rows = rows

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        # The last n = min(T, rows) positions of h [1, T, dim], for a dynamic T. h is padded in
        # front with `rows` zero rows so that the start of the cut, T + rows - n, is provably >= 0
        # by the interval arithmetic torch.export uses on symbolic sizes (n in [2?, rows], T in
        # [2?, max]); cutting h itself at T - n is not provable there and would specialize T.
        t = h.shape[1]
        n = torch.sym_min(t, self.rows)
        # Batch 1 (the runtime's): cut along dim 0 of [T + rows, dim], a contiguous block.
        padded = torch.cat([h.new_zeros(self.rows, h.shape[2]), h[0]], dim=0)
        return self.projection(padded.narrow(0, t + self.rows - n, n)).unsqueeze(0)


def keep_last_rows(rows: int):
    def transform(model):
        if model.output is None or isinstance(model.output, LastRowsOutput):
            raise RuntimeError("expected the output projection, got "
                               f"{type(model.output).__name__}")
        if not getattr(model, "generate_full_logits", False):
            raise RuntimeError("logits_rows > 1 needs the transformer's full logits")
        model.output = LastRowsOutput(model.output, rows)
        return model
    return transform


@contextlib.contextmanager
def logits_rows_transform(rows: int):
    """While active, ExecuTorch's export_llama ends its source transforms with keep_last_rows
    (rows > 1; rows == 1 changes nothing)."""
    if rows == 1:
        yield
        return
    from executorch.examples.models.llama import export_llama_lib as lib

    original = lib._get_source_transforms

    def with_rows(*args, **kwargs):
        return list(original(*args, **kwargs)) + [keep_last_rows(rows)]

    lib._get_source_transforms = with_rows
    try:
        yield
    finally:
        lib._get_source_transforms = original
