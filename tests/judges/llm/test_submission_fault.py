"""Which failed judgments are the submission's fault (the judge refused what it was sent) and which the judge's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from humdial_eval.judges.llm.samples import sample_item
from tests.judges.llm.fake_server import FakeJudgeServer, Scripted
from tests.judges.llm.helpers import judge_once, make_judge


def test_http_400_413_422_are_submission_faults_429_and_5xx_are_not(
    server: FakeJudgeServer, profile: Callable[..., Path]
) -> None:
    judge = make_judge(profile(server, max_retries=0))
    for status, fault in ((400, "submission"), (413, "submission"), (422, "submission"), (429, None), (503, None)):
        server.enqueue(Scripted(status=status, body={"error": {"message": "refused"}}))
        judgment = judge_once(judge)
        assert judgment.status == "failed" and judgment.meta.get("fault") == fault, status


def test_audio_the_judge_cannot_take_is_a_submission_fault(
    server: FakeJudgeServer, profile: Callable[..., Path], tmp_path: Path
) -> None:
    not_wav = tmp_path / "reply.wav"
    not_wav.write_bytes(b"OggS" + b"\0" * 100)
    judge = make_judge(profile(server))
    judgment = judge_once(judge, "T3", dataclasses.replace(sample_item("T3"), response_audio=not_wav))
    assert judgment.status == "failed" and judgment.meta["fault"] == "submission" and not server.calls
