"""Hostile input against `dailydrug serve` and the CLI, as an attacker or a clumsy user sends it
(issue 19): every input bounded, typed 4xx errors, no request from another site, no thread held by a
slow client. Loopback only, a few seconds per case, the tiny model; one case drives Debian's headless
Chromium on a second origin. ctest: server.hostile. Each case counts the inputs it tried and how
many were handled as docs/SERVER.md says; the totals go to $DD_TEST_OUTPUT/hostile_summary.json
(quoted in docs/RELIABILITY.md)."""
from __future__ import annotations

import gzip
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from harness import DAILYDRUG, TEST_OUTPUT, TINY_BUNDLE, Server, chat_body, sse_events  # noqa: E402

NOW = "2026-11-24T07:30"
CHROMIUM = os.environ.get("DD_CHROMIUM", "/usr/bin/chromium")
TALLY: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # category -> [tried, handled]


def check(category: str, handled: bool, what: str = ""):
    """Counts one hostile input and fails the case if it was not handled."""
    TALLY[category][0] += 1
    TALLY[category][1] += bool(handled)
    assert handled, f"{category}: {what}"


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    total = [sum(v[0] for v in TALLY.values()), sum(v[1] for v in TALLY.values())]
    (TEST_OUTPUT / "hostile_summary.json").write_text(
        json.dumps({"categories": TALLY, "tried": total[0], "handled": total[1]}, indent=1))
    print(f"\nhostile inputs: {total[0]} tried, {total[1]} handled")


@pytest.fixture(scope="module")
def server():
    s = Server(now=NOW)
    s.wait_model()
    yield s
    assert s.stop() == 0


def raw_request(port: int, data: bytes, timeout: float = 10) -> tuple[int, bytes]:
    """Sends raw bytes, returns (status, body) of the one response (connection closed after)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body was read: the answer is still there to read
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
            head, _, body = got.partition(b"\r\n\r\n")
            length = [int(v) for k, v in (l.split(b":", 1) for l in head.split(b"\r\n")[1:] if b":" in l)
                      if k.strip().lower() == b"content-length"]
            if length and len(body) >= length[0]:
                break
    status = int(got.split(b" ", 2)[1]) if got.startswith(b"HTTP/") else 0
    return status, got.partition(b"\r\n\r\n")[2]


def error_of(body) -> dict:
    return (json.loads(body) if isinstance(body, (bytes, str)) else body)["error"]


def medicine_names(server) -> list[str]:
    status, _, meds = server.get("/api/medicines")
    assert status == 200
    return [m["name"] for m in meds["medicines"]]


# ---- 1. What a user writes: bounded, typed errors; the coach stays fast ---------------------------

def test_medicine_text_slots_and_schedule_length_are_bounded(server):
    base = {"name": "타이레놀", "dosage": "1정", "times": ["08:00"]}
    cases = [
        ("name", {"name": "a" * 1_000_000}),
        ("name", {"name": "a" * 101}),
        ("name", {"name": "타이\u0000레놀"}),
        ("name", {"name": "타이레놀\n2"}),
        ("name", {"name": "x\u0085y"}),
        ("dosage", {"dosage": "1" * 101}),
        ("dosage", {"dosage": "1정\u001b[31m"}),
        ("memo", {"memo": "m" * 1001}),
        ("memo", {"memo": "bell\u0007"}),
        ("time_slots", {"times": [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]}),
        ("end_date", {"start": "2026-01-01", "end": "2040-01-01"}),
        ("take_days", {"take": 100000, "rest": 1}),
        ("rest_days", {"take": 1, "rest": 5000}),
    ]
    before = medicine_names(server)
    for param, fields in cases:
        status, _, body = server.post("/api/medicines", {**base, **fields})
        check("user text and schedule bounds",
              status == 400 and body["error"]["kind"] == "Invalid" and
              body["error"]["param"] == param, f"{param}: {status} {str(body)[:200]}")
    assert medicine_names(server) == before
    # At the bounds: accepted.
    ok = {**base, "name": "가" * 100, "dosage": "d" * 100, "memo": "줄1\n줄2\t" + "m" * 990,
          "times": [f"{h:02d}:00" for h in range(24)], "days": 3650}
    status, _, body = server.post("/api/medicines", ok)
    assert status == 200, body
    server.post(f"/api/medicines/{body['medicine']['id']}/delete")


def test_coaching_over_thousands_of_doses_answers_at_once(server):
    # 180 medicines x 24 times = 4,320 doses today. Fitting the prompt used to tokenize it once per
    # dose count (n, n-1, ..., 0): about 30 s here, minutes with long names.
    times = [f"{h:02d}:00" for h in range(24)]
    ids = []
    for i in range(180):
        status, _, body = server.post("/api/medicines",
                                      {"name": f"med{i}", "dosage": "1", "times": times, "days": 1})
        assert status == 200, body
        ids.append(body["medicine"]["id"])
    try:
        for lang in ("en", "ko"):
            t0 = time.monotonic()
            c, resp = server.open_stream("/api/coach", {"lang": lang, "max_tokens": 8}, timeout=120)
            events = list(sse_events(resp))
            c.close()
            took = time.monotonic() - t0
            check("coach prompt fitting", events and events[-1][0] == "done" and took < 5,
                  f"{lang}: {took:.1f} s, last event {events[-1][0] if events else None}")
    finally:
        for i in ids:
            server.post(f"/api/medicines/{i}/delete")


# ---- 6. Bundle thread count ------------------------------------------------------------------------

def test_a_bundle_asking_for_100000_threads_is_refused_not_a_crash(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for f in Path(TINY_BUNDLE).iterdir():
        (bundle / f.name).symlink_to(f)
    config = json.loads((Path(TINY_BUNDLE) / "model_config.json").read_text())
    for threads in (100000, 65, 0, -2):
        config.setdefault("performance_settings", {})["default_threads"] = threads
        (bundle / "model_config.json").unlink()
        (bundle / "model_config.json").write_text(json.dumps(config))
        r = subprocess.run([DAILYDRUG, "--json", "--model", str(bundle), "generate", "hi",
                            "--max-tokens", "2"], capture_output=True, text=True, timeout=120)
        err = json.loads(r.stderr[r.stderr.index("{"):])["error"] if "{" in r.stderr else {}
        check("bundle thread count", r.returncode == 2 and err.get("kind") == "ConfigurationInvalid"
              and "default_threads" in err.get("subject", ""),
              f"{threads}: exit {r.returncode}, {r.stderr[-300:]}")


# ---- 9. Schemas no finite value satisfies ----------------------------------------------------------

def test_schemas_without_a_finite_value_are_400_at_compile_time(server):
    cycle = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
             "$ref": "#/$defs/a"}
    schemas = [
        cycle,
        {"type": "object", "properties": {"self": {"$ref": "#"}}, "required": ["self"]},
        {"type": "array", "minItems": 1, "items": {"$ref": "#"}},
        {"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}},
                         "required": ["next"]}},
         "type": "object", "properties": {"head": {"$ref": "#/$defs/n"}}},
        {"anyOf": [{"$ref": "#"}, {"type": "array", "minItems": 1, "items": {"$ref": "#"}}]},
    ]
    for schema in schemas:
        body = chat_body("hi", response_format={"type": "json_schema",
                                                "json_schema": {"name": "x", "schema": schema}},
                         max_tokens=8)
        t0 = time.monotonic()
        status, _, reply = server.post("/v1/chat/completions", body)
        err = reply.get("error", {}) if isinstance(reply, dict) else {}
        check("unsatisfiable schemas", status == 400 and err.get("kind") == "ConfigurationInvalid"
              and err.get("param") == "json_schema" and time.monotonic() - t0 < 5,
              f"{json.dumps(schema)[:80]}: {status} {str(reply)[:200]}")
    # Recursive schemas with a way out still compile.
    tree = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}},
            "required": ["children"]}
    status, _, reply = server.post("/v1/chat/completions", chat_body(
        "hi", max_tokens=4, response_format={"type": "json_schema",
                                             "json_schema": {"schema": tree}}))
    assert status == 200, reply


