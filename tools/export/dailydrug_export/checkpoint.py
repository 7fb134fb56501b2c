"""Read a LLaMA-family checkpoint into ExecuTorch's Meta-format state dict and params.

Architectures: ``llama`` (SmolLM2, Llama) and ``qwen2`` (Qwen2/Qwen2.5: LLaMA plus q/k/v biases,
usually an untied output matrix). Two inputs are understood:
  * a GGUF file (F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q4_K/... tensors, dequantized with the `gguf`
    package). For ``llama`` llama.cpp's converter already stores q/k in Meta's interleaved RoPE
    layout, so the weights go in as they are. For ``qwen2`` it does NOT permute (its Qwen2 class
    keeps HF's rotate-half layout), so q/k weights and biases are permuted like HF input below.
  * a Hugging Face folder (config.json, *.safetensors, tokenizer.json or tokenizer.model). HF
    stores q/k in the rotate-half layout, so we permute them to Meta's layout (the same
    permutation llama.cpp applies) and keep ``use_hf_rope: false`` for every input: one code path
    for the runtime.

Anything else is refused with `UnsupportedCheckpoint`, naming what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import torch


class UnsupportedCheckpoint(ValueError):
    """The input is not a checkpoint this exporter can convert (message says why)."""


@dataclasses.dataclass
class TokenizerInfo:
    """What the runtime needs to know about the tokenizer beyond its file."""

    bos_id: Optional[int]
    eos_ids: List[int]
    chat_template: Optional[str] = None
    # The tokenizer file to ship (None for a GGUF: the caller supplies the matching file).
    path: Optional[Path] = None
    # A GGUF's own vocabulary (id -> token string), to check a supplied tokenizer file against.
    vocab: Optional[List[str]] = None


@dataclasses.dataclass
class Checkpoint:
    """Weights in ExecuTorch/Meta key names, params for ``ModelArgs``, and tokenizer facts."""

    architecture: str  # "llama" (SmolLM2, Llama, ...) or "qwen2"
    name: str
    state_dict: Dict[str, torch.Tensor]
    params: Dict[str, Any]  # ModelArgs fields (dim, n_layers, ...)
    tokenizer: TokenizerInfo
    source_format: str  # "gguf:<file type>" or "hf-safetensors"
    source_dtypes: Dict[str, str] = dataclasses.field(default_factory=dict)
    # Languages the checkpoint declares (GGUF general.languages); None when it says nothing.
    languages: Optional[List[str]] = None

    def summary(self) -> Dict[str, Any]:
        p = self.params
        unique = {t.data_ptr(): t.numel() for t in self.state_dict.values()}  # tied weights once
        n = sum(unique.values())
        return {
            "architecture": self.architecture,
            "parameters": n,
            "dim": p["dim"],
            "n_layers": p["n_layers"],
            "n_heads": p["n_heads"],
            "n_kv_heads": p.get("n_kv_heads", p["n_heads"]),
            "hidden_dim": p["hidden_dim"],
            "vocab_size": p["vocab_size"],
            "rope_theta": p["rope_theta"],
            "norm_eps": p["norm_eps"],
            "tied_embeddings": bool(p.get("_tied_embeddings", False)),
            "qkv_bias": bool(p.get("attention_qkv_bias", False)),
            "source_format": self.source_format,
        }


_SUPPORTED_ARCHS = ("llama", "qwen2")
# Architectures whose GGUF q/k are stored in HF's rotate-half layout (llama.cpp permutes only
# LLaMA-class models), so the reader permutes them to Meta's layout.
_GGUF_HF_ROPE_LAYOUT = ("qwen2",)

# GGUF tensor name (per layer, after "blk.N.") -> Meta key (after "layers.N.").
_GGUF_LAYER_KEYS = {
    "attn_norm.weight": "attention_norm.weight",
    "attn_q.weight": "attention.wq.weight",
    "attn_k.weight": "attention.wk.weight",
    "attn_v.weight": "attention.wv.weight",
    "attn_q.bias": "attention.wq.bias",  # qwen2
    "attn_k.bias": "attention.wk.bias",
    "attn_v.bias": "attention.wv.bias",
    "attn_output.weight": "attention.wo.weight",
    "ffn_norm.weight": "ffn_norm.weight",
    "ffn_gate.weight": "feed_forward.w1.weight",
    "ffn_down.weight": "feed_forward.w2.weight",
    "ffn_up.weight": "feed_forward.w3.weight",
}
_GGUF_GLOBAL_KEYS = {
    "token_embd.weight": "tok_embeddings.weight",
    "output_norm.weight": "norm.weight",
    "output.weight": "output.weight",
}


def _field(reader, key: str, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    return f.contents()


def read_gguf(path: Path) -> Checkpoint:
    """Dequantize a llama-architecture GGUF into fp32 Meta-format weights."""
    import gguf  # the `gguf` package from PyPI (llama.cpp's reader)

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as e:  # the package raises ValueError/struct errors on garbage
        raise UnsupportedCheckpoint(f"{path} is not a readable GGUF file: {e}") from e
    arch = _field(reader, "general.architecture")
    if arch not in _SUPPORTED_ARCHS:
        raise UnsupportedCheckpoint(
            f"{path}: GGUF architecture {arch!r} is not supported (supported: "
            f"{', '.join(_SUPPORTED_ARCHS)})"
        )

    def need(key):
        v = _field(reader, f"{arch}.{key}")
        if v is None:
            raise UnsupportedCheckpoint(f"{path}: GGUF metadata lacks {arch}.{key}")
        return v

    dim = int(need("embedding_length"))
    n_heads = int(need("attention.head_count"))
    n_kv = int(_field(reader, f"{arch}.attention.head_count_kv", n_heads))
    n_layers = int(need("block_count"))
    hidden = int(need("feed_forward_length"))
    tokens = _field(reader, "tokenizer.ggml.tokens")
    vocab = int(_field(reader, f"{arch}.vocab_size", len(tokens) if tokens else 0))
    rope_dims = _field(reader, f"{arch}.rope.dimension_count", dim // n_heads)
    if int(rope_dims) != dim // n_heads:
        raise UnsupportedCheckpoint(f"{path}: partial rotary embeddings are not supported")
    if _field(reader, f"{arch}.rope.scaling.type") not in (None, "none"):
        raise UnsupportedCheckpoint(f"{path}: RoPE scaling is not supported yet")

    sd: Dict[str, torch.Tensor] = {}
    dtypes: Dict[str, str] = {}
    for t in reader.tensors:
        name = t.name
        if name.startswith("blk."):
            _, idx, rest = name.split(".", 2)
            if rest not in _GGUF_LAYER_KEYS:
                raise UnsupportedCheckpoint(f"{path}: unexpected tensor {name}")
            key = f"layers.{int(idx)}.{_GGUF_LAYER_KEYS[rest]}"
        elif name in _GGUF_GLOBAL_KEYS:
            key = _GGUF_GLOBAL_KEYS[name]
        elif name == "rope_freqs.weight":
            raise UnsupportedCheckpoint(f"{path}: per-dimension RoPE frequencies are not supported")
        else:
            raise UnsupportedCheckpoint(f"{path}: unexpected tensor {name}")
        # GGUF lists dimensions fastest-first; numpy shape is the reverse.
        shape = tuple(int(d) for d in reversed(t.shape.tolist()))
        arr = gguf.quants.dequantize(t.data, t.tensor_type)
        arr = np.asarray(arr, dtype=np.float32).reshape(shape)
        sd[key] = torch.from_numpy(arr.copy())
        dtypes[key] = t.tensor_type.name

    tied = "output.weight" not in sd
    if tied:
        sd["output.weight"] = sd["tok_embeddings.weight"]
    qkv_bias = arch == "qwen2"
    if arch in _GGUF_HF_ROPE_LAYOUT:
        _permute_qk_layers(sd, n_layers, n_heads, n_kv, qkv_bias)
    _check_shapes(sd, dim, n_heads, n_kv, n_layers, hidden, vocab, str(path), qkv_bias)

    params = {
        "dim": dim,
        "n_layers": n_layers,
        "n_heads": n_heads,
        "n_kv_heads": n_kv,
        "hidden_dim": hidden,
        "vocab_size": vocab,
        "norm_eps": float(need("attention.layer_norm_rms_epsilon")),
        "rope_theta": float(_field(reader, f"{arch}.rope.freq_base", 10000.0)),
        "use_scaled_rope": False,
        "use_hf_rope": False,
        "_tied_embeddings": tied,
    }
    if qkv_bias:
        params["attention_qkv_bias"] = True
    eos = _field(reader, "tokenizer.ggml.eos_token_id")
    eot = _field(reader, "tokenizer.ggml.eot_token_id")
    eos_ids = sorted({int(x) for x in (eos, eot) if x is not None})
    bos = _field(reader, "tokenizer.ggml.bos_token_id")
    tok = TokenizerInfo(
        bos_id=int(bos) if bos is not None else None,
        eos_ids=eos_ids,
        chat_template=_field(reader, "tokenizer.chat_template"),
        vocab=[str(t) for t in tokens] if tokens else None,
    )
    name = _field(reader, "general.name") or path.stem
    ftype = _field(reader, "general.file_type")
    file_type = gguf.LlamaFileType(ftype).name if ftype is not None else "unknown"
    langs = _field(reader, "general.languages")
    return Checkpoint(arch, str(name), sd, params, tok, f"gguf:{file_type}", dtypes,
                      languages=[str(x) for x in langs] if langs else None)


def _permute_hf_to_meta(w: torch.Tensor, n_heads: int) -> torch.Tensor:
    """HF rotate-half q/k rows -> Meta interleaved pairs (inverse of HF's convert script). Works
    for a weight [out, in] and for a bias [out] (the rows are what RoPE rotates)."""
    if w.dim() == 1:
        return _permute_hf_to_meta(w.unsqueeze(1), n_heads).squeeze(1).contiguous()
    out_dim, in_dim = w.shape
    head_dim = out_dim // n_heads
    return (
        w.view(n_heads, 2, head_dim // 2, in_dim).transpose(1, 2).reshape(out_dim, in_dim)
    )


def _permute_qk_layers(sd: Dict[str, torch.Tensor], n_layers: int, n_heads: int, n_kv: int,
                       with_bias: bool) -> None:
    for i in range(n_layers):
        for w, heads in (("wq", n_heads), ("wk", n_kv)):
            for part in (("weight", "bias") if with_bias else ("weight",)):
                k = f"layers.{i}.attention.{w}.{part}"
                if k in sd:  # absent -> _check_shapes names it
                    sd[k] = _permute_hf_to_meta(sd[k], heads)


def read_hf_folder(path: Path) -> Checkpoint:
    """Read a HF LLaMA- or Qwen2-style folder: config.json + *.safetensors + tokenizer file."""
    from safetensors.torch import load_file

    cfg_path = path / "config.json"
    if not cfg_path.is_file():
        raise UnsupportedCheckpoint(f"{path}: no config.json")
    try:
        cfg = json.loads(cfg_path.read_text())
    except json.JSONDecodeError as e:
        raise UnsupportedCheckpoint(f"{cfg_path}: invalid JSON: {e}") from e
    mt = cfg.get("model_type")
    if mt not in _SUPPORTED_ARCHS:
        raise UnsupportedCheckpoint(f"{path}: model_type {mt!r} is not supported (supported: "
                                    f"{', '.join(_SUPPORTED_ARCHS)})")
    if cfg.get("rope_scaling"):
        raise UnsupportedCheckpoint(f"{path}: rope_scaling is not supported yet")
    if cfg.get("use_sliding_window"):
        raise UnsupportedCheckpoint(f"{path}: sliding-window attention is not supported")
    qkv_bias = mt == "qwen2" or bool(cfg.get("attention_bias", False))
    if cfg.get("mlp_bias"):
        raise UnsupportedCheckpoint(f"{path}: MLP biases are not supported")
    files = sorted(path.glob("*.safetensors"))
    if not files:
        raise UnsupportedCheckpoint(f"{path}: no *.safetensors weights")
    hf: Dict[str, torch.Tensor] = {}
    for f in files:
        try:
            hf.update(load_file(str(f)))
        except Exception as e:
            raise UnsupportedCheckpoint(f"{f}: unreadable safetensors: {e}") from e

    dim = int(cfg["hidden_size"])
    n_heads = int(cfg["num_attention_heads"])
    n_kv = int(cfg.get("num_key_value_heads", n_heads))
    n_layers = int(cfg["num_hidden_layers"])
    hidden = int(cfg["intermediate_size"])
    vocab = int(cfg["vocab_size"])
    if cfg.get("head_dim", dim // n_heads) != dim // n_heads:
        raise UnsupportedCheckpoint(f"{path}: head_dim != hidden_size/num_heads is not supported")

    def get(k):
        if k not in hf:
            raise UnsupportedCheckpoint(f"{path}: missing tensor {k}")
        return hf[k].to(torch.float32)

    sd: Dict[str, torch.Tensor] = {
        "tok_embeddings.weight": get("model.embed_tokens.weight"),
        "norm.weight": get("model.norm.weight"),
    }
    tied = "lm_head.weight" not in hf or bool(cfg.get("tie_word_embeddings", False))
    sd["output.weight"] = sd["tok_embeddings.weight"] if tied else get("lm_head.weight")
    for i in range(n_layers):
        p = f"model.layers.{i}."
        sd[f"layers.{i}.attention.wq.weight"] = _permute_hf_to_meta(
            get(p + "self_attn.q_proj.weight"), n_heads)
        sd[f"layers.{i}.attention.wk.weight"] = _permute_hf_to_meta(
            get(p + "self_attn.k_proj.weight"), n_kv)
        sd[f"layers.{i}.attention.wv.weight"] = get(p + "self_attn.v_proj.weight")
        if qkv_bias:
            sd[f"layers.{i}.attention.wq.bias"] = _permute_hf_to_meta(
                get(p + "self_attn.q_proj.bias"), n_heads)
            sd[f"layers.{i}.attention.wk.bias"] = _permute_hf_to_meta(
                get(p + "self_attn.k_proj.bias"), n_kv)
            sd[f"layers.{i}.attention.wv.bias"] = get(p + "self_attn.v_proj.bias")
        sd[f"layers.{i}.attention.wo.weight"] = get(p + "self_attn.o_proj.weight")
        sd[f"layers.{i}.attention_norm.weight"] = get(p + "input_layernorm.weight")
        sd[f"layers.{i}.ffn_norm.weight"] = get(p + "post_attention_layernorm.weight")
        sd[f"layers.{i}.feed_forward.w1.weight"] = get(p + "mlp.gate_proj.weight")
        sd[f"layers.{i}.feed_forward.w2.weight"] = get(p + "mlp.down_proj.weight")
        sd[f"layers.{i}.feed_forward.w3.weight"] = get(p + "mlp.up_proj.weight")
    _check_shapes(sd, dim, n_heads, n_kv, n_layers, hidden, vocab, str(path), qkv_bias)

    tok_path = None
    for cand in ("tokenizer.json", "tokenizer.model"):
        if (path / cand).is_file():
            tok_path = path / cand
            break
    if tok_path is None:
        raise UnsupportedCheckpoint(f"{path}: no tokenizer.json or tokenizer.model")
    eos = cfg.get("eos_token_id")
    eos_ids = sorted({int(x) for x in (eos if isinstance(eos, list) else [eos]) if x is not None})
    chat_template = None
    tcfg = path / "tokenizer_config.json"
    if tcfg.is_file():
        try:
            chat_template = json.loads(tcfg.read_text()).get("chat_template")
        except json.JSONDecodeError:
            pass
    params = {
        "dim": dim,
        "n_layers": n_layers,
        "n_heads": n_heads,
        "n_kv_heads": n_kv,
        "hidden_dim": hidden,
        "vocab_size": vocab,
        "norm_eps": float(cfg.get("rms_norm_eps", 1e-5)),
        "rope_theta": float(cfg.get("rope_theta", 10000.0)),
        "use_scaled_rope": False,
        "use_hf_rope": False,
        "_tied_embeddings": tied,
    }
    if qkv_bias:
        params["attention_qkv_bias"] = True
    tok = TokenizerInfo(
        bos_id=cfg.get("bos_token_id"), eos_ids=eos_ids, chat_template=chat_template, path=tok_path
    )
    dtypes = {k: str(v.dtype).replace("torch.", "") for k, v in hf.items()}
    return Checkpoint(mt, cfg.get("_name_or_path") or path.name, sd, params, tok,
                      "hf-safetensors", dtypes)


def _check_shapes(sd, dim, n_heads, n_kv, n_layers, hidden, vocab, where, qkv_bias=False):
    head_dim = dim // n_heads
    want = {
        "tok_embeddings.weight": (vocab, dim),
        "output.weight": (vocab, dim),
        "norm.weight": (dim,),
    }
    for i in range(n_layers):
        want.update({
            f"layers.{i}.attention.wq.weight": (n_heads * head_dim, dim),
            f"layers.{i}.attention.wk.weight": (n_kv * head_dim, dim),
            f"layers.{i}.attention.wv.weight": (n_kv * head_dim, dim),
            f"layers.{i}.attention.wo.weight": (dim, n_heads * head_dim),
            f"layers.{i}.attention_norm.weight": (dim,),
            f"layers.{i}.ffn_norm.weight": (dim,),
            f"layers.{i}.feed_forward.w1.weight": (hidden, dim),
            f"layers.{i}.feed_forward.w2.weight": (dim, hidden),
            f"layers.{i}.feed_forward.w3.weight": (hidden, dim),
        })
        if qkv_bias:
            want.update({
                f"layers.{i}.attention.wq.bias": (n_heads * head_dim,),
                f"layers.{i}.attention.wk.bias": (n_kv * head_dim,),
                f"layers.{i}.attention.wv.bias": (n_kv * head_dim,),
            })
    for k, shape in want.items():
        if k not in sd:
            raise UnsupportedCheckpoint(f"{where}: missing tensor for {k}")
        if tuple(sd[k].shape) != shape:
            raise UnsupportedCheckpoint(
                f"{where}: {k} has shape {tuple(sd[k].shape)}, expected {shape}")
    extra = set(sd) - set(want)
    if extra:
        raise UnsupportedCheckpoint(f"{where}: unexpected tensors {sorted(extra)[:5]}")


def read_checkpoint(path: Path) -> Checkpoint:
    """Dispatch on the input: a .gguf file or a HF folder."""
    path = Path(path)
    if not path.exists():
        raise UnsupportedCheckpoint(f"{path}: no such file or folder")
    if path.is_dir():
        return read_hf_folder(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"GGUF":
        raise UnsupportedCheckpoint(
            f"{path}: not a GGUF file (magic {magic!r}); pass a .gguf file or a HF folder")
    return read_gguf(path)
