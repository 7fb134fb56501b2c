"""LoRA adapters in PEFT format: read, check against the base model, merge or keep apart.

A PEFT adapter is a folder with `adapter_config.json` (r, lora_alpha, target_modules, ...) and
`adapter_model.safetensors` (`base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`
[r, in] and `...lora_B.weight` [out, r]). Its effect on a linear layer is

    y = W x + s * B (A x),     s = lora_alpha / r   (lora_alpha / sqrt(r) with use_rslora)

Two ways into a bundle:
  * merged: W' = W + s * B @ A is written into the checkpoint, and the program is exported as
    usual (no runtime cost; one program per adapter);
  * separate: ExecuTorch's program-data separation. The program keeps the LoRA linears unmerged;
    the base weights go to `foundation.ptd` and the adapter weights to `adapter.ptd`. Programs
    exported from the same base and options share a byte-identical foundation file, so several
    adapters ship one copy of the base weights.

PEFT adapters are trained against the Hugging Face layout of q_proj/k_proj, whose rows are in
rotate-half RoPE order; our checkpoints use Meta's interleaved order (see checkpoint.py). The
rows of B for q/k get the same permutation as the base weights, so one adapter works with either
input format (HF folder or GGUF).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

from .checkpoint import Checkpoint, _permute_hf_to_meta


class AdapterError(ValueError):
    """The adapter cannot be applied to this model (message says which file/tensor and why)."""


# PEFT module name -> Meta key prefix (after "layers.N.").
MODULES = {
    "q_proj": "attention.wq",
    "k_proj": "attention.wk",
    "v_proj": "attention.wv",
    "o_proj": "attention.wo",
    "gate_proj": "feed_forward.w1",
    "up_proj": "feed_forward.w3",
    "down_proj": "feed_forward.w2",
}
_KEY = re.compile(r"^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\."
                  r"(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)\."
                  r"lora_(A|B)(?:\.default)?\.weight$")
_PARENT = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn",
           "o_proj": "self_attn", "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"


@dataclasses.dataclass
class LoraAdapter:
    """An adapter converted to our Meta-layout key names.

    weights["layers.0.attention.wq"] = (A [r, in], B [out, r]), B's rows in Meta RoPE order."""

    name: str
    rank: int
    alpha: float
    scaling: float  # s in W x + s B A x
    target_modules: List[str]  # PEFT names, in MODULES order
    weights: Dict[str, Tuple[torch.Tensor, torch.Tensor]]
    source_files: List[Path]

    def summary(self) -> Dict:
        return {"name": self.name, "rank": self.rank, "alpha": self.alpha,
                "scaling": self.scaling, "target_modules": self.target_modules,
                "layers": len({k.split(".")[1] for k in self.weights}),
                "parameters": sum(a.numel() + b.numel() for a, b in self.weights.values())}

    def meta_state_dict(self) -> Dict[str, torch.Tensor]:
        """ExecuTorch LoRALinear keys: `layers.N.attention.wq.lora_a.weight` (unscaled)."""
        sd = {}
        for k, (a, b) in self.weights.items():
            sd[f"{k}.lora_a.weight"] = a
            sd[f"{k}.lora_b.weight"] = b
        return sd


def _refuse(where, why) -> AdapterError:
    return AdapterError(f"{where}: {why}")


def read_adapter(path: Path, ck: Checkpoint) -> LoraAdapter:
    """Read a PEFT adapter folder (or its adapter_config.json) and check it against `ck`.

    Refused with AdapterError: missing or unreadable files, non-LoRA PEFT types, DoRA, biases,
    per-module rank/alpha patterns, extra saved modules, a rank that differs from the tensors,
    target modules the model does not have, tensors for modules not targeted, tensors missing
    for a targeted module in some layer, and shapes that do not fit the base weights."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    if not folder.is_dir():
        raise _refuse(path, "no such adapter folder")
    if not cfg_path.is_file():
        raise _refuse(folder, f"no {CONFIG_FILE} (a PEFT LoRA adapter folder is expected)")
    if not w_path.is_file():
        hint = " (adapter_model.bin is not supported; save with safe_serialization=True)" \
            if (folder / "adapter_model.bin").is_file() else ""
        raise _refuse(folder, f"no {WEIGHTS_FILE}{hint}")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _refuse(cfg_path, f"invalid JSON: {e}") from e
    if not isinstance(cfg, dict):
        raise _refuse(cfg_path, "not a JSON object")

    ptype = cfg.get("peft_type", "LORA")
    if str(ptype).upper() != "LORA":
        raise _refuse(cfg_path, f"peft_type {ptype!r} is not supported (only LORA)")
    r = cfg.get("r")
    if not isinstance(r, int) or isinstance(r, bool) or r <= 0:
        raise _refuse(cfg_path, f"r must be a positive integer, not {r!r}")
    alpha = cfg.get("lora_alpha", r)
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
        raise _refuse(cfg_path, f"lora_alpha must be a positive number, not {alpha!r}")
    for key, ok, why in (
            ("use_dora", lambda v: not v, "DoRA adapters are not supported"),
            ("bias", lambda v: v in (None, "none"), "adapters that train biases are not supported"),
            ("fan_in_fan_out", lambda v: not v, "fan_in_fan_out (Conv1D layers) is not supported"),
            ("rank_pattern", lambda v: not v, "per-module ranks (rank_pattern) are not supported"),
            ("alpha_pattern", lambda v: not v,
             "per-module alphas (alpha_pattern) are not supported"),
            ("modules_to_save", lambda v: not v,
             "modules_to_save (fully trained extra modules) is not supported"),
            ("layers_to_transform", lambda v: v is None,
             "layers_to_transform is not supported: the adapter must cover every layer")):
        if not ok(cfg.get(key)):
            raise _refuse(cfg_path, f"{why} ({key}={cfg.get(key)!r})")
    targets = cfg.get("target_modules")
    if targets == "all-linear":
        targets = list(MODULES)
    if isinstance(targets, str):
        raise _refuse(cfg_path, f"target_modules as a pattern ({targets!r}) is not supported; "
                                f"list the module names")
    if not isinstance(targets, list) or not targets or \
            not all(isinstance(t, str) for t in targets):
        raise _refuse(cfg_path, "target_modules must be a non-empty list of module names")
    unknown = sorted(set(targets) - set(MODULES))
    if unknown:
        raise _refuse(cfg_path, f"target module(s) {unknown} are not present in a "
                                f"{ck.architecture} model (its linears: {list(MODULES)})")
    targets = [m for m in MODULES if m in targets]
    scaling = float(alpha) / (math.sqrt(r) if cfg.get("use_rslora") else r)

    from safetensors import SafetensorError
    from safetensors.torch import load_file
    try:
        raw = load_file(str(w_path))
    except (SafetensorError, OSError, ValueError) as e:
        raise _refuse(w_path, f"unreadable safetensors: {e}") from e

    n_layers = ck.params["n_layers"]
    parts: Dict[Tuple[int, str], Dict[str, torch.Tensor]] = {}
    for key, t in raw.items():
        m = _KEY.match(key)
        if m is None:
            raise _refuse(w_path, f"unsupported adapter tensor {key} (only LoRA A/B of the "
                                  f"decoder layers' projections {list(MODULES)})")
        layer, parent, mod, ab = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if parent != _PARENT[mod]:
            raise _refuse(w_path, f"unexpected tensor {key}")
        if mod not in targets:
            raise _refuse(w_path, f"tensor {key} is for {mod}, which target_modules "
                                  f"{targets} does not list")
        if layer >= n_layers:
            raise _refuse(w_path, f"tensor {key} is for layer {layer}, but the model has "
                                  f"{n_layers} layers")
        parts.setdefault((layer, mod), {})[ab] = t
    weights: Dict[str, Tuple[torch.Tensor, torch.Tensor]] = {}
    for layer in range(n_layers):
        for mod in targets:
            got = parts.get((layer, mod), {})
            name = f"base_model.model.model.layers.{layer}.{_PARENT[mod]}.{mod}"
            for ab in ("A", "B"):
                if ab not in got:
                    raise _refuse(w_path, f"missing tensor {name}.lora_{ab}.weight")
            a, b = got["A"].to(torch.float32), got["B"].to(torch.float32)
            base_key = f"layers.{layer}.{MODULES[mod]}"
            out_f, in_f = ck.state_dict[base_key + ".weight"].shape
            if a.dim() != 2 or a.shape[0] != r:
                raise _refuse(w_path, f"rank mismatch: {name}.lora_A.weight has shape "
                                      f"{tuple(a.shape)}, but adapter_config.json says r={r}")
            if b.dim() != 2 or b.shape[1] != r:
                raise _refuse(w_path, f"rank mismatch: {name}.lora_B.weight has shape "
                                      f"{tuple(b.shape)}, but adapter_config.json says r={r}")
            if a.shape[1] != in_f or b.shape[0] != out_f:
                raise _refuse(w_path, f"{name}: A {tuple(a.shape)} / B {tuple(b.shape)} do not "
                                      f"fit the base weight {base_key} ({out_f}, {in_f}); "
                                      f"is this adapter for another model?")
            if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
                raise _refuse(w_path, f"{name}: non-finite values")
            if mod == "q_proj":
                b = _permute_hf_to_meta(b, ck.params["n_heads"])
            elif mod == "k_proj":
                b = _permute_hf_to_meta(b, ck.params.get("n_kv_heads", ck.params["n_heads"]))
            weights[base_key] = (a.contiguous(), b.contiguous())
    return LoraAdapter(name=folder.name, rank=r, alpha=float(alpha), scaling=scaling,
                       target_modules=targets, weights=weights,
                       source_files=[cfg_path, w_path])


def merge(ck: Checkpoint, adapter: LoraAdapter) -> Checkpoint:
    """A new Checkpoint with W + s * B @ A in every adapted linear (computed in float64).
    Tied embeddings stay tied: no adapter touches them."""
    sd = dict(ck.state_dict)
    for key, (a, b) in adapter.weights.items():
        w = sd[key + ".weight"]
        sd[key + ".weight"] = (w.double() + adapter.scaling * (b.double() @ a.double())).to(
            w.dtype).contiguous()
    return dataclasses.replace(ck, state_dict=sd, name=ck.name)


def executorch_lora_config(adapter: LoraAdapter, work: Path):
    """ExecuTorch's LoraConfig for an unmerged export. The adapter is rewritten in PEFT key
    names with B already in Meta row order (ExecuTorch's own converter only renames keys), and
    alpha is passed as s * r so that ExecuTorch's alpha / r equals our scaling (rsLoRA too)."""
    from executorch.extension.llm.export.config.llm_config import LoraConfig
    from safetensors.torch import save_file

    inv = {v: k for k, v in MODULES.items()}
    out = {}
    for key, (a, b) in adapter.weights.items():
        _, layer, rest = key.split(".", 2)
        mod = inv[rest]
        name = f"base_model.model.model.layers.{layer}.{_PARENT[mod]}.{mod}"
        out[name + ".lora_A.weight"] = a
        out[name + ".lora_B.weight"] = b
    path = Path(work) / "adapter_meta_layout.safetensors"
    save_file(out, str(path))
    return LoraConfig(adapter_checkpoint=str(path), adapter_config=None,
                      lora_rank=adapter.rank, lora_alpha=adapter.scaling * adapter.rank,
                      target_modules=list(adapter.target_modules))


def eager_lora_model(ck: Checkpoint, adapter: LoraAdapter, max_seq_len: int,
                     max_context_len: int, full_logits: bool = False) -> torch.nn.Module:
    """ExecuTorch's LLaMA transformer with unmerged LoRALinear layers (W x + s B A x at run
    time): the reference a merged or separated LoRA program is checked against."""
    from executorch.examples.models.llama.llama_transformer import construct_transformer
    from executorch.examples.models.llama.model_args import ModelArgs

    params = {k: v for k, v in ck.params.items() if not k.startswith("_")}
    args = ModelArgs(max_seq_len=max_seq_len, max_context_len=max_context_len,
                     use_kv_cache=False, generate_full_logits=full_logits,
                     enable_dynamic_shape=True, r=adapter.rank,
                     lora_alpha=adapter.scaling * adapter.rank,
                     target_modules=list(adapter.target_modules), **params)
    model = construct_transformer(args)
    sd = dict(ck.state_dict)
    sd.update(adapter.meta_state_dict())
    missing, unexpected = model.load_state_dict(sd, strict=False, assign=True)
    missing = [m for m in missing if "cache" not in m and "freqs" not in m and "mask" not in m]
    if missing or unexpected:
        raise RuntimeError(f"eager LoRA model weights mismatch: missing={missing} "
                           f"unexpected={unexpected}")
    return model.eval()


def merge_data_files(ptds: List[Path], out: Path) -> Path:
    """One .ptd holding the named data of several (ExecuTorch's Python runtime takes a single
    data file; the C++ Module merges several itself). Used to verify a separated program."""
    from executorch.exir._serialize._cord import Cord
    from executorch.exir._serialize.data_serializer import DataEntry, DataPayload
    from executorch.extension.flat_tensor.serialize.serialize import FlatTensorSerializer

    ser = FlatTensorSerializer()
    buffers: List[bytes] = []
    named: Dict[str, DataEntry] = {}
    for p in ptds:
        payload = ser.deserialize(Cord(Path(p).read_bytes()))
        base = len(buffers)
        buffers.extend(bytes(b) for b in payload.buffers)
        for key, entry in payload.named_data.items():
            if key in named:
                raise ValueError(f"{p}: key {key} is also in an earlier data file")
            # Deserializing forgets alignment; XNNPACK reads weights in place, so ask for 64.
            named[key] = DataEntry(buffer_index=base + entry.buffer_index, alignment=64,
                                   tensor_layout=entry.tensor_layout)
    blob = ser.serialize(DataPayload(buffers=buffers, named_data=named))
    Path(out).write_bytes(bytes(blob))
    return Path(out)
