"""The interval memo of ``score``: a re-score with the same numbers gets the same summary without
recomputing the bootstrap, and anything that changes an interval misses the memo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humdial_eval.outputs import scoring
from humdial_eval.outputs.scoring import BootstrapSettings, memo_for, summarise
from tests.humdial_eval.outputs.test_scoring import TASKS, AllDimensions
from tests.humdial_eval.outputs.test_scoring_fast_path import random_results

SETTINGS = BootstrapSettings(resamples=200, seed=5)


def _summary(memo_path: Path | None, results=None, settings: BootstrapSettings = SETTINGS):  # type: ignore[no-untyped-def]
    memo = memo_for(memo_path) if memo_path is not None else None
    return summarise(results or random_results(dialogues=12), TASKS, [AllDimensions()], ["zh", "en"], settings,
                     intervals=memo)


def _count_bootstraps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = scoring._bootstrap_ci

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(scoring, "_bootstrap_ci", counting)
    return calls


def test_a_memo_hit_gives_the_same_summary_without_resampling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _summary(None)
    memo_path = tmp_path / "store.sqlite.intervals.json"
    calls = _count_bootstraps(monkeypatch)
    first = _summary(memo_path)
    computed = len(calls)
    assert computed > 10 and memo_path.is_file()
    second = _summary(memo_path)
    assert len(calls) == computed  # every interval came from the memo
    assert plain["final_ci"] is not None and first == plain and second == plain


def test_other_numbers_or_settings_miss_the_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memo_path = tmp_path / "memo.json"
    _summary(memo_path)
    calls = _count_bootstraps(monkeypatch)
    changed = random_results(dialogues=12, seed=8)
    assert _summary(memo_path, changed) == _summary(None, changed)
    for settings in (BootstrapSettings(resamples=201, seed=5), BootstrapSettings(resamples=200, seed=6),
                     BootstrapSettings(resamples=200, seed=5, confidence=0.9)):
        before = len(calls)
        assert _summary(memo_path, settings=settings) == _summary(None, settings=settings)
        assert len(calls) > before


def test_a_damaged_memo_is_ignored(tmp_path: Path) -> None:
    memo_path = tmp_path / "memo.json"
    plain = _summary(None)
    memo_path.write_text("{not json", encoding="utf-8")
    assert _summary(memo_path) == plain
    entries = json.loads(memo_path.read_text(encoding="utf-8"))["entries"]
    for entry in entries.values():  # wrong intervals and states of the wrong shape are misses, not answers
        entry["ci"] = ["x", 1]
    memo_path.write_text(json.dumps({"schema": "humdial-eval/intervals/1", "entries": entries}), encoding="utf-8")
    assert _summary(memo_path) == plain
    for entry in entries.values():
        entry["state"] = {"bit_generator": "nonsense"}
    memo_path.write_text(json.dumps({"schema": "humdial-eval/intervals/1", "entries": entries}), encoding="utf-8")
    assert _summary(memo_path) == plain


def test_an_unwritable_memo_does_not_stop_the_summary(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert _summary(blocker / "memo.json") == _summary(None)  # its folder cannot be made: nothing kept
