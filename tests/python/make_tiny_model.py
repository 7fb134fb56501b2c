"""Make the tiny random-weight LLaMA fixture the C++ tests run against.

Writes into OUT:
  model.pte           fp32, KV cache, XNNPACK, dynamic token count (max_seq_len 16, context 64),
                      logits of the last min(T, 9) positions of a call (speculative decoding)
  last_row.pte        the same program returning the last position's logits only, as programs
                      exported before logits_rows (the runtime must decode them one token a call)
  reference.json      eager PyTorch logits of ExecuTorch's own transformer on the same weights,
                      for a fixed token sequence, one row per position (prefix logits)
  bundle/             a complete DailyDrug bundle around the same program: a byte-level
                      tokenizer.json (256 byte tokens + 4 specials = the model's 260 ids, made with
                      the `tokenizers` package) and model_config.json with a ChatML template

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
from dailydrug_export.lower import (ExportOptions, eager_model, lower_to_pte,  # noqa: E402
                                    state_buffer_names)

DIM, N_HEADS, N_KV, N_LAYERS, HIDDEN, VOCAB = 64, 4, 2, 2, 128, 260
SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>"]  # ids 256..259
BOS_ID, EOS_IDS = 259, [257, 258]
MAX_SEQ, MAX_CTX = 16, 64
LOGITS_ROWS = 9
TOKENS = [259, 17, 200, 33, 4, 250, 9, 9, 128, 77, 5, 61, 99, 256, 140, 3, 42, 7, 255, 0]


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
    return Checkpoint("llama", "tiny-random-llama", sd, params, TokenizerInfo(BOS_ID, EOS_IDS),
                      "random")


def write_tokenizer(path: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    assert tok.get_vocab_size() == VOCAB
    tok.save(str(path))


def write_bundle(out: Path, ck: Checkpoint) -> None:
    import shutil

    from dailydrug_export.bundle import build_config, file_entry, staging_dir, write_bundle as wb
    from dailydrug_export.chat import structured_template

    final = out / "bundle"
    stage = staging_dir(final)
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    shutil.copyfile(out / "model.pte", stage / "model.pte")
    write_tokenizer(stage / "tokenizer.json")
    template = structured_template(None, "chatml")
    template["default_system"] = None
    config = build_config(
        model_name="tiny-random-llama", model_file="model.pte", tokenizer_file="tokenizer.json",
        vocab_size=VOCAB, context_length=MAX_CTX, quantization="fp32", bos_id=BOS_ID,
        eos_ids=EOS_IDS, stop_strings=template["stop_strings"], chat_template=template,
        architecture=ck.summary(),
        export_options={"precision": "fp32", "max_seq_len": MAX_SEQ, "logits_rows": LOGITS_ROWS},
        logits_rows=LOGITS_ROWS, state_buffers=state_buffer_names(stage / "model.pte"),
        files=[file_entry(stage / "model.pte", "program"),
               file_entry(stage / "tokenizer.json", "tokenizer")],
        overrides={"system_prompt": "", "max_tokens": 16})
    wb(final, stage, config)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()
    out: Path = args.out
    # Stamp: this script and the exporter code it uses (bundle format, lowering).
    h = hashlib.sha256(Path(__file__).read_bytes())
    for f in sorted((Path(__file__).resolve().parents[2] / "tools" / "export").rglob("*.py")):
        h.update(f.read_bytes())
    stamp = h.hexdigest()
    stamp_file = out / "STAMP"
    if stamp_file.is_file() and stamp_file.read_text() == stamp and (out / "bundle" / "model_config.json").is_file():
        print(f"tiny model fixture up to date in {out}")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    ck = tiny_checkpoint()
    print("exporting tiny random LLaMA (fp32, XNNPACK) ...", flush=True)
    lower_to_pte(ck, ExportOptions(precision="fp32", max_seq_len=MAX_SEQ, max_context_len=MAX_CTX,
                                   logits_rows=LOGITS_ROWS), out / "model.pte")
    lower_to_pte(ck, ExportOptions(precision="fp32", max_seq_len=MAX_SEQ, max_context_len=MAX_CTX,
                                   logits_rows=1), out / "last_row.pte")
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
        "logits_rows": LOGITS_ROWS,
        "bos_id": BOS_ID,
        "eos_ids": EOS_IDS,
    }
    (out / "reference.json").write_text(json.dumps(ref))
    write_bundle(out, ck)
    stamp_file.write_text(stamp)
    print(f"wrote {out / 'model.pte'} and reference.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
