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
    assert summary["system"] == "model"  # the model profile's name (model.yaml)
    items = he.load_items(out)
    assert set(items["task"]) == {"T1", "T2", "T3"} and items["score"].notna().any()
    asked = sum(server.asked.values())
    assert main(args + ["--judge", "offline-rubric", "--judge", "offline-rubric.yaml"]) == 0
    assert sum(server.asked.values()) == asked  # the rerun resumed: nothing asked again
    assert (out / "scores" / "offline-rubric" / "summary.json").is_file()
    assert (out / "scores" / "offline-rubric-2" / "summary.json").is_file()
    # scores/ was replaced whole: no file of the earlier single-judge run is left beside the new folders
    assert sorted(p.name for p in (out / "scores").iterdir()) == ["offline-rubric", "offline-rubric-2"]
    assert len(he.load_items(out / "scores" / "offline-rubric-2")) == len(items)
    several = tmp_path / "several"
    for name in ("a", "b"):
        (several / "scores" / name).mkdir(parents=True)
        (several / "scores" / name / "items.jsonl").write_bytes((out / "scores" / "offline-rubric" / "items.jsonl").read_bytes())
    both = he.load_items(several)  # several score folders: one table, told apart by scores_dir
    assert set(both["scores_dir"]) == {"a", "b"} and len(both) == 2 * len(items)


def test_run_names_the_system_and_replaces_only_what_it_wrote(tmp_path: Path, goldset: GoldSet,
                                                              server: AudioModelServer,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    out = tmp_path / "run"
    args = ["run", "--model", str(profile), "--testset", str(goldset.path), "--out", str(out), "--no-cache",
            "--bootstrap", "100", "--no-progress"]
    assert main(args + ["--system-name", "team-x", "--judge", "offline-rubric", "--judge", "offline-rubric.yaml"]) == 0
    assert he.load_summary(out / "scores" / "offline-rubric")["system"] == "team-x"
    assert "# humdial-eval report: team-x" in (out / "scores" / "offline-rubric-2" / "report.md").read_text()
    assert main(args) == 0  # back to one judge: the per-judge folders go
    assert not (out / "scores" / "offline-rubric").exists() and (out / "scores" / "summary.json").is_file()
    capsys.readouterr()
    mine = out / "scores" / "my-notes.txt"
    mine.write_text("keep me", encoding="utf-8")
    (out / "scores" / ".humdial-eval-output").unlink()  # scores/ is no longer a folder humdial-eval wrote
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{out / 'scores'}/" in err and "was not written by humdial-eval" in err and "move it away" in err
    assert mine.read_text() == "keep me"


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
