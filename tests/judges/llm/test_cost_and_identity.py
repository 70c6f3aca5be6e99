"""Before judging, what an LLM judge run will send; after it, what the server counted and which model answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.benchmark.judgment import estimate_tokens
from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.judges.llm.fake_server import Call, FakeJudgeServer, Scripted, _openai_body, judge_like

Profile = Callable[..., Path]


def score(dataset: Dataset, out: Path, judge: Path, *extra: str) -> int:
    return main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out),
                 "--judge", str(judge), "--bootstrap", "100", "--no-progress", *extra])


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


def test_the_line_before_judging_counts_requests_tokens_and_audio(dataset: Dataset, tmp_path: Path,
                                                                   server: FakeJudgeServer, profile: Profile,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    judge = profile(server, name="omni")
    cache = tmp_path / "store.sqlite"
    assert score(dataset, tmp_path / "a", judge, "--cache", str(cache)) == 0
    line = next(l for l in capsys.readouterr().err.splitlines() if l.startswith("judging: "))
    sent_tokens = sum(estimate_tokens(call.prompt) for call in server.calls)
    assert f"omni: 6 request(s) to send, 0 already cached; ~{sent_tokens:,} prompt tokens" in line
    assert "s of audio" in line  # the two T3 replies are attached
    assert score(dataset, tmp_path / "b", judge, "--cache", str(cache)) == 0
    again = next(l for l in capsys.readouterr().err.splitlines() if l.startswith("judging: "))
    assert "omni: 0 request(s) to send, 6 already cached; ~0 prompt tokens" in again and len(server.calls) == 6


def test_tokens_are_estimated_per_script() -> None:
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("我很难过") == 4
    assert estimate_tokens("") == 0


def test_usage_the_server_reported_is_totalled_in_the_summary(dataset: Dataset, tmp_path: Path,
                                                               server: FakeJudgeServer, profile: Profile,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    judge = profile(server, name="omni")
    cache = tmp_path / "store.sqlite"
    assert score(dataset, tmp_path / "a", judge, "--cache", str(cache)) == 0
    items = [json.loads(line) for line in (tmp_path / "a" / "items.jsonl").read_text().splitlines()]
    usage = summary(tmp_path / "a")["usage"]["omni"]
    assert usage["answers"] == 6
    assert usage["prompt_tokens"] == sum(item["meta"]["usage"]["prompt_tokens"] for item in items) > 0
    assert usage["completion_tokens"] == 6 * 20
    assert f"usage: omni: 6 answer(s) this run, {usage['prompt_tokens']:,} prompt + 120 completion" in capsys.readouterr().err
    assert "Usage reported by the judges' servers" in (tmp_path / "a" / "report.md").read_text()
    assert score(dataset, tmp_path / "b", judge, "--cache", str(cache)) == 0
    assert summary(tmp_path / "b")["usage"]["omni"] == usage  # the run's judgments, whenever they were made
    assert "usage: omni: 0 answer(s) this run, 0 prompt + 0 completion tokens as the server reported; 6 reused " \
           "from the store" in capsys.readouterr().err


def answering_as(model: str) -> Callable[[Call], Scripted]:
    def reply(call: Call) -> Scripted:
        return Scripted(body={**_openai_body(call, judge_like(call).content, "use"), "model": model})

    return reply


@pytest.mark.parametrize(("served", "warned"), [("another-model", True), ("test-omni-2025-01-01", False)])
def test_a_server_answering_as_another_model_is_named(dataset: Dataset, tmp_path: Path, profile: Profile,
                                                      capsys: pytest.CaptureFixture[str], served: str,
                                                      warned: bool) -> None:
    server = FakeJudgeServer(responder=answering_as(served)).start()
    try:
        assert score(dataset, tmp_path / "out", profile(server, name="omni"), "--no-cache") == 0
    finally:
        server.stop()
    (judge,) = summary(tmp_path / "out")["judges"]
    assert judge["identity"]["model"] == "test-omni" and judge["served_models"] == [served]
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"served model(s), as the server answered: {served}" in report
    err = capsys.readouterr().err
    assert ("but its server answered as another-model" in err) is warned
    assert ("**Warning**: judge omni's profile names the model test-omni" in report) is warned
