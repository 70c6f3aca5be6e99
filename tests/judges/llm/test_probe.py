"""`humdial-eval judge probe`: tells a server that hears the audio from one that drops it or fails on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.judges.llm.fake_server import FakeJudgeServer, Scripted

Profile = Callable[..., Path]


def probe(profile: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(["judge", "probe", str(profile), "--json"])
    (report,) = json.loads(capsys.readouterr().out)
    return code, report


def checks(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


@pytest.mark.parametrize(
    "mode, code, verdict, words",
    [("use", 0, "ok", "received the audio"), ("drop", 1, "fail", "DROPPED"),
     ("crash", 1, "fail", "failed on the audio request")],
)
def test_the_probe_detects_what_happens_to_the_audio(profile: Profile, capsys: pytest.CaptureFixture[str],
                                                      mode: str, code: int, verdict: str, words: str) -> None:
    server = FakeJudgeServer(audio=mode).start()
    try:
        result, report = probe(profile(server), capsys)
    finally:
        server.stop()
    found = checks(report)
    assert result == code and report["ready"] is (code == 0)
    assert found["text answer format"]["verdict"] == "ok"
    assert found["audio accepted"]["verdict"] == verdict and words in found["audio accepted"]["detail"]
    with_audio = [call for call in server.calls if call.audio is not None]
    assert with_audio and with_audio[0].audio[:4] == b"RIFF"  # a real WAV went out
    if mode == "use":
        assert found["audio answer format"]["verdict"] == "ok"


def test_an_answer_in_the_wrong_format_is_reported(profile: Profile, capsys: pytest.CaptureFixture[str]) -> None:
    server = FakeJudgeServer(responder=lambda call: Scripted(content="The reply is quite good overall.")).start()
    try:
        result, report = probe(profile(server, audio=False), capsys)
    finally:
        server.stop()
    found = checks(report)
    assert result == 1 and found["text answer format"]["verdict"] == "fail"
    assert "quite good" in found["text answer format"]["detail"]
    assert found["audio"]["verdict"] == "ok" and "text-only" in found["audio"]["detail"]


def test_human_readable_output_and_unreachable_server(profile: Profile, capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    server = FakeJudgeServer().start()
    try:
        assert main(["judge", "probe", str(profile(server))]) == 0
    finally:
        server.stop()
    printed = capsys.readouterr().out
    assert "verdict: ready" in printed and "[ok  ] audio accepted" in printed
    assert main(["judge", "probe", str(profile(server, max_retries=0))]) == 1  # the server is gone now
    assert "connection failed" in capsys.readouterr().out


def test_a_profile_without_llm_judges_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["judge", "probe", "offline-rubric"]) == 1
    assert "no LLM judge" in capsys.readouterr().err
