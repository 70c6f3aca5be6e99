"""The engine's one JSONL reader: the same codes for submissions, test sets and run folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.jsonl import read_jsonl


def read(path: Path, **limits: int) -> tuple[list[tuple[int, dict]], list[tuple[str, int | None]]]:
    issues = IssueLog(root=path.parent)
    rows = list(read_jsonl(path, issues, **limits))
    return rows, [(i.code, i.line) for i in issues.issues]


def test_codes_for_every_kind_of_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n\n[1]\n{"a": NaN}\n\xff\n{"a": 1, "a": 2}\n{"b": {"c": 1, "c": 1}}\n{"ok": true}\n'
                     + b'{"long": "' + b"x" * 100 + b'"}\n{"after": 1}\n')
    rows, codes = read(path, max_line_bytes=60)
    assert [line for line, _ in rows] == [1, 8, 10]
    assert codes == [("invalid_json", 3), ("invalid_json", 4), ("invalid_utf8", 5), ("duplicate_key", 6),
                     ("duplicate_key", 7), ("line_too_long", 9)]


def test_a_bom_at_the_start_is_accepted_elsewhere_it_is_content(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\xef\xbb\xbf{"a": 2}\n')
    rows, codes = read(path)
    assert rows == [(1, {"a": 1})] and codes == [("invalid_json", 2)]


@pytest.mark.parametrize("make", ["directory", "missing", "too_large"])
def test_unreadable_files_are_one_issue(tmp_path: Path, make: str) -> None:
    path = tmp_path / "x.jsonl"
    if make == "directory":
        path.mkdir()
    elif make == "too_large":
        path.write_text(json.dumps({"a": "b" * 100}) + "\n")
    rows, codes = read(path, max_bytes=50)
    expected = {"directory": "not_a_file", "missing": "unreadable_file", "too_large": "file_too_large"}[make]
    assert rows == [] and codes == [(expected, None)]


def test_run_folder_readers_share_the_codes(tmp_path: Path) -> None:
    from humdial_eval import leaderboards
    from humdial_eval.agreement.runs import read_run as agreement_run
    from humdial_eval.leaderboards.definition import load_definition
    from humdial_eval.leaderboards.runs import read_items

    run = tmp_path / "run"
    run.mkdir()
    (run / "items.jsonl").write_bytes(b'\xef\xbb\xbf{"task": "T1", "task": "T2"}\nnot json\n')
    issues = IssueLog(root=run)
    agreement_run(run, "run", issues)
    board = load_definition(Path(leaderboards.__file__).parent / "icassp2026_track1", IssueLog())
    assert board is not None
    read_items(run / "items.jsonl", board, issues)
    assert [(i.code, i.line) for i in issues.issues] == [("duplicate_key", 1), ("invalid_json", 2)] * 2
