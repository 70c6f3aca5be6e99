"""`humdial-eval score` end to end: outputs, the benchmark's rules, the store, the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.cli.main import main
from humdial_eval.benchmark.results import read_items
from humdial_eval.engine.store import JudgmentStore
from tests.conftest import Dataset

REPO = Path(__file__).resolve().parents[3]


def score(dataset: Dataset, out: Path, *extra: str) -> int:
    return main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out),
                 "--bootstrap", "200", "--no-progress", *extra])


def summary_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


def item(out: Path, dialogue_id: str) -> Any:
    return next(r for r in read_items(out / "items.jsonl") if r.dialogue_id == dialogue_id)


def test_writes_every_output_with_the_documented_fields(dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert score(dataset, out, "--system-name", "team-x") == 0
    printed = capsys.readouterr().out
    assert "Accuracy_Completeness" in printed and "Final score" in printed
    lines = [json.loads(line) for line in (out / "items.jsonl").read_text().splitlines()]
    assert len(lines) == 6  # 3 tasks x 2 languages x 1 dialogue x 1 judge
    assert set(lines[0]) >= {"task", "language", "dialogue_id", "turn_id", "judge", "status", "scores", "rationale", "error"}
    summary = summary_of(out)
    assert summary["system"] == "team-x"
    assert set(summary["languages"]) == {"zh", "en"}
    assert set(summary["languages"]["en"]["T1"]) >= {"Accuracy_Completeness", "Accuracy_Completeness_ci", "avg"}
    assert summary["options"]["t3_turn_rule"] == "second_non_neutral"
    assert summary["submission"] == str(dataset.submission.resolve())
    assert (out / "summary.csv").read_text().startswith("language,task,dimension,mean,ci_low,ci_high,n")
    report = (out / "report.md").read_text()
    assert "| T1 | Accuracy_Completeness |" in report and "Partial final" in report


def test_t3_rule_is_recorded_per_item(dataset: Dataset, tmp_path: Path) -> None:
    assert score(dataset, tmp_path / "a") == 0
    assert score(dataset, tmp_path / "b", "--t3-turn-rule", "last_non_neutral") == 0
    first, second = item(tmp_path / "a", "en_t3_a"), item(tmp_path / "b", "en_t3_a")
    assert (first.turn_id, first.meta["t3_turn_rule"]) == (3, "second_non_neutral")
    assert (second.turn_id, second.meta["t3_turn_rule"]) == (4, "last_non_neutral")


def test_language_rule_scores_the_minimum_on_every_dimension(dataset: Dataset, tmp_path: Path) -> None:
    english_reply = "You were happy about your admission letter, then afraid of living alone far from home."
    dataset.rewrite("zh", "T1", lambda r: r[0]["turns"][2].update(response_text=english_reply))
    out = tmp_path / "out"
    assert score(dataset, out) == 0
    result = item(out, "zh_t1_a")
    assert result.flags == ["language_rule"]
    assert result.scores == {"Accuracy_Completeness": 1, "Depth_Granularity": 1, "Added_Value": 1}
    assert summary_of(out)["counts"]["language_rule"] == 1


def test_a_matching_language_is_judged_normally(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert score(dataset, out) == 0
    result = item(out, "zh_t1_a")
    assert result.flags == [] and result.scores["Accuracy_Completeness"] == 5


def test_missing_response_scores_the_minimum_and_strict_refuses(dataset: Dataset, tmp_path: Path) -> None:
    dataset.rewrite("en", "T2", lambda r: r[0]["turns"][2].update(response_text=""))
    out = tmp_path / "out"
    assert score(dataset, out) == 0
    result = item(out, "en_t2_a")
    assert result.flags == ["missing_response"] and set(result.scores.values()) == {1}
    assert summary_of(out)["validation"]["errors"] == 1
    assert score(dataset, tmp_path / "strict", "--strict") == 1
    assert not (tmp_path / "strict" / "summary.json").exists()


def test_store_makes_a_rerun_use_cached_judgments(dataset: Dataset, tmp_path: Path) -> None:
    cache = tmp_path / "store.sqlite"
    assert score(dataset, tmp_path / "a", "--cache", str(cache)) == 0
    assert all("cached" not in r.flags for r in read_items(tmp_path / "a" / "items.jsonl"))
    with JudgmentStore(cache) as store:
        assert store.stats().judgments == 6
    assert score(dataset, tmp_path / "b", "--cache", str(cache)) == 0
    assert all("cached" in r.flags for r in read_items(tmp_path / "b" / "items.jsonl"))
    assert summary_of(tmp_path / "a")["languages"] == summary_of(tmp_path / "b")["languages"]


def test_changed_response_is_judged_again(dataset: Dataset, tmp_path: Path) -> None:
    cache = tmp_path / "store.sqlite"
    assert score(dataset, tmp_path / "a", "--cache", str(cache)) == 0
    dataset.rewrite("en", "T1", lambda r: r[0]["turns"][2].update(response_text="You felt happy and then sad."))
    assert score(dataset, tmp_path / "b", "--cache", str(cache)) == 0
    assert "cached" not in item(tmp_path / "b", "en_t1_a").flags
    assert "cached" in item(tmp_path / "b", "zh_t1_a").flags


def test_task_and_language_selection(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert score(dataset, out, "--tasks", "T1", "--languages", "en") == 0
    summary = summary_of(out)
    assert list(summary["languages"]) == ["en"] and list(summary["languages"]["en"])[0] == "T1"
    assert summary["final"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tasks", "T9"], "no task plugin named 'T9'"),
        (["--languages", "fr"], "unknown language"),
        (["--judge", "no-such-profile"], "judge profile 'no-such-profile' not found"),
        (["--t3-turn-rule", "first"], "unknown T3 turn rule"),
    ],
)
def test_bad_options_are_clear_errors(dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert score(dataset, tmp_path / "out", *args) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_profile_holding_a_secret_is_refused(dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "leaky.yaml"
    profile.write_text("backend: offline-rubric\napi_key: sk-123\n")
    assert score(dataset, tmp_path / "out", "--judge", str(profile)) == 1
    err = capsys.readouterr().err
    assert "api_key_env" in err and "sk-123" not in err


def test_bundled_sample_scores_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = REPO / "examples"
    out = tmp_path / "sample"
    code = main(["score", str(examples / "submission"), "--testset", str(examples / "testset"), "--out", str(out),
                 "--bootstrap", "200", "--no-progress"])
    assert code == 0
    summary = summary_of(out)
    assert summary["validation"]["errors"] == 0
    assert summary["counts"]["failed"] == 0
    assert summary["counts"]["language_rule"] >= 2  # the sample holds one wrong-language reply per language
    for language in ("zh", "en"):
        for task in ("T1", "T2"):
            assert 1 <= summary["languages"][language][task]["avg"] <= 5
    assert summary["final"] is None and summary["final_partial"] is not None


def test_audio_refused_by_validation_is_scored_as_missing(dataset: Dataset, tmp_path: Path) -> None:
    dataset.response_wav("en", "en_t3_a", 3).write_bytes(b"RIFF\x00\x00\x00\x00WAVEbroken")
    out = tmp_path / "out"
    # prosody-d3 scores T3 D3 from the audio; the refused file must never reach it.
    assert score(dataset, out, "--judge", "prosody-d3", "--tasks", "T3") == 0
    result = item(out, "en_t3_a")
    assert result.status == "ok" and "missing_audio" in result.flags
    assert result.scores["audio_quality_naturalness"] == 1
    other = item(out, "zh_t3_a")
    assert "missing_audio" not in other.flags
