"""`generate` against a model server that drips, bloats or answers with terminal escapes: each turn fails within the
request deadline, with a clear reason, and nothing the server sent reaches the console raw."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.humdial_eval.llm.hostile_server import HostileServer
from tests.models.audio_server import AudioModelServer
from tests.models.conftest import GoldSet, write_profile


@pytest.mark.parametrize(("mode", "reason"), [
    ("drip", "no complete answer within 1 s (timeout of the whole request)"),
    ("bomb", "reply body exceeds the limit of 1048576 bytes once decompressed"),
    ("escape", "HTTP 400"),
])
def test_every_turn_fails_with_the_reason_within_the_deadline(tmp_path: Path, goldset: GoldSet, mode: str, reason: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    server = HostileServer(mode, interval=0.3, inflated=32 << 20).start()
    try:
        profile = write_profile(tmp_path / "model.yaml", server.url, request_timeout=1, max_retries=0, concurrency=8,
                                max_response_bytes=1 << 20, output_audio=False)
        out = tmp_path / "out"
        started = time.monotonic()
        code = main(["generate", "--model", str(profile), "--testset", str(goldset.path), "--out", str(out),
                     "--no-progress", "--tasks", "T1", "--languages", "en"])
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert code == 0 and elapsed < 15, (code, elapsed)
    assert reason in err and "\x1b" not in err and "\u202e" not in err and "Traceback" not in err
    report = json.loads((out / "generation" / "generation.json").read_text())
    assert report["failures"] and all(reason in f["error"] for f in report["failures"])
    if mode == "escape":
        assert "\\x1b[2K" in err  # shown, escaped, for the reader to see


def test_a_5_mb_answer_fails_its_turn_not_the_dialogue(tmp_path: Path, goldset: GoldSet, server: AudioModelServer,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    plain = server.reply_text
    server.reply_text = lambda label: "so very sad " * 440_000 if label == "en_t1_a:2" else plain(label)  # type: ignore[method-assign]
    profile = write_profile(tmp_path / "model.yaml", server.url, output_audio=False)
    out = tmp_path / "out"
    assert main(["generate", "--model", str(profile), "--testset", str(goldset.path), "--out", str(out),
                 "--no-progress", "--tasks", "T1", "--languages", "en"]) == 0
    report = json.loads((out / "generation" / "generation.json").read_text())
    assert [(f["dialogue_id"], f["turn_id"]) for f in report["failures"]] == [("en_t1_a", 2)]
    assert "characters, over the 100000" in report["failures"][0]["error"]
    capsys.readouterr()
    main(["validate", str(out), "--testset", str(goldset.path), "--tasks", "T1", "--languages", "en", "--json"])
    codes = {i["code"] for i in json.loads(capsys.readouterr().out)["issues"]}
    assert not codes & {"line_too_long", "missing_dialogue"}, codes  # the dialogue's other turns stand
