"""The long human-ratings CSV: one row per rater, item and dimension.

Columns ``language,task,dialogue_id,dimension,rater,score``, optionally ``system`` (which system's
responses were rated, needed when an analysis covers several systems) and ``turn_id`` (the rated
turn). It is what `human import` writes and what `agreement --human` reads, so both go through the
same validation here: every problem names the file, line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from humdial_eval.inputs import layout
from humdial_eval.agreement.scales import rubric_dimensions
from humdial_eval.inputs.inputfiles import InputFileError, read_regular_bytes
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.rubric import Scale

REQUIRED_COLUMNS = ("language", "task", "dialogue_id", "dimension", "rater", "score")
OPTIONAL_COLUMNS = ("system", "turn_id")
MAX_CSV_BYTES = 64 * 1024 * 1024
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}")
_RATER = re.compile(r"[\w][\w .@\-]{0,63}")
_SYSTEM = re.compile(r"[^\x00-\x1f\x7f]{1,200}")

ScaleOf = Callable[[str, str], "Scale | None | str"]


@dataclass(frozen=True)
class HumanRating:
    language: str
    task: str
    dialogue_id: str
    dimension: str
    rater: str
    score: int
    system: str | None = None
    turn_id: int | None = None
    file: str | None = None
    line: int | None = None

    def identity(self) -> tuple[str | None, str, str, str, str, str]:
        return (self.system, self.language, self.task, self.dialogue_id, self.dimension, self.rater)


def rubric_scale_lookup() -> ScaleOf:
    """Scale of (task, dimension) from the task plugins; an error text for a dimension the task's
    rubric lacks; ``None`` when no plugin knows the task (the scale is then inferred downstream)."""
    dims, _ = rubric_dimensions()

    def lookup(task: str, dimension: str) -> Scale | None | str:
        if task not in dims:
            return None
        if dimension not in dims[task]:
            return f"{task} has no dimension {dimension!r}; its dimensions are {', '.join(dims[task])}"
        return dims[task][dimension].scale

    return lookup


def read_ratings_csv(
    path: Path, issues: IssueLog, *, scale_of: ScaleOf | None = None, allow_blank: bool = False
) -> list[HumanRating]:
    """Validated ratings of one CSV file. ``allow_blank`` skips rows with an empty score (a sheet a
    rater has not finished) instead of reporting them."""
    text = read_csv_text(path, issues)
    if text is None:
        return []
    lookup = scale_of or rubric_scale_lookup()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        issues.add(
            "missing_column",
            f"missing column(s) {', '.join(missing)}; the header must include {','.join(REQUIRED_COLUMNS)}",
            file=path,
            line=1,
        )
        return []
    reader.fieldnames = header
    ratings: list[HumanRating] = []
    try:
        for row in reader:
            rating = parse_rating(row, path, reader.line_num, issues, lookup, allow_blank=allow_blank)
            if rating is not None:
                ratings.append(rating)
    except csv.Error as exc:
        issues.add("invalid_csv", f"CSV syntax error: {exc}", file=path, line=reader.line_num)
    return ratings


def read_csv_text(path: Path, issues: IssueLog) -> str | None:
    try:
        # spreadsheets often save UTF-8 with a BOM
        return read_regular_bytes(path, max_bytes=MAX_CSV_BYTES).decode("utf-8-sig")
    except InputFileError as exc:
        issues.add(exc.code, exc.reason, file=path)
        return None
    except UnicodeDecodeError as exc:
        issues.add("invalid_utf8", f"not UTF-8 text (byte {exc.start})", file=path)
        return None
    except OSError as exc:
        issues.add("unreadable_file", f"cannot read: {exc.strerror or exc}", file=path)
        return None


def parse_rating(
    row: dict[str, str | None],
    path: Path,
    line: int,
    issues: IssueLog,
    scale_of: ScaleOf,
    *,
    allow_blank: bool = False,
) -> HumanRating | None:
    """One validated rating, or ``None`` with the problem logged (or silently for an allowed blank)."""
    cell = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
    where = {"file": path, "line": line}

    def bad(column: str, message: str) -> None:
        issues.add("invalid_rating", message, field=column, **where)

    if None in row:
        bad("", "the row has more cells than the header")
        return None
    if cell.get("language") not in layout.LANGUAGES:
        bad("language", f"language {cell.get('language')!r} is not one of {', '.join(layout.LANGUAGES)}")
        return None
    for column, pattern in (("task", _ID), ("dialogue_id", _ID), ("dimension", _ID)):
        if not pattern.fullmatch(cell.get(column, "")):
            bad(column, f"{column} {cell.get(column)!r} is empty or has characters other than letters, digits, '_', '-', '.'")
            return None
    raw_score = cell.get("score", "")
    if not raw_score and allow_blank:
        return None
    if not _RATER.fullmatch(cell.get("rater", "")):
        bad("rater", f"rater {cell.get('rater')!r} must be 1-64 letters, digits, spaces or '_.@-' (not starting with a space)")
        return None
    scale = scale_of(cell["task"], cell["dimension"])
    if isinstance(scale, str):
        bad("dimension", scale)
        return None
    try:
        score = int(raw_score)
    except ValueError:
        bad("score", f"score {raw_score!r} is not a whole number" if raw_score else "score is empty")
        return None
    if scale is not None and score not in scale.values:
        allowed = ", ".join(map(str, scale.values))
        bad("score", f"score {score} is not on the scale of {cell['task']}.{cell['dimension']} ({allowed})")
        return None
    system = cell.get("system") or None
    if system is not None and not _SYSTEM.fullmatch(system):
        bad("system", "system must be at most 200 printable characters")
        return None
    turn_id: int | None = None
    if cell.get("turn_id"):
        if not cell["turn_id"].isdigit():
            bad("turn_id", f"turn_id {cell['turn_id']!r} is not a whole number")
            return None
        turn_id = int(cell["turn_id"])
    return HumanRating(
        language=cell["language"], task=cell["task"], dialogue_id=cell["dialogue_id"], dimension=cell["dimension"],
        rater=cell["rater"], score=score, system=system, turn_id=turn_id, file=path.as_posix(), line=line,
    )


def drop_duplicates(ratings: Iterable[HumanRating], issues: IssueLog) -> list[HumanRating]:
    """One rating per rater, item and dimension: a repeat with the same score is a warning, a
    conflicting one an error (which of the two is meant cannot be guessed)."""
    seen: dict[tuple[str | None, str, str, str, str, str], HumanRating] = {}
    kept: list[HumanRating] = []
    for rating in ratings:
        first = seen.get(rating.identity())
        if first is None:
            seen[rating.identity()] = rating
            kept.append(rating)
            continue
        message = (
            f"rater {rating.rater!r} already rated {rating.dialogue_id} {rating.dimension} "
            f"at {first.file}:{first.line}"
        )
        if first.score == rating.score:
            issues.warn("duplicate_rating", message + " with the same score; ignored", file=rating.file, line=rating.line)
        else:
            issues.add(
                "conflicting_rating", message + f" with score {first.score}, here {rating.score}",
                file=rating.file, line=rating.line, field="score",
            )
    return kept


def write_ratings_csv(path: Path, ratings: Iterable[HumanRating]) -> int:
    """Write the long format; ``system`` / ``turn_id`` columns only when some rating has them."""
    rows = list(ratings)
    columns = list(REQUIRED_COLUMNS)
    if any(r.system for r in rows):
        columns.append("system")
    if any(r.turn_id is not None for r in rows):
        columns.append("turn_id")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for r in rows:
            values = {
                "language": r.language, "task": r.task, "dialogue_id": r.dialogue_id, "dimension": r.dimension,
                "rater": r.rater, "score": r.score, "system": r.system or "",
                "turn_id": "" if r.turn_id is None else r.turn_id,
            }
            writer.writerow([values[c] for c in columns])
    return len(rows)
