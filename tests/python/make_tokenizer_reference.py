#!/usr/bin/env python3
"""Writes tokenizer conformance fixtures: tokenizers and the reference packages' outputs.

For every tokenizer below, and every text of the corpus, the Python `tokenizers` (HF JSON) or
`sentencepiece` (.model) package gives the expected ids (with and without parsing special tokens
in the text) and the decoded text (with and without skipping special tokens). The C++ tests
(tests/unit/tokenizer_conformance_test.cpp) must reproduce them exactly.

Tokenizers:
  smollm2            the real SmolLM2 tokenizer.json (GPT-2 byte-level BPE + Digits)
  qwen2              the app's default tokenizer: Qwen2.5's byte-level BPE (NFC, Qwen2 split
                     regex, 151k vocab) as the exporter rebuilt it from the GGUF (--qwen2; only
                     when that bundle has been made)
  smollm2_variant    the same vocab with ByteLevel(add_prefix_space) and lstrip/rstrip/single_word
                     added tokens
  llama2_style       trained here: BPE + byte_fallback + unk, Prepend/Replace normalizer,
                     Replace/ByteFallback/Fuse/Strip decoder, TemplateProcessing <s> $A </s>
  llama2_unk         same model without byte_fallback: unknown characters fuse into <unk>
  metaspace_style    same model, Metaspace pre-tokenizer (prepend first, split) and decoder
  metaspace_always   same model, Metaspace (prepend always, no split)
  gemma_style        same model, Replace normalizer only, no prefix space
  llama3_style       trained here: Split(Llama-3 regex) + ByteLevel(use_regex=False), ignore_merges
  misc_bpe           trained here: NFKC/Lowercase/Strip/Replace(regex), Whitespace/Punctuation/
                     Digits, ## prefix + </w> suffix, unk without fusing, no decoder
  misc_bpe_splits    same model, Split behaviours (contiguous/merged/invert/removed)
  spm_bpe            SentencePiece BPE with byte fallback and a user-defined symbol
  spm_unigram        SentencePiece unigram without byte fallback

Usage: make_tokenizer_reference.py --corpus C.json --smollm2 tokenizer.json [--qwen2 F] --out DIR
Writes DIR/manifest.json and, per tokenizer, the tokenizer file and NAME.expected.json.
"""
import argparse
import io
import json
import os
import random

import sentencepiece as spm
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
from tokenizers import pre_tokenizers, processors, trainers

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def training_texts(corpus):
    """Korean + English medication sentences, deterministic."""
    rnd = random.Random(1234)
    drugs = ["타이레놀", "아스피린", "이부프로펜", "아목시실린", "메트포르민", "암로디핀",
             "acetaminophen", "ibuprofen", "aspirin", "metformin", "amoxicillin"]
    ko = ["{d} {n}mg을 하루 {k}회 복용하세요.", "{d} 복용 후 운전해도 될까요?",
          "{d}과 술을 같이 먹어도 되나요?", "식후 {n}분에 {d}을 드세요.",
          "{d}의 부작용은 무엇인가요?", "어린이는 {d}을 {k}알까지 먹을 수 있어요."]
    en = ["Take {n} mg of {d} {k} times a day.", "Can I drive after taking {d}?",
          "Do not take {d} with alcohol.", "The usual dose of {d} is {n} mg.",
          "What are the side effects of {d}?", "Store {d} below 25 degrees."]
    out = [t for t in corpus if t]
    for _ in range(1500):
        tmpl = rnd.choice(ko + en)
        out.append(tmpl.format(d=rnd.choice(drugs), n=rnd.choice([5, 10, 100, 250, 500]),
                               k=rnd.randint(1, 4)))
    return out


def with_byte_tokens(tok):
    """Appends <0x00>..<0xFF> to a BPE vocab (what SentencePiece-converted vocabs carry)."""
    d = json.loads(tok.to_str())
    vocab = d["model"]["vocab"]
    next_id = max(max(vocab.values()), max(a["id"] for a in d["added_tokens"])) + 1
    for b in range(256):
        name = "<0x%02X>" % b
        if name not in vocab:
            vocab[name] = next_id
            next_id += 1
    return Tokenizer.from_str(json.dumps(d))


def swap(tok, **parts):
    """A copy of `tok` with some pipeline parts (JSON objects) replaced."""
    d = json.loads(tok.to_str())
    for k, v in parts.items():
        d[k] = v
    return Tokenizer.from_str(json.dumps(d))


def build_hf(corpus, smollm2_path, qwen2_path=None):
    texts = training_texts(corpus)
    toks = {}
    smol = Tokenizer.from_file(smollm2_path)
    toks["smollm2"] = smol
    if qwen2_path and os.path.isfile(qwen2_path):
        toks["qwen2"] = Tokenizer.from_file(qwen2_path)
    variant = swap(smol, pre_tokenizer={"type": "ByteLevel", "add_prefix_space": True,
                                        "trim_offsets": True, "use_regex": True})
    variant.add_tokens([AddedToken("[MED]", single_word=True, normalized=False),
                        AddedToken("약국", normalized=True)])
    variant.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=True,
                                           normalized=False)])
    toks["smollm2_variant"] = variant

    # SentencePiece-style (Llama-2) BPE with byte fallback.
    t = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    t.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                         normalizers.Replace(" ", "\u2581")])
    t.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                   decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    t.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=700, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=120,
        show_progress=False))
    t = with_byte_tokens(t)
    t.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", t.token_to_id("<s>")),
                                              ("</s>", t.token_to_id("</s>"))])
    t.add_special_tokens(["<|im_start|>", "<|im_end|>"])
    t.add_tokens([AddedToken("[MED]", single_word=True, normalized=True),
                  AddedToken("<mask>", lstrip=True, rstrip=True, normalized=False)])
    toks["llama2_style"] = t
    toks["metaspace_style"] = swap(
        t, normalizer=None,
        pre_tokenizer={"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
                       "split": True},
        decoder={"type": "Sequence", "decoders": [
            {"type": "ByteFallback"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
             "split": True}]})
    d = json.loads(t.to_str())
    d["model"]["byte_fallback"] = False  # unknown characters now fuse into one <unk>
    toks["llama2_unk"] = Tokenizer.from_str(json.dumps(d))
    toks["metaspace_always"] = swap(
        t, normalizer=None,
        pre_tokenizer={"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                       "split": False},
        decoder={"type": "Sequence", "decoders": [
            {"type": "ByteFallback"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
             "split": False}]})
    toks["gemma_style"] = swap(
        t, normalizer={"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        post_processor=None,
        decoder={"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}]})

    # Llama-3 style: regex Split + ByteLevel without its own regex, ignore_merges.
    t = Tokenizer(models.BPE(ignore_merges=True))
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    t.decoder = decoders.ByteLevel()
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                "<|end_header_id|>", "<|eot_id|>"]
    t.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=1200, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    t.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                      special_tokens=[("<|begin_of_text|>", 0)])])
    toks["llama3_style"] = t

    # Word-level pipeline exercising normalizers, pre-tokenizers and BPE options.
    t = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##",
                             end_of_word_suffix="</w>", fuse_unk=False))
    t.normalizer = normalizers.Sequence([
        normalizers.NFKC(), normalizers.Lowercase(), normalizers.Strip(),
        normalizers.Replace(Regex(r"\s+"), " ")])
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation("isolated"),
        pre_tokenizers.Digits(individual_digits=True)])
    t.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=800, special_tokens=["[UNK]", "[CLS]", "[SEP]"], limit_alphabet=70,
        continuing_subword_prefix="##", end_of_word_suffix="</w>", show_progress=False))
    toks["misc_bpe"] = t
    toks["misc_bpe_splits"] = swap(
        t, normalizer={"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Strip", "strip_left": True, "strip_right": False}]},
        pre_tokenizer={"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"},
            {"type": "Split", "pattern": {"Regex": "[0-9]+"}, "behavior": "MergedWithPrevious",
             "invert": False},
            {"type": "Split", "pattern": {"String": "-"}, "behavior": "MergedWithNext",
             "invert": False},
            {"type": "Split", "pattern": {"Regex": "\\p{Hangul}+"}, "behavior": "Contiguous",
             "invert": True},
            {"type": "Punctuation", "behavior": "Removed"},
            {"type": "Digits", "individual_digits": False}]})
    return toks


def build_spm(corpus, out_dir):
    texts = training_texts(corpus)
    models_ = {}
    for name, kind, byte_fallback in (("spm_bpe", "bpe", True), ("spm_unigram", "unigram", False)):
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(texts), model_writer=buf, model_type=kind, vocab_size=600,
            byte_fallback=byte_fallback, character_coverage=0.995, hard_vocab_limit=False,
            user_defined_symbols=["[MED]"], minloglevel=2, num_threads=1)
        path = os.path.join(out_dir, name + ".model")
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        models_[name] = path
    return models_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--smollm2", required=True)
    ap.add_argument("--qwen2", help="the default bundle's tokenizer.json (skipped when missing)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(args.corpus, encoding="utf-8") as f:
        corpus = json.load(f)

    manifest = []
    for name, tok in build_hf(corpus, args.smollm2, args.qwen2).items():
        path = os.path.join(args.out, name + ".tokenizer.json")
        tok.save(path)
        tok = Tokenizer.from_file(path)  # what the C++ side loads, exactly
        cases = []
        for text in corpus:
            tok.encode_special_tokens = False
            ids = tok.encode(text, add_special_tokens=False).ids
            tok.encode_special_tokens = True
            ids_plain = tok.encode(text, add_special_tokens=False).ids
            tok.encode_special_tokens = False
            tokens = [tok.id_to_token(i) for i in ids]
            cases.append({
                "text": text, "ids": ids, "ids_plain": ids_plain, "tokens": tokens,
                # None (null) where the package cannot map a token string back (the normalized
                # form of a normalized added token)
                "tokens_to_id": [tok.token_to_id(s) for s in tokens],
                "decoded": tok.decode(ids, skip_special_tokens=False),
                "decoded_skip": tok.decode(ids, skip_special_tokens=True),
                "decoded_plain": tok.decode(ids_plain, skip_special_tokens=False),
            })
        manifest.append({"name": name, "kind": "hf", "path": path,
                         "vocab_size": tok.get_vocab_size(with_added_tokens=True),
                         "cases": cases})
    for name, path in build_spm(corpus, args.out).items():
        sp = spm.SentencePieceProcessor(model_file=path)
        cases = []
        for text in corpus:
            ids = sp.encode(text)
            pieces = [sp.id_to_piece(i) for i in ids]  # "<unk>" where encode gives the surface
            cases.append({"text": text, "ids": ids, "ids_plain": ids, "tokens": pieces,
                          "tokens_to_id": [sp.piece_to_id(p) for p in pieces],
                          "decoded": sp.decode(ids), "decoded_skip": sp.decode(ids),
                          "decoded_plain": sp.decode(ids)})
        manifest.append({"name": name, "kind": "spm", "path": path,
                         "vocab_size": sp.get_piece_size(), "cases": cases})
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False)
    print("wrote", len(manifest), "tokenizers x", len(corpus), "texts to", args.out)


if __name__ == "__main__":
    main()
