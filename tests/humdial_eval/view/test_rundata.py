"""Reading run folders for the viewer: item rows, bad lines, and which audio may be offered."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from humdial_eval.view.rundata import MAX_AUDIO_BYTES, RunFolderError, audio_allowed, item_rows, read_run


def _record(judge: str, scores: dict[str, int], repeat: int = 0, status: str = "ok", flags: list[str] | None = None) -> dict:
    return {"task": "T1", "language": "en", "dialogue_id": "d1", "turn_id": 3, "judge": judge, "status": status,
            "scores": scores, "flags": flags or [], "meta": {"repeat": repeat}}


def test_one_row_per_item_with_the_primary_judges_scores_and_repeats_averaged() -> None:
    records = [_record("a", {"X": 5}, 0), _record("a", {"X": 2}, 1, flags=["cached"]), _record("b", {"X": 1}),
               _record("a", {}, 2, status="failed")]
    rows = item_rows(records, [("T1", "X")], {"T1.X": "a"})
    assert len(rows) == 1
    assert rows[0]["scores"] == {"X": 3.5}
    assert rows[0]["records"] == [0, 1, 2, 3]
    assert rows[0]["flags"] == ["cached"] and rows[0]["status"] == ["ok", "failed"]
    # without primary judges every judge that scored the dimension counts
    assert item_rows(records, [("T1", "X")])[0]["scores"] == {"X": pytest.approx(8 / 3, abs=1e-4)}


def test_not_a_run_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RunFolderError, match="not a folder"):
        read_run(tmp_path / "missing")
    with pytest.raises(RunFolderError, match="no items.jsonl"):
        read_run(tmp_path)
    (tmp_path / "items.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(RunFolderError, match="no readable item.*line 1"):
        read_run(tmp_path)


def test_bad_lines_are_noted_with_file_and_line_and_the_rest_is_shown(tmp_path: Path) -> None:
    good = _record("a", {"X": 5})
    lines = [json.dumps(good), "{broken", json.dumps({**good, "task": 7}), json.dumps({**good, "dialogue_id": "d2"})]
    (tmp_path / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = read_run(tmp_path)
    assert [r["dialogue_id"] for r in run.rows] == ["d1", "d2"]
    notes = "\n".join(run.notes)
    assert "items.jsonl:2" in notes and "items.jsonl:3" in notes
    assert "summary.json" in notes  # none here: said, not silently missing


def test_audio_only_inside_its_folder_regular_and_bounded(tmp_path: Path) -> None:
    root = tmp_path / "testset"
    root.mkdir()
    inside = root / "a.wav"
    inside.write_bytes(b"RIFF")
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"RIFF")
    (root / "link.wav").symlink_to(outside)
    (root / "dir.wav").mkdir()
    big = root / "big.wav"
    with big.open("wb") as handle:
        handle.truncate(MAX_AUDIO_BYTES + 1)
    assert audio_allowed(inside, root)
    assert not audio_allowed(root / "link.wav", root)
    assert not audio_allowed(root / ".." / "secret.wav", root)
    assert not audio_allowed(root / "dir.wav", root)
    assert not audio_allowed(big, root)
    assert not audio_allowed(root / "missing.wav", root)
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "fifo.wav")
        assert not audio_allowed(root / "fifo.wav", root)
