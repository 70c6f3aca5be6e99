"""The public Python API (humdial_eval/api.py): the same results as the CLI, a documented table, a cheap import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import humdial_eval as he
from humdial_eval.cli.main import main
from tests.conftest import Dataset


def test_the_api_scores_like_the_cli(tmp_path: Path, dataset: Dataset) -> None:
    report = he.validate(dataset.submission, dataset.testset)
    assert isinstance(report, he.ValidationReport) and report.valid and report.errors == []
    cli_out = tmp_path / "cli"
    assert main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(cli_out),
                 "--no-cache", "--bootstrap", "200", "--tasks", "T1,T3"]) == 0
    summary = he.score(dataset.submission, dataset.testset, out=tmp_path / "api", no_cache=True, bootstrap=200,
                       tasks=["T1", "T3"])
    expected = json.loads((cli_out / "summary.json").read_text())
    for key in ("languages", "final", "final_partial", "counts", "options"):
        assert summary[key] == expected[key]
    assert summary.mean("en", "T1") == expected["languages"]["en"]["T1"]["avg"]
    in_memory = he.score(dataset.submission, dataset.testset, no_cache=True, bootstrap=200, tasks=["T1", "T3"])
    assert in_memory["languages"] == expected["languages"] and in_memory.path is None
    with pytest.raises(TypeError, match="unknown option 'boostrap'"):
        he.score(dataset.submission, dataset.testset, boostrap=100)
    with pytest.raises(he.UserError, match="test set folder not found"):
        he.validate(dataset.submission, tmp_path / "missing")


def test_load_items_is_one_row_per_item_judge_and_dimension(tmp_path: Path, dataset: Dataset) -> None:
    he.score(dataset.submission, dataset.testset, out=tmp_path / "s", no_cache=True, bootstrap=100)
    items = he.load_items(tmp_path / "s")
    lines = [json.loads(line) for line in (tmp_path / "s" / "items.jsonl").read_text().splitlines()]
    assert len(items) == sum(max(1, len(line["scores"])) for line in lines)
    t1 = items[(items.task == "T1") & (items.language == "en")]
    assert set(t1.dimension) == {"Accuracy_Completeness", "Depth_Granularity", "Added_Value"}
    wide = items.pivot_table(index=["task", "language", "dialogue_id"], columns="dimension", values="score")
    assert len(wide) == len({(line["task"], line["language"], line["dialogue_id"]) for line in lines})
    with pytest.raises(he.UserError, match="no items.jsonl"):
        he.load_items(tmp_path)


def test_the_documented_one_liner_works_and_import_stays_cheap(tmp_path: Path, dataset: Dataset) -> None:
    code = (
        "import sys, humdial_eval as he; "
        "heavy = [m for m in ('pandas', 'openai', 'judges', 'models', 'humdial_eval.api') if m in sys.modules]; "
        "assert not heavy, heavy; "
        f"s = he.score({str(dataset.submission)!r}, {str(dataset.testset)!r}, out={str(tmp_path / 'o')!r}, "
        "no_cache=True, bootstrap=100); "
        f"df = he.load_items({str(tmp_path / 'o')!r}); "
        "print(len(df), s.final_partial is not None)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows, has_final = result.stdout.split()
    assert int(rows) > 0 and has_final == "True"
