"""A missing final explains itself: why, the partial finals with intervals, and the command that completes it."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.benchmark.protocol import HUMDIAL
from humdial_eval.cli.main import main
from humdial_eval.engine import registry
from humdial_eval.engine.profiles import build_judges
from humdial_eval.outputs.final_help import AUDIO_PROFILES

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"


def sample(out: Path, *extra: str) -> int:
    return main(["score", str(EXAMPLES / "submission"), "--testset", str(EXAMPLES / "testset"), "--out", str(out),
                 "--bootstrap", "200", "--no-progress", *extra])


def summary_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


def test_the_sample_says_why_its_final_is_missing_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert sample(out) == 0
    printed = capsys.readouterr()
    summary = summary_of(out)
    help_ = summary["final_help"]
    assert help_["unscored"] == ["T3.audio_quality_naturalness", "T3.vocal_empathy_congruence"]
    assert "no judge of profile 'offline-rubric' scores" in help_["why"] and "reply audio" in help_["why"]
    commands = [way["command"] for way in help_["complete_with"]]
    assert commands and all(c.startswith(f"humdial-eval score {EXAMPLES / 'submission'} --testset") for c in commands)
    assert commands[0].endswith("--judge qwen3-omni-vllm")
    # partial finals per language and overall, each with an interval around it
    for entry in [*summary["languages"].values(), summary]:
        low, high = entry["final_partial_ci"]
        assert low <= entry["final_partial"] <= high and low < high
    assert summary["final"] is None and summary["final_ci"] is None
    console = printed.out
    assert "Why: no judge of profile 'offline-rubric' scores" in console
    zh, en = summary["languages"]["zh"], summary["languages"]["en"]
    assert f"zh {zh['final_partial']:.2f} [{zh['final_partial_ci'][0]:.2f}, {zh['final_partial_ci'][1]:.2f}]" in console
    assert f"overall {summary['final_partial']:.2f} [{summary['final_partial_ci'][0]:.2f}" in console
    assert f"To complete it: {commands[0]}" in console  # one line, as it is to be copied
    assert "2 item(s) fell under the language rule" in printed.err
    report = (out / "report.md").read_text()
    assert f"Why: {help_['why']}" in report
    # the report may be shared: it names the profile, not this machine's paths
    assert "- `humdial-eval score SUBMISSION --testset TESTSET --out DIR --judge qwen3-omni-vllm`" in report
    assert str(EXAMPLES) not in report
    assert f"en {en['final_partial']:.2f} [{en['final_partial_ci'][0]:.2f}, {en['final_partial_ci'][1]:.2f}]" in report
    assert "2 item(s) fell under the language rule" in report
    rows = {(r["language"], r["task"], r["dimension"]): r for r in csv.DictReader((out / "summary.csv").open())}
    final, partial = rows[("all", "all", "final")], rows[("all", "all", "final_partial")]
    assert final["mean"] == "" and "not scored: T3.audio_quality_naturalness" in final["note"]
    assert float(partial["mean"]) == summary["final_partial"]
    assert [float(partial["ci_low"]), float(partial["ci_high"])] == summary["final_partial_ci"]
    assert "not comparable" in partial["note"]
    assert float(rows[("zh", "all", "final_partial")]["mean"]) == zh["final_partial"]


def test_a_task_left_out_is_named_as_such_not_blamed_on_the_judge(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert sample(out, "--tasks", "T1,T2") == 0
    help_ = summary_of(out)["final_help"]
    assert help_["unscored"] == [
        "T3.audio_quality_naturalness", "T3.textual_empathy_insight", "T3.vocal_empathy_congruence"]
    assert help_["why"] == "T3 was not in this run's tasks (--tasks)" and help_["complete_with"] == []


def test_every_suggested_profile_scores_what_it_is_suggested_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = {task.id: task for task in registry.make_tasks(None, HUMDIAL)}
    audio = {d.key for d in tasks["T3"].rubric.dimensions if d.needs_audio}
    assert audio == {"vocal_empathy_congruence", "audio_quality_naturalness"}
    names = [name for name, _ in AUDIO_PROFILES]
    (official,) = build_judges(names[0])  # needs no key and no server to be built
    assert audio <= set(official.dimensions(tasks["T3"]))
    # the offline approximation, built over a model folder that only has to exist (no model is loaded here)
    model_dir = tmp_path / "e2v"
    model_dir.mkdir()
    (model_dir / "config.yaml").write_text("model: Emotion2vec\n", encoding="utf-8")
    monkeypatch.setenv("HUMDIAL_EMOTION2VEC_DIR", str(model_dir))
    scored = {key for judge in build_judges(names[1]) for key in judge.dimensions(tasks["T3"])}
    assert audio <= scored


def test_limit_is_a_trial_marked_in_every_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert sample(out, "--limit", "2") == 0
    printed = capsys.readouterr()
    summary = summary_of(out)
    assert summary["trial"]["limit"] == 2 and "first 2 dialogue(s)" in summary["trial"]["note"]
    assert summary["counts"]["items"] == 3 * 2 * 2  # 3 tasks x 2 languages x the first 2 dialogues
    assert summary["languages"]["en"]["T1"]["Accuracy_Completeness_n_expected"] == 2
    assert "TRIAL RUN, --limit 2" in printed.out and "TRIAL RUN (--limit 2)" in printed.out
    assert "--limit 2" in printed.err  # on the line before judging too
    assert "**TRIAL RUN (`--limit 2`)**" in (out / "report.md").read_text()
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert rows and all(row["note"].startswith("trial (--limit 2)") for row in rows)
    first = [json.loads(line)["dialogue_id"] for line in (out / "items.jsonl").read_text().splitlines()]
    testset = [json.loads(line)["dialogue_id"]
               for line in (EXAMPLES / "testset" / "HD-Track1-Test" / "en" / "HD-Track1-T1.jsonl").read_text().splitlines()]
    assert [d for d in first if d in testset] == testset[:2]  # the first N of the file, in order


def test_limit_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sample(tmp_path / "out", "--limit", "0") == 1
    assert "--limit must be at least 1" in capsys.readouterr().err


def test_an_ordinary_run_has_no_trial_mark_and_says_what_it_will_do(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "store.sqlite"
    assert sample(tmp_path / "a", "--cache", str(cache)) == 0
    first = capsys.readouterr().err
    assert "judging: offline-rubric: 22 judgment(s) to make locally, 0 already cached" in first
    assert sample(tmp_path / "b", "--cache", str(cache)) == 0
    assert "judging: offline-rubric: 0 judgment(s) to make locally, 22 already cached" in capsys.readouterr().err
    summary = summary_of(tmp_path / "b")
    assert "trial" not in summary and "usage" not in summary
    assert "trial" not in (tmp_path / "b" / "summary.csv").read_text()
