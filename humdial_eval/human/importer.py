"""Reading filled rating sheets back into the long ratings CSV.

Sheets come back from people, edited by hand or by a spreadsheet: every row is checked (language,
task, dimension, rater, score on the dimension's scale), and with the export's key.json also that
the item exists and is the dialogue and turn the sheet showed. Any error stops the import; an
empty score is a cell the rater left, counted and reported but not an error.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humdial_eval.human.export import KEY_FILE, KEY_SCHEMA
from humdial_eval.human.ratings import (
    REQUIRED_COLUMNS,
    HumanRating,
    ScaleOf,
    drop_duplicates,
    parse_rating,
    read_csv_text,
    rubric_scale_lookup,
)
from humdial_eval.inputs.inputfiles import read_regular_text
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.rubric import Scale


MAX_KEY_BYTES = 64 * 1024 * 1024


@dataclass
class ImportResult:
    ratings: list[HumanRating] = field(default_factory=list)
    blank: dict[str, int] = field(default_factory=dict)  # file -> scores left empty
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExportKey:
    system: str | None
    items: dict[str, dict[str, Any]]

    def scale_of(self, task: str, dimension: str) -> Scale | None | str:
        for entry in self.items.values():
            if entry["task"] == task and dimension in entry["dimensions"]:
                return Scale(tuple(entry["dimensions"][dimension]))
        return f"the export has no {task} item with dimension {dimension!r}"


def read_key(export_dir: Path, issues: IssueLog) -> ExportKey | None:
    path = export_dir / KEY_FILE if export_dir.is_dir() else export_dir
    try:
        data = json.loads(read_regular_text(path, max_bytes=MAX_KEY_BYTES))
        if not isinstance(data, dict) or data.get("schema") != KEY_SCHEMA:
            raise ValueError(f"not a key file of `human export` (schema {KEY_SCHEMA})")
        items = {}
        for entry in data["items"]:
            dims = {str(k): [int(v) for v in values] for k, values in entry["dimensions"].items()}
            items[str(entry["item"])] = {
                "task": str(entry["task"]), "language": str(entry["language"]),
                "dialogue_id": str(entry["dialogue_id"]), "turn_id": int(entry["turn_id"]), "dimensions": dims,
            }
        system = data.get("system")
        return ExportKey(system if isinstance(system, str) else None, items)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        issues.add("invalid_key", f"cannot use the export key: {exc}", file=path)
        return None


def import_ratings(
    paths: list[Path], issues: IssueLog, *, key: ExportKey | None = None, raters: list[str] | None = None
) -> ImportResult:
    result = ImportResult()
    scale_of = key.scale_of if key else _strict(rubric_scale_lookup())
    collected: list[HumanRating] = []
    for path in paths:
        text = read_csv_text(path, issues)
        if text is None:
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            issues.add("missing_column", f"missing column(s) {', '.join(missing)}", file=path, line=1)
            continue
        reader.fieldnames = header
        blank = 0
        try:
            for row in reader:
                if not (row.get("score") or "").strip():
                    blank += 1
                    if (row.get("rater") or "").strip() == "" and key is None:
                        continue
                rating = parse_rating(row, path, reader.line_num, issues, scale_of, allow_blank=True)
                if rating is None:
                    continue
                rating = _checked(rating, row, key, raters, issues)
                if rating is not None:
                    collected.append(rating)
        except csv.Error as exc:
            issues.add("invalid_csv", f"CSV syntax error: {exc}", file=path, line=reader.line_num)
        result.blank[path.as_posix()] = blank
    result.ratings = drop_duplicates(collected, issues)
    if key is not None:
        result.notes.extend(_coverage(result.ratings, key))
    return result


def _strict(lookup: ScaleOf) -> ScaleOf:
    """Without an export key, a task no plugin knows has no scale to check against: refuse it."""

    def scale_of(task: str, dimension: str) -> Scale | None | str:
        found = lookup(task, dimension)
        return f"no installed task plugin defines task {task!r}" if found is None else found

    return scale_of


def _checked(
    rating: HumanRating, row: dict[str, str | None], key: ExportKey | None, raters: list[str] | None, issues: IssueLog
) -> HumanRating | None:
    where = {"file": rating.file, "line": rating.line}
    if raters is not None and rating.rater not in raters:
        issues.add("unknown_rater", f"rater {rating.rater!r} is not one of {', '.join(raters)}", field="rater", **where)
        return None
    if key is None:
        return rating
    item_id = (row.get("item") or "").strip()
    if item_id:
        entry = key.items.get(item_id)
        if entry is None:
            issues.add("unknown_item", f"item {item_id!r} is not in the export", field="item", **where)
            return None
    else:
        matches = [e for e in key.items.values()
                   if (e["task"], e["language"], e["dialogue_id"]) == (rating.task, rating.language, rating.dialogue_id)]
        if len(matches) != 1:
            issues.add("unknown_item", f"{rating.language} {rating.task} {rating.dialogue_id} is not in the export",
                       field="dialogue_id", **where)
            return None
        entry = matches[0]
    for column in ("language", "task", "dialogue_id"):
        if getattr(rating, column) != entry[column]:
            issues.add("item_mismatch", f"{column} {getattr(rating, column)!r} does not match item {item_id} "
                       f"({entry[column]!r} in the export)", field=column, **where)
            return None
    if rating.turn_id is not None and rating.turn_id != entry["turn_id"]:
        issues.add("item_mismatch", f"turn_id {rating.turn_id} does not match the export ({entry['turn_id']})",
                   field="turn_id", **where)
        return None
    if rating.dimension not in entry["dimensions"]:
        issues.add("item_mismatch", f"item {item_id or rating.dialogue_id} was not exported with dimension "
                   f"{rating.dimension!r}", field="dimension", **where)
        return None
    return dataclasses.replace(rating, system=key.system, turn_id=entry["turn_id"])


def _coverage(ratings: list[HumanRating], key: ExportKey) -> list[str]:
    expected = sum(len(e["dimensions"]) for e in key.items.values())
    per_rater: dict[str, int] = defaultdict(int)
    for rating in ratings:
        per_rater[rating.rater] += 1
    return [
        f"rater {rater!r} gave {count} of {expected} scores" for rater, count in sorted(per_rater.items())
        if count < expected
    ]
