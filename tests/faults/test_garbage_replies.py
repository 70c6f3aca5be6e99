"""A 200 whose body is garbage (an HTML error page, a cut-off or wrongly shaped JSON) is retried by
both backends like any other failed request, never turned into a crash of the judgment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.faults.faulty import FAULTS, PARSE_FAULTS
from tests.judges.llm.fake_server import FakeJudgeServer
from tests.judges.llm.helpers import FAST, judge_once, make_judge


@pytest.mark.parametrize("backend", ["openai", "anthropic"])
@pytest.mark.parametrize("kind", ["html", "cut", "wrong_json"])
def test_garbage_then_a_verdict(backend: str, kind: str, tmp_path: Path) -> None:
    server = FakeJudgeServer().start()
    try:
        server.enqueue(FAULTS[kind])
        settings = {"backend": backend, "model": "m", **FAST, "audio": False,
                    "base_url": server.url if backend == "openai" else server.root}
        path = tmp_path / "judge.yaml"
        path.write_text(yaml.safe_dump(settings), encoding="utf-8")
        judgment = judge_once(make_judge(path))
    finally:
        server.stop()
    assert judgment.status == "ok", judgment.error
    assert len(server.calls) == 2 and judgment.scores
    if kind in PARSE_FAULTS:  # a well-formed reply without an answer: a new attempt at the answer
        assert judgment.meta["parse_attempts"] == 2
    else:  # an unreadable reply: the same request again
        assert judgment.meta["requests"] == 2 and "unreadable response body" in judgment.meta["request_errors"][0]
