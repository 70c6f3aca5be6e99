"""The --out rule of every command that writes a folder: checked first, replaced whole, never mixed (issue 12)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from humdial_eval.outputs.output_dir import MARKER, Discard, OutputError, check_output_folder, staged_output
from tests.conftest import Dataset


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- the module ----------------------------------------------------------------------------------------------------
def test_new_empty_and_marked_folders_are_accepted(tmp_path: Path) -> None:
    check_output_folder(tmp_path / "new" / "deeper", "t")
    (tmp_path / "empty").mkdir()
    check_output_folder(tmp_path / "empty", "t")
    with staged_output(check_output_folder(tmp_path / "marked", "t")) as staging:
        (staging / "a.txt").write_text("1")
    assert json.loads((tmp_path / "marked" / MARKER).read_text())["command"] == "t"
    check_output_folder(tmp_path / "marked", "t")


@pytest.mark.parametrize("case", ["file", "foreign", "inside", "around", "same"])
def test_refusals_name_the_folder_and_change_nothing(tmp_path: Path, case: str) -> None:
    data = tmp_path / "inputs" / "data"
    data.mkdir(parents=True)
    (data / "x.jsonl").write_text("{}")
    out = {"file": data / "x.jsonl", "foreign": tmp_path / "inputs", "inside": data / "out",
           "around": tmp_path / "inputs", "same": data}[case]
    if case == "around":
        (tmp_path / "inputs" / MARKER).write_text("{}")
    before = tree(tmp_path)
    with pytest.raises(OutputError) as caught:
        check_output_folder(out, "t", {"the data": data})
    assert str(out) in str(caught.value)
    assert tree(tmp_path) == before


def test_a_failure_or_discard_keeps_the_old_result_and_leaves_no_trace(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_output(check_output_folder(out, "t")) as staging:
        (staging / "old.txt").write_text("old")
    before = tree(tmp_path)
    with pytest.raises(RuntimeError):
        with staged_output(check_output_folder(out, "t")) as staging:
            (staging / "new.txt").write_text("half")
            raise RuntimeError("crash while writing")
    with staged_output(check_output_folder(out, "t")) as staging:
        (staging / "new.txt").write_text("half")
        raise Discard
    assert tree(tmp_path) == before


def test_a_folder_filled_by_someone_else_during_the_run_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = check_output_folder(out, "t")
    out.mkdir()
    (out / "theirs.txt").write_text("theirs")
    with pytest.raises(OutputError):
        with staged_output(folder) as staging:
            (staging / "a.txt").write_text("1")
    assert tree(out) == {"theirs.txt": b"theirs"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# -- the commands --------------------------------------------------------------------------------------------------
@pytest.fixture
def runs(dataset: Dataset, tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "runs" / "a", tmp_path / "runs" / "b"
    for out, tasks in ((first, "T1,T2"), (second, "T1")):
        assert main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out),
                     "--tasks", tasks, "--bootstrap", "100", "--no-progress"]) == 0
    return first, second


def commands(runs: tuple[Path, Path], out: Path) -> dict[str, list[str]]:
    first, second = runs
    return {
        "leaderboard": ["leaderboard", "build", "icassp2026_track1", "--no-plots", "--resamples", "100",
                        "--from-results", str(first), "--out", str(out)],
        "agreement": ["agreement", str(first), str(second), "--no-figures", "--bootstrap", "0", "--out", str(out)],
        "human": ["human", "export", str(first), "--out", str(out)],
    }


@pytest.mark.parametrize("command", ["leaderboard", "agreement", "human"])
def test_commands_refuse_a_foreign_folder_and_replace_their_own(command: str, runs: tuple[Path, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(commands(runs, out)[command]) == 1
    err = capsys.readouterr().err
    assert "non-empty folder" in err and "Traceback" not in err
    assert tree(out) == {"notes.txt": b"mine"}
    (out / "notes.txt").unlink()
    assert main(commands(runs, out)[command]) == 0
    assert (out / MARKER).is_file()
    (out / "stale.txt").write_text("from an older run")
    assert main(commands(runs, out)[command]) == 0
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("command", ["leaderboard", "agreement", "human"])
def test_commands_refuse_out_inside_or_around_their_inputs(command: str, runs: tuple[Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(tmp_path)
    for out in (runs[0] / "sub", tmp_path / "runs"):
        assert main(commands(runs, out)[command]) == 1
        err = capsys.readouterr().err
        assert ("inside" in err or "holds" in err or "non-empty" in err) and "Traceback" not in err
    assert tree(tmp_path) == before


def test_human_export_keeps_apart_from_the_runs_submission(runs: tuple[Path, Path], dataset: Dataset,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["human", "export", str(runs[0]), "--out", str(dataset.submission / "sheets")]) == 1
    assert "the run's submission" in capsys.readouterr().err


def test_human_import_refuses_to_overwrite_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    filled = tmp_path / "filled.csv"
    filled.write_text("item,language,task,dialogue_id,turn_id,dimension,rater,score\n")
    assert main(["human", "import", str(filled), "--out", str(filled)]) == 1
    assert "input files" in capsys.readouterr().err
    assert filled.read_text().startswith("item,")


def test_staging_folders_of_killed_runs_are_removed_by_the_next_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    from humdial_eval.outputs.output_dir import _sibling_name

    out = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale = tmp_path / _sibling_name(out, "tmp").replace(f"-{os.getpid()}-", f"-{pid}-")
    stale.mkdir()
    (stale / "items.jsonl").write_text("half")
    live = tmp_path / _sibling_name(out, "tmp")  # this process: still writing, kept
    live.mkdir()
    with staged_output(check_output_folder(out, "t")) as staging:
        (staging / "a.txt").write_text("1")
    assert not stale.exists() and live.is_dir()
