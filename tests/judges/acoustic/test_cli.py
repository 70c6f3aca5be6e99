"""`humdial-eval score` with acoustic judges: measures in items.jsonl, summary.json and the report; the
opt-in dimension scores; clean stdout; process workers give the same answers as in-process analysis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.judges.acoustic.signals import REPO

EXAMPLES = REPO / "examples"


def profile(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def score(out: Path, judge: Path, *extra: str) -> int:
    return main(["score", str(EXAMPLES / "submission"), "--testset", str(EXAMPLES / "testset"), "--out", str(out),
                 "--judge", str(judge), "--no-progress", "--bootstrap", "200", *extra])


def items(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]


def test_combined_profile_reports_measures_beside_the_rubric(tmp_path: Path, emotion2vec_dir: Path) -> None:
    profile(tmp_path, "e2v", f"backend: emotion2vec\nmodel_dir: {emotion2vec_dir}\nworkers: 0\n")
    profile(tmp_path, "pros", "backend: prosody\nworkers: 0\n")
    combined = profile(tmp_path, "combined", "judges: [offline-rubric, e2v.yaml, pros.yaml]\n")
    out = tmp_path / "out"
    assert score(out, combined, "--tasks", "T3", "--no-cache") == 0
    rows = items(out)
    by_judge = {judge: [r for r in rows if r["judge"] == judge] for judge in ("offline-rubric", "e2v", "pros")}
    assert all(len(found) == 8 for found in by_judge.values())  # 4 dialogues x 2 languages each
    assert all(r["status"] == "ok" and "congruence" in r["measures"] for r in by_judge["e2v"])
    assert all(r["status"] == "ok" and "snr_db" in r["measures"] for r in by_judge["pros"])
    assert all(r["scores"] == {} for r in by_judge["e2v"] + by_judge["pros"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    en = summary["languages"]["en"]["T3"]
    assert en["vocal_empathy_congruence"] is None and en["audio_quality_naturalness"] is None  # never substituted
    assert en["textual_empathy_insight"] is not None
    stats = summary["measures"]["T3"]["en"]["pros"]["duration_s"]
    durations = [r["measures"]["duration_s"] for r in by_judge["pros"] if r["language"] == "en"]
    assert stats["n"] == 4 and stats["mean"] == pytest.approx(sum(durations) / 4, abs=1e-4)
    assert "e2v" in summary["measures"]["T3"]["zh"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Measures (not rubric scores)" in report and "| T3 | pros | snr_db |" in report


def test_opt_in_profiles_score_d2_and_d3(tmp_path: Path, emotion2vec_dir: Path) -> None:
    profile(tmp_path, "e2v", f"backend: emotion2vec\nmodel_dir: {emotion2vec_dir}\nworkers: 0\nscore_dimensions: true\n")
    profile(tmp_path, "pros", "backend: prosody\nworkers: 0\nscore_dimensions: true\n")
    combined = profile(tmp_path, "approx", "judges: [offline-rubric, e2v.yaml, pros.yaml]\n")
    out = tmp_path / "out"
    cache = tmp_path / "cache.sqlite"
    assert score(out, combined, "--tasks", "T3", "--cache", str(cache)) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["primary_judges"]["T3.vocal_empathy_congruence"] == "e2v"
    assert summary["primary_judges"]["T3.audio_quality_naturalness"] == "pros"
    for language in ("en", "zh"):
        assert summary["languages"][language]["T3"]["audio_quality_naturalness"] is not None
        assert summary["languages"][language]["T3"]["vocal_empathy_congruence"] is not None
    first = {(r["judge"], r["dialogue_id"]): r["scores"] for r in items(out)}
    assert score(tmp_path / "again", combined, "--tasks", "T3", "--cache", str(cache)) == 0
    again = items(tmp_path / "again")
    assert all("cached" in r["flags"] for r in again)
    assert {(r["judge"], r["dialogue_id"]): r["scores"] for r in again} == first


def test_cli_in_a_fresh_process_keeps_stdout_clean_and_workers_agree(tmp_path: Path, emotion2vec_dir: Path) -> None:
    """A fresh interpreter (funasr prints a notice when first imported, here in-process) with the prosody
    judge on two spawned worker processes; their measures equal those of in-process analysis."""
    profile(tmp_path, "e2v", f"backend: emotion2vec\nmodel_dir: {emotion2vec_dir}\nworkers: 0\n")
    profile(tmp_path, "pros", "backend: prosody\nworkers: 2\nbatch_size: 2\n")
    combined = profile(tmp_path, "both", "judges: [e2v.yaml, pros.yaml]\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "humdial_eval.cli.main", "score", str(EXAMPLES / "submission"), "--testset",
         str(EXAMPLES / "testset"), "--out", str(out), "--judge", str(combined), "--tasks", "T3", "--no-cache",
         "--no-progress", "--bootstrap", "200"],
        capture_output=True, text=True, env=env, timeout=240, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert "ffmpeg" not in done.stdout and "funasr" not in done.stdout.lower() and "[INFO]" not in done.stdout
    assert "Wrote" in done.stdout
    parallel = {r["dialogue_id"]: r["measures"] for r in items(out) if r["judge"] == "pros"}
    serial_profile = profile(tmp_path, "serial", "backend: prosody\nname: pros\nworkers: 0\n")
    assert score(tmp_path / "serial", serial_profile, "--tasks", "T3", "--no-cache") == 0
    serial = {r["dialogue_id"]: r["measures"] for r in items(tmp_path / "serial")}
    assert parallel.keys() == serial.keys() and len(serial) == 8
    for key, measures in serial.items():
        assert parallel[key] == pytest.approx(measures, abs=1e-4), key


def test_shipped_emotion2vec_profile_without_a_model_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUMDIAL_EMOTION2VEC_DIR", raising=False)
    code = main(["score", str(EXAMPLES / "submission"), "--testset", str(EXAMPLES / "testset"), "--out",
                 str(tmp_path / "o"), "--judge", "emotion2vec", "--no-cache", "--tasks", "T3"])
    assert code == 1
    assert "HUMDIAL_EMOTION2VEC_DIR" in capsys.readouterr().err
