"""Make the LoRA fixture: tiny PEFT adapters and bundles exported by the real exporter CLI.

Writes into OUT:
  inputs/hf/          the tiny random LLaMA of make_tiny_model.py as a Hugging Face folder
                      (safetensors, q/k in HF's rotate-half layout, byte-level tokenizer.json)
  inputs/tiny.gguf    the same weights as a GGUF (F32 tensors)
  inputs/adapter-a/   a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors):
                      r=4, alpha=8, q_proj/v_proj/down_proj of both layers
  inputs/adapter-b/   another adapter: r=2, alpha=4, rsLoRA, q/k/v/o/gate/up/down ("all-linear")
  merged-a/           bundle: GGUF + adapter A merged into the weights (fp32)
  separate-a/         bundle: HF folder + adapter A kept apart: model.pte + foundation.ptd +
                      adapter.ptd (ExecuTorch program-data separation, fp32)
  separate-b/         the same for adapter B; its foundation.ptd is byte-identical to separate-a's
  reference.json      eager PyTorch logits for make_tiny_model.TOKENS (one row per prefix): the
                      base model, base + adapter A and base + adapter B with the LoRA delta
                      applied at run time (W x + s B A x, unmerged), all in Meta layout

The three exports run in one process through dailydrug_export's own main() (the CLI). A stamp
of this script, make_tiny_model.py and the exporter code makes a second run a no-op.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tools" / "export"))

from make_tiny_model import TOKENS, tiny_checkpoint, write_tokenizer  # noqa: E402

MAX_SEQ, MAX_CTX = 32, 512  # the exporter's verification prompts need ~340 byte tokens
PEFT_MODULES = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn",
                "o_proj": "self_attn", "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}
ADAPTERS = {
    "adapter-a": dict(r=4, alpha=8, targets=["q_proj", "v_proj", "down_proj"], seed=11),
    "adapter-b": dict(r=2, alpha=4, targets="all-linear", seed=22, use_rslora=True),
}


def hf_shapes(ck):
    """PEFT module name -> (out, in) of the base linear."""
    p = ck.params
    hd = p["dim"] // p["n_heads"]
    return {"q_proj": (p["n_heads"] * hd, p["dim"]), "k_proj": (p["n_kv_heads"] * hd, p["dim"]),
            "v_proj": (p["n_kv_heads"] * hd, p["dim"]), "o_proj": (p["dim"], p["n_heads"] * hd),
            "gate_proj": (p["hidden_dim"], p["dim"]), "up_proj": (p["hidden_dim"], p["dim"]),
            "down_proj": (p["dim"], p["hidden_dim"])}


def write_adapter(folder: Path, ck, r: int, alpha: float, targets, seed: int,
                  scale: float = 0.3, config_extra=None, tensors_extra=None,
                  drop=()) -> Path:
    """A PEFT LoRA adapter folder for `ck` with seeded random A and B (PEFT initializes B to
    zero; a trained adapter has both non-zero). `drop` leaves tensors out; `tensors_extra` and
    `config_extra` add or override entries (for the refusal tests)."""
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(seed)
    mods = list(PEFT_MODULES) if targets == "all-linear" else list(targets)
    sd = {}
    for i in range(ck.params["n_layers"]):
        for m in mods:
            if m not in PEFT_MODULES:
                continue
            out_f, in_f = hf_shapes(ck)[m]
            k = f"base_model.model.model.layers.{i}.{PEFT_MODULES[m]}.{m}"
            sd[f"{k}.lora_A.weight"] = torch.randn(r, in_f, generator=g) * scale
            sd[f"{k}.lora_B.weight"] = torch.randn(out_f, r, generator=g) * scale
    for k in drop:
        sd.pop(k)
    sd.update(tensors_extra or {})
    cfg = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha,
           "lora_dropout": 0.0, "target_modules": targets, "bias": "none",
           "fan_in_fan_out": False, "use_rslora": False, "use_dora": False,
           "modules_to_save": None, "layers_to_transform": None, "rank_pattern": {},
           "alpha_pattern": {}, "base_model_name_or_path": "tiny-random-llama"}
    cfg.update(config_extra or {})
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in sd.items()},
              str(folder / "adapter_model.safetensors"))
    (folder / "adapter_config.json").write_text(json.dumps(cfg, indent=1))
    return folder


def write_inputs(inputs: Path) -> None:
    from test_export_inputs import write_gguf, write_hf_folder

    ck = tiny_checkpoint()
    write_hf_folder(ck, inputs / "hf")
    write_tokenizer(inputs / "hf" / "tokenizer.json")
    write_gguf(ck, inputs / "tiny.gguf")
    for name, a in ADAPTERS.items():
        write_adapter(inputs / name, ck, a["r"], a["alpha"], a["targets"], a["seed"],
                      config_extra={"use_rslora": a.get("use_rslora", False)})


def export(args) -> None:
    from dailydrug_export.__main__ import main as export_main

    t = time.time()
    rc = export_main([str(a) for a in args])
    if rc != 0:
        raise SystemExit(f"exporter failed with exit code {rc}: {args}")
    print(f"  exported {args[2]} in {time.time() - t:.0f} s", flush=True)


def reference(inputs: Path) -> dict:
    from dailydrug_export.lora import eager_lora_model, read_adapter
    from dailydrug_export.lower import eager_model

    ck = tiny_checkpoint()
    models = {"base": eager_model(ck, MAX_CTX, MAX_CTX)}
    for name in ADAPTERS:
        models[name] = eager_lora_model(ck, read_adapter(inputs / name, ck), MAX_CTX, MAX_CTX)
    rows = {}
    with torch.no_grad():
        for name, m in models.items():
            rows[name] = [[float(x) for x in m(torch.tensor([TOKENS[:n]]))[0]]
                          for n in range(1, len(TOKENS) + 1)]
    return {"tokens": TOKENS, "logits": rows, "max_seq_len": MAX_SEQ, "max_context_len": MAX_CTX}


def stamp() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update((HERE / "make_tiny_model.py").read_bytes())
    h.update((HERE / "test_export_inputs.py").read_bytes())
    for f in sorted((ROOT / "tools" / "export").rglob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()


def make(out: Path) -> None:
    st = stamp()
    if (out / "STAMP").is_file() and (out / "STAMP").read_text() == st:
        print(f"tiny LoRA fixture up to date in {out}")
        return
    shutil.rmtree(out, ignore_errors=True)
    inputs = out / "inputs"
    write_inputs(inputs)
    common = ["--precision", "fp32", "--max-seq-len", MAX_SEQ, "--max-context-len", MAX_CTX,
              "--chat-template", "chatml"]
    print("exporting tiny LoRA bundles (fp32, XNNPACK) ...", flush=True)
    export([inputs / "tiny.gguf", "--out", out / "merged-a", "--tokenizer",
            inputs / "hf" / "tokenizer.json", "--lora", inputs / "adapter-a",
            "--lora-mode", "merged", *common])
    for name in ADAPTERS:
        export([inputs / "hf", "--out", out / f"separate-{name[-1]}", "--lora", inputs / name,
                "--lora-mode", "separate", *common])
    (out / "reference.json").write_text(json.dumps(reference(inputs)))
    (out / "STAMP").write_text(st)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    make(ap.parse_args().out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
