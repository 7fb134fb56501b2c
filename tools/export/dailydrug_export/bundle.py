"""Write a DailyDrug model bundle folder atomically.

A bundle is a folder with the program (`model.pte`, plus `.ptd` files when weights are kept
apart), the tokenizer file, and `model_config.json`: DailyDrug's existing keys (see
shared/reference/dailydrug-app.md §4) plus what a runtime needs (token ids, chat template,
architecture, export options) and, for every file, its size and SHA-256.

Atomicity: everything is written into a hidden sibling folder `.<name>.tmp-<pid>`, fsynced, and
renamed into place; an existing bundle is first renamed aside and removed only after the new one
is in place. A reader never sees a half-written bundle under the final name, and
`model_config.json` is written last inside the staging folder, so a staging folder without it is
known to be incomplete. Staging folders left by an export that was killed are removed by the
next export of the same bundle (`remove_stale_staging`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

FORMAT_VERSION = 1

# DailyDrug's own model_config.json defaults (the Android app's assets).
DAILYDRUG_DEFAULTS = {
    "max_tokens": 512,
    "temperature": 0.7,
    "top_k": 40,
    "top_p": 0.9,
    "repetition_penalty": 1.1,
    "system_prompt": (
        "당신은 복약 도우미입니다. 일반적인 정보만 제공하고, 복용량을 바꾸라고 권하지 마세요. "
        "부작용이나 심각한 증상이 있으면 의사나 약사와 상담하도록 안내하세요. 한국어로 답하세요."
    ),
    "memory_settings": {"max_cache_tokens": 1024, "min_memory_mb": 2048,
                        "recommended_memory_mb": 3072},
    "performance_settings": {"default_threads": -1, "batch_size": 1, "enable_kv_cache": True},
}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def staging_dir(final: Path) -> Path:
    return final.parent / f".{final.name}.tmp-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_staging(final: Path) -> List[Path]:
    """Remove `.<name>.tmp-<pid>` folders beside `final` whose export process is gone (killed
    mid-write: they hold up to a whole program each). Folders of a live export are kept."""
    removed = []
    if not final.parent.is_dir():
        return removed
    prefix = f".{final.name}.tmp-"
    for p in final.parent.iterdir():
        if not (p.is_dir() and p.name.startswith(prefix)):
            continue
        pid = p.name[len(prefix):]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def file_entry(path: Path, role: str) -> Dict[str, Any]:
    return {"path": path.name, "role": role, "size_bytes": path.stat().st_size,
            "sha256": sha256_file(path)}


def memory_settings(files: List[Dict[str, Any]], architecture: Dict[str, Any],
                    context_length: int) -> Dict[str, int]:
    """What loading needs: the mapped files, the fp32 KV cache and a working margin. The app's
    own 2048/3072 MB were sized for a 7B model; a bundle states its real needs."""
    mb = 1 << 20
    files_mb = sum(f["size_bytes"] for f in files) / mb
    head_dim = architecture["dim"] // architecture["n_heads"]
    kv_mb = (2 * architecture["n_layers"] * architecture["n_kv_heads"] * head_dim
             * context_length * 4) / mb
    need = int(files_mb + kv_mb + 128 + 0.999)
    return {"max_cache_tokens": context_length, "min_memory_mb": need,
            "recommended_memory_mb": 2 * need}


def build_config(*, model_name: str, model_file: str, tokenizer_file: str, vocab_size: int,
                 context_length: int, quantization: str, bos_id: Optional[int],
                 eos_ids: List[int], stop_strings: List[str], chat_template: Dict[str, Any],
                 architecture: Dict[str, Any], export_options: Dict[str, Any],
                 files: List[Dict[str, Any]], lora_path: Optional[str] = None,
                 verification: Optional[Dict[str, Any]] = None,
                 overrides: Optional[Dict[str, Any]] = None,
                 languages: Optional[List[str]] = None,
                 logits_rows: int = 1,
                 state_buffers: Optional[List[str]] = None) -> Dict[str, Any]:
    cfg: Dict[str, Any] = {
        # DailyDrug's existing keys, same names and meaning.
        "model_name": model_name,
        "model_file": model_file,
        "tokenizer_file": tokenizer_file,
        "vocab_size": vocab_size,
        "context_length": context_length,
        "max_tokens": min(DAILYDRUG_DEFAULTS["max_tokens"], context_length // 2),
        "quantization": quantization,
        "lora_enabled": lora_path is not None,
        "lora_path": lora_path,
        **{k: v for k, v in DAILYDRUG_DEFAULTS.items() if k != "max_tokens"},
    }
    cfg["memory_settings"] = memory_settings(files, architecture, context_length)
    # What a runtime needs in addition.
    cfg.update({
        "format_version": FORMAT_VERSION,
        "bos_id": bos_id,
        "eos_ids": eos_ids,
        "stop_strings": stop_strings,
        "chat_template": chat_template,
        "architecture": architecture,
        # Languages the model can answer in (ISO 639-1, e.g. ["ko", "en"]); an app uses model
        # text for a language only when it is listed. Empty = not stated.
        "languages": list(languages or []),
        # Rows of logits the program returns for a T-token call: the last min(T, logits_rows)
        # positions (1 = the last only). > 1 lets the runtime verify logits_rows - 1 drafted
        # tokens in one call (speculative decoding).
        "logits_rows": logits_rows,
        # The program's mutable buffers (its KV cache) by name, for Method::get_attribute: a
        # runtime saves and restores the cache of a fixed prompt prefix through them (prefix
        # snapshots). Empty = the program does not name them.
        "kv_cache_buffers": list(state_buffers or []),
        "export_options": export_options,
        "files": files,
    })
    if verification is not None:
        cfg["verification"] = verification
    if overrides:
        cfg.update(overrides)
    return cfg


def write_bundle(final: Path, stage: Path, config: Dict[str, Any]) -> Path:
    """`stage` already holds every file named in config["files"]; write model_config.json last,
    fsync, and swap `stage` into `final` atomically."""
    for entry in config["files"]:
        p = stage / entry["path"]
        if not p.is_file():
            raise FileNotFoundError(f"bundle file missing from staging folder: {p}")
        _fsync_file(p)
    cfg_path = stage / "model_config.json"
    tmp = stage / "model_config.json.tmp"
    tmp.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _fsync_file(tmp)
    os.replace(tmp, cfg_path)
    _fsync_dir(stage)

    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(stage, final)
    _fsync_dir(final.parent)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return final
