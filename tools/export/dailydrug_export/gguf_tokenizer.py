"""Rebuild a Hugging Face `tokenizer.json` from the vocabulary a GGUF file carries.

The Qwen2 GGUF packages ship no `tokenizer.json`, but the GGUF holds everything a byte-level BPE
tokenizer is: `tokenizer.ggml.model == "gpt2"`, the token strings (already in byte-level alphabet),
the merges, each token's type (control / user-defined tokens become added tokens) and the
pre-tokenizer name (`tokenizer.ggml.pre`). The file is built with the `tokenizers` library itself,
so it is exactly what `tokenizers` (and our C++ loader, which follows it) reads.

Only pre-tokenizers whose regex we know are accepted; anything else is refused with
`UnsupportedCheckpoint` rather than guessed (a wrong split still tokenizes, just badly).
"""

from __future__ import annotations

from pathlib import Path

from .checkpoint import UnsupportedCheckpoint

# llama.cpp's pre-tokenizer names (tokenizer.ggml.pre) -> the split regex of the HF tokenizer.
_PRE_TOKENIZER_REGEX = {
    # Qwen2 / Qwen2.5 (llama.cpp: LLAMA_VOCAB_PRE_TYPE_QWEN2), from Qwen's tokenizer.json.
    "qwen2": (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
              r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
}
_NORMALIZER = {"qwen2": "NFC"}

# gguf.TokenType values (llama.cpp): NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5,
# BYTE 6.
_CONTROL, _USER_DEFINED = 3, 4


def tokenizer_json_from_gguf(gguf_path: Path, out_path: Path) -> Path:
    """Write `out_path` (a tokenizer.json) from the GGUF's byte-level BPE vocabulary."""
    import gguf
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers

    reader = gguf.GGUFReader(str(gguf_path))

    def field(key):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    kind = field("tokenizer.ggml.model")
    pre = field("tokenizer.ggml.pre")
    if kind != "gpt2":
        raise UnsupportedCheckpoint(
            f"{gguf_path}: its tokenizer is {kind!r}; only byte-level BPE ('gpt2') can be rebuilt "
            f"from a GGUF; pass the model's tokenizer file with --tokenizer")
    if pre not in _PRE_TOKENIZER_REGEX:
        raise UnsupportedCheckpoint(
            f"{gguf_path}: pre-tokenizer {pre!r} is not one we can rebuild "
            f"({', '.join(sorted(_PRE_TOKENIZER_REGEX))}); pass --tokenizer")
    tokens = [str(t) for t in field("tokenizer.ggml.tokens")]
    merges = field("tokenizer.ggml.merges")
    types = field("tokenizer.ggml.token_type")
    if not merges or types is None or len(types) != len(tokens):
        raise UnsupportedCheckpoint(f"{gguf_path}: BPE merges or token types are missing")
    vocab = {t: i for i, t in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise UnsupportedCheckpoint(f"{gguf_path}: duplicate token strings in the vocabulary")
    pairs = []
    for m in merges:
        a, sep, b = str(m).partition(" ")
        if not sep:
            raise UnsupportedCheckpoint(f"{gguf_path}: malformed merge {m!r}")
        pairs.append((a, b))

    tok = Tokenizer(models.BPE(vocab=vocab, merges=pairs, unk_token=None, fuse_unk=False,
                               byte_fallback=False, continuing_subword_prefix="",
                               end_of_word_suffix="", ignore_merges=False))
    if _NORMALIZER.get(pre) == "NFC":
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_PRE_TOKENIZER_REGEX[pre]), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    added = [AddedToken(tokens[i], special=int(t) == _CONTROL, normalized=False)
             for i, t in enumerate(types) if int(t) in (_CONTROL, _USER_DEFINED)]
    # Added tokens keep their vocabulary ids: they are already in `vocab`.
    tok.add_special_tokens([a for a in added if a.special])
    tok.add_tokens([a for a in added if not a.special])
    out_path = Path(out_path)
    tok.save(str(out_path))
    return out_path
