from __future__ import annotations

from pathlib import Path

from humdial_eval.engine.json_memo import read_entries, write_entries


def test_entries_round_trip_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "store.sqlite.memo.json"
    write_entries(path, "s/1", {f"k{i}": [i, None] for i in range(5)}, keep=3)
    assert read_entries(path, "s/1") == {"k2": [2, None], "k3": [3, None], "k4": [4, None]}
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_a_missing_damaged_or_foreign_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    assert read_entries(path, "s/1") == {}
    for text in ("{not json", "[1, 2]", '{"schema": "other/1", "entries": {"k": 1}}', '{"schema": "s/1", "entries": []}',
                 "\udcff"):
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert read_entries(path, "s/1") == {}, text


def test_a_file_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    write_entries(blocker / "memo.json", "s/1", {"k": 1}, keep=10)  # its folder is a file: nothing raised
    assert blocker.read_text() == "x"
