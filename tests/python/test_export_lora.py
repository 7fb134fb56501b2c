"""LoRA adapters (PEFT format) in the exporter: reading, merging, separate .ptd files, refusals.

Fast tests (no lowering) check the adapter reader and the merge math against independent
references: merging in Hugging Face layout and reading the result back must equal merging in
our Meta layout (so B's q/k rows get the RoPE permutation), and the merged eager model must match
the unmerged one that applies W x + s B A x at run time.

The exported-bundle tests use the fixture of make_tiny_lora.py (ctest runs it first as
fixture.tiny_lora and passes its folder in DD_LORA_FIXTURE; run alone, the test makes it in a
temporary folder): a merged bundle, and two separated bundles whose adapters share one
foundation .ptd. Programs run through ExecuTorch's Python runtime.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "export"))
sys.path.insert(0, str(ROOT / "tests" / "python"))

from dailydrug_export.bundle import sha256_file  # noqa: E402
from dailydrug_export.checkpoint import read_checkpoint  # noqa: E402
from dailydrug_export.lora import (AdapterError, eager_lora_model, merge,  # noqa: E402
                                   merge_data_files, read_adapter)
from dailydrug_export.lower import eager_model  # noqa: E402
from make_tiny_lora import ADAPTERS, PEFT_MODULES, make, write_adapter  # noqa: E402
from make_tiny_model import TOKENS, tiny_checkpoint, write_tokenizer  # noqa: E402
from test_export_inputs import _meta_to_hf, write_hf_folder  # noqa: E402


@pytest.fixture(scope="module")
def ck():
    return tiny_checkpoint()


@pytest.fixture
def adapter_a(tmp_path, ck):
    a = ADAPTERS["adapter-a"]
    return write_adapter(tmp_path / "a", ck, a["r"], a["alpha"], a["targets"], a["seed"])


def _logits(model, n=len(TOKENS)):
    with torch.no_grad():
        return model(torch.tensor([TOKENS[:n]]))[0]


# ---------------------------------------------------------------- reading and merging (fast)

def test_merge_equals_merging_in_hf_layout(tmp_path, ck):
    """Merge B A into the HF-layout weights, write that folder, read it with the (separately
    tested) HF reader: the same weights as our Meta-layout merge, for every target module."""
    from safetensors.torch import load_file, save_file

    ad_dir = write_adapter(tmp_path / "b", ck, 2, 4, "all-linear", 3,
                           config_extra={"use_rslora": True})
    ad = read_adapter(ad_dir, ck)
    assert ad.scaling == pytest.approx(4 / math.sqrt(2))
    write_hf_folder(ck, tmp_path / "hf")
    hf = load_file(str(tmp_path / "hf" / "model.safetensors"))
    raw = load_file(str(ad_dir / "adapter_model.safetensors"))
    for i in range(ck.params["n_layers"]):
        for m, parent in PEFT_MODULES.items():
            k = f"model.layers.{i}.{parent}.{m}"
            a = raw[f"base_model.model.{k}.lora_A.weight"]
            b = raw[f"base_model.model.{k}.lora_B.weight"]
            hf[k + ".weight"] = hf[k + ".weight"] + ad.scaling * (b @ a)
    save_file(hf, str(tmp_path / "hf" / "model.safetensors"))
    want = read_checkpoint(tmp_path / "hf").state_dict
    got = merge(ck, ad).state_dict
    changed = 0
    for k, v in want.items():
        assert torch.allclose(got[k], v, atol=1e-5), k
        changed += not torch.equal(v, ck.state_dict[k])
    assert changed == 7 * ck.params["n_layers"]  # every projection of every layer, nothing else


def test_merged_eager_matches_unmerged_reference_and_differs_from_base(ck, adapter_a):
    ad = read_adapter(adapter_a, ck)
    ref = _logits(eager_lora_model(ck, ad, 64, 64))  # W x + s B A x at run time
    merged = _logits(eager_model(merge(ck, ad), 64, 64))
    base = _logits(eager_model(ck, 64, 64))
    assert float((merged - ref).abs().max()) < 1e-4
    assert float((base - ref).abs().max()) > 0.5  # the adapter changes the output
    emb = "tok_embeddings.weight"
    assert merge(ck, ad).state_dict[emb] is ck.state_dict[emb]  # untouched


def test_adapter_config_accepts_a_single_file_path_and_all_linear(tmp_path, ck):
    d = write_adapter(tmp_path / "x", ck, 2, 2, "all-linear", 1)
    ad = read_adapter(d / "adapter_config.json", ck)
    assert ad.target_modules == list(PEFT_MODULES) and ad.scaling == 1.0
    assert len(ad.weights) == 7 * ck.params["n_layers"]


BAD_ADAPTERS = [
    # (what, write_adapter kwargs, message fragment)
    ("rank mismatch", dict(config_extra={"r": 8}), "rank mismatch"),
    ("target module not present", dict(targets=["q_proj", "c_attn"]), "c_attn"),
    ("tensor for an untargeted module",
     dict(targets=["q_proj"], tensors_extra={
         "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight": torch.zeros(4, 64),
         "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight": torch.zeros(32, 4)}),
     "does not list"),
    ("missing tensor",
     dict(drop=["base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight"]),
     "missing tensor base_model.model.model.layers.1.self_attn.q_proj.lora_B"),
    ("layer out of range", dict(tensors_extra={
        "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight": torch.zeros(4, 64)}),
     "layer 7"),
    ("shape for another model", dict(tensors_extra={
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": torch.zeros(4, 96)}),
     "another model"),
    ("embedding adapter", dict(tensors_extra={
        "base_model.model.model.embed_tokens.lora_embedding_A": torch.zeros(4, 260)}),
     "unsupported adapter tensor"),
    ("DoRA", dict(config_extra={"use_dora": True}), "DoRA"),
    ("bias", dict(config_extra={"bias": "all"}), "biases"),
    ("other PEFT type", dict(config_extra={"peft_type": "IA3"}), "IA3"),
    ("regex targets", dict(config_extra={"target_modules": ".*proj"}), "pattern"),
    ("partial layers", dict(config_extra={"layers_to_transform": [0]}), "every layer"),
    ("rank pattern", dict(config_extra={"rank_pattern": {"q_proj": 8}}), "rank_pattern"),
    ("zero rank", dict(config_extra={"r": 0}), "positive integer"),
]


@pytest.mark.parametrize("what,kw,msg", BAD_ADAPTERS, ids=[b[0] for b in BAD_ADAPTERS])
def test_bad_adapters_are_refused_with_a_clear_message(tmp_path, ck, what, kw, msg):
    args = dict(r=4, alpha=8, targets=["q_proj", "v_proj"], seed=5)
    args.update({k: v for k, v in kw.items() if k in args})
    extra = {k: v for k, v in kw.items() if k not in args}
    d = write_adapter(tmp_path / "bad", ck, args["r"], args["alpha"], args["targets"],
                      args["seed"], **extra)
    with pytest.raises(AdapterError, match=re.escape(msg)):
        read_adapter(d, ck)


def test_broken_adapter_files_are_refused(tmp_path, ck, adapter_a):
    with pytest.raises(AdapterError, match="no such adapter folder"):
        read_adapter(tmp_path / "nope", ck)
    (tmp_path / "empty").mkdir()
    with pytest.raises(AdapterError, match="adapter_config.json"):
        read_adapter(tmp_path / "empty", ck)
    cfg = (adapter_a / "adapter_config.json").read_text()
    (adapter_a / "adapter_config.json").write_text("{not json")
    with pytest.raises(AdapterError, match="invalid JSON"):
        read_adapter(adapter_a, ck)
    (adapter_a / "adapter_config.json").write_text(cfg)
    (adapter_a / "adapter_model.safetensors").write_bytes(b"\x00" * 40)
    with pytest.raises(AdapterError, match="unreadable safetensors"):
        read_adapter(adapter_a, ck)
    (adapter_a / "adapter_model.safetensors").unlink()
    (adapter_a / "adapter_model.bin").write_bytes(b"x")
    with pytest.raises(AdapterError, match="safe_serialization"):
        read_adapter(adapter_a, ck)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "dailydrug_export", *map(str, args)],
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "tools" / "export"), "PATH": "/usr/bin"})


@pytest.mark.parametrize("mode", ["merged", "separate"])
def test_cli_refuses_bad_adapters_with_exit_code_2(tmp_path, ck, mode):
    write_hf_folder(ck, tmp_path / "hf")
    write_tokenizer(tmp_path / "hf" / "tokenizer.json")
    bad_rank = write_adapter(tmp_path / "r", ck, 4, 8, ["q_proj"], 1, config_extra={"r": 2})
    bad_target = write_adapter(tmp_path / "t", ck, 4, 8, ["q_proj", "lm_head"], 1)
    for adapter, msg in ((bad_rank, "rank mismatch"), (bad_target, "lm_head"),
                         (tmp_path / "missing", "no such adapter folder")):
        r = _cli(tmp_path / "hf", "--out", tmp_path / "out", "--chat-template", "chatml",
                 "--lora", adapter, "--lora-mode", mode)
        assert r.returncode == 2, r.stderr
        assert msg in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert "dailydrug-export: error:" in r.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------- exported bundles (the fixture)

@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    env = os.environ.get("DD_LORA_FIXTURE")
    if env and (Path(env) / "STAMP").is_file():
        # ctest's fixture.tiny_lora made it just before; its stamp may already be stale when
        # someone edits the exporter meanwhile, and a re-export here would take minutes.
        return Path(env)
    out = Path(env) if env else tmp_path_factory.mktemp("tiny_lora")
    make(out)
    return out


@pytest.fixture(scope="module")
def reference(fixture_dir):
    return json.loads((fixture_dir / "reference.json").read_text())


def _config(bundle: Path):
    return json.loads((bundle / "model_config.json").read_text())


def _program_logits(pte: Path, data_files=(), tmp: Path = None, chunk: int = 8):
    """Next-token logits {position: [vocab]} for TOKENS read as the runner does: a first chunk
    of `chunk` tokens, then one token per call. `data_files` (.ptd) are merged into one file,
    since ExecuTorch's Python runtime takes a single data file."""
    from executorch.runtime import Runtime

    data = None
    if data_files:
        data = merge_data_files(list(data_files), tmp / f"merged-{len(os.listdir(tmp))}.ptd")
    prog = Runtime.get().load_program(str(pte), data_path=data)
    fwd = prog.load_method("forward")
    rows, pos = {}, 0
    while pos < len(TOKENS):  # first a chunk, then token by token
        n = chunk if pos == 0 else 1
        out = fwd.execute([torch.tensor([TOKENS[pos:pos + n]]), torch.tensor([pos])])[0]
        rows[pos + n - 1] = out.reshape(-1, out.shape[-1])[-1]  # the last of its rows
        pos += n
    return rows


def _max_diff(rows, ref_rows):
    return max(float((r - torch.tensor(ref_rows[i])).abs().max()) for i, r in rows.items())


def test_bundles_list_every_file_with_size_and_sha256(fixture_dir):
    for name in ("merged-a", "separate-a", "separate-b"):
        b = fixture_dir / name
        cfg = _config(b)
        listed = {f["path"] for f in cfg["files"]}
        assert listed | {"model_config.json"} == set(os.listdir(b)), name
        for f in cfg["files"]:
            assert f["size_bytes"] == (b / f["path"]).stat().st_size
            assert f["sha256"] == sha256_file(b / f["path"])
        assert cfg["verification"]["passed"] and cfg["verification"]["precision"] == "fp32"
        assert cfg["context_length"] == 512 and cfg["export_options"]["max_seq_len"] == 32
    merged = _config(fixture_dir / "merged-a")
    assert merged["lora_enabled"] is False and merged["lora_path"] is None
    assert merged["export_options"]["lora"]["mode"] == "merged"
    assert merged["export_options"]["lora"]["rank"] == 4
    sep = _config(fixture_dir / "separate-a")
    assert sep["lora_enabled"] is True and sep["lora_path"] == "adapter.ptd"
    roles = {f["path"]: f["role"] for f in sep["files"]}
    assert roles == {"model.pte": "program", "tokenizer.json": "tokenizer",
                     "foundation.ptd": "data", "adapter.ptd": "adapter"}
    lora = sep["export_options"]["lora"]
    assert lora["mode"] == "separate" and lora["target_modules"] == ["q_proj", "v_proj",
                                                                     "down_proj"]
    assert lora["adapter_sha256"] == sha256_file(
        fixture_dir / "inputs" / "adapter-a" / "adapter_model.safetensors")


def test_program_metadata_has_the_requested_lengths(fixture_dir):
    from executorch.runtime import Runtime

    b = fixture_dir / "merged-a"
    prog = Runtime.get().load_program(str(b / "model.pte"))
    assert int(prog.load_method("get_max_seq_len").execute([])[0]) == 32
    assert int(prog.load_method("get_max_context_len").execute([])[0]) == 512


def test_merged_program_matches_unmerged_reference(fixture_dir, reference):
    rows = _program_logits(fixture_dir / "merged-a" / "model.pte")
    assert _max_diff(rows, reference["logits"]["adapter-a"]) < 1e-3
    assert _max_diff(rows, reference["logits"]["base"]) > 0.5


@pytest.mark.parametrize("name", ["a", "b"])
def test_separated_program_matches_unmerged_reference(fixture_dir, reference, tmp_path, name):
    b = fixture_dir / f"separate-{name}"
    rows = _program_logits(b / "model.pte", [b / "foundation.ptd", b / "adapter.ptd"], tmp_path)
    assert _max_diff(rows, reference["logits"][f"adapter-{name}"]) < 1e-3
    assert _max_diff(rows, reference["logits"]["base"]) > 0.5


def test_two_adapters_share_one_foundation(fixture_dir, reference, tmp_path):
    a, b = fixture_dir / "separate-a", fixture_dir / "separate-b"
    assert sha256_file(a / "foundation.ptd") == sha256_file(b / "foundation.ptd")
    assert sha256_file(a / "adapter.ptd") != sha256_file(b / "adapter.ptd")
    # The adapter file holds only the LoRA weights: small next to the base weights.
    assert (a / "adapter.ptd").stat().st_size * 5 < (a / "foundation.ptd").stat().st_size
    # Program A with B's copy of the foundation and A's adapter: A's output.
    rows = _program_logits(a / "model.pte", [b / "foundation.ptd", a / "adapter.ptd"], tmp_path)
    assert _max_diff(rows, reference["logits"]["adapter-a"]) < 1e-3
    # Program A with B's adapter is refused or wrong, never A's output: the adapter matters.
    try:
        rows = _program_logits(a / "model.pte", [a / "foundation.ptd", b / "adapter.ptd"],
                               tmp_path)
    except Exception:
        return
    assert _max_diff(rows, reference["logits"]["adapter-a"]) > 0.1
