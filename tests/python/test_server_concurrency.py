"""8 concurrent clients with random disconnects against one `dailydrug serve` (tiny model):
no deadlock, every request answered or cleanly cancelled, the queue drains, within a time bound.
ctest: server.concurrency."""
from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from harness import Server, chat_body, sse_events  # noqa: E402

CLIENTS = 8
REQUESTS_PER_CLIENT = 4
TIME_BOUND_S = 120


def client(server: Server, seed: int, results: list, errors: list):
    rng = random.Random(seed)
    for i in range(REQUESTS_PER_CLIENT):
        try:
            kind = rng.choice(["stream", "stream_cancel", "plain", "ask_cancel"])
            body = chat_body(f"client {seed} request {i}", max_tokens=rng.randint(4, 30), temperature=0)
            if kind == "plain":
                status, _, c = server.post("/v1/chat/completions", body, timeout=TIME_BOUND_S)
                assert status == 200, c
                assert c["usage"]["completion_tokens"] >= 1
                results.append("completed")
            elif kind == "stream":
                conn, resp = server.open_stream("/v1/chat/completions", dict(body, stream=True),
                                                timeout=TIME_BOUND_S)
                assert resp.status == 200
                datas = [d for _, d in sse_events(resp)]
                conn.close()
                assert datas[-1] == "[DONE]", datas[-3:]
                assert json.loads(datas[-2])["choices"][0]["finish_reason"] in ("stop", "length")
                results.append("completed")
            else:
                path = "/api/ask" if kind == "ask_cancel" else "/v1/chat/completions"
                payload = {"message": body["messages"][0]["content"], "max_tokens": 30} \
                    if kind == "ask_cancel" else dict(body, stream=True, max_tokens=30)
                conn, resp = server.open_stream(path, payload, timeout=TIME_BOUND_S)
                assert resp.status == 200
                # Disconnect after a random number of events (0 = while still queued).
                for n, _ in enumerate(sse_events(resp, limit=rng.randint(1, 4))):
                    pass
                conn.sock.shutdown(socket.SHUT_RDWR)
                conn.close()
                results.append("disconnected")
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(f"client {seed} request {i}: {e!r}")


def test_eight_clients_with_random_disconnects():
    # A disconnect is noticed at the server's next write (<= 250 ms), so a client's abandoned job
    # can still hold a place while its next request arrives: room for two per client.
    with Server("--queue", str(2 * CLIENTS), "--token-delay-ms", "15") as s:
        s.wait_model()
        results: list[str] = []
        errors: list[str] = []
        threads = [threading.Thread(target=client, args=(s, seed, results, errors))
                   for seed in range(CLIENTS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIME_BOUND_S)
        elapsed = time.monotonic() - t0
        assert not any(t.is_alive() for t in threads), f"deadlock: clients still waiting after {elapsed:.0f} s"
        assert not errors, errors
        assert len(results) == CLIENTS * REQUESTS_PER_CLIENT

        # Every generation ended: completed or cancelled, none failed, nothing left queued.
        deadline = time.monotonic() + 20
        while True:
            m = s.metrics()
            done = m['dailydrug_generations_total{outcome="completed"}'] + \
                m['dailydrug_generations_total{outcome="cancelled"}']
            if done == len(results) and m["dailydrug_queue_depth"] == 0 and \
                    m["dailydrug_generation_running"] == 0:
                break
            assert time.monotonic() < deadline, m
            time.sleep(0.1)
        assert m['dailydrug_generations_total{outcome="failed"}'] == 0
        if results.count("disconnected") >= 3:
            assert m['dailydrug_generations_total{outcome="cancelled"}'] >= 1
        # Still healthy and serving.
        status, _, c = s.post("/v1/chat/completions", chat_body("after", max_tokens=2))
        assert status == 200
        print(f"{len(results)} requests ({results.count('disconnected')} disconnected) in {elapsed:.1f} s")
