"""Runs under either protocol join a board: skipped items, items the protocol leaves out and failed
judgments a rule scored the minimum are read the way the run's summary counted them."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.judges.llm.fake_server import FakeJudgeServer, Scripted
from tests.judges.llm.helpers import FAST
from tests.leaderboards.helpers import read_board, team

DATA = Path(__file__).resolve().parents[1] / "data" / "official"
sys.path.insert(0, str(DATA))
from make_data import write_audio  # noqa: E402
from scripted_judge import answer  # noqa: E402


def test_an_official_protocol_run_joins_the_board_with_its_own_means(cli: Any, tmp_path: Path) -> None:
    shutil.copytree(DATA / "testset", tmp_path / "testset")
    shutil.copytree(DATA / "submission", tmp_path / "submission")
    write_audio(tmp_path / "submission" / "HD-Track1")
    server = FakeJudgeServer(responder=lambda call: Scripted(content=answer(call.prompt))).start()
    try:
        profile = tmp_path / "scripted.yaml"
        profile.write_text(yaml.safe_dump({"backend": "openai", "model": "scripted", "audio": True,
                                           "base_url": server.url, **FAST}), encoding="utf-8")
        run = tmp_path / "run"
        scored = cli("score", tmp_path / "submission", "--testset", tmp_path / "testset", "--out", run, "--judge",
                     profile, "--protocol", "official", "--no-language-rule", "--no-cache", "--no-progress",
                     "--bootstrap", "100")
        assert scored.code == 0, scored.err
    finally:
        server.stop()
    summary = json.loads((run / "summary.json").read_text())
    result = cli("leaderboard", "build", "icassp2026_track1", "--out", tmp_path / "out", "--no-plots",
                 "--resamples", "200", "--from-results", run, "--name", "official-run")
    assert result.code == 0, result.err
    entry = team(read_board(tmp_path / "out"), "official-run")
    for language in ("zh", "en"):
        for task in ("T1", "T2", "T3"):
            for dimension, value in entry["languages"][language]["tasks"][task].items():
                if dimension != "avg":
                    assert value == round(summary["languages"][language][task][dimension], 2)


def test_submission_faults_scored_the_minimum_count_on_the_board_as_in_the_summary(
    cli: Any, tmp_path: Path, dataset: Any
) -> None:
    from tests.judges.llm.fake_server import judge_like

    dataset.rewrite("en", "T1", lambda records: records[0]["turns"][-1].update(response_text="Padded. " * 300))
    server = FakeJudgeServer(responder=lambda call: Scripted(status=400, body={"error": {"message": "too long"}})
                             if "Padded. Padded." in call.prompt else judge_like(call)).start()
    try:
        profile = tmp_path / "j.yaml"
        profile.write_text(yaml.safe_dump({"backend": "openai", "model": "m", "audio": True, "base_url": server.url,
                                           **FAST}), encoding="utf-8")
        run = tmp_path / "run"
        scored = cli("score", dataset.submission, "--testset", dataset.testset, "--out", run, "--judge", profile,
                     "--no-cache", "--no-progress", "--bootstrap", "100")
        assert scored.code == 0, scored.err
    finally:
        server.stop()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["counts"]["submission_fault"] == 1
    result = cli("leaderboard", "build", "icassp2026_track1", "--out", tmp_path / "out", "--no-plots",
                 "--resamples", "200", "--from-results", run, "--name", "faulty")
    assert result.code == 0, result.err
    entry = team(read_board(tmp_path / "out"), "faulty")
    assert entry["languages"]["en"]["tasks"]["T1"]["Accuracy_Completeness"] == 1.0
