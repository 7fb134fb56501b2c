"""The exporter CLI across its input formats, precisions and options, on tiny models.

- Input formats: GGUF tensors in F16, BF16, Q8_0, Q4_0, Q4_1 (written with the `gguf` package)
  and Q4_K (which `gguf` 0.19 cannot write: blocks are encoded here from known values) read back
  to the values they encode; a HF folder with tokenizer.json (export.lora's fixture and the
  4-bit run below) and with a SentencePiece tokenizer.model (the 8-bit run).
- Precisions: 8bit (8da8w) and 4bit (8da4w, group size 32) with 8-bit embedding quantization,
  exported end to end by the CLI (verification included), program metadata equal to the
  requested token-per-call and context lengths. fp32 is exported by export.lora's fixture
  (tests/python/make_tiny_lora.py) and by the runtime's tiny-model fixture.
- Refusals, each exit code 2 with one clear line and no traceback: a group size that leaves a
  linear unquantized (the layer is named), truncated GGUF, wrong magic, a missing tensor, an
  unsupported architecture (GGUF and HF), a missing or mismatched tokenizer, bad options.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "export"))
sys.path.insert(0, str(ROOT / "tests" / "python"))

from dailydrug_export.checkpoint import Checkpoint, TokenizerInfo, read_checkpoint  # noqa: E402
from make_tiny_model import tiny_checkpoint, write_tokenizer  # noqa: E402
from test_export_inputs import write_gguf, write_hf_folder  # noqa: E402


def _cli(*args, timeout=1200):
    return subprocess.run([sys.executable, "-m", "dailydrug_export", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env={"PYTHONPATH": str(ROOT / "tools" / "export"), "PATH": "/usr/bin"})


def _refused(r, *fragments):
    """Exit code 2, one 'dailydrug-export: error:' line naming every fragment, no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("dailydrug-export: error:")]
    assert len(errors) == 1, r.stderr[-2000:]
    for f in fragments:
        assert f in errors[0], (f, errors[0])
    return errors[0]


# ------------------------------------------------------------------------- GGUF tensor types

GGUF_TOLERANCE = {"F16": 1e-3, "BF16": 8e-3, "Q8_0": 1e-2, "Q4_0": 0.15, "Q4_1": 0.1}


@pytest.mark.parametrize("qtype", list(GGUF_TOLERANCE))
def test_gguf_tensor_type_reads_back(tmp_path, qtype):
    import gguf

    qt = gguf.GGMLQuantizationType[qtype]
    ck = tiny_checkpoint()
    types = {k: qt for k, v in ck.state_dict.items() if v.dim() == 2}  # norms stay F32
    write_gguf(ck, tmp_path / "t.gguf", types=types)
    got = read_checkpoint(tmp_path / "t.gguf")
    for k, v in ck.state_dict.items():
        err = float((got.state_dict[k] - v).abs().max())
        if k in types:
            assert got.source_dtypes[k] == qtype, k
            assert err <= GGUF_TOLERANCE[qtype] * float(v.abs().max()), (k, err)
        else:
            assert err == 0.0, k
    if qtype.startswith("Q"):  # really quantized: the values moved
        assert not torch.equal(got.state_dict["layers.0.attention.wq.weight"],
                               ck.state_dict["layers.0.attention.wq.weight"])


def _q4_k_rows(rows: int, rng: np.random.Generator):
    """Q4_K blocks (ggml's block_q4_K: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128
    bytes of nibbles) for `rows` rows of 256 values, and the values they encode:
    y = d * sc[j] * q - dmin * m[j] for sub-block j (32 values) of each block."""
    blocks, values = [], []
    for _ in range(rows):
        d, dmin = np.float16(rng.uniform(0.001, 0.01)), np.float16(rng.uniform(0.001, 0.01))
        sc, mn = rng.integers(0, 64, 8), rng.integers(0, 64, 8)
        q = rng.integers(0, 16, 256)
        scales = np.zeros(12, np.uint8)
        for j in range(4):
            scales[j] = (sc[j] & 63) | ((sc[j + 4] >> 4) << 6)
            scales[j + 4] = (mn[j] & 63) | ((mn[j + 4] >> 4) << 6)
            scales[j + 8] = (sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4)
        qs = np.zeros(128, np.uint8)
        y = np.zeros(256, np.float32)
        for c in range(4):  # 64-value chunk c: sub-blocks 2c (low nibbles) and 2c+1 (high)
            lo, hi = q[64 * c:64 * c + 32], q[64 * c + 32:64 * c + 64]
            qs[32 * c:32 * c + 32] = lo | (hi << 4)
            for sub, vals in ((2 * c, lo), (2 * c + 1, hi)):
                y[32 * sub:32 * sub + 32] = (np.float32(d) * sc[sub] * vals
                                             - np.float32(dmin) * mn[sub])
        blocks.append(np.concatenate([np.array([d, dmin], np.float16).view(np.uint8),
                                      scales, qs]))
        values.append(y)
    return np.stack(blocks), np.stack(values)


def test_gguf_q4_k_reads_back_to_the_encoded_values(tmp_path):
    """Q4_K needs rows of 256 values: a one-layer model of width 256 (reading only)."""
    import gguf

    rng = np.random.default_rng(7)
    dim, hidden, vocab, n_heads, n_kv = 256, 256, 260, 4, 2
    hd = dim // n_heads
    shapes = {"tok_embeddings.weight": (vocab, dim), "output.weight": (vocab, dim),
              "layers.0.attention.wq.weight": (n_heads * hd, dim),
              "layers.0.attention.wk.weight": (n_kv * hd, dim),
              "layers.0.attention.wv.weight": (n_kv * hd, dim),
              "layers.0.attention.wo.weight": (dim, n_heads * hd),
              "layers.0.feed_forward.w1.weight": (hidden, dim),
              "layers.0.feed_forward.w2.weight": (dim, hidden),
              "layers.0.feed_forward.w3.weight": (hidden, dim)}
    raw, want = {}, {}
    for k, (o, i) in shapes.items():
        raw[k], y = _q4_k_rows(o, rng)
        want[k] = torch.from_numpy(y)
    for k in ("norm.weight", "layers.0.attention_norm.weight", "layers.0.ffn_norm.weight"):
        want[k] = torch.ones(dim)
    params = dict(dim=dim, n_layers=1, n_heads=n_heads, n_kv_heads=n_kv, hidden_dim=hidden,
                  vocab_size=vocab, norm_eps=1e-5, rope_theta=10000.0)
    ck = Checkpoint("llama", "q4k", want, params, TokenizerInfo(259, [257]), "test")
    write_gguf(ck, tmp_path / "q4k.gguf",
               raw={k: (v, gguf.GGMLQuantizationType.Q4_K) for k, v in raw.items()})
    got = read_checkpoint(tmp_path / "q4k.gguf")
    for k, v in want.items():
        assert got.state_dict[k].shape == v.shape, k
        assert torch.allclose(got.state_dict[k], v, rtol=1e-5, atol=1e-6), k
    assert got.source_dtypes["layers.0.feed_forward.w2.weight"] == "Q4_K"


# ---------------------------------------------------------------- end-to-end precision runs

def _sentencepiece_model(path: Path) -> None:
    import sentencepiece as spm

    text = ["Take one tablet three times a day after meals.", "What is the capital of France?",
            "Drink plenty of water and do not drive if you feel drowsy.",
            "How often should I take ibuprofen for a headache?"] * 20
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_writer=buf,
                                   vocab_size=120, model_type="unigram", hard_vocab_limit=False,
                                   character_coverage=1.0, bos_id=-1, eos_id=-1, unk_id=0,
                                   minloglevel=2)
    path.write_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def run_8bit(tmp_path_factory):
    """HF folder with a SentencePiece tokenizer.model, 8-bit, 23 tokens per call."""
    d = tmp_path_factory.mktemp("m8")
    write_hf_folder(tiny_checkpoint(), d / "hf")
    (d / "hf" / "tokenizer.json").unlink()
    _sentencepiece_model(d / "hf" / "tokenizer.model")
    r = _cli(d / "hf", "--out", d / "bundle", "--precision", "8bit", "--max-seq-len", 24,
             "--max-context-len", 512, "--chat-template", "chatml")
    return r, d / "bundle"


def peaked_checkpoint():
    """The tiny model with margins between its top predictions, as a trained model has: smaller
    layer weights and the output matrix tied to the embedding. The random model's next-token
    logits are nearly flat (perplexity ~1000 over 260 ids), so 4-bit weight noise flips its
    argmax at ~45% of positions, below the 4bit verification threshold meant for real models
    (measured: top-1 agreement 0.54, perplexity ratio 0.97)."""
    ck = tiny_checkpoint()
    sd = {k: (v * 0.3 if k.startswith("layers.") and v.dim() == 2 else v)
          for k, v in ck.state_dict.items()}
    sd["output.weight"] = sd["tok_embeddings.weight"].clone()
    ck.state_dict = sd
    return ck


@pytest.fixture(scope="module")
def run_4bit(tmp_path_factory):
    """GGUF (F16 and Q8_0 tensors) + tokenizer.json, 4-bit g32 and 8-bit embeddings."""
    import gguf

    d = tmp_path_factory.mktemp("m4")
    write_hf_folder(tiny_checkpoint(), d / "hf")
    write_tokenizer(d / "hf" / "tokenizer.json")
    write_gguf(peaked_checkpoint(), d / "t.gguf",
               types={"layers.0.attention.wq.weight": gguf.GGMLQuantizationType.F16,
                      "layers.1.feed_forward.w2.weight": gguf.GGMLQuantizationType.Q8_0})
    r = _cli(d / "t.gguf", "--out", d / "bundle", "--tokenizer", d / "hf" / "tokenizer.json",
             "--precision", "4bit", "--group-size", 32, "--embedding-bits", 8,
             "--max-seq-len", 16, "--max-context-len", 512, "--chat-template", "chatml")
    return r, d / "bundle"


def _program_meta(pte: Path):
    from executorch.runtime import Runtime

    prog = Runtime.get().load_program(str(pte))
    return {m: int(prog.load_method(m).execute([])[0])
            for m in ("get_max_seq_len", "get_max_context_len", "get_vocab_size")}


def _check_bundle(r, bundle: Path, precision: str, quantization: str, seq: int, ctx: int):
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((bundle / "model_config.json").read_text())
    assert cfg["quantization"] == quantization
    assert cfg["context_length"] == ctx and cfg["export_options"]["max_seq_len"] == seq
    v = cfg["verification"]
    assert v["passed"] and v["precision"] == precision, v
    assert _program_meta(bundle / "model.pte") == {
        "get_max_seq_len": seq, "get_max_context_len": ctx, "get_vocab_size": 260}
    # Progress: every stage with its time, then the sizes of every file.
    for i, stage in enumerate(["read", "tokenizer", "check", "lower", "verify", "write"], 1):
        assert f"[{i}/6] {stage}:" in r.stderr and f"{stage} done in" in r.stderr
    summary = r.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"bundle {bundle}:")
    for f in cfg["files"]:
        assert f["path"] in summary
    return cfg


def test_8bit_from_hf_folder_with_sentencepiece_tokenizer(run_8bit):
    r, bundle = run_8bit
    cfg = _check_bundle(r, bundle, "8bit", "8da8w", 24, 512)
    assert cfg["tokenizer_file"] == "tokenizer.model"
    assert cfg["export_options"]["embedding_bits"] is None
    assert b"embedding_byte" not in (bundle / "model.pte").read_bytes()


def test_4bit_with_embedding_quantization_from_gguf(run_4bit, run_8bit):
    r, bundle = run_4bit
    cfg = _check_bundle(r, bundle, "4bit", "8da4w-g32", 16, 512)
    assert cfg["export_options"]["group_size"] == 32
    assert cfg["export_options"]["embedding_bits"] == 8
    assert cfg["tokenizer_file"] == "tokenizer.json"
    # The embedding is looked up by the quantized operator, and the program is smaller.
    assert b"embedding_byte" in (bundle / "model.pte").read_bytes()
    size = (bundle / "model.pte").stat().st_size
    assert size < (run_8bit[1] / "model.pte").stat().st_size


# --------------------------------------------------------------------------------- refusals

@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    ck = tiny_checkpoint()
    write_hf_folder(ck, d / "hf")
    write_tokenizer(d / "hf" / "tokenizer.json")
    write_gguf(ck, d / "t.gguf")
    return d


def test_group_size_that_skips_a_layer_is_refused_naming_it(inputs, tmp_path):
    # in_features are 64 (most linears) and 128 (feed_forward.w2): 128 skips the 64-wide ones.
    line = _refused(_cli(inputs / "hf", "--out", tmp_path / "b", "--precision", "4bit",
                         "--group-size", 128, "--chat-template", "chatml"),
                    "group size 128", "unquantized", "layers.0.attention.wk.weight")
    assert "[64, 32, 16]" in line  # the sizes that would cover every layer
    _refused(_cli(inputs / "hf", "--out", tmp_path / "b", "--precision", "4bit",
                  "--group-size", 0, "--chat-template", "chatml"), "group_size")
    assert not (tmp_path / "b").exists()


def test_broken_gguf_files_are_refused(inputs, tmp_path):
    data = (inputs / "t.gguf").read_bytes()
    tok = ["--tokenizer", inputs / "hf" / "tokenizer.json", "--chat-template", "chatml"]
    (tmp_path / "cut.gguf").write_bytes(data[: len(data) // 2])
    _refused(_cli(tmp_path / "cut.gguf", "--out", tmp_path / "b", *tok), "cut.gguf")
    (tmp_path / "magic.gguf").write_bytes(b"GGML" + data[4:])
    _refused(_cli(tmp_path / "magic.gguf", "--out", tmp_path / "b", *tok), "not a GGUF file")
    ck = tiny_checkpoint()
    del ck.state_dict["layers.1.ffn_norm.weight"]
    write_gguf(ck, tmp_path / "missing.gguf")
    _refused(_cli(tmp_path / "missing.gguf", "--out", tmp_path / "b", *tok),
             "missing tensor", "layers.1.ffn_norm.weight")
    write_gguf(tiny_checkpoint(), tmp_path / "gemma.gguf", arch="gemma3")
    _refused(_cli(tmp_path / "gemma.gguf", "--out", tmp_path / "b", *tok), "gemma3",
             "not supported")
    assert not (tmp_path / "b").exists()


def test_broken_hf_folders_are_refused(inputs, tmp_path):
    import shutil

    hf = tmp_path / "hf"
    shutil.copytree(inputs / "hf", hf)
    cfg = json.loads((hf / "config.json").read_text())
    (hf / "config.json").write_text(json.dumps({**cfg, "model_type": "mistral3"}))
    _refused(_cli(hf, "--out", tmp_path / "b"), "mistral3", "not supported")
    (hf / "config.json").write_text(json.dumps(cfg))
    (hf / "tokenizer.json").unlink()
    _refused(_cli(hf, "--out", tmp_path / "b"), "no tokenizer.json or tokenizer.model")
    _refused(_cli(hf, "--out", tmp_path / "b", "--tokenizer", tmp_path / "nope.json"),
             "no tokenizer.json or tokenizer.model")
    assert not (tmp_path / "b").exists()


def test_tokenizer_problems_are_refused(inputs, tmp_path):
    g = inputs / "t.gguf"
    _refused(_cli(g, "--out", tmp_path / "b"), "--tokenizer")
    _refused(_cli(g, "--out", tmp_path / "b", "--tokenizer", tmp_path / "nope.json"),
             "tokenizer file not found")
    (tmp_path / "bad.json").write_text("{\"not\": \"a tokenizer\"}")
    _refused(_cli(g, "--out", tmp_path / "b", "--tokenizer", tmp_path / "bad.json"),
             "not a readable tokenizer")
    assert not (tmp_path / "b").exists()


def test_bad_options_are_refused(inputs, tmp_path):
    common = [inputs / "hf", "--out", tmp_path / "b", "--chat-template", "chatml"]
    _refused(_cli(*common, "--max-seq-len", 256, "--max-context-len", 128), "max_context_len")
    _refused(_cli(*common, "--max-seq-len", 1), "max_seq_len")
    _refused(_cli(*common, "--chat-template", "nosuch"), "nosuch")
    r = _cli(*common, "--precision", "3bit")  # argparse: exit 2 with usage
    assert r.returncode == 2 and "invalid choice" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "b").exists()
