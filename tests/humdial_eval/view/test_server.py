"""The viewer's server: 127.0.0.1 only, the page, and audio by number from inside the run's inputs only."""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path

from humdial_eval.view.page import load_runs, render_page
from humdial_eval.view.rundata import MAX_AUDIO_BYTES
from humdial_eval.view.server import ViewerServer
from tests.humdial_eval.view.runs import EXAMPLES, score


def _get(server: ViewerServer, path: str) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body, response.getheader("Content-Type") or ""


def test_serves_the_page_and_audio_and_nothing_else(tmp_path: Path) -> None:
    testset, submission = tmp_path / "testset", tmp_path / "submission"
    shutil.copytree(EXAMPLES / "testset", testset)
    shutil.copytree(EXAMPLES / "submission", submission)
    runs = load_runs([score(submission, testset, tmp_path / "run")])
    audio = runs[0].audio
    assert audio and all(file.path.is_relative_to(testset.resolve()) or file.path.is_relative_to(submission.resolve())
                         for file in audio)
    server = ViewerServer(render_page(runs, audio="server"), [audio])
    server.start()
    try:
        assert server.server_address[0] == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")
        status, body, kind = _get(server, "/")
        assert status == 200 and kind.startswith("text/html") and b'"audio/0/0"' in body
        status, body, kind = _get(server, "/audio/0/0")
        assert status == 200 and kind == "audio/wav" and body == audio[0].path.read_bytes()
        for path in ("/audio/0/99999", "/audio/1/0", "/audio/0/-1", "/audio/0/0/../../../../etc/passwd",
                     "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/audio/" + str(audio[0].path), "/report.md"):
            assert _get(server, path)[0] == 404, path
        # a recording replaced after the page was built: by a link out of the folder, by a huge file
        secret = tmp_path / "secret.wav"
        secret.write_bytes(b"RIFF secret")
        audio[0].path.unlink()
        audio[0].path.symlink_to(secret)
        assert _get(server, "/audio/0/0")[0] == 404
        audio[1].path.unlink()
        with audio[1].path.open("wb") as handle:
            handle.truncate(MAX_AUDIO_BYTES + 1)
        assert _get(server, "/audio/0/1")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
