"""``humdial-eval run`` and ``humdial_eval.generate``, against the scripted audio model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import humdial_eval as he
from humdial_eval.cli.main import main
from tests.models.audio_server import AudioModelServer
from tests.models.conftest import GoldSet, write_profile


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


def test_the_api_generates(tmp_path: Path, goldset: GoldSet, server: AudioModelServer) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    root = he.generate(profile, goldset.path, tmp_path / "out", tasks=["T3"], languages=["en"])
    assert root == tmp_path / "out" / "HD-Track1"
    assert he.validate(root, goldset.path, tasks=["T3"], languages=["en"]).valid
    with pytest.raises(he.UserError, match="not found"):
        he.generate(tmp_path / "nope.yaml", goldset.path, tmp_path / "x")
