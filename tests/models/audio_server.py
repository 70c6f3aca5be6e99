"""A scripted spoken dialogue model on 127.0.0.1 that speaks OpenAI chat-completions with audio.

It answers each request with text and a base64 WAV (24 kHz, as OpenAI's audio models send), records
every request, and recognises user turns by the hash of their ``input_audio`` bytes (``turns`` maps a
hash to a label), so tests can check which turn was asked, in which order, with which history. A
``fault`` callback may replace any answer by an HTTP error, a hang, a dropped connection, a broken
WAV or no audio, per turn and per attempt.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import soundfile

REPLY_RATE = 24000


@dataclass
class Fault:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    close: bool = False
    audio: bytes | None = None  # replaces the reply's WAV bytes (b"" sends no audio at all)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    def user_audio(self) -> list[bytes | None]:
        """The audio bytes of each user message, in order (None for a text-only message)."""
        found: list[bytes | None] = []
        for message in self.messages:
            if message["role"] != "user":
                continue
            audio = None
            if isinstance(message["content"], list):
                for part in message["content"]:
                    if part.get("type") == "input_audio":
                        audio = base64.b64decode(part["input_audio"]["data"])
            found.append(audio)
        return found

    def assistant_texts(self) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] == "assistant"]


REPLY_SECONDS = 3.0  # long enough for the replies' text: shorter speech is refused as implausible


def wav_bytes(seconds: float = REPLY_SECONDS, rate: int = REPLY_RATE, freq: float = 330.0, channels: int = 1) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    data = tone if channels == 1 else np.stack([tone] * channels, axis=1)
    buffer = io.BytesIO()
    soundfile.write(buffer, data, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


class AudioModelServer:
    def __init__(self, turns: dict[str, str], fault: Callable[[str, int], Fault | None] | None = None) -> None:
        self.turns = turns  # sha256 of a user WAV -> "dialogue_id:turn_id"
        self.fault = fault
        self.requests: list[Request] = []
        self.asked: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> "AudioModelServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def label(self, audio: bytes | None) -> str:
        return self.turns.get(hashlib.sha256(audio).hexdigest(), "?") if audio else "(text)"

    def reply_text(self, label: str) -> str:
        if label.startswith("zh"):
            return f"我明白你的感受，谢谢你告诉我。（{label}）"
        return f"I understand how you feel, thank you for telling me. ({label})"

    def _answer(self, request: Request) -> tuple[int, bytes, dict[str, str], float, bool]:
        label = self.label(request.user_audio()[-1])
        with self._lock:
            self.requests.append(request)
            self.asked[label] += 1
            attempt = self.asked[label]
        fault = self.fault(label, attempt) if self.fault else None
        fault = fault or Fault()
        if fault.body is not None or fault.status != 200:
            body = fault.body if fault.body is not None else {"error": {"message": f"scripted {fault.status}"}}
            return fault.status, json.dumps(body).encode(), fault.headers, fault.delay, fault.close
        message: dict[str, Any] = {"role": "assistant", "content": None}
        text = self.reply_text(label)
        if "audio" in request.body.get("modalities", []):
            data = wav_bytes() if fault.audio is None else fault.audio
            if data:
                message["audio"] = {"id": f"audio_{attempt}", "data": base64.b64encode(data).decode(),
                                    "expires_at": 0, "transcript": text}
            else:
                message["content"] = text
        else:
            message["content"] = text
        payload = {
            "id": "chatcmpl-audio", "object": "chat.completion", "created": int(time.time()),
            "model": request.body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return 200, json.dumps(payload).encode(), fault.headers, fault.delay, fault.close


def _handler(server: AudioModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            request = Request(body, {k.lower(): v for k, v in self.headers.items()})
            with server._lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            status, data, headers, delay, close = server._answer(request)
            try:
                if delay:
                    time.sleep(delay)
                if close:
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with server._lock:
                    server.in_flight -= 1

    return Handler
