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


# ---- 2. Body limits: no content coding, no chunked bodies, sane Content-Length ------------------

def post_raw(port: int, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return raw_request(port, head.encode() + b"\r\n" + body)


def chunked(data: bytes, size: int = 65536) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def test_compressed_and_chunked_bodies_are_refused_before_they_are_read(server):
    before = medicine_names(server)
    bomb = gzip.compress(json.dumps({"name": "A" * 8_000_000, "dosage": "1",
                                     "times": ["08:00"]}).encode(), 9)
    assert len(bomb) < 20_000
    for coding in ("gzip", "deflate", "br", "GZIP, identity"):
        status, body = post_raw(server.port, "/api/medicines", bomb,
                                {"Content-Type": "application/json", "Content-Encoding": coding,
                                 "Content-Length": len(bomb)})
        check("compressed bodies", status == 415 and
              error_of(body)["code"] == "unsupported_encoding", f"{coding}: {status} {body[:200]}")
    big = json.dumps({"text": "타이레놀정 1정 1일 3회\n" * 80_000}).encode()  # ~2.4 MB
    for path in ("/api/scan", "/api/medicines", "/v1/chat/completions"):
        status, body = post_raw(server.port, path, chunked(big),
                                {"Content-Type": "application/json",
                                 "Transfer-Encoding": "chunked"})
        check("chunked bodies", status == 411 and error_of(body)["kind"] == "LengthRequired",
              f"{path}: {status} {body[:200]}")
    assert medicine_names(server) == before
    # Content-Length: a plain number within the limit.
    for value, want_status, want_code in [("-5", 400, "invalid_content_length"),
                                          ("1e3", 400, "invalid_content_length"),
                                          ("99999999999999999999999", 400, "invalid_content_length"),
                                          ("2000000", 413, "payload_too_large")]:
        status, body = post_raw(server.port, "/api/scan", b"{}",
                                {"Content-Type": "application/json", "Content-Length": value})
        err = error_of(body) if body else {}
        check("content-length", status == want_status and err.get("code") == want_code and
              " of 0 bytes" not in err.get("message", ""), f"{value}: {status} {body[:200]}")
    status, body = post_raw(server.port, "/api/scan", b"{}",
                            {"Content-Type": "application/json", "Content-Length": "2",
                             "content-length": "2"})
    check("content-length", status == 400, f"two Content-Length: {status}")


def test_json_without_a_json_content_type_is_told_what_to_send(server):
    body = json.dumps(chat_body("x" * 9000)).encode()
    for ctype in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; b=1"):
        status, raw = post_raw(server.port, "/v1/chat/completions", body,
                               {"Content-Type": ctype, "Content-Length": len(body)})
        err = error_of(raw)
        check("content types", status == 415 and err["code"] == "unsupported_content_type" and
              "application/json" in err["message"], f"{ctype}: {status} {raw[:200]}")
    # No Content-Type at all (a script): read as JSON, whatever its size.
    scan = json.dumps({"text": "타이레놀정500mg 1정 1일 3회 5일분\n" + "메모 " * 3000}).encode()
    status, raw = post_raw(server.port, "/api/scan", scan, {"Content-Length": len(scan)})
    check("content types", status == 200, f"no Content-Type: {status} {raw[:200]}")


# ---- 3. Other sites ---------------------------------------------------------------------------------

def test_requests_from_other_sites_are_refused(server):
    port = server.port
    before = medicine_names(server)
    add = {"name": "evil", "dosage": "1", "times": ["08:00"]}
    refused = [
        ({"Origin": "http://evil.example"}, "Origin"),
        ({"Origin": f"http://127.0.0.1:{port + 1}"}, "another port"),
        ({"Origin": "null"}, "null origin"),
        ({"Origin": f"https://127.0.0.1:{port}"}, "another scheme"),
        ({"Sec-Fetch-Site": "cross-site"}, "cross-site"),
        ({"Sec-Fetch-Site": "same-site"}, "same-site"),
        ({"Host": f"evil.example:{port}"}, "DNS rebinding"),
        ({"Host": f"127.0.0.1.evil.example:{port}"}, "DNS rebinding"),
    ]
    for headers, what in refused:
        status, _, body = server.post("/api/medicines", add, headers=headers)
        check("cross-site writes", status == 403 and body["error"]["kind"] == "Forbidden",
              f"{what}: {status} {body}")
    for host in (f"evil.example:{port}", "attacker.test"):
        status, _, body = server.get("/api/medicines", headers={"Host": host})
        check("DNS rebinding reads", status == 403, f"GET with Host {host}: {status}")
    assert medicine_names(server) == before
    # The app's own origin, by either loopback name, and tools that send no Origin.
    for headers in ({"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
                    {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}, {}):
        status, _, body = server.post("/api/medicines", add, headers=headers)
        assert status == 200, (headers, body)
        server.post(f"/api/medicines/{body['medicine']['id']}/delete")


EVIL_PAGE = """<!doctype html><meta charset="utf-8"><title>start</title>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="json" method="POST" enctype="text/plain" target="sink1" action="{target}/api/medicines">
<input name='{{"name":"evil-form","dosage":"1","times":["08:00"],"x":"' value='"}}'></form>
<form id="del" method="POST" target="sink2" action="{target}/api/medicines/{victim}/delete"></form>
<script>
(async () => {{
  const add = (name) => JSON.stringify({{name, dosage: "1", times: ["08:00"]}});
  const tries = [
    fetch("{target}/api/medicines", {{method: "POST", mode: "no-cors", body: add("evil-text")}}),
    fetch("{target}/api/medicines", {{method: "POST", mode: "no-cors",
                                       body: new Blob([add("evil-blob")])}}),
    fetch("{target}/api/medicines/{victim}/delete", {{method: "POST", mode: "no-cors"}}),
    fetch("{target}/api/medicines", {{method: "POST", headers: {{"Content-Type": "application/json"}},
                                       body: add("evil-cors")}}),
  ];
  for (const t of tries) {{ try {{ await t; }} catch (e) {{}} }}
  const loaded = [...document.querySelectorAll("iframe")].map(
      f => new Promise(r => f.addEventListener("load", r, {{once: true}})));
  document.getElementById("json").submit();
  document.getElementById("del").submit();
  await Promise.all(loaded);
  document.title = "done";
}})();
</script>"""


def test_a_page_of_another_origin_cannot_write_in_chromium(server):
    from playwright.sync_api import sync_playwright

    status, _, body = server.post("/api/medicines", {"name": "victim", "dosage": "1",
                                                     "times": ["08:00"]})
    assert status == 200
    victim = body["medicine"]["id"]
    page_html = EVIL_PAGE.format(target=f"http://127.0.0.1:{server.port}", victim=victim).encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page_html)))
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)  # a second origin
    threading.Thread(target=other.serve_forever, daemon=True).start()
    seen_before = server.metrics()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
            page.wait_for_function("document.title === 'done'", timeout=20000)
            browser.close()
    finally:
        other.shutdown()
    names = medicine_names(server)
    for attempt in ("evil-text", "evil-blob", "evil-cors", "evil-form"):
        check("cross-site writes (Chromium)", attempt not in names, f"{attempt} was saved")
    check("cross-site writes (Chromium)", "victim" in names, "a form post deleted a medicine")
    refused = server.metrics().get('dailydrug_errors_total{kind="Forbidden"}', 0) - \
        seen_before.get('dailydrug_errors_total{kind="Forbidden"}', 0)
    assert refused >= 4, f"only {refused} requests reached the server and were refused"
    server.post(f"/api/medicines/{victim}/delete")


# ---- 5. Slow clients hold no thread ---------------------------------------------------------------

def test_slow_headers_and_bodies_neither_starve_the_server_nor_stay_forever():
    with Server("--queue", "0", now=NOW) as s:  # 8 pool threads
        stop = threading.Event()
        slow_header_replies: list[bytes] = []

        def slow_headers():
            """One header line a second, for up to 25 s, until the server answers."""
            with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
                c.settimeout(1)
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                for i in range(25):
                    if stop.is_set():
                        return
                    try:
                        reply = c.recv(4096)
                        slow_header_replies.append(reply)
                        return
                    except socket.timeout:
                        pass
                    try:
                        c.sendall(f"X-Slow-{i}: 1\r\n".encode())
                    except OSError:
                        pass

        def slow_body():
            with socket.create_connection(("127.0.0.1", s.port), timeout=60) as c:
                c.sendall(b"POST /api/scan HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                slow_body_reply.append(c.recv(4096))

        slow_body_reply: list[bytes] = []
        threads = [threading.Thread(target=slow_headers, daemon=True) for _ in range(40)]
        threads += [threading.Thread(target=slow_body, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(2)
        for i in range(5):  # while 40 clients trickle headers and 4 never finish a body
            t0 = time.monotonic()
            try:
                status, _, _ = s.get("/healthz", timeout=3)
            except OSError:
                status = 0
            check("slow clients", status == 200 and time.monotonic() - t0 < 2,
                  f"/healthz under slowloris: {status} in {time.monotonic() - t0:.1f} s")
            time.sleep(0.5)
        for t in threads:
            t.join(45)
        stop.set()
        check("slow clients", len(slow_header_replies) == 40 and
              all(r.startswith(b"HTTP/1.1 408") for r in slow_header_replies),
              f"slow headers got {[r[:20] for r in slow_header_replies[:3]]}")
        check("slow clients", len(slow_body_reply) == 4 and
              all(r.startswith(b"HTTP/1.1 408") for r in slow_body_reply),
              f"slow bodies got {[r[:40] for r in slow_body_reply]}")
        status, _ = raw_request(s.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                b"X-Pad: " + b"a" * 40000 + b"\r\n\r\n")
        check("slow clients", status == 431, f"40 KB of headers: {status}")


# ---- 6. Bundle thread count ------------------------------------------------------------------------

def tiny_bundle_with_threads(tmp_path: Path, threads: int) -> Path:
    """The tiny bundle (files linked) with performance_settings.default_threads = `threads`."""
    bundle = tmp_path / "bundle"
    if not bundle.exists():
        bundle.mkdir()
        for f in Path(TINY_BUNDLE).iterdir():
            if f.name != "model_config.json":
                (bundle / f.name).symlink_to(f)
    config = json.loads((Path(TINY_BUNDLE) / "model_config.json").read_text())
    config.setdefault("performance_settings", {})["default_threads"] = threads
    (bundle / "model_config.json").write_text(json.dumps(config))
    return bundle


def test_a_bundle_asking_for_100000_threads_is_refused_not_a_crash(tmp_path):
    for threads in (100000, 65, 0, -2):
        bundle = tiny_bundle_with_threads(tmp_path, threads)
        r = subprocess.run([DAILYDRUG, "--json", "--model", str(bundle), "generate", "hi",
                            "--max-tokens", "2"], capture_output=True, text=True, timeout=120)
        err = json.loads(r.stderr[r.stderr.index("{"):])["error"] if "{" in r.stderr else {}
        check("bundle thread count", r.returncode == 2 and err.get("kind") == "ConfigurationInvalid"
              and "default_threads" in err.get("subject", ""),
              f"{threads}: exit {r.returncode}, {r.stderr[-300:]}")


def test_a_bundle_the_server_cannot_load_is_503_whatever_its_error_kind(tmp_path):
    # ConfigurationInvalid here is the bundle's fault, not the request's: 503, not 400.
    bundle = tiny_bundle_with_threads(tmp_path, 100000)
    with Server("--lazy-load", model=str(bundle), now=NOW) as s:
        status, _, reply = s.post("/v1/chat/completions", chat_body("hi", max_tokens=2))
        check("messages", status == 503 and reply["error"]["kind"] == "ConfigurationInvalid"
              and reply["error"]["type"] == "server_error", f"{status}: {reply}")


# ---- 8. Metrics label sets --------------------------------------------------------------------------

def test_made_up_paths_do_not_grow_the_metrics(server):
    def series() -> int:
        return sum(1 for k in server.metrics() if k.startswith("dailydrug_http_requests_total"))

    before = series()
    for i in range(300):
        path = ("/api/x%d" if i % 3 == 0 else "/v1/y%d/z" if i % 3 == 1 else "/unknown-%d") % i
        server.request("GET" if i % 2 else "POST", path)
    after = series()
    check("metrics label sets", after - before <= 2, f"{after - before} new series")
    status, _, text = server.get("/metrics")
    check("metrics label sets", "x299" not in text and "y298" not in text, "a made-up path label")


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


# ---- 10. Messages ----------------------------------------------------------------------------------

def test_no_folder_of_this_machine_in_health_or_503_bodies(tmp_path):
    missing = tmp_path / "secret-folder" / "bundle"
    with Server("--lazy-load", model=str(missing), now=NOW) as s:
        status, _, reply = s.post("/v1/chat/completions", chat_body("hi", max_tokens=2))
        check("messages", status == 503 and str(tmp_path) not in json.dumps(reply) and
              "secret-folder" not in json.dumps(reply), f"503 body: {reply}")
        h = s.wait_model("failed", timeout=30)
        check("messages", str(tmp_path) not in json.dumps(h) and h["model"]["error"]["message"],
              f"/healthz: {h}")


def test_a_port_that_cannot_be_bound_is_reported_as_such_not_as_a_database_error(server, tmp_path):
    # A port another server holds, and an address that is not this machine's (TEST-NET-1).
    for where, args in ((str(server.port), ["--port", str(server.port)]),
                        ("192.0.2.1", ["--host", "192.0.2.1", "--token", "t", "--port", "0"])):
        for json_flag in (["--json"], []):
            r = subprocess.run([DAILYDRUG, *json_flag, "--db", str(tmp_path / "x.db"), "--model",
                                TINY_BUNDLE, "serve", "--lazy-load", *args],
                               capture_output=True, text=True, timeout=30)
            check_bind_failure(r, where, json_flag)


def check_bind_failure(r, where: str, json_flag: list[str]):
    text = r.stderr
    ok = r.returncode != 0 and "데이터베이스" not in text and where in text
    if json_flag:
        err = json.loads(text[text.index("{"):])["error"]
        ok = ok and err["kind"] == "Conflict" and err["subject"] == "port"
    check("messages", ok, f"{where} {json_flag}: exit {r.returncode}: {text[-300:]}")


def send_and_leave(port: int, body: dict):
    """A non-streaming client that sends its request and closes the connection at once."""
    data = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data))
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def test_clients_that_leave_the_queue_give_up_their_places():
    # One slow generation holds the model; clients that queue behind it and leave must not keep
    # the queue full, and a queued stream is answered at once and kept checked.
    with Server("--queue", "2", "--token-delay-ms", "300", now=NOW) as s:
        s.wait_model()
        # "hello" does not reach EOS on the tiny model: 60 tokens x 300 ms hold the model
        # for 18 s, so the clients below really wait in the queue.
        holder = s.open_stream("/v1/chat/completions",
                               chat_body("hello", stream=True, max_tokens=60, temperature=0))
        assert holder[1].status == 200
        cancelled = 'dailydrug_generations_total{outcome="cancelled"}'
        for i in range(8):
            send_and_leave(s.port, chat_body(f"left {i}", max_tokens=2))
            # The request reaches the queue some time after the client sent it: wait for its
            # cancel (the server noticed the client left), then its place must be free.
            deadline = time.monotonic() + 3
            while s.metrics()[cancelled] < i + 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            m = s.metrics()
            check("queue", m[cancelled] == i + 1 and m["dailydrug_queue_depth"] == 0,
                  f"client {i} left but its place is still taken: {m[cancelled]} cancelled, "
                  f"depth {m['dailydrug_queue_depth']}")
        check("queue", s.metrics()["dailydrug_generation_running"] == 1,
              "the holder ended early: the clients above did not wait in the queue")
        # A queued stream: headers and `: waiting` comments while it waits.
        t0 = time.monotonic()
        conn, resp = s.open_stream("/v1/chat/completions",
                                   chat_body("queued", stream=True, max_tokens=2, temperature=0))
        check("queue", resp.status == 200 and time.monotonic() - t0 < 3,
              f"queued stream got {resp.status} after {time.monotonic() - t0:.1f} s")
        line = resp.readline()
        while line in (b"\r\n", b"\n") or line.startswith(b"data: {"):
            line = resp.readline()
        check("queue", line.startswith(b": waiting"), f"first line while queued: {line!r}")
        conn.close()
        holder[0].close()


def test_sigterm_ends_the_server_within_2_s_whatever_it_is_doing():
    # A slow stream running, a request queued behind it, a slow-header client and an idle
    # keep-alive connection: SIGTERM must still end the process within 2 s, cleanly.
    import signal
    s = Server("--queue", "2", "--token-delay-ms", "300", now=NOW)
    s.wait_model()
    running = s.open_stream("/v1/chat/completions",
                            chat_body("run", stream=True, max_tokens=60, temperature=0))
    queued = threading.Thread(target=lambda: s.post("/v1/chat/completions",
                                                    chat_body("wait", max_tokens=2)), daemon=True)
    queued.start()
    slow = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    slow.sendall(b"POST /api/medicines HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    try:
        s.proc.wait(10)
    finally:
        slow.close()
        running[0].close()
    elapsed = time.monotonic() - t0
    check("shutdown", s.proc.returncode == 0 and elapsed < 2,
          f"exit {s.proc.returncode} after {elapsed:.2f} s")
    s.stop()
