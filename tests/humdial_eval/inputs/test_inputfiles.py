"""Outside files are read only when they are regular files, checked before and after opening."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from humdial_eval.inputs import inputfiles
from humdial_eval.inputs.inputfiles import FileTooLargeError, NotRegularFileError, open_regular, read_regular_bytes


def test_regular_files_are_read_within_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"12345")
    assert read_regular_bytes(path, max_bytes=5) == b"12345"
    with pytest.raises(FileTooLargeError, match="exceeds the limit of 4"):
        read_regular_bytes(path, max_bytes=4)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_other_kinds_are_refused_by_name(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x"
    path.mkdir() if kind == "directory" else os.mkfifo(path)
    with pytest.raises(NotRegularFileError, match="a directory" if kind == "directory" else "a FIFO") as refused:
        open_regular(path)
    assert refused.value.code == "not_a_file"


def test_a_fifo_swapped_in_after_the_check_neither_blocks_nor_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check before opening cannot be atomic: the opened descriptor is checked again, and opening is
    non-blocking, so a FIFO that slips past the first check is still refused at once."""
    regular = tmp_path / "regular"
    regular.write_bytes(b"x")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(inputfiles.os, "stat", lambda path, *a, **k: real_stat(regular if Path(path) == fifo else path))
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            open_regular(fifo).close()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "opening a FIFO blocked"
    assert isinstance(outcome[0], NotRegularFileError)
