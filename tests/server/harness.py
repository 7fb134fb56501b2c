"""Start `dailydrug serve` on a free port and talk HTTP to it (used by tests/python/test_server_*.py
and test_e2e_*.py). Standard library only."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

DAILYDRUG = os.environ.get("DD_DAILYDRUG", "")
TINY_BUNDLE = os.environ.get("DD_TINY_BUNDLE", "")
REAL_BUNDLE = os.environ.get("DD_BUNDLE", "")
TEST_OUTPUT = Path(os.environ.get("DD_TEST_OUTPUT", tempfile.gettempdir()))


class Server:
    """One `dailydrug serve` process with its own temporary database."""

    def __init__(self, *serve_args: str, model: str | None = None, now: str | None = None,
                 host: str = "127.0.0.1", env: dict | None = None, db: str | None = None):
        assert DAILYDRUG and Path(DAILYDRUG).is_file(), "DD_DAILYDRUG must name the dailydrug binary"
        self._tmp = tempfile.TemporaryDirectory(prefix="dd-serve-")
        self.db = db or str(Path(self._tmp.name) / "test.db")
        self.host = host
        args = [DAILYDRUG, "--db", self.db, "--model", model or TINY_BUNDLE, "serve",
                "--host", host, "--port", "0", *serve_args]
        full_env = dict(os.environ)
        full_env.pop("DAILYDRUG_TOKEN", None)
        if now:
            full_env["DAILYDRUG_NOW"] = now
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=full_env)
        self.port = 0
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            m = re.search(r"http://\S+:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                break
            if not line and self.proc.poll() is not None:
                break
        if not self.port:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r} {err}")
        # Keep draining the pipes so the server never blocks on a full pipe.
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr_lines), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stdout, []), daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _drain(pipe, sink):
        for line in pipe:
            sink.append(line)

    # ---- HTTP ----------------------------------------------------------------------------------

    def conn(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                timeout: float = 60):
        """(status, headers, parsed JSON or text)."""
        c = self.conn(timeout)
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        c.close()
        ctype = r.getheader("Content-Type", "")
        payload = json.loads(raw) if "json" in ctype and raw else raw.decode("utf-8", "replace")
        return r.status, dict(r.getheaders()), payload

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw):
        return self.request("POST", path, body if body is not None else {}, **kw)

    def open_stream(self, path: str, body, headers: dict | None = None, timeout: float = 60):
        """Start a streaming POST; returns (connection, response) to read SSE from."""
        c = self.conn(timeout)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request("POST", path, body=json.dumps(body), headers=h)
        return c, c.getresponse()

    def metrics(self) -> dict[str, float]:
        status, _, text = self.get("/metrics")
        assert status == 200
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def wait_model(self, state: str = "ready", timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, _, h = self.get("/healthz")
            if h["model"]["state"] == state:
                return h
            time.sleep(0.1)
        raise AssertionError(f"model never became {state}: {h}")

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop within %s s of SIGINT" % timeout)
        self._tmp.cleanup()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def sse_events(response, limit: int | None = None):
    """Yield (event, data) from a text/event-stream response; data is the raw string."""
    event, data = "message", []
    n = 0
    while True:
        raw = response.readline()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield event, "\n".join(data)
                n += 1
                if limit is not None and n >= limit:
                    return
            event, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])


def chat_body(text: str = "hi", **kw) -> dict:
    body = {"messages": [{"role": "user", "content": text}]}
    body.update(kw)
    return body
