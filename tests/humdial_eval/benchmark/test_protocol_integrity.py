"""Integrity rules of the default protocol: no expected item silently leaves a mean.

A NaN-audio reply scores no better than silence; a judge refusing a reply (HTTP 400) scores it the
minimum, flagged ``submission_fault``; a reply over the length cap is never sent; a judge-side failure
leaves the final incomplete, says so, and changes the exit code; one language is not the final.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import yaml

from humdial_eval.cli.main import EXIT_INCOMPLETE, main
from humdial_eval.benchmark.protocol import reply_cap
from tests.conftest import Dataset
from tests.judges.llm.fake_server import Call, FakeJudgeServer, Scripted, judge_like
from tests.judges.llm.helpers import FAST

D3 = "audio_quality_naturalness"


def score(dataset: Dataset, out: Path, *extra: str) -> int:
    return main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out),
                 "--bootstrap", "100", "--no-progress", "--no-cache", *extra])


def items(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    records = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    return {(r["language"], r["dialogue_id"]): r for r in records}


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def validation_codes(out: Path) -> set[str]:
    return {json.loads(line)["code"] for line in (out / "validation.jsonl").read_text(encoding="utf-8").splitlines()}


@pytest.fixture
def llm_judge(tmp_path: Path) -> Iterator[Callable[[Callable[[Call], Scripted]], tuple[Path, FakeJudgeServer]]]:
    servers: list[FakeJudgeServer] = []

    def make(responder: Callable[[Call], Scripted]) -> tuple[Path, FakeJudgeServer]:
        server = FakeJudgeServer(responder=responder).start()
        servers.append(server)
        path = tmp_path / f"judge{len(servers)}.yaml"
        path.write_text(yaml.safe_dump({"backend": "openai", "model": "test-omni", "audio": True,
                                        "base_url": server.url, **FAST, "max_retries": 1}), encoding="utf-8")
        return path, server

    yield make
    for server in servers:
        server.stop()


def test_a_nan_audio_reply_scores_no_better_than_the_same_reply_as_silence(dataset: Dataset, tmp_path: Path) -> None:
    wav = dataset.response_wav("en", "en_t3_a", 3)  # the evaluated turn (second emotional one)
    frames = soundfile.info(str(wav)).frames
    soundfile.write(str(wav), np.full(frames, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    assert score(dataset, tmp_path / "nan", "--judge", "prosody-d3") == 0
    soundfile.write(str(wav), np.zeros(frames, dtype=np.float32), 16000, subtype="PCM_16")
    assert score(dataset, tmp_path / "silent", "--judge", "prosody-d3") == 0

    nan_item, silent_item = items(tmp_path / "nan")[("en", "en_t3_a")], items(tmp_path / "silent")[("en", "en_t3_a")]
    assert "audio_non_finite" in validation_codes(tmp_path / "nan")
    assert "audio_silent" in validation_codes(tmp_path / "silent")
    for item, code in ((nan_item, "audio_non_finite"), (silent_item, "audio_silent")):
        assert item["status"] == "ok" and item["scores"][D3] == 1 and "missing_audio" in item["flags"]
        assert item["meta"]["audio_refused"] == code
    nan_d3 = summary(tmp_path / "nan")["languages"]["en"]["T3"][D3]
    assert nan_d3 is not None and nan_d3 <= summary(tmp_path / "silent")["languages"]["en"]["T3"][D3]
    assert summary(tmp_path / "nan")["languages"]["en"]["T3"][f"{D3}_n"] == 1  # the item stays in the mean


def test_audio_of_an_absurd_duration_for_its_text_is_scored_as_no_audio(dataset: Dataset, tmp_path: Path) -> None:
    wav = dataset.response_wav("en", "en_t3_a", 3)
    t = np.arange(1600) / 16000  # 0.1 s for a 17-word reply
    soundfile.write(str(wav), (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, subtype="PCM_16")
    assert score(dataset, tmp_path / "out", "--judge", "prosody-d3") == 0
    assert "audio_duration_implausible" in validation_codes(tmp_path / "out")
    assert items(tmp_path / "out")[("en", "en_t3_a")]["scores"][D3] == 1


def test_a_judge_refusing_an_over_long_reply_scores_it_the_minimum_as_a_submission_fault(
    dataset: Dataset, tmp_path: Path, llm_judge: Any
) -> None:
    padded = "I understand. " * 200  # 2800 characters: under the cap, over this judge's context
    assert len(padded.strip()) < reply_cap("en")
    dataset.rewrite("en", "T1", lambda records: records[0]["turns"][-1].update(response_text=padded))

    def small_context(call: Call) -> Scripted:
        if padded.strip() in call.prompt:  # only the padded prompt is over this judge's context
            return Scripted(status=400, body={"error": {"message": "maximum context length exceeded"}})
        return judge_like(call)

    profile, _ = llm_judge(small_context)
    assert score(dataset, tmp_path / "out", "--judge", str(profile)) == 0
    refused = items(tmp_path / "out")[("en", "en_t1_a")]
    assert refused["status"] == "failed" and "submission_fault" in refused["flags"]
    assert set(refused["scores"].values()) == {1} and len(refused["scores"]) == 3
    result = summary(tmp_path / "out")
    assert result["languages"]["en"]["T1"]["Accuracy_Completeness"] == 1.0
    assert result["languages"]["en"]["T1"]["Accuracy_Completeness_n"] == 1
    assert result["final_complete"] is True and result["counts"]["submission_fault"] == 1


def test_a_reply_over_the_cap_scores_the_minimum_and_is_never_sent(
    dataset: Dataset, tmp_path: Path, llm_judge: Any
) -> None:
    huge = "x" * (reply_cap("en") + 1)
    dataset.rewrite("en", "T2", lambda records: records[0]["turns"][-1].update(response_text=huge))
    profile, server = llm_judge(judge_like)
    assert score(dataset, tmp_path / "out", "--judge", str(profile)) == 0
    capped = items(tmp_path / "out")[("en", "en_t2_a")]
    assert "reply_too_long" in capped["flags"] and set(capped["scores"].values()) == {1}
    assert not any(huge in call.prompt for call in server.calls)
    assert "response_too_long" in validation_codes(tmp_path / "out")


def test_a_judge_side_failure_makes_the_final_incomplete_with_its_own_exit_code(
    dataset: Dataset, tmp_path: Path, llm_judge: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    def down_for_one(call: Call) -> Scripted:
        if "Why do I feel this way" in call.prompt:
            return Scripted(status=503, body={"error": {"message": "overloaded"}})
        return judge_like(call)

    profile, _ = llm_judge(down_for_one)
    assert score(dataset, tmp_path / "default", "--judge", str(profile)) == EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "final_complete is false" in err and f"exit code {EXIT_INCOMPLETE}" in err
    result = summary(tmp_path / "default")
    assert result["final_complete"] is False and result["counts"]["judge_side_failed"] == 1
    t2 = result["languages"]["en"]["T2"]
    assert t2["Clarity_Logic_n"] == 0 and t2["Clarity_Logic_n_expected"] == 1

    assert score(dataset, tmp_path / "exclude", "--judge", str(profile), "--on-failure", "exclude") == 0
    assert summary(tmp_path / "exclude")["final_complete"] is False
    assert score(dataset, tmp_path / "min", "--judge", str(profile), "--on-failure", "min") == 0
    assert summary(tmp_path / "min")["final_complete"] is True


def test_a_judge_refusing_everything_is_misconfigured_not_a_submission_fault(
    dataset: Dataset, tmp_path: Path, llm_judge: Any
) -> None:
    profile, _ = llm_judge(lambda call: Scripted(status=400, body={"error": {"message": "unknown parameter top_k"}}))
    assert score(dataset, tmp_path / "out", "--judge", str(profile)) == 1  # every judgment failed
    assert not any("submission_fault" in r["flags"] for r in items(tmp_path / "out").values())


def test_one_language_is_a_one_language_result_never_the_final(
    dataset: Dataset, tmp_path: Path, llm_judge: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    profile, _ = llm_judge(judge_like)
    assert score(dataset, tmp_path / "en", "--languages", "en", "--judge", str(profile)) == 0
    result = summary(tmp_path / "en")
    assert result["final"] is None and result["final_complete"] is False
    assert result["one_language_final"]["language"] == "en"
    assert result["one_language_final"]["final"] == result["languages"]["en"]["final"] is not None
    assert "en only" in result["final_scope"]
    captured = capsys.readouterr()
    assert "not the official final" in captured.err
    assert "Final score: n/a" in captured.out and "one-language" in captured.out


def test_the_official_protocol_has_no_integrity_rules_and_keeps_the_language_rule(
    dataset: Dataset, tmp_path: Path, llm_judge: Any
) -> None:
    """What the published scripts would do: NaN audio and an over-cap reply go to the judge; the
    challenge's language rule still applies unless --no-language-rule."""
    wav = dataset.response_wav("en", "en_t3_a", 3)
    soundfile.write(str(wav), np.full(soundfile.info(str(wav)).frames, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    huge = "I see. " * (reply_cap("en") // 7 + 1)
    dataset.rewrite("en", "T2", lambda records: records[0]["turns"][-1].update(response_text=huge))
    dataset.rewrite("en", "T1", lambda records: records[0]["turns"][-1].update(response_text="你好，我很高兴认识你，今天天气很好。"))
    profile, server = llm_judge(judge_like)
    assert score(dataset, tmp_path / "out", "--judge", str(profile), "--protocol", "official") == 0
    result = items(tmp_path / "out")
    assert "audio_refused" not in result[("en", "en_t3_a")]["meta"] and "missing_audio" not in result[("en", "en_t3_a")]["flags"]
    assert any(call.audio is not None for call in server.calls)
    assert "reply_too_long" not in result[("en", "en_t2_a")]["flags"] and any(huge.strip() in c.prompt for c in server.calls)
    assert "language_rule" in result[("en", "en_t1_a")]["flags"]
    assert score(dataset, tmp_path / "off", "--judge", str(profile), "--protocol", "official", "--no-language-rule") == 0
    assert "language_rule" not in items(tmp_path / "off")[("en", "en_t1_a")]["flags"]


def test_dimensions_no_judge_scores_are_missing_from_the_final_not_unjudged_items(
    dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The offline judge scores no T3 D2/D3 by design: the final is missing (final_missing), the run is not
    'incomplete' (no warning, exit 0), and n_expected still says how many items there were."""
    assert score(dataset, tmp_path / "out") == 0
    result = summary(tmp_path / "out")
    assert result["final"] is None and result["final_complete"] is False and result["unscored_expected"] == {}
    assert result["languages"]["en"]["T3"][f"{D3}_n"] == 0 and result["languages"]["en"]["T3"][f"{D3}_n_expected"] == 1
    assert "final_complete is false" not in capsys.readouterr().err
