"""A real HTTP server on 127.0.0.1 that speaks OpenAI chat-completions and Anthropic messages.

It replays scripted replies (well-formed, fenced, truncated, off-scale, 429 with Retry-After, 500, a
hang past the client's timeout, a dropped connection, a garbage body) and otherwise answers like a judge: it reads which dimensions the
prompt asks for and scores each 1, 3 or 5 from a hash of the prompt and seed. It records every
request (headers included) and how many were in flight at once, so tests can check what the real
client libraries actually sent. ``keep_alive=True`` serves HTTP/1.1 persistent connections, as vLLM
does (the benchmarks use it so that connection set-up is not what they measure).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ASKED = re.compile(r'"(\w+)": <score>')


@dataclass
class Scripted:
    """One reply. ``content`` is the judge's text; ``body`` replaces the whole JSON body (errors; a str
    is sent as it is); ``close`` drops the connection without answering."""

    status: int = 200
    content: str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    close: bool = False


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    peer: tuple[str, int] | None = None  # the client's address: one per TCP connection

    @property
    def prompt(self) -> str:
        content = self.body["messages"][0]["content"]
        if isinstance(content, str):
            return content
        return "".join(part.get("text", "") for part in content if part.get("type") == "text")

    @functools.cached_property
    def audio(self) -> bytes | None:
        content = self.body["messages"][0]["content"]
        if isinstance(content, list):
            for part in content:
                if part.get("type") == "input_audio":
                    return base64.b64decode(part["input_audio"]["data"])
        return None

    @property
    def seed(self) -> int | None:
        return self.body.get("seed")

    @property
    def asked(self) -> list[str]:
        """The dimension keys the prompt asks to score (from its answer-format line)."""
        return _ASKED.findall(self.prompt)

    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.prompt}|{self.seed}|{len(self.audio or b'')}".encode()).hexdigest()


def judge_like(call: Call) -> Scripted:
    """A well-formed verdict for exactly the dimensions asked, deterministic in prompt and seed."""
    digest = hashlib.sha256(f"{call.prompt}|{call.seed}".encode()).digest()
    scores = {key: (1, 3, 5)[digest[i % len(digest)] % 3] for i, key in enumerate(call.asked)}
    return Scripted(content=json.dumps({"scores": scores, "rationale": "scripted verdict"}))


class FakeJudgeServer:
    """``audio``: ``use`` (audio costs prompt tokens), ``drop`` (silently ignored) or ``crash`` (HTTP 500)."""

    def __init__(
        self, responder: Callable[[Call], Scripted] = judge_like, audio: str = "use", keep_alive: bool = False
    ) -> None:
        self.responder = responder
        self.audio_mode = audio
        self.script: deque[Scripted] = deque()
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler(self, keep_alive))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The OpenAI-style base URL (``/v1``); Anthropic's client takes :attr:`root`."""
        return f"{self.root}/v1"

    def enqueue(self, *replies: Scripted) -> None:
        with self._lock:
            self.script.extend(replies)

    def start(self) -> "FakeJudgeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, call: Call) -> Scripted:
        with self._lock:
            self.calls.append(call)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            scripted = self.script.popleft() if self.script else None
        return scripted or self.responder(call)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops connections (1 s SYN retries) under high concurrency


def _handler(server: FakeJudgeServer, keep_alive: bool = False) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
        disable_nagle_algorithm = True  # else a kept-alive reply's body waits ~40 ms for a delayed ACK

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            call = Call(self.path, {k.lower(): v for k, v in self.headers.items()}, body, self.client_address)
            reply = server._next(call)
            try:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.close:
                    self.close_connection = True
                    return
                if call.audio is not None and server.audio_mode == "crash" and reply.status == 200:
                    reply = Scripted(status=500, body={"error": {"message": "engine died on audio"}})
                self._respond(call, reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)
            finally:
                server._done()

        def _respond(self, call: Call, reply: Scripted) -> None:
            if reply.body is not None:
                payload = reply.body
            elif call.path.endswith("/messages"):
                payload = _anthropic_body(call, reply.content or "")
            else:
                payload = _openai_body(call, reply.content, server.audio_mode)
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _prompt_tokens(call: Call, audio_mode: str) -> int:
    tokens = len(call.prompt) // 4
    if call.audio is not None and audio_mode == "use":
        tokens += max(1, len(call.audio) // 1280)  # 25 tokens per second of 16 kHz PCM16
    return tokens


def _openai_body(call: Call, content: str | None, audio_mode: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": call.body.get("model", "unknown"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": _prompt_tokens(call, audio_mode), "completion_tokens": 20,
                  "total_tokens": _prompt_tokens(call, audio_mode) + 20},
    }


def _anthropic_body(call: Call, content: str) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": call.body.get("model", "unknown"),
        "content": [{"type": "text", "text": content}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": len(call.prompt) // 4, "output_tokens": 20},
    }
