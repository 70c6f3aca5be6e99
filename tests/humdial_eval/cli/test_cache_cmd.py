"""`humdial-eval cache stats|clear` on a judgment store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.store import JudgmentStore


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    with JudgmentStore(path) as store:
        for i, (judge, task, status) in enumerate([("a", "T1", "ok"), ("a", "T2", "ok"), ("a", "T2", "failed"),
                                                  ("b", "T1", "ok"), ("b", "T3", "failed")]):
            judgment = Judgment(judge=judge, status=status, scores={"x": 1} if status == "ok" else {})
            store.put(f"key{i}", (task, "en", f"d{i}", 1), judgment)
    return path


def stats(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["cache", "stats", "--cache", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_count_ok_and_failed_by_judge_and_task(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = stats(store_path, capsys)
    assert (counts["ok"], counts["failed"]) == (3, 2)
    assert counts["ok_by_judge"] == {"a": 2, "b": 1} and counts["failed_by_judge"] == {"a": 1, "b": 1}
    assert counts["ok_by_task"] == {"T1": 2, "T2": 1} and counts["bytes"] > 0
    assert main(["cache", "stats", "--cache", str(store_path)]) == 0
    assert "3 reusable (ok) judgment(s), 2 failed" in capsys.readouterr().out


def test_clear_failed_then_one_judge_then_all(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "clear", "--cache", str(store_path), "--failed"]) == 0
    assert "removed 2 failed judgment(s)" in capsys.readouterr().out
    assert (stats(store_path, capsys)["ok"], stats(store_path, capsys)["failed"]) == (3, 0)
    assert main(["cache", "clear", "--cache", str(store_path), "--judge", "a"]) == 0
    assert "removed 2 judgment(s) of judge 'a'" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache", str(store_path)]) == 0
    capsys.readouterr()
    assert stats(store_path, capsys)["ok"] == 0


def test_the_default_store_is_the_one_score_uses(store_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUMDIAL_EVAL_CACHE", str(store_path))
    assert main(["cache", "stats"]) == 0
    assert str(store_path) in capsys.readouterr().out


def test_missing_or_foreign_files_are_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.sqlite"
    assert main(["cache", "stats", "--cache", str(missing)]) == 1
    assert "no judgment store at" in capsys.readouterr().err and not missing.exists()
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database " * 100)
    assert main(["cache", "clear", "--cache", str(foreign)]) == 1
    assert "not a judgment store" in capsys.readouterr().err
    assert main(["cache"]) == 2 and os.path.exists(foreign)
