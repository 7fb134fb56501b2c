"""Black-box tests of `dailydrug serve` (docs/SERVER.md) on a free port, with a temporary database
and the tiny test model (tests/runtime.cmake fixture.tiny_model). ctest: server.api."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from harness import DAILYDRUG, TINY_BUNDLE, Server, chat_body, sse_events  # noqa: E402

NOW = "2026-11-24T07:30"


@pytest.fixture(scope="module")
def server():
    s = Server(now=NOW)
    s.wait_model()
    yield s
    assert s.stop() == 0


def read_chat_stream(resp):
    """(content chunks, all chunk objects, saw [DONE])."""
    chunks, contents, done = [], [], False
    for _, data in sse_events(resp):
        if data == "[DONE]":
            done = True
            break
        obj = json.loads(data)
        chunks.append(obj)
        for choice in obj.get("choices", []):
            if "content" in choice["delta"] and choice["delta"]["content"]:
                contents.append(choice["delta"]["content"])
    return contents, chunks, done


# ---- Health, models, metrics --------------------------------------------------------------------

def test_health_models_and_metrics(server):
    status, _, h = server.get("/healthz")
    assert status == 200 and h["status"] == "ok" and h["model"]["state"] == "ready"
    assert h["queue"]["capacity"] == 8
    status, _, models = server.get("/v1/models")
    assert status == 200 and models["object"] == "list"
    assert models["data"][0]["id"] == "tiny-random-llama"
    m = server.metrics()
    assert m["dailydrug_queue_depth"] == 0 and m["dailydrug_model_ready"] == 1
    assert "dailydrug_tokens_generated_total" in m


# ---- Chat completions -----------------------------------------------------------------------------

def test_non_streaming_and_streaming_give_the_same_text(server):
    before = server.metrics()
    body = chat_body("hello", temperature=0, max_tokens=12, seed=3)
    status, headers, c = server.post("/v1/chat/completions", body)
    assert status == 200, c
    assert headers.get("Access-Control-Allow-Origin") is None  # no CORS by default
    assert c["object"] == "chat.completion"
    assert c["choices"][0]["message"]["role"] == "assistant"
    assert c["choices"][0]["finish_reason"] in ("stop", "length")
    assert c["usage"]["completion_tokens"] >= 1
    assert c["usage"]["total_tokens"] == c["usage"]["prompt_tokens"] + c["usage"]["completion_tokens"]

    conn, resp = server.open_stream("/v1/chat/completions",
                                    dict(body, stream=True, stream_options={"include_usage": True}))
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    contents, chunks, done = read_chat_stream(resp)
    conn.close()
    assert done, "stream must end with data: [DONE]"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert len(contents) >= 2, "several content chunks"
    assert "".join(contents) == c["choices"][0]["message"]["content"]
    finals = [ch for ch in chunks if ch["choices"] and ch["choices"][0]["finish_reason"]]
    assert len(finals) == 1
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == c["usage"]["completion_tokens"]
    after = server.metrics()
    assert after["dailydrug_tokens_generated_total"] - before["dailydrug_tokens_generated_total"] == \
        2 * c["usage"]["completion_tokens"]
    assert after['dailydrug_generations_total{outcome="completed"}'] >= 2


def test_stop_string_and_max_tokens_are_honoured(server):
    status, _, c = server.post("/v1/chat/completions", chat_body("hello", max_tokens=1, temperature=0))
    assert status == 200 and c["usage"]["completion_tokens"] == 1
    assert c["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize("body,param,code", [
    ("{not json", "", "invalid_json"),
    ("[]", "body", "invalid_type"),
    (json.dumps({"messages": []}), "messages", "invalid_messages"),
    (json.dumps(chat_body("x", temperature=9)), "temperature", "invalid_value"),
    (json.dumps({"messages": [{"role": "robot", "content": "x"}]}), "messages[0].role", "invalid_messages"),
    (json.dumps(chat_body("x", response_format={"type": "xml"})), "response_format.type", "unsupported"),
])
def test_malformed_requests_are_400_with_kind(server, body, param, code):
    status, _, e = server.post("/v1/chat/completions", body)
    assert status == 400
    assert e["error"]["kind"] == "Invalid"
    assert e["error"]["code"] == code
    assert (e["error"]["param"] or "") == param
    assert e["error"]["message"]


def test_non_utf8_body_is_400(server):
    status, _, e = server.post("/v1/chat/completions", b'{"messages":[{"role":"user","content":"\xff"}]}')
    assert status == 400 and e["error"]["code"] == "invalid_utf8"


def test_prompt_longer_than_the_context_is_400_context_length(server):
    status, _, e = server.post("/v1/chat/completions", chat_body("word " * 200))
    assert status == 400
    assert e["error"]["kind"] == "ContextLengthExceeded"


def test_body_over_1_mib_is_413(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            more = s.recv(65536)
            if not more:
                break
            data += more
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"]["kind"] == "PayloadTooLarge"
    # A real 1 MiB + 1 body through the parser's own limit as well.
    status, _, e = server.post("/api/scan", {"text": "x" * (1 << 20)})
    assert status == 413 and e["error"]["kind"] == "PayloadTooLarge"


def test_only_get_and_post(server):
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        status, _, e = server.request(method, "/v1/models")
        assert status == 405 and e["error"]["kind"] == "MethodNotAllowed", method
    status, _, e = server.get("/v1/nothing")
    assert status == 404 and e["error"]["kind"] == "RouteNotFound"


# ---- The web app's API ----------------------------------------------------------------------------

def test_medicines_today_take_skip(server):
    status, _, bad = server.post("/api/medicines", {"dosage": "1정", "times": ["08:00"]})
    assert status == 400 and bad["error"]["kind"] == "Invalid" and bad["error"]["param"] == "name"
    status, _, bad = server.post("/api/medicines", {"name": "x", "dosage": "1정", "times": ["25:00"]})
    assert status == 400 and bad["error"]["param"] == "times"

    status, _, added = server.post("/api/medicines", {
        "name": "타이레놀", "dosage": "1정", "times": ["08:00", "20:00"], "days": 5, "memo": "식후"})
    assert status == 200, added
    med_id = added["medicine"]["id"]
    assert added["schedule"]["end_date"] == "2026-11-28" and added["records_added"] == 10

    status, _, listing = server.get("/api/medicines")
    assert status == 200
    assert [m["name"] for m in listing["medicines"]] == ["타이레놀"]
    assert listing["medicines"][0]["schedules"][0]["time_slots"] == ["08:00", "20:00"]

    status, _, today = server.get("/api/today")
    assert status == 200 and today["date"] == "2026-11-24" and today["total"] == 2
    periods = [(g["period"], g["name"]) for g in today["groups"]]
    assert periods == [("MORNING", "아침"), ("DINNER", "저녁")]
    morning = today["groups"][0]["doses"][0]
    evening = today["groups"][1]["doses"][0]

    status, _, taken = server.post(f"/api/doses/{morning['id']}/take", {"note": "물과 함께"})
    assert status == 200 and taken["status"] == "taken" and taken["changed"] is True
    status, _, again = server.post(f"/api/doses/{morning['id']}/take")
    assert status == 200 and again["changed"] is False
    status, _, conflict = server.post(f"/api/doses/{morning['id']}/skip")
    assert status == 409 and conflict["error"]["kind"] == "Conflict"
    status, _, skipped = server.post(f"/api/doses/{evening['id']}/skip")
    assert status == 200 and skipped["status"] == "skipped"
    status, _, missing = server.post("/api/doses/999999/take")
    assert status == 404 and missing["error"]["kind"] == "NotFound"

    status, _, edited = server.post(f"/api/medicines/{med_id}", {"times": "09:00", "take": 2, "rest": 1})
    assert status == 200, edited
    assert edited["schedule"]["time_slots"] == ["09:00"]
    assert (edited["schedule"]["take_days"], edited["schedule"]["rest_days"]) == (2, 1)
    status, _, today = server.get("/api/today")
    doses = sorted((d["scheduled_at"][11:], d["status"]) for g in today["groups"] for d in g["doses"])
    # Taken and skipped records are history and stay; the future pending dose moved to 09:00.
    assert doses == [("08:00", "taken"), ("09:00", "pending"), ("20:00", "skipped")]

    status, _, deleted = server.post(f"/api/medicines/{med_id}/delete")
    assert status == 200 and deleted["deleted"]["id"] == med_id
    status, _, gone = server.post(f"/api/medicines/{med_id}/delete")
    assert status == 404


SCAN_TEXT = "처방전\n타이레놀정500mg 1정 1일 3회 5일분 식후 30분\n가스모틴정 1정 1일 2회 3일분\n"


def test_scan_preview_and_save(server):
    status, _, r = server.post("/api/scan", {"text": SCAN_TEXT})
    assert status == 200, r
    names = [m["name"] for m in r["medications"]]
    assert any("타이레놀" in n for n in names)
    status, _, saved = server.post("/api/scan/save", {"text": SCAN_TEXT, "start": "2026-11-24"})
    assert status == 200, saved
    assert len(saved["saved"]) >= 1
    assert saved["saved"][0]["medicine"]["name"] in names
    # The same shape as `dailydrug --json scan --save`.
    cli = subprocess.run([DAILYDRUG, "--json", "--db", str(Path(server.db).with_suffix(".cli.db")),
                          "scan", "--save", "--start", "2026-11-24", "-"], input=SCAN_TEXT,
                         capture_output=True, text=True, env={"DAILYDRUG_NOW": NOW, "PATH": "/usr/bin"})
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    assert set(expected) == set(saved)
    assert [s["medicine"]["name"] for s in expected["saved"]] == [s["medicine"]["name"] for s in saved["saved"]]
    status, _, e = server.post("/api/scan", {"text": ""})
    assert status == 400 and e["error"]["param"] == "text"
    status, _, e = server.post("/api/scan", b"\xff\xfe")
    assert status == 400 and e["error"]["code"] == "invalid_utf8"


def test_ask_and_coach_stream_the_assistant(server):
    # The Assistant (app/include/dailydrug/app/assistant.h): the tiny model writes no language, so
    # the answer is composed from the curated facts, streamed piece by piece, with a notice.
    conn, resp = server.open_stream("/api/ask", {"message": "타이레놀 먹고 운전해도 되나요?"})
    assert resp.status == 200
    events = list(sse_events(resp))
    conn.close()
    kinds = [e for e, _ in events]
    assert kinds.count("token") >= 2 and kinds[-1] == "done"
    done = json.loads(events[-1][1])
    text = "".join(json.loads(d)["text"] for e, d in events if e == "token")
    assert done["text"] == text and "타이레놀" in text
    assert done["language"] == "ko" and done["medicines"] == ["acetaminophen"]
    assert "acetaminophen.driving" in done["facts_used"]
    assert done["model_text_used"] is False and done["notice"]
    assert done["emergency"] is None and done["model_error"] is None

    # Triage: an emergency answer opens with 119 and the done event names the sign.
    conn, resp = server.open_stream("/api/ask", {"message": "약 먹고 가슴이 답답하고 아파요"})
    events = list(sse_events(resp))
    conn.close()
    done = json.loads(events[-1][1])
    assert done["emergency"] == "chest_pain", done
    assert done["text"].splitlines()[0].find("119") >= 0, done["text"]

    conn, resp = server.open_stream("/api/coach", {"lang": "en"})
    events = list(sse_events(resp))
    conn.close()
    assert events[-1][0] == "done" and json.loads(events[-1][1])["language"] == "en"

    status, _, e = server.post("/api/ask", {"message": "  "})
    assert status == 400 and e["error"]["param"] == "message"
    status, _, e = server.post("/api/coach", {"lang": "fr"})
    assert status == 400 and e["error"]["param"] == "lang"


def test_web_app_is_embedded(server):
    status, headers, page = server.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "매일 약먹기" in page and "/app.js" in page
    status, headers, js = server.get("/app.js")
    assert status == 200 and "streamGeneration" in js
    status, headers, _ = server.get("/app.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


# ---- Queue: 429, disconnects ----------------------------------------------------------------------

def test_queue_full_is_429():
    # Slow tokens so the first request holds the model while the queue (capacity 1) fills.
    with Server("--queue", "1", "--token-delay-ms", "200") as s:
        s.wait_model()
        first = s.open_stream("/v1/chat/completions", chat_body("a", stream=True, max_tokens=30, temperature=0))
        assert first[1].status == 200
        holder = {}
        second = threading.Thread(target=lambda: holder.update(
            r=s.post("/v1/chat/completions", chat_body("b", max_tokens=2))))
        second.start()
        deadline = time.monotonic() + 10
        while s.metrics()["dailydrug_queue_depth"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        status, headers, e = s.post("/v1/chat/completions", chat_body("c"))
        assert status == 429 and e["error"]["kind"] == "QueueFull" and e["error"]["type"] == "rate_limit_error"
        status, _, e = s.post("/api/ask", {"message": "d"})
        assert status == 429
        first[0].close()  # disconnect: cancels the running generation, the waiting one runs
        second.join(20)
        assert not second.is_alive() and holder["r"][0] == 200
        m = s.metrics()
        assert m['dailydrug_errors_total{kind="QueueFull"}'] == 2
        assert m['dailydrug_generations_total{outcome="cancelled"}'] == 1


def test_disconnect_cancels_and_the_next_request_is_served_promptly():
    with Server("--token-delay-ms", "300") as s:
        s.wait_model()
        conn, resp = s.open_stream("/v1/chat/completions", chat_body("hello", stream=True, max_tokens=40, temperature=0))
        got = list(sse_events(resp, limit=2))
        assert len(got) == 2
        conn.sock.shutdown(socket.SHUT_RDWR)
        conn.close()
        t0 = time.monotonic()
        status, _, c = s.post("/v1/chat/completions", chat_body("x", max_tokens=1))
        elapsed = time.monotonic() - t0
        assert status == 200
        # The abandoned generation had ~38 tokens x 300 ms = 11 s left; the new one waited for at
        # most about one token of it.
        assert elapsed < 4, elapsed
        m = s.metrics()
        assert m['dailydrug_generations_total{outcome="cancelled"}'] == 1
        assert m["dailydrug_generation_running"] == 0


def test_disconnect_cancels_a_non_streaming_request_too():
    with Server("--token-delay-ms", "300") as s:
        s.wait_model()
        body = json.dumps(chat_body("hello", max_tokens=40, temperature=0)).encode()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))
        head = sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 200")
        sock.close()
        deadline = time.monotonic() + 5
        while s.metrics()['dailydrug_generations_total{outcome="cancelled"}'] < 1:
            assert time.monotonic() < deadline, "the disconnect did not cancel the generation"
            time.sleep(0.05)
        # A client that stays gets the whole completion, whitespace-led JSON.
        status, _, c = s.post("/v1/chat/completions", chat_body("hi", max_tokens=3, temperature=0))
        assert status == 200 and c["usage"]["completion_tokens"] == 3


def test_stream_cancel_from_the_web_api():
    with Server("--token-delay-ms", "300") as s:
        s.wait_model()
        conn, resp = s.open_stream("/api/ask", {"message": "타이레놀 먹고 운전해도 되나요?"})
        for event, _ in sse_events(resp):
            if event == "token":
                break
        conn.close()
        deadline = time.monotonic() + 5
        while s.metrics()['dailydrug_generations_total{outcome="cancelled"}'] < 1:
            assert time.monotonic() < deadline, "the disconnect did not cancel the generation"
            time.sleep(0.05)


# ---- Model loading, security, shutdown ------------------------------------------------------------

def test_model_that_cannot_load_is_503_and_the_app_still_works(tmp_path):
    with Server(model=str(tmp_path / "no-such-bundle"), now=NOW) as s:
        h = s.wait_model("failed")
        assert h["model"]["error"]["kind"] == "ModelNotFound"
        status, _, e = s.post("/v1/chat/completions", chat_body("hi"))
        assert status == 503 and e["error"]["kind"] == "ModelNotFound"
        conn, resp = s.open_stream("/v1/chat/completions", chat_body("hi", stream=True))
        assert resp.status == 503
        conn.close()
        status, _, today = s.get("/api/today")
        assert status == 200 and today["total"] == 0
        assert s.metrics()['dailydrug_errors_total{kind="ModelNotFound"}'] == 2


def test_ask_gives_the_curated_answer_when_the_model_cannot_load(tmp_path):
    # As `dailydrug ask` and the C API: the answer is composed from the curated notes, so a bundle
    # that cannot load costs the user nothing but the model's words; the done event says why.
    with Server(model=str(tmp_path / "no-such-bundle"), now=NOW) as s:
        s.wait_model("failed")
        conn, resp = s.open_stream("/api/ask", {"message": "타이레놀 복용 후 운전해도 될까요?"})
        assert resp.status == 200
        events = list(sse_events(resp))
        conn.close()
        assert events[-1][0] == "done", events
        done = json.loads(events[-1][1])
        assert "운전" in done["text"] and "의사" in done["text"], done["text"]
        assert done["model_text_used"] is False
        error = done["model_error"]
        assert error["kind"] == "ModelNotFound" and error["status"] == 503, error
        assert error["type"] == "server_error" and str(tmp_path) not in json.dumps(done)

        conn, resp = s.open_stream("/api/ask", {"message": "약 먹고 가슴이 답답하고 아파요"})
        events = list(sse_events(resp))
        conn.close()
        done = json.loads(events[-1][1])
        assert done["emergency"] == "chest_pain" and "119" in done["text"].splitlines()[0], done
        assert done["model_error"]["kind"] == "ModelNotFound"

        # Coaching is the model's message (as `dailydrug coach`): it still ends in the error.
        conn, resp = s.open_stream("/api/coach", {"lang": "en"})
        events = list(sse_events(resp))
        conn.close()
        assert events[-1][0] == "error", events
        assert json.loads(events[-1][1])["error"]["kind"] == "ModelNotFound"


def test_non_loopback_host_needs_a_token():
    r = subprocess.run([DAILYDRUG, "--db", "/tmp/dd-unused.db", "--model", TINY_BUNDLE, "serve",
                        "--host", "0.0.0.0", "--port", "0"], capture_output=True, text=True, timeout=30,
                       env={"PATH": "/usr/bin"})
    assert r.returncode == 2
    assert "token" in r.stderr
    with Server("--token", "s3cret", host="0.0.0.0") as s:
        status, headers, e = s.get("/v1/models")
        assert status == 401 and e["error"]["kind"] == "Unauthorized"
        assert headers.get("WWW-Authenticate") == "Bearer"
        status, _, _ = s.get("/v1/models", headers={"Authorization": "Bearer wrong"})
        assert status == 401
        status, _, _ = s.get("/api/today", headers={"Authorization": "Bearer s3cret"})
        assert status == 200
        status, _, _ = s.get("/healthz")
        assert status == 401
        status, _, page = s.get("/")  # the page itself holds no data (docs/SERVER.md)
        assert status == 200
    with Server(env={"DAILYDRUG_TOKEN": "fromenv"}) as s:  # a token on loopback is enforced too
        assert s.get("/api/today")[0] == 401
        assert s.get("/api/today", headers={"Authorization": "Bearer fromenv"})[0] == 200


def test_ctrl_c_stops_cleanly_during_a_stream():
    s = Server("--token-delay-ms", "200")
    s.wait_model()
    conn, resp = s.open_stream("/v1/chat/completions", chat_body("hello", stream=True, max_tokens=40, temperature=0))
    next(sse_events(resp))
    t0 = time.monotonic()
    assert s.stop(timeout=10) == 0
    assert time.monotonic() - t0 < 10
    conn.close()
