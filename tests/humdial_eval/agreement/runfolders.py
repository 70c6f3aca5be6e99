"""Writers of small `score` output folders (items.jsonl + summary.json) for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def judgment(
    task: str, language: str, dialogue_id: str, scores: dict[str, int], *, judge: str = "judge-x",
    turn_id: int = 3, repeat: int | None = None, flags: list[str] | None = None, status: str = "ok",
) -> dict[str, Any]:
    meta: dict[str, Any] = {} if repeat is None else {"repeat": repeat}
    return {
        "task": task, "language": language, "dialogue_id": dialogue_id, "turn_id": turn_id, "judge": judge,
        "status": status, "scores": scores if status == "ok" else {}, "rationale": "", "error": None,
        "flags": flags or [], "measures": {}, "meta": meta,
    }


def write_run(folder: Path, rows: list[dict[str, Any]], *, system: str | None = "sys", **summary: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "items.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    data: dict[str, Any] = {"schema": "humdial-eval/summary/1", **summary}
    if system is not None:
        data["system"] = system
    (folder / "summary.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def t1_rows(values: list[tuple[int, int, int]], *, language: str = "en", judge: str = "judge-x", **kw: Any) -> list[dict[str, Any]]:
    """One T1 item per triple (Accuracy_Completeness, Depth_Granularity, Added_Value)."""
    dims = ("Accuracy_Completeness", "Depth_Granularity", "Added_Value")
    return [
        judgment("T1", language, f"{language}_t1_{i:03d}", dict(zip(dims, triple)), judge=judge, **kw)
        for i, triple in enumerate(values)
    ]
