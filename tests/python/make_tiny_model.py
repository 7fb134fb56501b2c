"""Make the tiny random-weight LLaMA fixture the C++ tests run against.

Writes into OUT:
  model.pte           fp32, KV cache, XNNPACK, dynamic token count (max_seq_len 16, context 64)
  reference.json      eager PyTorch logits of ExecuTorch's own transformer on the same weights,
                      for a fixed token sequence, one row per position (prefix logits)

The weights are seeded, so the fixture is the same on every machine. A stamp of this script's
contents makes the step idempotent: a second run with the same script does nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "export"))

from dailydrug_export.checkpoint import Checkpoint, TokenizerInfo  # noqa: E402
from dailydrug_export.lower import ExportOptions, eager_model, lower_to_pte  # noqa: E402

DIM, N_HEADS, N_KV, N_LAYERS, HIDDEN, VOCAB = 64, 4, 2, 2, 128, 256
MAX_SEQ, MAX_CTX = 16, 64
TOKENS = [1, 17, 200, 33, 4, 250, 9, 9, 128, 77, 5, 61, 99, 2, 140, 3, 42, 7, 255, 0]


def tiny_checkpoint(seed: int = 1234) -> Checkpoint:
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, scale=0.2):
        return torch.randn(*shape, generator=g) * scale

    hd = DIM // N_HEADS
    sd = {
        "tok_embeddings.weight": rnd(VOCAB, DIM, scale=0.5),
        "norm.weight": 1 + rnd(DIM, scale=0.1),
        "output.weight": rnd(VOCAB, DIM),
    }
    for i in range(N_LAYERS):
        sd.update({
            f"layers.{i}.attention.wq.weight": rnd(N_HEADS * hd, DIM),
            f"layers.{i}.attention.wk.weight": rnd(N_KV * hd, DIM),
            f"layers.{i}.attention.wv.weight": rnd(N_KV * hd, DIM),
            f"layers.{i}.attention.wo.weight": rnd(DIM, N_HEADS * hd),
            f"layers.{i}.attention_norm.weight": 1 + rnd(DIM, scale=0.1),
            f"layers.{i}.ffn_norm.weight": 1 + rnd(DIM, scale=0.1),
            f"layers.{i}.feed_forward.w1.weight": rnd(HIDDEN, DIM),
            f"layers.{i}.feed_forward.w2.weight": rnd(DIM, HIDDEN),
            f"layers.{i}.feed_forward.w3.weight": rnd(HIDDEN, DIM),
        })
    params = dict(dim=DIM, n_layers=N_LAYERS, n_heads=N_HEADS, n_kv_heads=N_KV,
                  hidden_dim=HIDDEN, vocab_size=VOCAB, norm_eps=1e-5, rope_theta=10000.0,
                  use_scaled_rope=False, use_hf_rope=False)
    return Checkpoint("llama", "tiny-random-llama", sd, params, TokenizerInfo(1, [2]), "random")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()
    out: Path = args.out
    stamp = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    stamp_file = out / "STAMP"
    if stamp_file.is_file() and stamp_file.read_text() == stamp and (out / "model.pte").is_file():
        print(f"tiny model fixture up to date in {out}")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    ck = tiny_checkpoint()
    print("exporting tiny random LLaMA (fp32, XNNPACK) ...", flush=True)
    lower_to_pte(ck, ExportOptions(precision="fp32", max_seq_len=MAX_SEQ, max_context_len=MAX_CTX),
                 out / "model.pte")
    model = eager_model(ck, MAX_SEQ, MAX_CTX)
    rows = []
    with torch.no_grad():
        for n in range(1, len(TOKENS) + 1):
            logits = model(torch.tensor([TOKENS[:n]]))
            rows.append([float(x) for x in logits[0]])
    ref = {
        "tokens": TOKENS,
        "logits": rows,  # rows[i] = next-token logits after TOKENS[: i + 1]
        "max_seq_len": MAX_SEQ,
        "max_context_len": MAX_CTX,
        "vocab_size": VOCAB,
        "n_layers": N_LAYERS,
        "bos_id": 1,
        "eos_ids": [2],
    }
    (out / "reference.json").write_text(json.dumps(ref))
    stamp_file.write_text(stamp)
    print(f"wrote {out / 'model.pte'} and reference.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
