"""DailyDrug's custom attention operators for export, and the source transform that uses them.

ExecuTorch's default LLaMA attention (what a wheel-only runtime can run) keeps the KV cache as
[B, H, L, D] buffers, updates it with `index_copy_` (a copy of the whole cache per call), repeats
grouped K/V heads (`repeat_interleave`) and attends over all L positions with a mask. Two
operators replace that:

  dailydrug::update_cache(Tensor value, Tensor(a!) cache, SymInt start_pos) -> Tensor
      value [B, S, H, D] written in place into cache [B, L, H, D] at start_pos..start_pos+S-1;
      returns a 1-element placeholder (the cache is the result).
  dailydrug::sdpa(Tensor query, Tensor key_cache, Tensor value_cache, SymInt start_pos) -> Tensor
      query [B, S, Hq, D] against caches [B, L, Hkv, D] (Hq a multiple of Hkv, no repeat),
      causal over positions 0..start_pos+i for query row i, scale 1/sqrt(D); returns
      [B, S, Hq, D].

Each has an `.out` variant (ExecuTorch's to_out_variant pass maps the functional op to it; the
C++ kernels in runtime/src/kernels/ implement only the `.out` forms), a fake (meta) kernel for
tracing, and an ATen reference implementation for eager mode. The layouts follow ExecuTorch's
own `llama::update_cache` / `llama::custom_sdpa` (sequence before heads), so an update is one
contiguous copy.

`use_dailydrug_attention(model)` swaps the KVCache and SDPA modules of ExecuTorch's
`llama_transformer` for ones that call these operators; lower.py applies it for
`ExportOptions.attention == "dailydrug"`.

Programs that contain these operators need our kernels at run time: the C++ runtime links them
(dd_llm), and ExecuTorch's Python runtime gets them from `load_kernel_library()`.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import List, Optional

import torch
import torch.nn.functional as F

NAMESPACE = "dailydrug"
OPS = ("update_cache", "sdpa")

_lib = torch.library.Library(NAMESPACE, "DEF")  # noqa: SIM115  (lives for the process)
_lib.define("update_cache(Tensor value, Tensor(a!) cache, SymInt start_pos) -> Tensor")
_lib.define("update_cache.out(Tensor value, Tensor(a!) cache, SymInt start_pos, *, "
            "Tensor(b!) out) -> Tensor(b!)")
_lib.define("sdpa(Tensor query, Tensor key_cache, Tensor value_cache, SymInt start_pos) "
            "-> Tensor")
_lib.define("sdpa.out(Tensor query, Tensor key_cache, Tensor value_cache, SymInt start_pos, *, "
            "Tensor(a!) out) -> Tensor(a!)")


def _check_shapes(query: Optional[torch.Tensor], cache: torch.Tensor, value_cache: Optional[
        torch.Tensor], seq_len: int, start_pos: int) -> None:
    if cache.dim() != 4:
        raise ValueError(f"cache must be [B, L, H, D], got {tuple(cache.shape)}")
    if isinstance(start_pos, int) and not 0 <= start_pos <= cache.shape[1] - seq_len:
        raise ValueError(f"positions {start_pos}..{start_pos + seq_len - 1} do not fit a cache "
                         f"of {cache.shape[1]}")
    if value_cache is not None and value_cache.shape != cache.shape:
        raise ValueError("key and value caches differ in shape")
    if query is not None and (query.dim() != 4 or query.shape[2] % cache.shape[2]
                              or query.shape[3] != cache.shape[3]):
        raise ValueError(f"query {tuple(query.shape)} does not fit cache {tuple(cache.shape)}")


def update_cache_reference(value: torch.Tensor, cache: torch.Tensor, start_pos: int) -> None:
    """In-place reference: cache[:, start_pos:start_pos+S] = value."""
    _check_shapes(None, cache, None, value.shape[1], start_pos)
    cache[:, start_pos:start_pos + value.shape[1]].copy_(value)


def sdpa_reference(query: torch.Tensor, key_cache: torch.Tensor, value_cache: torch.Tensor,
                   start_pos: int) -> torch.Tensor:
    """Attention the way PyTorch's own SDPA computes it: repeated K/V over the filled positions
    with a causal mask offset by start_pos. [B, S, Hq, D] -> [B, S, Hq, D]."""
    _check_shapes(query, key_cache, value_cache, query.shape[1], start_pos)
    s = query.shape[1]
    n = start_pos + s
    rep = query.shape[2] // key_cache.shape[2]
    k = key_cache[:, :n].transpose(1, 2).repeat_interleave(rep, dim=1)  # [B, Hq, n, D]
    v = value_cache[:, :n].transpose(1, 2).repeat_interleave(rep, dim=1)
    mask = torch.ones(s, n, dtype=torch.bool, device=query.device).tril(diagonal=start_pos)
    y = F.scaled_dot_product_attention(query.transpose(1, 2), k, v, attn_mask=mask)
    return y.transpose(1, 2).contiguous()


@torch.library.impl(_lib, "update_cache", "CompositeExplicitAutograd")
def _update_cache(value, cache, start_pos):
    update_cache_reference(value, cache, int(start_pos))
    return value.new_zeros(1)


@torch.library.impl(_lib, "update_cache.out", "CompositeExplicitAutograd")
def _update_cache_out(value, cache, start_pos, *, out):
    update_cache_reference(value, cache, int(start_pos))
    out.resize_(1).zero_()
    return out


@torch.library.impl(_lib, "sdpa", "CompositeExplicitAutograd")
def _sdpa(query, key_cache, value_cache, start_pos):
    return sdpa_reference(query, key_cache, value_cache, int(start_pos))


@torch.library.impl(_lib, "sdpa.out", "CompositeExplicitAutograd")
def _sdpa_out(query, key_cache, value_cache, start_pos, *, out):
    y = sdpa_reference(query, key_cache, value_cache, int(start_pos))
    out.resize_(y.shape).copy_(y)
    return out


@torch.library.register_fake(f"{NAMESPACE}::update_cache")
def _update_cache_fake(value, cache, start_pos):
    return value.new_empty(1)


@torch.library.register_fake(f"{NAMESPACE}::update_cache.out")
def _update_cache_out_fake(value, cache, start_pos, *, out):
    return out


@torch.library.register_fake(f"{NAMESPACE}::sdpa")
def _sdpa_fake(query, key_cache, value_cache, start_pos):
    return torch.empty_like(query)


@torch.library.register_fake(f"{NAMESPACE}::sdpa.out")
def _sdpa_out_fake(query, key_cache, value_cache, start_pos, *, out):
    return out


# --- source transform on ExecuTorch's llama_transformer -------------------------------------

class DailyDrugKVCache(torch.nn.Module):
    """KV cache as [B, L, H, D] buffers updated in place by dailydrug::update_cache; update()
    returns the caches themselves (not [B, H, L, D] views) for DailyDrugSDPA."""

    def __init__(self, max_batch_size: int, max_context_length: int, n_heads: int,
                 head_dim: int, dtype=torch.float32):
        super().__init__()
        self.max_context_length = max_context_length
        self.max_batch_size = max_batch_size
        self.n_heads = n_heads
        self.head_dim = head_dim
        shape = (max_batch_size, max_context_length, n_heads, head_dim)
        self.register_buffer("k_cache", torch.zeros(shape, dtype=dtype))
        self.register_buffer("v_cache", torch.zeros(shape, dtype=dtype))

    def update(self, input_pos: torch.Tensor, k_val: torch.Tensor, v_val: torch.Tensor):
        # k_val, v_val: [B, H, S, D] as the attention computes them
        start_pos = input_pos[0].item()
        torch._check(start_pos >= 0)
        torch._check(start_pos < self.max_context_length)
        torch.ops.dailydrug.update_cache(k_val.transpose(1, 2), self.k_cache, start_pos)
        torch.ops.dailydrug.update_cache(v_val.transpose(1, 2), self.v_cache, start_pos)
        return self.k_cache, self.v_cache


class DailyDrugSDPA(torch.nn.Module):
    """Attention over the filled cache positions with dailydrug::sdpa (GQA without repeat)."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, input_pos, q, k, v, bsz, seqlen, mask):
        # q: [B, Hq, S, D]; k, v: the [B, L, Hkv, D] caches from DailyDrugKVCache; the mask is
        # implied (causal from start_pos) and unused.
        start_pos = input_pos[0].item()
        torch._check(start_pos >= 0)
        y = torch.ops.dailydrug.sdpa(q.transpose(1, 2), k, v, start_pos)
        return y.reshape(bsz, seqlen, self.dim)


def use_dailydrug_attention(model: torch.nn.Module) -> torch.nn.Module:
    """Replace every KVCache/SDPA pair of ExecuTorch's llama_transformer in place."""
    from executorch.examples.models.llama.attention import SDPA, KVCache

    replaced = 0
    for module in list(model.modules()):
        kv = getattr(module, "kv_cache", None)
        sdpa = getattr(module, "SDPA", None)
        if isinstance(kv, KVCache) and isinstance(sdpa, SDPA):
            module.kv_cache = DailyDrugKVCache(kv.max_batch_size, kv.max_context_length,
                                               kv.n_heads, kv.head_dim, kv.k_cache.dtype)
            module.SDPA = DailyDrugSDPA(sdpa.dim)
            replaced += 1
    if not replaced:
        raise RuntimeError("no KVCache/SDPA attention found to replace (is use_kv_cache on?)")
    return model


# --- kernels for ExecuTorch's Python runtime ------------------------------------------------

KERNEL_LIBRARY_NAME = "libdd_kernels_py.so"
_loaded: Optional[ctypes.CDLL] = None


def kernel_library_candidates() -> List[Path]:
    """Where load_kernel_library looks: $DD_KERNELS_LIB, then every build tree of the repo."""
    env = os.environ.get("DD_KERNELS_LIB")
    if env:
        return [Path(env)]
    repo = Path(__file__).resolve().parents[3]
    found = repo.glob(f"build*/runtime/src/kernels/{KERNEL_LIBRARY_NAME}")
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def load_kernel_library() -> Path:
    """Register our C++ kernels with ExecuTorch's Python runtime (once per process).

    The module links the wheel's libexecutorch.so, the same shared library the pybindings use,
    so its static initializer registers the kernels in the registry the Python runtime reads."""
    global _loaded
    if _loaded is not None:
        return Path(_loaded._name)
    from executorch.runtime import Runtime

    Runtime.get()  # loads libexecutorch.so first, so our module resolves to that copy
    for lib in kernel_library_candidates():
        if lib.is_file():
            _loaded = ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            return lib
    raise FileNotFoundError(
        f"{KERNEL_LIBRARY_NAME} not found (set DD_KERNELS_LIB or build it: "
        f"cmake --build build --target dd_kernels_py); programs exported with "
        f"--attention dailydrug need it to run in ExecuTorch's Python runtime")
