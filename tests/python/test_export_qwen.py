"""The exporter's Qwen2 path, on a tiny random Qwen2-shaped checkpoint the test writes itself.

- Weights are made in Hugging Face's Qwen2 layout (rotate-half RoPE, q/k/v biases, untied
  output) and written as a GGUF (architecture ``qwen2``, byte-level BPE vocabulary, ChatML
  template) and as a HF folder (``model_type: qwen2``).
- An independent reference forward pass written here from the Qwen2 definition (HF layout, no
  ExecuTorch code) must give the same logits as ExecuTorch's transformer built from what our
  reader made of either file: this checks the q/k weight AND bias permutation.
- The CLI exports the GGUF to a verified fp32 bundle with no --tokenizer (the tokenizer.json is
  rebuilt from the GGUF), and the program's logits match the reference.
- The rebuilt tokenizer encodes English, Korean and special tokens exactly like the tokenizer
  the GGUF vocabulary came from.
- Unsupported architectures / tokenizers are refused with messages that name them.
- The lowering speed-up (fast_lowering.py) leaves the program bytes unchanged.
- 4-bit with the output projection kept at 8 bits (quant_mix.py): the right layers get the right
  bit widths, and the XNNPACK program matches its eager twin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "export"))

from dailydrug_export.checkpoint import UnsupportedCheckpoint, read_checkpoint  # noqa: E402
from dailydrug_export.gguf_tokenizer import tokenizer_json_from_gguf  # noqa: E402
from dailydrug_export.lower import eager_model  # noqa: E402

DIM, N_HEADS, N_KV, N_LAYERS, HIDDEN, THETA, EPS = 64, 4, 2, 2, 128, 1e6, 1e-6
HD = DIM // N_HEADS
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
QWEN_PRE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
            r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
CORPUS = ["타이레놀 복용 후 운전해도 될까요? 하루 세 번 식후 30분에 복용하세요.",
          "Take one tablet three times a day after meals. Do not drive if drowsy.",
          "혈압약 먹는 것을 깜빡했어요. 어떻게 해야 하나요? 의사나 약사와 상담하세요."] * 4
TEMPLATE = ("{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + "
            "message.content + '<|im_end|>' + '\\n' }}{%- endfor %}"
            "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")


def qwen_tokenizer():
    """A small byte-level BPE trained with Qwen2's pre-tokenizer (the 'original' tokenizer)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers import trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_PRE), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=330, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    tok.add_special_tokens(SPECIALS)  # appended after the BPE vocabulary, as in Qwen
    return tok


def hf_weights(vocab: int, seed: int = 7):
    g = torch.Generator().manual_seed(seed)

    def r(*s, scale=0.2):
        return torch.randn(*s, generator=g) * scale

    sd = {"model.embed_tokens.weight": r(vocab, DIM, scale=0.5),
          "model.norm.weight": 1 + r(DIM, scale=0.1), "lm_head.weight": r(vocab, DIM)}
    for i in range(N_LAYERS):
        m = f"model.layers.{i}."
        sd.update({
            m + "self_attn.q_proj.weight": r(N_HEADS * HD, DIM),
            m + "self_attn.q_proj.bias": r(N_HEADS * HD, scale=0.5),
            m + "self_attn.k_proj.weight": r(N_KV * HD, DIM),
            m + "self_attn.k_proj.bias": r(N_KV * HD, scale=0.5),
            m + "self_attn.v_proj.weight": r(N_KV * HD, DIM),
            m + "self_attn.v_proj.bias": r(N_KV * HD, scale=0.5),
            m + "self_attn.o_proj.weight": r(DIM, N_HEADS * HD),
            m + "input_layernorm.weight": 1 + r(DIM, scale=0.1),
            m + "post_attention_layernorm.weight": 1 + r(DIM, scale=0.1),
            m + "mlp.gate_proj.weight": r(HIDDEN, DIM),
            m + "mlp.up_proj.weight": r(HIDDEN, DIM),
            m + "mlp.down_proj.weight": r(DIM, HIDDEN),
        })
    return sd


def reference_logits(sd, ids):
    """Qwen2 forward in HF layout, written from the model definition (no ExecuTorch code)."""
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w

    def rotate_half(x):
        a, b = x[..., : HD // 2], x[..., HD // 2:]
        return torch.cat((-b, a), -1)

    t = len(ids)
    inv = 1.0 / (THETA ** (torch.arange(0, HD, 2, dtype=torch.float64) / HD))
    ang = torch.arange(t, dtype=torch.float64)[:, None] * inv[None]
    cos = torch.cat((ang, ang), -1).cos().float()[:, None, :]
    sin = torch.cat((ang, ang), -1).sin().float()[:, None, :]
    x = sd["model.embed_tokens.weight"][torch.tensor(ids)]
    mask = torch.full((t, t), float("-inf")).triu(1)
    for i in range(N_LAYERS):
        m = f"model.layers.{i}."
        h = rms(x, sd[m + "input_layernorm.weight"])
        lin = lambda n: h @ sd[m + n + ".weight"].T + sd[m + n + ".bias"]  # noqa: E731
        q = lin("self_attn.q_proj").view(t, N_HEADS, HD)
        k = lin("self_attn.k_proj").view(t, N_KV, HD)
        v = lin("self_attn.v_proj").view(t, N_KV, HD)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(N_HEADS // N_KV, 1)
        v = v.repeat_interleave(N_HEADS // N_KV, 1)
        att = torch.einsum("qhd,khd->hqk", q, k) / HD ** 0.5 + mask
        o = torch.einsum("hqk,khd->qhd", att.softmax(-1), v).reshape(t, DIM)
        x = x + o @ sd[m + "self_attn.o_proj.weight"].T
        h = rms(x, sd[m + "post_attention_layernorm.weight"])
        gate = torch.nn.functional.silu(h @ sd[m + "mlp.gate_proj.weight"].T)
        x = x + (gate * (h @ sd[m + "mlp.up_proj.weight"].T)) @ sd[m + "mlp.down_proj.weight"].T
    return rms(x, sd["model.norm.weight"]) @ sd["lm_head.weight"].T


_GGUF_NAMES = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
               "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
               "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
               "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}


def write_qwen_gguf(path: Path, sd, tok, arch: str = "qwen2", pre: str = "qwen2") -> None:
    import gguf

    vocab = tok.get_vocab(with_added_tokens=True)
    tokens = [None] * len(vocab)
    for s, i in vocab.items():
        tokens[i] = s
    model = json.loads(tok.to_str())["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name("tiny-qwen2")
    w.add_block_count(N_LAYERS)
    w.add_context_length(256)
    w.add_embedding_length(DIM)
    w.add_feed_forward_length(HIDDEN)
    w.add_head_count(N_HEADS)
    w.add_head_count_kv(N_KV)
    w.add_layer_norm_rms_eps(EPS)
    w.add_rope_freq_base(THETA)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_merges(merges)
    w.add_token_types([3 if t in SPECIALS else 1 for t in tokens])
    w.add_bos_token_id(vocab["<|endoftext|>"])
    w.add_eos_token_id(vocab["<|im_end|>"])
    w.add_chat_template(TEMPLATE)
    for k, v in sd.items():
        if k.startswith("model.layers."):
            _, _, i, rest = k.split(".", 3)
            mod, part = rest.rsplit(".", 1)
            name = f"blk.{i}.{_GGUF_NAMES[mod]}.{part}"
        else:
            name = {"model.embed_tokens.weight": "token_embd.weight",
                    "model.norm.weight": "output_norm.weight",
                    "lm_head.weight": "output.weight"}[k]
        w.add_tensor(name, v.numpy().astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_qwen_hf(folder: Path, sd, tok) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in sd.items()}, str(folder / "model.safetensors"))
    vocab = tok.get_vocab(with_added_tokens=True)
    (folder / "config.json").write_text(json.dumps({
        "model_type": "qwen2", "hidden_size": DIM, "num_attention_heads": N_HEADS,
        "num_key_value_heads": N_KV, "num_hidden_layers": N_LAYERS, "intermediate_size": HIDDEN,
        "vocab_size": len(vocab), "rms_norm_eps": EPS, "rope_theta": THETA,
        "tie_word_embeddings": False, "use_sliding_window": False,
        "bos_token_id": vocab["<|endoftext|>"], "eos_token_id": vocab["<|im_end|>"]}))
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": TEMPLATE}))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("qwen")
    tok = qwen_tokenizer()
    sd = hf_weights(tok.get_vocab_size(with_added_tokens=True))
    write_qwen_gguf(d / "tiny-qwen2.gguf", sd, tok)
    write_qwen_hf(d / "hf", sd, tok)
    ids = tok.encode("<|im_start|>user\n타이레놀 복용 후 운전해도 될까요? Is it safe?<|im_end|>\n").ids
    assert len(ids) >= 20
    return {"dir": d, "tok": tok, "sd": sd, "ids": ids, "ref": reference_logits(sd, ids)}


@pytest.mark.parametrize("source", ["gguf", "hf"])
def test_reader_output_matches_the_reference_model(tiny, source):
    path = tiny["dir"] / ("tiny-qwen2.gguf" if source == "gguf" else "hf")
    ck = read_checkpoint(path)
    assert ck.architecture == "qwen2"
    s = ck.summary()
    assert s["qkv_bias"] and not s["tied_embeddings"] and s["n_kv_heads"] == N_KV
    with torch.no_grad():
        got = eager_model(ck, 64, 64, full_logits=True)(torch.tensor([tiny["ids"]]))[0]
    diff = float((got - tiny["ref"]).abs().max())
    assert diff < 1e-4, f"{source}: eager logits differ from the Qwen2 reference by {diff}"


def test_wrong_bias_layout_would_be_caught(tiny):
    """The check above can fail: the same weights with q/k biases left in HF order differ."""
    ck = read_checkpoint(tiny["dir"] / "tiny-qwen2.gguf")
    for i in range(N_LAYERS):
        ck.state_dict[f"layers.{i}.attention.wq.bias"] = \
            tiny["sd"][f"model.layers.{i}.self_attn.q_proj.bias"]
    with torch.no_grad():
        got = eager_model(ck, 64, 64, full_logits=True)(torch.tensor([tiny["ids"]]))[0]
    assert float((got - tiny["ref"]).abs().max()) > 1e-2


def test_tokenizer_rebuilt_from_gguf_encodes_like_the_original(tiny, tmp_path):
    from tokenizers import Tokenizer

    out = tokenizer_json_from_gguf(tiny["dir"] / "tiny-qwen2.gguf", tmp_path / "tokenizer.json")
    rebuilt, orig = Tokenizer.from_file(str(out)), tiny["tok"]
    assert rebuilt.get_vocab(with_added_tokens=True) == orig.get_vocab(with_added_tokens=True)
    texts = CORPUS[:3] + ["<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n"
                          "이 약을 먹고 술을 마셔도 되나요?  Tabs\tand\n\nnewlines 123,456!<|im_end|>",
                          "ｆｕｌｌ-width Ａ and decomposed 한글 (\u1112\u1161\u11ab)"]
    for t in texts:
        assert rebuilt.encode(t).ids == orig.encode(t).ids, t
        assert rebuilt.decode(rebuilt.encode(t).ids, skip_special_tokens=False) == \
            orig.decode(orig.encode(t).ids, skip_special_tokens=False)


def test_unknown_pre_tokenizer_and_architecture_are_refused(tiny, tmp_path):
    write_qwen_gguf(tmp_path / "pre.gguf", tiny["sd"], tiny["tok"], pre="deepseek-llm")
    with pytest.raises(UnsupportedCheckpoint, match="deepseek-llm"):
        tokenizer_json_from_gguf(tmp_path / "pre.gguf", tmp_path / "t.json")
    write_qwen_gguf(tmp_path / "phi.gguf", tiny["sd"], tiny["tok"], arch="phi3")
    with pytest.raises(UnsupportedCheckpoint, match="'phi3' is not supported"):
        read_checkpoint(tmp_path / "phi.gguf")
    hf = tmp_path / "hf"
    write_qwen_hf(hf, tiny["sd"], tiny["tok"])
    cfg = json.loads((hf / "config.json").read_text())
    (hf / "config.json").write_text(json.dumps({**cfg, "model_type": "qwen3"}))
    with pytest.raises(UnsupportedCheckpoint, match="'qwen3' is not supported"):
        read_checkpoint(hf)
    (hf / "config.json").write_text(json.dumps({**cfg, "use_sliding_window": True}))
    with pytest.raises(UnsupportedCheckpoint, match="sliding-window"):
        read_checkpoint(hf)
    sd = {k: v for k, v in tiny["sd"].items() if k != "model.layers.1.self_attn.k_proj.bias"}
    write_qwen_gguf(tmp_path / "nobias.gguf", sd, tiny["tok"])  # a qwen2 file without a bias
    with pytest.raises(UnsupportedCheckpoint, match="layers.1.attention.wk.bias"):
        read_checkpoint(tmp_path / "nobias.gguf")


def test_cli_exports_gguf_to_a_verified_bundle_without_a_tokenizer_file(tiny, tmp_path):
    from dailydrug_export.verify import ProgramRunner

    sd = tiny["sd"]
    write_qwen_gguf(tmp_path / "q.gguf", sd, tiny["tok"])
    out = tmp_path / "bundle"
    r = subprocess.run([sys.executable, "-m", "dailydrug_export", str(tmp_path / "q.gguf"),
                        "--out", str(out), "--precision", "fp32", "--max-seq-len", "32",
                        "--max-context-len", "256", "--languages", "ko,en"],
                       capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT / "tools" / "export"), "PATH": "/usr/bin"})
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((out / "model_config.json").read_text())
    assert cfg["languages"] == ["ko", "en"]
    assert cfg["architecture"]["architecture"] == "qwen2" and cfg["architecture"]["qkv_bias"]
    assert cfg["verification"]["passed"]
    assert cfg["chat_template"]["name"] == "chatml"
    vocab = tiny["tok"].get_vocab(with_added_tokens=True)
    assert cfg["eos_ids"] == sorted([vocab["<|im_end|>"], vocab["<|endoftext|>"]])
    assert (out / "tokenizer.json").is_file()
    # The program (prefill in one call, then one token at a time) against the reference.
    runner = ProgramRunner(out / "model.pte")
    ids, ref = tiny["ids"][:20], reference_logits(sd, tiny["ids"][:20])
    got = runner.step(ids[:10], 0)
    assert float((got - ref[9]).abs().max()) < 1e-3
    for i in range(10, 20):
        got = runner.step([ids[i]], i)
        assert float((got - ref[i]).abs().max()) < 1e-3, i


def test_fast_lowering_patch_gives_the_same_program_bytes(tiny, tmp_path):
    """fast_lowering.shared_provenance (no deep copies of torch.fx provenance while lowering) must
    not change what ExecuTorch writes: same bytes with and without it, 8-bit (dq partitions) on the
    tiny Qwen2 checkpoint cut to its first layer (every kind of node is in one layer; the lowering
    without the patch is the slowest step of this file)."""
    from dailydrug_export import fast_lowering
    from dailydrug_export.lower import ExportOptions, lower_to_pte

    assert fast_lowering.patch_applies(), "torch changed: re-check fast_lowering against it"
    ck = read_checkpoint(tiny["dir"] / "tiny-qwen2.gguf")
    ck.state_dict = {k: v for k, v in ck.state_dict.items() if not k.startswith("layers.1.")}
    ck.params = {**ck.params, "n_layers": 1}
    opts = ExportOptions(precision="8bit", max_seq_len=16, max_context_len=32)
    outs = {}
    for enabled in (True, False):
        fast_lowering.ENABLED = enabled
        try:
            outs[enabled] = lower_to_pte(ck, opts, tmp_path / f"p-{enabled}.pte").read_bytes()
        finally:
            fast_lowering.ENABLED = True
    assert len(outs[True]) > 10000 and outs[True] == outs[False]


def _mixed_eager(ck, output_bits):
    """Eager model quantized as lower_to_pte does: ExecuTorch's 8da4w-g32 pass, with the output
    projection held out of it and quantized 8da8w afterwards when output_bits is 8."""
    from executorch.examples.models.llama.source_transformation.quantize import quantize

    from dailydrug_export import quant_mix

    m = eager_model(ck, 64, 64, full_logits=True)
    if output_bits == 8:
        m = quant_mix.hold_output(m)
    m = quantize(m, "8da4w", group_size=32)
    if output_bits == 8:
        m = quant_mix.output_to_8bit(m)
    return m


def test_output_projection_kept_at_8_bits_in_4bit_mode(tiny):
    ck = read_checkpoint(tiny["dir"] / "tiny-qwen2.gguf")
    x = torch.tensor([tiny["ids"]])
    with torch.no_grad():
        ref = eager_model(ck, 64, 64, full_logits=True)(x)[0]
        mixed_m, all4_m = _mixed_eager(ck, 8), _mixed_eager(ck, None)
        mixed, all4 = mixed_m(x)[0], all4_m(x)[0]
    out_w, body_w = mixed_m.output.weight, mixed_m.layers[0].attention.wq.weight
    assert type(out_w).__name__ == "IntxUnpackedToInt8Tensor" and out_w.target_dtype == torch.int8
    assert list(out_w.block_size) == [1, DIM]  # per output channel
    assert body_w.target_dtype == torch.int4 and list(body_w.block_size) == [1, 32]
    assert all4_m.output.weight.target_dtype == torch.int4
    # 8-bit output: closer to fp32 than the all-4-bit model (everything else is identical).
    assert float((mixed - ref).abs().mean()) < float((all4 - ref).abs().mean())


def test_mixed_4bit_program_matches_its_eager_twin(tiny, tmp_path):
    from dailydrug_export.lower import ExportOptions, lower_to_pte
    from dailydrug_export.verify import ProgramRunner

    ck = read_checkpoint(tiny["dir"] / "tiny-qwen2.gguf")
    pte = lower_to_pte(ck, ExportOptions(precision="4bit", group_size=32, output_bits=8,
                                         max_seq_len=16, max_context_len=64), tmp_path / "m.pte")
    ids = tiny["ids"][:12]
    with torch.no_grad():
        twin = _mixed_eager(ck, 8)(torch.tensor([ids]))[0]
        all4 = _mixed_eager(ck, None)(torch.tensor([ids]))[0]
    runner = ProgramRunner(pte)
    got = torch.stack([runner.step([t], i) for i, t in enumerate(ids)])
    # XNNPACK's dynamic quantization differs from torchao's eager reference only by rounding.
    assert float((got - twin).abs().max()) < 0.05 * float(twin.abs().max())
    assert float((got - twin).abs().mean()) < float((got - all4).abs().mean())
