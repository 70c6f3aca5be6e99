"""The one atomic writer: whole or not at all, free space checked where the size is known, a full disk or quota a
clear error naming the file (exit 1 from the CLI), earlier results intact."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from humdial_eval.outputs.atomic_write import DiskFullError, atomic_open, disk_errors, write_atomic
from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.tiny_disk import tiny_disk


def test_a_write_is_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "old\n")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("half")
        raise RuntimeError("killed while writing")
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and oct(target.stat().st_mode & 0o777) != "0o600"


def test_a_known_size_is_refused_before_writing_when_the_disk_is_too_small(tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        target = disk / "summary.json"
        write_atomic(target, "{}\n")
        with pytest.raises(DiskFullError, match=r"summary.json: no space left on the device while writing \(200000 bytes"):
            write_atomic(target, "x" * 200_000)
        assert target.read_text() == "{}\n" and sorted(p.name for p in disk.iterdir()) == ["summary.json"]


def test_a_stream_that_fills_the_disk_is_a_clear_error_and_leaves_the_old_file(tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        target = disk / "items.jsonl"
        write_atomic(target, "kept\n")
        with pytest.raises(DiskFullError, match="items.jsonl: no space left"), atomic_open(target) as handle:
            for _ in range(100):
                handle.write("y" * 10_000)
        assert target.read_text() == "kept\n" and sorted(p.name for p in disk.iterdir()) == ["items.jsonl"]


def test_a_quota_is_named_as_such() -> None:
    with pytest.raises(DiskFullError, match="x.csv: disk quota exceeded"), disk_errors("x.csv"):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")
    with pytest.raises(PermissionError), disk_errors("x.csv"):  # other errors pass through unchanged
        raise PermissionError(errno.EACCES, "denied")


def test_score_onto_a_full_disk_exits_1_with_a_clear_error(tmp_path: Path, dataset: Dataset,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with tiny_disk(tmp_path / "disk", "12k") as disk:
        code = main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(disk / "run"),
                     "--bootstrap", "100", "--no-progress", "--no-cache"])
        err = capsys.readouterr().err
        assert code == 1 and "no space left on the device" in err and "internal error" not in err, err
        assert not (disk / "run").exists() and not list(disk.iterdir())  # no staging folder left behind
