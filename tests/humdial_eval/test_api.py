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
    trial = he.score(dataset.submission, dataset.testset, no_cache=True, bootstrap=200, limit=1)
    assert trial["trial"]["limit"] == 1  # the CLI's --limit, marked as a trial
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


@pytest.mark.parametrize(("call", "message"), [
    (lambda d, t: he.validate(None, d.testset), "submission must be a path"),
    (lambda d, t: he.validate(d.submission, 42), "testset must be a path"),
    (lambda d, t: he.validate(d.submission, d.testset, tasks=[1, 2]), "tasks must be a list of strings"),
    (lambda d, t: he.validate(d.submission, d.testset, protocol="strictest"), "unknown protocol"),
    (lambda d, t: he.score(d.submission, d.testset, out=t / "o", bootstrap="many"), "bootstrap must be int"),
    (lambda d, t: he.score(d.submission, d.testset, out=t / "o", no_cache="yes"), "no_cache must be bool"),
    (lambda d, t: he.score(d.submission, d.testset, out=t / "o", repeat=True), "repeat must be int"),
    (lambda d, t: he.score(d.submission, d.testset, out=t / "o", judge=3), "judge must be a profile name"),
    (lambda d, t: he.score(d.submission, d.testset, out=t / "o", prompt_file=["T1.j2"]), "prompt_file must be a mapping"),
    (lambda d, t: he.score(d.submission, d.testset, out=t / "o", languages="fr"), "unknown language"),
    (lambda d, t: he.generate(["m"], d.testset, t / "g"), "model must be a profile name"),
    (lambda d, t: he.generate("m", d.testset, t / "g", limit="3"), "limit must be an integer"),
    (lambda d, t: he.generate("m", d.testset, t / "g", voice="x"), "unknown option"),
    (lambda d, t: he.load_items(None), "run_dir must be a path"),
    (lambda d, t: he.load_summary(b"\xff"), "run_dir must be a path"),
])
def test_misuse_raises_documented_errors_not_internal_ones(tmp_path: Path, dataset: Dataset, call: object,
                                                           message: str) -> None:
    with pytest.raises(he.UserError, match=message):
        call(dataset, tmp_path)  # type: ignore[operator]
    assert not (tmp_path / "o").exists()


def test_invalid_argument_is_also_a_builtin_type_and_value_error(dataset: Dataset) -> None:
    with pytest.raises(TypeError):
        he.validate(None, dataset.testset)
    with pytest.raises(ValueError):
        he.validate(dataset.submission, dataset.testset, protocol="nope")


@pytest.mark.parametrize(("items", "summary", "message"), [
    ('[1, 2]\n', None, "items.jsonl:1"),
    ('"text"\n', None, "items.jsonl:1"),
    ('{"task": "T1", "language": "en", "dialogue_id": "d", "judge": "j", "status": "ok", "scores": {"A": NaN}}\n',
     None, "items.jsonl:1"),
    ('{"task": "T1", "language": "en", "dialogue_id": "d", "judge": "j", "status": "ok", "scores": [5]}\n',
     None, "field scores"),
    ('{"task": "T1", "language": "en", "dialogue_id": "d", "judge": "j", "status": "ok", "scores": {"A": 5}}\n',
     "[1, 2]", "summary.json: must be a JSON object"),
    ('{"task": "T1", "language": "en", "dialogue_id": "d", "judge": "j", "status": "ok", "scores": {"A": 5}}\n',
     "\xff", "summary.json"),
])
def test_hostile_run_folders_give_user_errors(tmp_path: Path, items: str, summary: str | None, message: str) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "items.jsonl").write_text(items, encoding="utf-8")
    if summary is not None:
        (run / "summary.json").write_bytes(summary.encode("latin-1"))
        with pytest.raises(he.UserError, match=message):
            he.load_summary(run)
    else:
        with pytest.raises(he.UserError, match=message):
            he.load_items(run)


def test_a_run_folder_scored_by_several_judges_names_the_folders_to_choose(tmp_path: Path, dataset: Dataset) -> None:
    for judge in ("a", "b"):
        he.score(dataset.submission, dataset.testset, out=tmp_path / "run" / "scores" / judge, no_cache=True,
                 bootstrap=100)
    assert set(he.load_items(tmp_path / "run").scores_dir) == {"a", "b"}
    with pytest.raises(he.UserError, match="one score folder per judge; pass one of: .*scores/a, .*scores/b"):
        he.load_summary(tmp_path / "run")
