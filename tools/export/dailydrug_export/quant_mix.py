"""Mixed precision for 4-bit programs: the output projection at 8 bits, the rest 8da4w.

ExecuTorch's LLM export quantizes every linear with one mode. A checkpoint that is itself 4-bit
with per-block minimums (GGUF Q4_1 / Q4_K) loses more than a symmetric 4-bit re-quantization can
afford, and the output projection (vocab x dim, the largest matrix; Q8_0 or Q6_K in those GGUFs)
is where errors turn directly into wrong next-token scores. With ``ExportOptions.output_bits=8``:

1. a source transform placed before ExecuTorch's quantize step swaps ``model.output`` for a module
   that is not an ``nn.Linear``, so the 8da4w pass skips it;
2. a transform after all of ExecuTorch's puts it back as an ``nn.Linear`` and quantizes it 8da8w
   per output channel (the same torchao config ExecuTorch uses for its 8-bit mode, HQQ scales).

Both are added by wrapping ExecuTorch's transform-list builder while lowering, like the attention
option in lower.py. Nothing is left unquantized: the output is 8-bit, reported in the bundle.
"""

from __future__ import annotations

import contextlib

import torch


class _HeldOutput(torch.nn.Module):
    """The output projection, out of reach of the 4-bit pass (deliberately not an nn.Linear)."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        self.weight = linear.weight
        self.bias = linear.bias

    def forward(self, x):
        return torch.nn.functional.linear(x, self.weight, self.bias)


def hold_output(model):
    if not isinstance(model.output, torch.nn.Linear):
        raise RuntimeError(f"expected the output projection to be nn.Linear, got "
                           f"{type(model.output).__name__}")
    model.output = _HeldOutput(model.output)
    return model


def output_to_8bit(model):
    from torchao.quantization import Int8DynamicActivationIntxWeightConfig, quantize_
    from torchao.quantization.granularity import PerAxis

    held = model.output
    if not isinstance(held, _HeldOutput):
        raise RuntimeError("the output projection was replaced by another transform")
    out_f, in_f = held.weight.shape
    lin = torch.nn.Linear(in_f, out_f, bias=held.bias is not None)
    lin.weight = held.weight
    if held.bias is not None:
        lin.bias = held.bias
    model.output = lin
    with torch.no_grad():
        quantize_(model, Int8DynamicActivationIntxWeightConfig(
            weight_dtype=torch.int8, weight_granularity=PerAxis(0),
            intx_choose_qparams_algorithm="hqq_scale_only"),
            filter_fn=lambda m, fqn: fqn == "output")
    return model


@contextlib.contextmanager
def output_bits_transform(output_bits):
    """While active, ExecuTorch's export_llama keeps the output projection at `output_bits`
    (8, or None = the precision's own mode)."""
    if output_bits is None:
        yield
        return
    if output_bits != 8:
        raise ValueError("output_bits must be 8")
    from executorch.examples.models.llama import export_llama_lib as lib

    original = lib._get_source_transforms

    def with_mixed(*args, **kwargs):
        return [hold_output] + list(original(*args, **kwargs)) + [output_to_8bit]

    lib._get_source_transforms = with_mixed
    try:
        yield
    finally:
        lib._get_source_transforms = original
