from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.reference_model.completers import openai_compatible
from humdial_eval.reference_model.ieat import LLMCauseWriter


class ChatServer(BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible chat endpoint that answers every request with the same cause."""

    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatServer.requests.append({"path": self.path, "body": body})
        payload = json.dumps({
            "id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "my boss yelled at me"}}],
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ChatServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_causes_come_from_an_openai_compatible_server(server: str) -> None:
    dialogue = Dialogue("d", "en", "T3", (Turn(1, "I'm furious.", "anger"),))
    writer = LLMCauseWriter(openai_compatible(model="local-model", base_url=server))
    assert writer.write_causes([(dialogue, 0)]) == ["my boss yelled at me"]
    assert writer.fallbacks == 0
    (request,) = ChatServer.requests[-1:]
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "local-model"
    assert "the user feels anger" in request["body"]["messages"][0]["content"]


def test_a_missing_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    with pytest.raises(ValueError, match="NO_SUCH_KEY"):
        openai_compatible(model="m", api_key_env="NO_SUCH_KEY")
