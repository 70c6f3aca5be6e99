"""A team whose numbers come from other sources than the board's own is marked in every format, with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from humdial_eval.benchmark.sources import PUBLISHED_FINAL_SOURCES
from humdial_eval.cli.main import main
from tests.conftest import Dataset

REPO = Path(__file__).resolve().parents[1].parent
BOARD = REPO / "leaderboards" / "icassp2026_track1"


def scored(dataset: Dataset, out: Path) -> Path:
    assert main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out), "--no-cache",
                 "--bootstrap", "200", "--no-progress", "--system-name", out.name]) == 0
    return out


def test_an_offline_run_joins_the_published_board_marked_and_explained(cli: Any, dataset: Dataset, tmp_path: Path) -> None:
    run = scored(dataset, tmp_path / "offline-team")
    like = scored(dataset, tmp_path / "like-team")
    summary = json.loads((like / "summary.json").read_text())
    summary["sources"] = {k: dict(v) for k, v in PUBLISHED_FINAL_SOURCES.items()}  # as if judged like the board
    (like / "summary.json").write_text(json.dumps(summary))
    result = cli("leaderboard", "build", BOARD, "--out", tmp_path / "board", "--no-plots", "--resamples", "200",
                 "--from-results", run, "--from-results", like)
    assert result.code == 0, result.err
    board = json.loads((tmp_path / "board" / "leaderboard.json").read_text())
    teams = {t["team"]: t for t in board["teams"]}
    unlike = teams["offline-team"]["unlike"]
    assert any("the offline rubric judge here; reference: an LLM judge" in u for u in unlike)
    assert any("vocal_empathy_congruence" in u and "human raters" in u for u in unlike)
    assert teams["like-team"]["unlike"] == [] and teams["TeleAI"]["unlike"] == []
    assert board["sources"]["T3.vocal_empathy_congruence"]["kind"] == "human"
    markdown = (tmp_path / "board" / "leaderboard.md").read_text()
    assert "offline-team‡" in markdown and "like-team‡" not in markdown and "TeleAI‡" not in markdown
    assert "not like-for-like" in markdown and "A team whose scores come from other sources" in markdown
    csv_text = (tmp_path / "board" / "leaderboard.csv").read_text()
    assert "offline rubric judge" in csv_text
