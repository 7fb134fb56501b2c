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
        # The plan is fixed by the seeds: 14 of the 32 requests disconnect, and those that were
        # still generating are cancelled.
        assert results.count("disconnected") == 14, results
        assert m['dailydrug_generations_total{outcome="cancelled"}'] >= 1
        # Still healthy and serving.
        status, _, c = s.post("/v1/chat/completions", chat_body("after", max_tokens=2))
        assert status == 200
        print(f"{len(results)} requests ({results.count('disconnected')} disconnected) in {elapsed:.1f} s")


ANSWER_TOKENS = 16
REQUESTS_EACH = 3


def _prompt(client_id: int, i: int) -> str:
    return f"client {client_id} question {i}: dose {client_id * 7 + i * 3 + 1} mg?"


def _answer(server: Server, prompt: str, stream: bool) -> str:
    """The reply's text, streamed (SSE deltas joined) or not."""
    body = chat_body(prompt, max_tokens=ANSWER_TOKENS, temperature=0)
    if not stream:
        status, _, c = server.post("/v1/chat/completions", body, timeout=TIME_BOUND_S)
        assert status == 200, c
        return c["choices"][0]["message"]["content"]
    conn, resp = server.open_stream("/v1/chat/completions", dict(body, stream=True),
                                    timeout=TIME_BOUND_S)
    assert resp.status == 200
    datas = [d for _, d in sse_events(resp)]
    conn.close()
    assert datas[-1] == "[DONE]", datas[-3:]
    return "".join(json.loads(d)["choices"][0]["delta"].get("content") or ""
                   for d in datas[:-1])


def test_each_client_gets_the_answer_to_its_own_prompt():
    """Concurrent clients each get their own answer: every reply is exactly the greedy reply the
    same prompt gets when it is the only request, and the prompts' replies differ from each other,
    so a reply delivered to the wrong client or two streams mixed would not match."""
    with Server("--queue", str(2 * CLIENTS), "--token-delay-ms", "5") as s:
        s.wait_model()
        keys = [(c, i) for c in range(CLIENTS) for i in range(REQUESTS_EACH)]
        alone = {k: _answer(s, _prompt(*k), stream=False) for k in keys}
        distinct = len(set(alone.values()))
        assert distinct >= 0.75 * len(keys), \
            f"only {distinct} different replies to {len(keys)} prompts: a mix-up could go unseen"

        got: dict = {}
        errors: list[str] = []

        def client(c: int):
            for i in range(REQUESTS_EACH):
                try:  # plain and streamed requests alternate, differently for each client
                    got[(c, i)] = _answer(s, _prompt(c, i), stream=(c + i) % 2 == 0)
                except Exception as e:  # noqa: BLE001 - reported by the main thread
                    errors.append(f"client {c} request {i}: {e!r}")

        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIME_BOUND_S)
        assert not any(t.is_alive() for t in threads), "clients still waiting"
        assert not errors, errors
        wrong = {k: (got.get(k), alone[k]) for k in keys if got.get(k) != alone[k]}
        assert not wrong, f"{len(wrong)} of {len(keys)} replies are not their prompt's: {wrong}"
        m = s.metrics()
        assert m['dailydrug_generations_total{outcome="completed"}'] == 2 * len(keys)
