"""Lower a Checkpoint to an ExecuTorch program with ExecuTorch's own LLM export pipeline.

The program is built for a runtime linked only against the `executorch` wheel's C++ SDK: KV cache
as plain mutable buffers (no `llama::custom_sdpa`/`update_cache`, which live in a Python-only
library), dynamic token count up to `max_seq_len - 1`, XNNPACK delegation, and optional 8da4w /
8da8w quantization whose coverage we check ourselves (ExecuTorch silently skips linears whose
in_features is not divisible by the group size).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Dict, List, Optional

import torch

from . import fast_lowering, quant_mix
from .logits_rows import logits_rows_transform
from .checkpoint import Checkpoint

PRECISIONS = ("fp32", "8bit", "4bit")
ATTENTIONS = ("default", "dailydrug")

# Bump when a change here or in checkpoint.py changes the programs this module produces: lowered
# programs are cached under a key that includes it (see __main__._program_cache_path).
LOWERING_VERSION = 2

# Rows of logits a call returns by default: the last min(T, 9) positions, so one call can verify up
# to 8 drafted tokens (docs/RUNTIME.md, "Speculative decoding"). The extra rows cost a prefill call
# 8 more rows of the output projection, whose weights it reads once either way.
DEFAULT_LOGITS_ROWS = 9


class ExportOptionError(ValueError):
    """An export option does not fit the model (message says which and why)."""


@dataclasses.dataclass
class ExportOptions:
    precision: str = "4bit"  # fp32 | 8bit (8da8w, per channel) | 4bit (8da4w, grouped)
    group_size: int = 32  # 4bit only: weights per quantization group
    embedding_bits: Optional[int] = None  # None | 8 | 4: quantize the token embedding too
    embedding_group_size: int = 0  # 0 = per row
    max_seq_len: int = 128  # most tokens one forward call takes (the program allows len - 1)
    max_context_len: int = 1024  # KV cache length
    xnnpack: bool = True
    # "default": ExecuTorch's stock attention (runs on the wheel's kernels alone);
    # "dailydrug": our custom ops (custom_ops.py) for the cache update and attention over the
    # filled positions, which need our kernels at run time (dd_llm has them)
    attention: str = "default"
    # 4bit only: 8 keeps the output projection at 8 bits per channel (quant_mix.py); None = the
    # precision's own mode for every linear
    output_bits: Optional[int] = None
    # a T-token call returns the logits of its last min(T, rows()) positions (logits_rows.py);
    # 1 = the last position only, [1, vocab]; capped at the tokens one call takes
    logits_rows: int = DEFAULT_LOGITS_ROWS

    def rows(self) -> int:
        return min(self.logits_rows, self.max_seq_len - 1)

    def qmode(self) -> Optional[str]:
        return {"fp32": None, "8bit": "8da8w", "4bit": "8da4w"}[self.precision]

    def validate(self) -> None:
        if self.precision not in PRECISIONS:
            raise ExportOptionError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.max_seq_len < 2:
            raise ExportOptionError("max_seq_len must be at least 2")
        if self.max_context_len < self.max_seq_len:
            raise ExportOptionError("max_context_len must be >= max_seq_len")
        if self.embedding_bits not in (None, 4, 8):
            raise ExportOptionError("embedding_bits must be 4 or 8")
        if self.attention not in ATTENTIONS:
            raise ExportOptionError(f"attention must be one of {ATTENTIONS}, not "
                                    f"{self.attention!r}")
        if self.precision == "4bit" and self.group_size <= 0:
            raise ExportOptionError("4bit needs a positive group_size")
        if self.output_bits is not None and (self.output_bits != 8 or self.precision != "4bit"):
            raise ExportOptionError("output_bits 8 is an option of 4bit only")
        if self.logits_rows < 1:
            raise ExportOptionError(f"logits_rows must be at least 1, not {self.logits_rows}")


def linear_shapes(ck: Checkpoint) -> Dict[str, tuple]:
    """Every linear layer the transformer will have, name -> (out, in)."""
    return {k: tuple(v.shape) for k, v in ck.state_dict.items()
            if v.dim() == 2 and k != "tok_embeddings.weight"}


def check_group_size(ck: Checkpoint, opts: ExportOptions) -> List[str]:
    """Names of linears the chosen group size would leave unquantized (empty = all covered)."""
    if opts.precision != "4bit":
        return []
    return sorted(k for k, (_, in_f) in linear_shapes(ck).items() if in_f % opts.group_size)


def suggest_group_sizes(ck: Checkpoint) -> List[int]:
    ins = {in_f for _, in_f in linear_shapes(ck).values()}
    return [g for g in (256, 128, 64, 32, 16) if all(i % g == 0 for i in ins)]


def _params_json(ck: Checkpoint) -> Dict:
    return {k: v for k, v in ck.params.items() if not k.startswith("_")}


def build_llm_config(ck: Checkpoint, opts: ExportOptions, work: Path, out_path: Path):
    """An LlmConfig for ExecuTorch's export_llama; the checkpoint and params are written into
    the scratch folder `work`, the program goes to `out_path`."""
    from executorch.extension.llm.export.config.llm_config import LlmConfig, ModelType

    ckpt = work / "weights.pth"  # the name must not contain "int8"/"8da4w": ExecuTorch sniffs it
    torch.save(ck.state_dict, ckpt)
    params = work / "params.json"
    params.write_text(json.dumps(_params_json(ck)))

    cfg = LlmConfig()
    cfg.base.model_class = ModelType.llama3
    cfg.base.checkpoint = str(ckpt)
    cfg.base.params = str(params)
    meta = {"get_eos_ids": ck.tokenizer.eos_ids}
    if ck.tokenizer.bos_id is not None:
        meta["get_bos_id"] = ck.tokenizer.bos_id
    cfg.base.metadata = json.dumps(meta)
    cfg.model.use_kv_cache = True
    cfg.model.use_sdpa_with_kv_cache = False
    cfg.model.enable_dynamic_shape = True
    cfg.debug.generate_full_logits = opts.rows() > 1  # cut to the last rows: logits_rows.py
    cfg.export.max_seq_length = opts.max_seq_len
    cfg.export.max_context_length = opts.max_context_len
    cfg.export.output_dir = str(out_path.parent)
    cfg.export.output_name = str(out_path)  # used as-is when it ends in .pte
    if opts.qmode():
        cfg.quantization.qmode = opts.qmode()
        cfg.quantization.group_size = opts.group_size if opts.precision == "4bit" else 0
    if opts.embedding_bits:
        cfg.quantization.embedding_quantize = f"{opts.embedding_bits},{opts.embedding_group_size}"
    cfg.backend.xnnpack.enabled = opts.xnnpack
    cfg.backend.xnnpack.extended_ops = opts.xnnpack
    return cfg


@contextlib.contextmanager
def _attention_transform(attention: str):
    """While active, ExecuTorch's export_llama appends our attention source transform to its
    own list (it has no hook for third-party transforms; we wrap its list builder)."""
    if attention == "default":
        yield
        return
    from executorch.examples.models.llama import export_llama_lib as lib

    from .custom_ops import use_dailydrug_attention

    original = lib._get_source_transforms

    def with_ours(*args, **kwargs):
        return list(original(*args, **kwargs)) + [use_dailydrug_attention]

    lib._get_source_transforms = with_ours
    try:
        yield
    finally:
        lib._get_source_transforms = original


@contextlib.contextmanager
def _named_state_buffers():
    """While active, every program ExecuTorch serializes names its mutable buffers (the KV cache)
    with their module paths, so a runtime can find them with Method::get_attribute and save or
    restore a prefix of the cache (docs/RUNTIME.md, "Prefix snapshots"). export_llama builds its
    own ExecutorchBackendConfig; we set the flag on whatever config reaches to_executorch."""
    from executorch.exir import ExecutorchBackendConfig
    from executorch.exir.program._program import EdgeProgramManager

    original = EdgeProgramManager.to_executorch

    def with_names(self, config=None, *args, **kwargs):
        config = dataclasses.replace(config) if config is not None else ExecutorchBackendConfig()
        config.emit_mutable_buffer_names = True
        return original(self, config, *args, **kwargs)

    EdgeProgramManager.to_executorch = with_names
    try:
        yield
    finally:
        EdgeProgramManager.to_executorch = original


def state_buffer_names(pte: Path, method: str = "forward") -> List[str]:
    """The names of `method`'s mutable buffers in the program file `pte` (the KV cache tensors,
    in program order), read from its flatbuffer; [] for a program that does not name them."""
    from executorch.exir._serialize._program import _flatbuffer_to_program, _get_extended_header

    with open(pte, "rb") as f:
        head = f.read(64)
        header = _get_extended_header(head)
        f.seek(0)
        data = f.read(header.program_size) if header and header.is_valid() else f.read()
    program = _flatbuffer_to_program(data)
    names = []
    for plan in program.execution_plan:
        if plan.name != method:
            continue
        for value in plan.values:
            info = getattr(value.val, "extra_tensor_info", None)
            if info is not None and info.fully_qualified_name:
                names.append(info.fully_qualified_name)
    return names


# Program-data separation (a LoRA adapter kept unmerged): the files written beside the program.
FOUNDATION_FILE = "foundation.ptd"
ADAPTER_FILE = "adapter.ptd"


def lower_to_pte(ck: Checkpoint, opts: ExportOptions, out_path: Path,
                 quiet: bool = True, lora=None) -> Path:
    """Export `ck` to the program file `out_path`. Raises ExportOptionError before any heavy
    work when the options do not fit the model (including a group size that would skip a
    linear). With `lora` (a lora.LoraAdapter) the adapter stays unmerged and the weights go to
    FOUNDATION_FILE (base) and ADAPTER_FILE (LoRA A/B) beside `out_path`."""
    opts.validate()
    skipped = check_group_size(ck, opts)
    if skipped:
        raise ExportOptionError(
            f"group size {opts.group_size} does not divide the input width of {len(skipped)} "
            f"linear layer(s) (e.g. {skipped[0]}), which ExecuTorch would silently leave "
            f"unquantized; group sizes that cover every layer: {suggest_group_sizes(ck)}")
    out_path = Path(out_path).resolve()
    sink = io.StringIO()
    if quiet:  # ExecuTorch and torch log every pass at INFO/WARNING; keep errors only
        logging.disable(logging.WARNING)
    try:
        from executorch.examples.models.llama.export_llama_lib import export_llama

        with tempfile.TemporaryDirectory(prefix="dd-export-") as work, \
                warnings.catch_warnings(), _attention_transform(opts.attention), \
                fast_lowering.shared_provenance(fast_lowering.ENABLED), \
                quant_mix.output_bits_transform(opts.output_bits), \
                logits_rows_transform(opts.rows()), _named_state_buffers(), \
                (contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext()):
            if quiet:
                warnings.simplefilter("ignore")
            cfg = build_llm_config(ck, opts, Path(work), out_path)
            if lora is not None:
                from .lora import executorch_lora_config
                cfg.base.lora_config = executorch_lora_config(lora, Path(work))
                cfg.export.foundation_weights_file = FOUNDATION_FILE
                cfg.export.lora_weights_file = ADAPTER_FILE
            path = Path(export_llama(cfg))
    finally:
        logging.disable(logging.NOTSET)
    if path.resolve() != out_path or not out_path.is_file():
        raise RuntimeError(f"ExecuTorch wrote {path}, expected {out_path}")
    for name in ((FOUNDATION_FILE, ADAPTER_FILE) if lora is not None else ()):
        if not (out_path.parent / name).is_file():  # ExecuTorch logs save errors, not raises
            raise RuntimeError(f"ExecuTorch did not write {out_path.parent / name}")
    return out_path


def eager_model(ck: Checkpoint, max_seq_len: int, max_context_len: int,
                use_kv_cache: bool = False, full_logits: bool = False) -> torch.nn.Module:
    """ExecuTorch's own LLaMA transformer in PyTorch eager mode with the same weights: the
    reference the exported program is checked against."""
    from executorch.examples.models.llama.llama_transformer import construct_transformer
    from executorch.examples.models.llama.model_args import ModelArgs

    args = ModelArgs(max_seq_len=max_seq_len, max_context_len=max_context_len,
                     use_kv_cache=use_kv_cache, generate_full_logits=full_logits,
                     enable_dynamic_shape=True, **_params_json(ck))
    model = construct_transformer(args)
    missing, unexpected = model.load_state_dict(ck.state_dict, strict=False, assign=True)
    missing = [m for m in missing if "cache" not in m and "freqs" not in m and "mask" not in m]
    if missing or unexpected:
        raise RuntimeError(f"eager model weights mismatch: missing={missing} "
                           f"unexpected={unexpected}")
    return model.eval()
