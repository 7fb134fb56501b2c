"""dailydrug-export: a LLaMA-family checkpoint -> a verified DailyDrug model bundle.

    python -m dailydrug_export CHECKPOINT --out BUNDLE_DIR [--precision 4bit] [...]

CHECKPOINT is a .gguf file or a Hugging Face folder. The bundle folder gets model.pte, the
tokenizer file and model_config.json (sizes and SHA-256 of every file, token ids, chat template,
architecture, export options, verification report). Exit codes: 0 ok, 2 bad input or options,
3 verification failed (the bundle is not written), 1 anything else.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List

from .checkpoint import UnsupportedCheckpoint, read_checkpoint


class Progress:
    """Stage lines with timings on stderr: '[3/7] lower ... 41.2 s'. While a stage runs, a line
    every HEARTBEAT_S seconds says it is still running, how long it has taken and the memory in
    use, so a long lowering never looks hung."""

    STAGES = ["read", "tokenizer", "adapter", "check", "lower", "verify", "write"]
    HEARTBEAT_S = 20.0

    def __init__(self, skip=()):
        self.STAGES = [s for s in self.STAGES if s not in skip]
        self.t_start = time.time()
        self.timings = {}
        self._t = None
        self._name = None
        self._stage_done = threading.Event()
        self._beat = None

    def start(self, name: str, detail: str = "") -> None:
        self.stop_heartbeat()
        self._name, self._t = name, time.time()
        i = self.STAGES.index(name) + 1
        print(f"[{i}/{len(self.STAGES)}] {name}: {detail}", file=sys.stderr, flush=True)
        self._stage_done = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, args=(name, self._t, self._stage_done),
                                      daemon=True)
        self._beat.start()

    def done(self, detail: str = "") -> None:
        self.stop_heartbeat()
        dt = time.time() - self._t
        self.timings[self._name] = round(dt, 2)
        print(f"      {self._name} done in {dt:.1f} s {detail}", file=sys.stderr, flush=True)

    def stop_heartbeat(self) -> None:
        if self._beat is not None:
            self._stage_done.set()
            self._beat.join()
            self._beat = None

    def _heartbeat(self, name: str, t0: float, stage_done: threading.Event) -> None:
        while not stage_done.wait(self.HEARTBEAT_S):
            elapsed = int(time.time() - t0)
            print(f"      {name}: still running, {elapsed // 60} min {elapsed % 60:02d} s, "
                  f"{_rss_gb():.1f} GB in use", file=sys.stderr, flush=True)


def _rss_gb() -> float:
    """This process's resident memory in GB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _load_tokenizer(path: Path):
    """(encode(text) -> ids, token_to_id(str) -> id|None, vocab list) via the reference libs."""
    if path.suffix == ".json":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))
        vocab_map = tok.get_vocab(with_added_tokens=True)
        vocab = [None] * (max(vocab_map.values()) + 1)
        for s, i in vocab_map.items():
            vocab[i] = s
        return (lambda t: tok.encode(t, add_special_tokens=False).ids), tok.token_to_id, vocab
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(path))
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]

    def to_id(s):
        i = sp.piece_to_id(s)
        return None if i == sp.unk_id() and s != sp.id_to_piece(sp.unk_id()) else i

    return (lambda t: sp.encode(t)), to_id, vocab


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="dailydrug-export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path, help=".gguf file or Hugging Face folder")
    ap.add_argument("--out", type=Path, required=True, help="bundle folder to (re)write")
    ap.add_argument("--precision", choices=["fp32", "8bit", "4bit"], default="4bit",
                    help="fp32; 8bit = 8da8w per channel; 4bit = 8da4w grouped (default)")
    ap.add_argument("--group-size", type=int, default=32, help="4bit group size (default 32)")
    ap.add_argument("--output-bits", type=int, choices=[8], default=None,
                    help="4bit: keep the output projection at 8 bits per channel")
    ap.add_argument("--embedding-bits", type=int, choices=[4, 8], default=None,
                    help="also quantize the token embedding")
    ap.add_argument("--max-seq-len", type=int, default=128,
                    help="most tokens per forward call + 1 (default 128)")
    ap.add_argument("--logits-rows", type=int, default=None,
                    help="rows of logits a call returns: the last min(T, N) positions, so that "
                         "one call verifies N - 1 drafted tokens (speculative decoding); 1 = the "
                         "last position only (default 9, capped at max-seq-len - 1)")
    ap.add_argument("--max-context-len", type=int, default=1024,
                    help="KV cache length in tokens (default 1024, DailyDrug's max_cache_tokens)")
    ap.add_argument("--tokenizer", type=Path, default=None,
                    help="tokenizer.json / tokenizer.model to ship (required for GGUF input)")
    ap.add_argument("--chat-template", default=None, help="chatml | llama3 | gemma (default: detect)")
    ap.add_argument("--name", default=None, help="model_name in model_config.json")
    ap.add_argument("--languages", default=None,
                    help="comma-separated languages the model can answer in, e.g. ko,en "
                         "(model_config.json 'languages'; default: what the checkpoint declares, "
                         "else none)")
    ap.add_argument("--system-prompt", default=None,
                    help="system_prompt in model_config.json (default: DailyDrug's Korean one)")
    ap.add_argument("--attention", choices=["default", "dailydrug"], default="default",
                    help="default: ExecuTorch's stock attention; dailydrug: our custom ops "
                         "(in-place cache update, attention over filled positions; needs "
                         "DailyDrug's runtime kernels)")
    ap.add_argument("--lora", type=Path, default=None, metavar="ADAPTER_DIR",
                    help="a PEFT LoRA adapter folder (adapter_config.json + "
                         "adapter_model.safetensors) to apply")
    ap.add_argument("--lora-mode", choices=["merged", "separate"], default="merged",
                    help="merged: add the adapter into the weights (default); separate: keep it "
                         "unmerged, base weights in foundation.ptd and the adapter in "
                         "adapter.ptd beside a small model.pte (ExecuTorch program-data "
                         "separation; bundles of one base share a byte-identical foundation.ptd)")
    ap.add_argument("--no-verify", action="store_true", help="skip verification (not advised)")
    ap.add_argument("--program-cache", type=Path, default=None,
                    help="folder of lowered programs keyed by checkpoint, options and exporter "
                         "code; a hit skips the slow lowering")
    ap.add_argument("--verbose", action="store_true",
                    help="show ExecuTorch's own export logs and warnings")
    args = ap.parse_args(argv)

    from .bundle import build_config, file_entry, remove_stale_staging, staging_dir, write_bundle
    from .chat import structured_template
    from .lora import merge, read_adapter
    from .lower import (ADAPTER_FILE, FOUNDATION_FILE, ExportOptionError, ExportOptions,
                        eager_model, lower_to_pte, state_buffer_names)

    prog = Progress(skip=() if args.lora else ("adapter",))
    files = []
    try:
        prog.start("read", str(args.checkpoint))
        ck = read_checkpoint(args.checkpoint)
        s = ck.summary()
        prog.done(f"({s['parameters'] / 1e6:.0f}M parameters, {ck.source_format})")

        prog.start("tokenizer", "match the tokenizer file to the checkpoint")
        tok_path = args.tokenizer or ck.tokenizer.path
        if tok_path is None and ck.architecture == "qwen2":
            # Byte-level BPE: rebuilt from the GGUF's own vocabulary and merges.
            from .gguf_tokenizer import tokenizer_json_from_gguf
            rebuilt = Path(tempfile.mkdtemp(prefix="dd-tokenizer-"))
            atexit.register(shutil.rmtree, rebuilt, True)
            tok_path = tokenizer_json_from_gguf(args.checkpoint, rebuilt / "tokenizer.json")
        if tok_path is None:
            raise UnsupportedCheckpoint("a GGUF input needs --tokenizer (the model's "
                                        "tokenizer.json or tokenizer.model)")
        if not Path(tok_path).is_file():
            raise UnsupportedCheckpoint(f"tokenizer file not found: {tok_path}")
        try:
            encode, token_to_id, vocab = _load_tokenizer(Path(tok_path))
        except Exception as e:
            raise UnsupportedCheckpoint(f"{tok_path}: not a readable tokenizer: {e}") from e
        if len(vocab) > ck.params["vocab_size"]:
            raise UnsupportedCheckpoint(f"{tok_path} has {len(vocab)} tokens but the model's "
                                        f"vocabulary is {ck.params['vocab_size']}")
        if ck.tokenizer.vocab is not None:
            mism = [i for i, t in enumerate(ck.tokenizer.vocab[:len(vocab)]) if vocab[i] != t]
            if mism or len(ck.tokenizer.vocab) != len(vocab):
                i = mism[0] if mism else min(len(vocab), len(ck.tokenizer.vocab))
                raise UnsupportedCheckpoint(
                    f"{tok_path} does not match the checkpoint's vocabulary ({len(mism)} "
                    f"differing ids, first at {i})")
        template = structured_template(ck.tokenizer.chat_template, args.chat_template)
        eos_ids = list(ck.tokenizer.eos_ids)
        for t in template["end_of_turn_tokens"]:
            i = token_to_id(t)
            if i is not None and i not in eos_ids:
                eos_ids.append(i)
        ck.tokenizer.eos_ids = sorted(eos_ids)
        prog.done(f"(template {template['name']}, eos ids {ck.tokenizer.eos_ids})")

        adapter = None
        if args.lora is not None:
            prog.start("adapter", f"{args.lora} ({args.lora_mode})")
            adapter = read_adapter(args.lora, ck)
            a = adapter.summary()
            prog.done(f"(r={a['rank']}, alpha={a['alpha']:g}, {a['target_modules']}, "
                      f"{a['parameters'] / 1e3:.1f}K parameters)")
        separate = adapter is not None and args.lora_mode == "separate"
        # The program's weights: merged adapters go into them; a separate one stays apart.
        ck_program = merge(ck, adapter) if adapter is not None and not separate else ck

        opts = ExportOptions(precision=args.precision, group_size=args.group_size,
                             embedding_bits=args.embedding_bits, max_seq_len=args.max_seq_len,
                             max_context_len=args.max_context_len, attention=args.attention,
                             output_bits=args.output_bits,
                             **({"logits_rows": args.logits_rows}
                                if args.logits_rows is not None else {}))
        prog.start("check", f"{args.precision} options against the model's layer shapes")
        opts.validate()
        from .lower import check_group_size, suggest_group_sizes
        skipped = check_group_size(ck, opts)
        if skipped:
            raise ExportOptionError(
                f"group size {opts.group_size} leaves {len(skipped)} linear layer(s) "
                f"unquantized (e.g. {skipped[0]}); choose one of {suggest_group_sizes(ck)}")
        prog.done()

        for old in remove_stale_staging(args.out):
            print(f"removed {old.name}, left by an export that did not finish", file=sys.stderr)
        stage = staging_dir(args.out)
        if stage.exists():
            shutil.rmtree(stage)
        stage.mkdir(parents=True)
        prog.start("lower", "quantize, lower to XNNPACK and serialize (ExecuTorch export_llama)")
        pte = stage / "model.pte"
        cached = None if separate else _program_cache_path(
            args.program_cache, args.checkpoint, ck, opts,
            adapter.source_files if adapter is not None else ())
        if cached is not None and cached.is_file():
            shutil.copyfile(cached, pte)
            prog.done(f"(reused {cached.name}, {pte.stat().st_size / 1e6:.1f} MB)")
        elif separate:
            lower_to_pte(ck, opts, pte, quiet=not args.verbose, lora=adapter)
            prog.done(f"(model.pte {pte.stat().st_size / 1e6:.2f} MB, {FOUNDATION_FILE} "
                      f"{(stage / FOUNDATION_FILE).stat().st_size / 1e6:.1f} MB, {ADAPTER_FILE} "
                      f"{(stage / ADAPTER_FILE).stat().st_size / 1e6:.2f} MB)")
        else:
            lower_to_pte(ck_program, opts, pte, quiet=not args.verbose)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp")
                shutil.copyfile(pte, tmp)
                tmp.replace(cached)
            prog.done(f"({pte.stat().st_size / 1e6:.1f} MB)")

        verification = None
        if not args.no_verify:
            prog.start("verify", "program vs PyTorch eager on English and Korean prompts")
            if adapter is not None:  # reference: base weights + the LoRA delta at run time
                from .lora import eager_lora_model
                eager = eager_lora_model(ck, adapter, opts.max_context_len,
                                         opts.max_context_len, full_logits=True)
            else:
                eager = eager_model(ck, opts.max_context_len, opts.max_context_len,
                                    full_logits=True)
            sys_prompt = template.get("default_system")

            def render_prompt(text):
                from .chat import render
                msgs = ([{"role": "system", "content": sys_prompt}] if sys_prompt else [])
                return render(template, msgs + [{"role": "user", "content": text}])

            from .verify import verify_program
            data_path = None
            if separate:  # ExecuTorch's Python runtime takes one data file: verify a merge
                from .lora import merge_data_files
                data_path = merge_data_files([stage / FOUNDATION_FILE, stage / ADAPTER_FILE],
                                             Path(tempfile.mkdtemp(prefix="dd-ptd-")) / "all.ptd")
                atexit.register(shutil.rmtree, data_path.parent, True)
            from .verify import gates_for
            verification = verify_program(
                pte, eager, encode, render_prompt, args.precision, data_path=data_path,
                thresholds=gates_for(args.name or ck.name, args.precision,
                                     lora=adapter is not None),
                logits_rows=opts.rows())
            prog.done(f"(top-1 {verification['top1_agreement']:.3f}, max |dlogit| "
                      f"{verification['max_abs_logit_diff']:.4f}, ppl ratio "
                      f"{verification['perplexity_ratio']:.3f})")
            if not verification["passed"]:
                shutil.rmtree(stage, ignore_errors=True)
                print("verification FAILED: " + "; ".join(verification["failures"]),
                      file=sys.stderr)
                print(json.dumps(verification, indent=2), file=sys.stderr)
                return 3

        prog.start("write", str(args.out))
        tok_dst = stage / Path(tok_path).name
        shutil.copyfile(tok_path, tok_dst)
        files = [file_entry(pte, "program"), file_entry(tok_dst, "tokenizer")]
        lora_info = None
        if adapter is not None:
            files += ([file_entry(stage / FOUNDATION_FILE, "data"),
                       file_entry(stage / ADAPTER_FILE, "adapter")] if separate else [])
            from .bundle import sha256_file
            lora_info = {"mode": args.lora_mode, **adapter.summary(),
                         "adapter_sha256": sha256_file(adapter.source_files[1])}
        arch = ck.summary()
        quant = {"fp32": "fp32", "8bit": "8da8w", "4bit": f"8da4w-g{opts.group_size}"
                 + ("+output-8da8w" if opts.output_bits == 8 else "")}
        config = build_config(
            model_name=args.name or ck.name, model_file=pte.name, tokenizer_file=tok_dst.name,
            vocab_size=ck.params["vocab_size"], context_length=opts.max_context_len,
            quantization=quant[args.precision], bos_id=ck.tokenizer.bos_id,
            eos_ids=ck.tokenizer.eos_ids, stop_strings=template["stop_strings"],
            chat_template=template, architecture=arch,
            export_options={
                "precision": args.precision, "qmode": opts.qmode(),
                "group_size": opts.group_size if args.precision == "4bit" else None,
                "embedding_bits": opts.embedding_bits, "output_bits": opts.output_bits,
                "max_seq_len": opts.max_seq_len, "logits_rows": opts.rows(),
                "max_context_len": opts.max_context_len, "backend": "xnnpack",
                "kv_cache": True, "attention": opts.attention,
                "custom_ops": ["dailydrug::update_cache", "dailydrug::sdpa"]
                if opts.attention == "dailydrug" else False,
                "source": str(args.checkpoint.name), "executorch": _executorch_version(),
                "lora": lora_info,
                "timings_s": prog.timings,
            },
            files=files, verification=verification, logits_rows=opts.rows(),
            state_buffers=state_buffer_names(pte),
            lora_path=ADAPTER_FILE if separate else None,
            overrides={"system_prompt": args.system_prompt} if args.system_prompt else None,
            languages=([x.strip() for x in args.languages.split(",") if x.strip()]
                       if args.languages is not None else (ck.languages or [])))
        write_bundle(args.out, stage, config)
        prog.done()
    except (UnsupportedCheckpoint, ExportOptionError, ValueError) as e:
        print(f"dailydrug-export: error: {e}", file=sys.stderr)
        return 2
    finally:
        prog.stop_heartbeat()
    total = sum(f["size_bytes"] for f in files)
    print(f"bundle {args.out}: " + ", ".join(f"{f['path']} {_mb(f['size_bytes'])}"
                                              for f in files)
          + f"; total {_mb(total)} in {time.time() - prog.t_start:.0f} s ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in prog.timings.items()) + ")", file=sys.stderr)
    return 0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _program_cache_path(cache: Path | None, source: Path, ck, opts,
                        extra_files=()) -> Path | None:
    """Key: the checkpoint files' contents (and `extra_files`', e.g. a merged LoRA adapter),
    LOWERING_VERSION, the export options, the token ids baked into the program's metadata, and
    the ExecuTorch version."""
    if cache is None:
        return None
    import dataclasses
    import hashlib

    h = hashlib.sha256()
    src = Path(source)
    files = (sorted(src.rglob("*")) if src.is_dir() else [src]) + [Path(f) for f in extra_files]
    for f in files:  # content, not mtime: a reinstalled package must still hit the cache
        if f.is_file() and f.suffix in (".gguf", ".safetensors", ".json", ".model"):
            h.update(f.name.encode())
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    from .lower import LOWERING_VERSION
    h.update(f"lowering-v{LOWERING_VERSION}".encode())
    key = dataclasses.asdict(opts)
    if key.get("attention") == "default":
        del key["attention"]  # the key programs had before the option existed stays valid
    if key.get("output_bits") is None:
        key.pop("output_bits", None)  # likewise
    if opts.rows() == 1:
        key.pop("logits_rows", None)  # likewise: a last-row program is the one made before
    else:
        key["logits_rows"] = opts.rows()
    h.update(json.dumps(key, sort_keys=True).encode())
    h.update(json.dumps([ck.tokenizer.bos_id, ck.tokenizer.eos_ids]).encode())
    h.update(_executorch_version().encode())
    return Path(cache) / f"{h.hexdigest()[:24]}.pte"


def _executorch_version() -> str:
    try:
        from executorch.version import __version__
        return __version__
    except Exception:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
