#!/usr/bin/env python3
"""Writes the small committed seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

The seeds are real inputs of each parser: the tokenizer corpus texts, the default bundle's and
the tiny fixture's model_config.json, OCR texts of the scan evaluation set, the scan results the
scanner makes of them (through `dailydrug --json scan`), the scan schema, OpenAI-style
chat requests, JSON schemas with outputs for constrained decoding, and a FlatTensor (.ptd) file. Run once by hand when a parser's input format changes; the fuzzers grow their
own corpora from these (scripts/fuzz.sh keeps those out of the repository).

Usage: make_seed_corpus.py --dailydrug build/frontends/cli/dailydrug --tiny-config
       build/test-fixtures/tiny/bundle/model_config.json
"""
import argparse
import hashlib
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"


def write(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dailydrug", required=True)
    ap.add_argument("--tiny-config", required=True)
    ap.add_argument("--bundle-config", default=str(ROOT / ".cache/bundles/test/model_config.json"))
    a = ap.parse_args()

    texts = [t for t in json.loads((ROOT / "tests/data/tokenizer_corpus.json").read_text()) if t]
    # tokenizer targets: byte 0 picks the tokenizer (low bits) and flags (0x80 parse_special,
    # 0x40 skip_special); the rest is the text.
    for i, t in enumerate(texts[:24]):
        sel = (i % 7) | (0x80 if i % 3 == 0 else 0) | (0x40 if i % 2 else 0)
        write("tokenizer_hf", bytes([sel]) + t.encode())
    for i, t in enumerate(texts[:12]):
        write("tokenizer_spm", bytes([i % 2 | (0x40 if i % 3 else 0)]) + t.encode())
    write("tokenizer_hf", b"\x80<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    write("tokenizer_hf", b"\x01caf\xc3\xa9 \xff\xfe broken \xe2\x82")  # invalid UTF-8

    cfg = json.loads(pathlib.Path(a.bundle_config).read_text())
    write("model_config", json.dumps(cfg, indent=2, ensure_ascii=False))
    write("model_config", pathlib.Path(a.tiny_config).read_text())
    small = dict(cfg)
    small.pop("verification", None)
    write("model_config", json.dumps(small, separators=(",", ":")))
    for key, bad in [("vocab_size", -1), ("context_length", 0), ("temperature", "hot"),
                     ("eos_ids", [99999999]), ("files", {}), ("top_p", 1.5)]:
        v = dict(small)
        v[key] = bad
        write("model_config", json.dumps(v, separators=(",", ":")))

    scan_inputs = sorted((ROOT / "tests/data/scan/dev").glob("*.txt"))[:16]
    for p in scan_inputs:
        write("scan", p.read_bytes())
        out = subprocess.run([a.dailydrug, "--json", "scan", str(p)], capture_output=True)
        if out.returncode == 0 and out.stdout.strip():
            write("scan_schema", b"\x00" + out.stdout)
    schema = subprocess.run([a.dailydrug, "scan", "--schema"], capture_output=True, check=True)
    write("scan_schema", b"\x01" + schema.stdout)
    write("scan_schema", b"\x00" + schema.stdout)
    write("scan_schema", b'\x03{"type":"object","properties":{"a":{"type":"string","pattern":"^[0-9]+$",'
                         b'"maxLength":3}},"required":["a"],"additionalProperties":false}')
    write("scan_schema", b'\x05{"$defs":{"n":{"type":"integer","minimum":1,"maximum":9}},'
                         b'"type":"array","items":{"$ref":"#/$defs/n"},"uniqueItems":true,"maxItems":4}')

    req = {"model": "dailydrug", "messages": [
        {"role": "system", "content": "You are DailyDrug's medication assistant."},
        {"role": "user", "content": "Can I drive after taking Tylenol?"}]}
    write("openai_request", json.dumps(req))
    write("openai_request", json.dumps(dict(req, stream=True, stream_options={"include_usage": True},
                                            temperature=0.3, top_p=0.9, max_tokens=64, seed=7,
                                            stop=["\n\n", "User:"])))
    write("openai_request", json.dumps(dict(req, response_format={"type": "json_object"}, n=1,
                                            max_completion_tokens=32, stop="END"),
                                       ensure_ascii=False))
    write("openai_request", json.dumps({"model": "x", "messages": [
        {"role": "user", "content": "타이레놀 복용 후 운전해도 될까요?"},
        {"role": "assistant", "content": "네."},
        {"role": "user", "content": [{"type": "text", "text": "술은요?"}]}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {
            "type": "object", "properties": {"ok": {"type": "boolean"}}}}}}, ensure_ascii=False))
    write("openai_request", b'{"messages":[{"role":"user","content":"\xff"}]}')
    write("openai_request", b'{"messages":[]}')
    write("openai_request", "[" * 80 + "]" * 80)

    # json_constraint: schema JSON, NUL, candidate output bytes.
    for schema, out in [
            ('{"type":"object","properties":{"ok":{"type":"boolean"},"n":{"type":"integer",'
             '"minimum":0,"maximum":9}},"required":["ok"]}', '{"ok":true,"n":3}'),
            ('{"type":"array","items":{"type":"string","pattern":"^[0-9]{2}:[0-9]{2}$"},'
             '"maxItems":3}', '["08:00","20:30"]'),
            ('{"anyOf":[{"type":"null"},{"type":"number"}]}', "-12.5e3"),
            ('{"enum":["a","b",1,null]}', '"b"'),
            ('{"$defs":{"d":{"type":"string","maxLength":4}},"type":"object","properties":'
             '{"x":{"$ref":"#/$defs/d"}},"additionalProperties":false}', '{"x":"한글"}'),
            ('{"type":"object"}', '{"a":[1,{"b":null}],"c":"\\u0041"}')]:
        write("json_constraint", schema.encode() + b"\0" + out.encode())

    # tokenizer_json: the tiny fixture's tokenizer.json and small BPE / non-BPE documents.
    write("tokenizer_json", (pathlib.Path(a.tiny_config).parent / "tokenizer.json").read_bytes())
    write("tokenizer_json", b'{"version":"1.0","added_tokens":[{"id":3,"content":"<s>","special":true}],'
          b'"normalizer":null,"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,'
          b'"trim_offsets":true,"use_regex":true},"decoder":{"type":"ByteLevel"},"model":{"type":'
          b'"BPE","vocab":{"a":0,"b":1,"ab":2,"<s>":3},"merges":["a b"]}}')
    write("tokenizer_json", b'{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":[["a","b"]]}}')
    write("tokenizer_json", b'{"model":{"type":"Unigram","vocab":[["a",-1.0]]}}')

    # flat_tensor: a real .ptd written by the executorch wheel's own serializer (one named 16-byte
    # blob; the same bytes as kOneBlobPtd in tests/reliability/bundle_faults_test.cpp). Stored
    # under its hash like every seed, so the *.ptd ignore rule does not drop it from the tree.
    from executorch.exir._serialize.data_serializer import DataEntry, DataPayload
    from executorch.extension.flat_tensor.serialize.serialize import FlatTensorSerializer
    write("flat_tensor", bytes(FlatTensorSerializer().serialize(DataPayload(
        buffers=[bytes(range(1, 5)) * 4],
        named_data={"dd_reliability_blob": DataEntry(0, 16, None)}))))


if __name__ == "__main__":
    main()
