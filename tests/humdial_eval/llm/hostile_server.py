"""An HTTP server on 127.0.0.1 that answers badly on purpose: slowly, hugely, or in an unbounded encoding.

``mode`` picks the answer to every POST: ``drip`` sends a 200's headers and then one byte every
``interval`` seconds (each read is quick, the whole never ends); ``bomb`` sends a small gzip body that
inflates to ``inflated`` bytes; ``big`` sends ``inflated`` plain bytes; ``brotli`` labels its body
``Content-Encoding: br``; ``cut`` sends half a gzip stream; ``escape`` answers 400 with a message full of
terminal escapes; ``redirect`` answers 302 to itself with a bomb as the redirect's body.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@functools.lru_cache(maxsize=4)
def gzip_of_zeros(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes, made in pieces (never ``size`` bytes in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block[: min(len(block), size - done)]) for done in range(0, size, len(block))]
    return b"".join(parts) + packer.flush()


class HostileServer:
    def __init__(self, mode: str, *, interval: float = 0.5, inflated: int = 64 << 20) -> None:
        self.mode = mode
        self.interval = interval
        self.inflated = inflated
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                server.requests += 1
                try:
                    server.answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        send = handler.wfile
        if self.mode == "drip":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            for _ in range(100000):
                send.write(b" ")
                send.flush()
                time.sleep(self.interval)
            return
        if self.mode == "escape":
            body = json.dumps({"error": {"message": "bad \x1b[2K\r\x1b[31mFORGED: all good\x1b[0m \u202e"}}).encode()
            status, headers = 400, {}
        elif self.mode == "redirect":  # a 302 whose own body is a bomb, pointing back at itself
            body = gzip_of_zeros(self.inflated)
            status, headers = 302, {"Content-Encoding": "gzip", "Location": self.url + "/chat/completions"}
        elif self.mode in ("bomb", "cut"):
            body = gzip_of_zeros(self.inflated)
            body = body[: len(body) // 2] if self.mode == "cut" else body
            status, headers = 200, {"Content-Encoding": "gzip"}
        elif self.mode == "brotli":
            body, status, headers = b"\x0b\x02\x80{}\x03", 200, {"Content-Encoding": "br"}
        elif self.mode == "big":
            body, status, headers = b" " * self.inflated, 200, {}
        else:
            raise ValueError(self.mode)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if self.mode == "big":  # no length: read until the connection closes, counted by the client alone
            handler.send_header("Connection", "close")
        else:
            handler.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        send.write(body)
        send.flush()
        if self.mode == "big":
            handler.close_connection = True

    def start(self) -> "HostileServer":
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
