"""The viewer's local HTTP server: the page at ``/`` and the run's recordings at ``/audio/<run>/<n>``.

It binds 127.0.0.1 only. Audio is served by number from the list the page was built with (every entry a file the
loaders resolved inside the run's test set or submission folder); at each request the file is checked again
(resolved inside its folder, so a link that now points out is refused; a regular file; within the size cap) and
read with the project's bounded reader. No other path exists: a request names no file, so none can escape.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from humdial_eval.inputs.inputfiles import InputFileError, read_regular_bytes
from humdial_eval.view.rundata import MAX_AUDIO_BYTES, AudioFile, audio_allowed

HOST = "127.0.0.1"
_AUDIO = re.compile(r"/audio/(\d{1,4})/(\d{1,7})")


class ViewerServer(ThreadingHTTPServer):
    """Serves one page and the audio files it may play."""

    daemon_threads = True

    def __init__(self, page: str, audio: Sequence[Sequence[AudioFile]], port: int = 0) -> None:
        self.page = page.encode("utf-8")
        self.audio = [list(files) for files in audio]
        super().__init__((HOST, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, the benchmark); the CLI calls ``serve_forever`` itself."""
        thread = threading.Thread(target=self.serve_forever, name="humdial-eval-view", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
            return
        match = _AUDIO.fullmatch(path)
        if match:
            self._send_audio(int(match.group(1)), int(match.group(2)))
            return
        self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain; charset=utf-8")

    def _send_audio(self, run: int, index: int) -> None:
        files = self.server.audio[run] if run < len(self.server.audio) else []
        file = files[index] if index < len(files) else None
        if file is None or not audio_allowed(file.path, file.root):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            data = read_regular_bytes(file.path, max_bytes=MAX_AUDIO_BYTES)
        except (InputFileError, OSError):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
            return
        self._send(HTTPStatus.OK, data, "audio/wav")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # requests are not logged: ids stay off the terminal
        return
