"""items.jsonl: each line is the record's ``to_dict()`` as JSON, however its fields are built."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from humdial_eval.benchmark.results import ItemResult, read_items, write_items
from humdial_eval.terminal import json_line


@dataclass
class Note:
    text: str
    values: tuple[int, ...]


def test_lines_are_the_records_to_dict(tmp_path: Path) -> None:
    results = [
        ItemResult("T1", "en", "d1", 3, "judge", "ok", scores={"B": 3, "A": 5}, rationale="fine\u202e\x1b",
                   flags=["cached"], meta={"z": 1, "a": {"nested": (1, 2)}, "note": Note("x\u0085", (1, 2)),
                                           "list": [Note("y", ()), {"k": "中文"}]}),
        ItemResult("T3", "zh", "d2", 2, "(none)", "failed", error="boom", measures={"snr_db": 12.5}),
    ]
    path = tmp_path / "items.jsonl"
    write_items(path, results)
    expected = "".join(json_line(result.to_dict(), sort_keys=True) + "\n" for result in results)
    assert path.read_text(encoding="utf-8") == expected
    assert read_items(path)[1].measures == {"snr_db": 12.5}
