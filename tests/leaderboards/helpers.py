"""Builders for leaderboard tests: small definitions, `score`-style run folders, board readers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

TOY_TASKS = {
    "TA": {"name": "Task A", "dimensions": {"x": {"label": "D1"}, "y": {"label": "D2"}}},
    "TB": {"name": "Task B", "dimensions": {"z": {"label": "D1"}}},
}
TOY_WEIGHTS = {"TA": 0.5, "TB.z": 0.5}


def write_definition(
    folder: Path,
    rows: list[tuple[str, str, str, str, str]] | None,
    *,
    tasks: dict[str, Any] | None = None,
    weights: dict[str, Any] | None = None,
    languages: dict[str, Any] | None = None,
    rounding: dict[str, Any] | None = None,
    title: str = "Toy board",
) -> Path:
    """A definition folder; ``rows`` are scores.csv rows (team, language, task, dimension, score)."""
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "title": title,
        "scale": {"min": 1, "max": 5},
        "languages": languages or {"zh": {"name": "Chinese", "weight": 0.5}, "en": {"name": "English", "weight": 0.5}},
        "tasks": tasks or TOY_TASKS,
        "weights": weights or TOY_WEIGHTS,
        "rounding": rounding or {"decimals": 2, "mode": "half_even", "round_before_use": []},
    }
    if rows is not None:
        data["scores"] = "scores.csv"
        lines = ["team,language,task,dimension,score"] + [",".join(_csv_cell(c) for c in row) for row in rows]
        (folder / "scores.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "leaderboard.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                                           encoding="utf-8")
    return folder


def _csv_cell(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell


def toy_rows(team: str, values: dict[str, tuple[float, float, float]]) -> list[tuple[str, str, str, str, str]]:
    """scores.csv rows of one team: language -> (x, y, z)."""
    rows = []
    for language, (x, y, z) in values.items():
        rows += [(team, language, "TA", "x", str(x)), (team, language, "TA", "y", str(y)),
                 (team, language, "TB", "z", str(z))]
    return rows


def write_run(
    folder: Path,
    system: str,
    scores: dict[tuple[str, str], dict[str, list[int | None]]],
    *,
    judge: str = "fake-judge",
    extra_items: list[dict[str, Any]] | None = None,
    summary_override: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """A `score` output folder: ``scores[(language, task)][dimension]`` lists one score per dialogue.

    ``None`` in a list makes that dialogue's judgment failed. summary.json holds the means of the ok scores,
    as `score` writes them (the format of docs/output-formats.md).
    """
    folder.mkdir(parents=True, exist_ok=True)
    items: list[dict[str, Any]] = []
    languages: dict[str, Any] = {}
    for (language, task), dims in scores.items():
        count = len(next(iter(dims.values())))
        for index in range(count):
            values = {dim: column[index] for dim, column in dims.items()}
            failed = any(v is None for v in values.values())
            items.append({
                "task": task, "language": language, "dialogue_id": f"{language}_{task}_{index:03d}", "turn_id": 3,
                "judge": judge, "status": "failed" if failed else "ok",
                "scores": {} if failed else values, "error": "judge timed out" if failed else None,
                "rationale": "", "flags": [], "measures": {}, "meta": {},
            })
        failed_rows = {row for column in dims.values() for row, v in enumerate(column) if v is None}
        entry: dict[str, Any] = {}
        for dim, column in dims.items():
            ok = [v for row, v in enumerate(column) if row not in failed_rows]
            entry[dim] = round(sum(ok) / len(ok), 4) if ok else None  # type: ignore[arg-type]
            entry[f"{dim}_n"] = len(ok)
        languages.setdefault(language, {})[task] = entry
    items.extend(extra_items or [])
    summary: dict[str, Any] = {"schema": "humdial-eval/summary/1", "system": system, "languages": languages}
    if summary_override:
        summary_override(summary)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / "items.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                                        encoding="utf-8")
    return folder


def read_board(out: Path) -> dict[str, Any]:
    return json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))


def team(board: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in board["teams"] if t["team"] == name)
