"""``humdial-eval run`` and the public Python API, against the scripted audio model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import humdial_eval as he
from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.models.audio_server import AudioModelServer
from tests.models.conftest import GoldSet, write_profile

REPO = Path(__file__).resolve().parents[2]


def test_run_generates_validates_and_scores_into_one_folder(tmp_path: Path, goldset: GoldSet,
                                                            server: AudioModelServer) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    out = tmp_path / "run"
    args = ["run", "--model", str(profile), "--testset", str(goldset.path), "--out", str(out), "--no-cache",
            "--bootstrap", "100", "--no-progress"]
    assert main(args) == 0
    assert (out / "submission" / "HD-Track1" / "en" / "HD-Track1-T3.jsonl").is_file()
    assert (out / "submission" / "generation" / "journal.jsonl").is_file()
    summary = he.load_summary(out)
    assert summary["counts"]["items"] == 6 and summary.path == out / "scores" / "summary.json"
    items = he.load_items(out)
    assert set(items["task"]) == {"T1", "T2", "T3"} and items["score"].notna().any()
    asked = sum(server.asked.values())
    assert main(args + ["--judge", "offline-rubric", "--judge", "offline-rubric.yaml"]) == 0
    assert sum(server.asked.values()) == asked  # the rerun resumed: nothing asked again
    assert (out / "scores" / "offline-rubric" / "summary.json").is_file()
    assert (out / "scores" / "offline-rubric-2" / "summary.json").is_file()
    assert len(he.load_items(out / "scores" / "offline-rubric-2")) == len(items)
    several = tmp_path / "several"
    for name in ("a", "b"):
        (several / "scores" / name).mkdir(parents=True)
        (several / "scores" / name / "items.jsonl").write_bytes((out / "scores" / "items.jsonl").read_bytes())
    both = he.load_items(several)  # several score folders: one table, told apart by scores_dir
    assert set(both["scores_dir"]) == {"a", "b"} and len(both) == 2 * len(items)


def test_a_run_with_failed_turns_scores_them_as_missing_and_exits_1(tmp_path: Path, goldset: GoldSet,
                                                                    server: AudioModelServer) -> None:
    from tests.models.audio_server import Fault

    server.fault = lambda label, attempt: Fault(status=400) if label == "en_t1_a:3" else None
    profile = write_profile(tmp_path / "model.yaml", server.url)
    out = tmp_path / "run"
    assert main(["run", "--model", str(profile), "--testset", str(goldset.path), "--out", str(out), "--no-cache",
                 "--bootstrap", "100", "--no-progress"]) == 1
    summary = json.loads((out / "scores" / "summary.json").read_text())
    assert summary["counts"]["missing_response"] == 1 and summary["validation"]["errors"] >= 1


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


def test_the_api_generates(tmp_path: Path, goldset: GoldSet, server: AudioModelServer) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    root = he.generate(profile, goldset.path, tmp_path / "out", tasks=["T3"], languages=["en"])
    assert root == tmp_path / "out" / "HD-Track1"
    assert he.validate(root, goldset.path, tasks=["T3"], languages=["en"]).valid
    with pytest.raises(he.UserError, match="not found"):
        he.generate(tmp_path / "nope.yaml", goldset.path, tmp_path / "x")
