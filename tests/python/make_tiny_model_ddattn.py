"""The tiny random LLaMA of make_tiny_model.py exported with DailyDrug's attention operators.

Writes into OUT:
  model.pte       fp32, XNNPACK, `--attention dailydrug` (dailydrug::update_cache and
                  dailydrug::sdpa instead of index_copy_ + repeat_interleave + masked SDPA)
  reference.json  eager PyTorch logits of ExecuTorch's own transformer (default attention) on the
                  same weights and tokens as make_tiny_model.py's reference

The C++ test (tests/kernels/) runs the program in our runtime, which links the kernels, and
compares with the reference; the same weights make it comparable to the default-attention
fixture. Idempotent like make_tiny_model.py (stamp of this script, the sibling and the exporter).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "export"))

from make_tiny_model import (BOS_ID, EOS_IDS, MAX_CTX, MAX_SEQ, N_LAYERS, TOKENS,  # noqa: E402
                             VOCAB, tiny_checkpoint)

from dailydrug_export.lower import ExportOptions, eager_model, lower_to_pte  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()
    out: Path = args.out
    here = Path(__file__).resolve()
    h = hashlib.sha256(here.read_bytes())
    h.update((here.parent / "make_tiny_model.py").read_bytes())
    for f in sorted((here.parents[2] / "tools" / "export").rglob("*.py")):
        h.update(f.read_bytes())
    stamp = h.hexdigest()
    stamp_file = out / "STAMP"
    if stamp_file.is_file() and stamp_file.read_text() == stamp and (out / "model.pte").is_file():
        print(f"tiny custom-op model fixture up to date in {out}")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    ck = tiny_checkpoint()
    print("exporting tiny random LLaMA with dailydrug attention (fp32, XNNPACK) ...", flush=True)
    lower_to_pte(ck, ExportOptions(precision="fp32", max_seq_len=MAX_SEQ, max_context_len=MAX_CTX,
                                   attention="dailydrug"), out / "model.pte")
    model = eager_model(ck, MAX_SEQ, MAX_CTX)
    rows = []
    with torch.no_grad():
        for n in range(1, len(TOKENS) + 1):
            rows.append([float(x) for x in model(torch.tensor([TOKENS[:n]]))[0]])
    (out / "reference.json").write_text(json.dumps({
        "tokens": TOKENS, "logits": rows, "max_seq_len": MAX_SEQ, "max_context_len": MAX_CTX,
        "vocab_size": VOCAB, "n_layers": N_LAYERS, "bos_id": BOS_ID, "eos_ids": EOS_IDS,
        "attention": "dailydrug"}))
    stamp_file.write_text(stamp)
    print(f"wrote {out / 'model.pte'} and reference.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
