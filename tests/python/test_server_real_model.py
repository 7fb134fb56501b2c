"""`dailydrug serve` on the real default bundle (SmolLM2-135M, .cache/bundles/default): a streamed
answer, constrained JSON through response_format, and model-written coaching. ctest:
server.real_model (label integration)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from harness import REAL_BUNDLE, Server, chat_body, sse_events  # noqa: E402

SCHEMA = {
    "type": "object",
    "properties": {
        "medicine": {"type": "string"},
        "times_per_day": {"type": "integer"},
    },
    "required": ["medicine", "times_per_day"],
}


@pytest.fixture(scope="module")
def server():
    assert Path(REAL_BUNDLE, "model_config.json").is_file(), \
        f"the default bundle is missing at {REAL_BUNDLE}: run ./scripts/setup.sh"
    s = Server(model=REAL_BUNDLE, now="2026-11-24T07:30")
    s.wait_model(timeout=300)
    yield s
    assert s.stop() == 0


def test_streamed_answer(server):
    conn, resp = server.open_stream("/v1/chat/completions", chat_body(
        "Can I drive after taking Tylenol?", stream=True, max_tokens=48, temperature=0,
        stream_options={"include_usage": True}))
    assert resp.status == 200
    datas = [d for _, d in sse_events(resp)]
    conn.close()
    assert datas[-1] == "[DONE]"
    chunks = [json.loads(d) for d in datas[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert len([c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]) >= 5
    assert len(text.split()) >= 5, text
    assert chunks[-1]["usage"]["completion_tokens"] >= 5
    m = server.metrics()
    assert m["dailydrug_decode_tokens_per_second"] > 0
    print(f"decode {m['dailydrug_decode_tokens_per_second']:.1f} tok/s: {text!r}")


def test_json_schema_response_format(server):
    status, _, c = server.post("/v1/chat/completions", chat_body(
        "Tylenol: take 1 tablet 3 times a day. Give the medicine and times per day as JSON.",
        max_tokens=64, temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "dose", "schema": SCHEMA}}))
    assert status == 200, c
    value = json.loads(c["choices"][0]["message"]["content"])
    assert isinstance(value, dict)
    assert isinstance(value["medicine"], str)
    assert isinstance(value["times_per_day"], int) and not isinstance(value["times_per_day"], bool)
    print("json_schema:", value)

    status, _, c = server.post("/v1/chat/completions", chat_body(
        "Describe Tylenol as JSON.", max_tokens=400, temperature=0,
        response_format={"type": "json_object"}))
    assert status == 200, c
    content = c["choices"][0]["message"]["content"]
    assert content.lstrip().startswith("{"), content
    # Greedy and with room to spare, the constrained reply ends where its object closes (a reply
    # cut by max_tokens would be only a JSON prefix, so that must not be what happened).
    assert c["choices"][0]["finish_reason"] == "stop", (c["usage"], content)
    assert isinstance(json.loads(content), dict), content


def test_unsupported_schema_is_400(server):
    status, _, e = server.post("/v1/chat/completions", chat_body(
        "x", response_format={"type": "json_schema",
                              "json_schema": {"schema": {"type": "object", "not": {"type": "string"}}}}))
    assert status == 400, e
    assert e["error"]["kind"] == "ConfigurationInvalid" and e["error"]["param"] == "json_schema"


def test_model_written_coaching(server):
    status, _, _ = server.post("/api/medicines", {"name": "Tylenol", "dosage": "1 tablet",
                                                   "times": ["08:00", "20:00"], "days": 3})
    assert status == 200
    conn, resp = server.open_stream("/api/coach", {"lang": "en", "max_tokens": 60})
    events = list(sse_events(resp))
    conn.close()
    assert events[-1][0] == "done", events[-3:]
    done = json.loads(events[-1][1])
    # The model ran (its sentences may all be dropped by the grounding/safety filters, in which
    # case the curated summary stands alone: model_text_used is then false).
    assert done["usage"]["completion_tokens"] >= 1, done
    assert sum(1 for e, _ in events if e == "token") >= 3
