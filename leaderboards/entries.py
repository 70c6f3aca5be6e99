"""The teams on a board: their per-dimension means (and item scores, when known) and where they came from.

A team enters either from the definition's ``scores.csv`` (published aggregates, long format
``team,language,task,dimension,score``) or from a ``score`` output folder (see :mod:`humdial_eval.leaderboards.runs`).
Team names are untrusted text: they are checked here and escaped by every renderer.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from humdial_eval.inputs.inputfiles import InputFileError, read_regular_bytes
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.leaderboards.definition import LeaderboardDefinition

SCORES_HEADER = ["team", "language", "task", "dimension", "score"]
MAX_TEAM_NAME = 120

# (language, task, dimension)
Cell = tuple[str, str, str]


@dataclass
class ItemScores:
    """Item-level scores of one team: per cell, the score of each dialogue (mean over its ok judgments)."""

    source: str
    cells: dict[Cell, dict[str, float]] = field(default_factory=dict)


@dataclass
class TeamEntry:
    """One team's per-dimension means; a cell absent from ``values`` is a missing dimension, never a zero."""

    name: str
    source: str
    values: dict[Cell, Decimal] = field(default_factory=dict)
    items: ItemScores | None = None


def team_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be shown on a board, or ``None`` when it can."""
    if not name.strip():
        return "team name is empty"
    if len(name) > MAX_TEAM_NAME:
        return f"team name is longer than {MAX_TEAM_NAME} characters"
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        return "team name contains control or invisible formatting characters"
    return None


MAX_SCORES_BYTES = 64 * 1024 * 1024


def read_scores_csv(path: Path, definition: LeaderboardDefinition, issues: IssueLog) -> list[TeamEntry]:
    """Read the long-format published scores; teams keep the order in which they first appear."""
    try:
        text = read_regular_bytes(path, max_bytes=MAX_SCORES_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        issues.add("scores_missing", "scores file not found", file=path)
        return []
    except InputFileError as exc:
        issues.add(exc.code, exc.reason, file=path)
        return []
    except OSError as exc:
        issues.add("unreadable_file", f"cannot be read ({exc.strerror or exc})", file=path)
        return []
    except UnicodeDecodeError as exc:
        issues.add("scores_encoding", f"not UTF-8 text: {exc}", file=path)
        return []
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if header is None or [h.strip() for h in header] != SCORES_HEADER:
        issues.add("scores_header", f"the first line must be {','.join(SCORES_HEADER)}, got {header!r}",
                   file=path, line=1)
        return []
    teams: dict[str, TeamEntry] = {}
    seen: dict[tuple[str, Cell], int] = {}
    for line, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(SCORES_HEADER):
            issues.add("scores_row", f"expected {len(SCORES_HEADER)} fields, got {len(row)}", file=path, line=line)
            continue
        team, language, task, dimension, raw = (cell.strip() for cell in row)
        problem = team_name_problem(team)
        if problem:
            issues.add("team_name", problem, file=path, line=line, field="team")
            continue
        cell = (language, task, dimension)
        if not _known_cell(cell, definition, issues, path, line):
            continue
        score = parse_score(raw, definition)
        if isinstance(score, str):
            issues.add("scores_value", score, file=path, line=line, field="score")
            continue
        if (team, cell) in seen:
            issues.add("scores_duplicate", f"{team} {language} {task}.{dimension} is already given on line "
                       f"{seen[(team, cell)]}", file=path, line=line)
            continue
        seen[(team, cell)] = line
        entry = teams.setdefault(team, TeamEntry(name=team, source=path.name))
        entry.values[cell] = score
    return list(teams.values())


def parse_score(raw: object, definition: LeaderboardDefinition) -> Decimal | str:
    """A dimension mean as an exact decimal, or the reason it is not one."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return f"score must be a number, got {raw!r}"
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return f"score must be a number, got {raw!r}"
    if not value.is_finite():
        return f"score must be a finite number, got {raw!r}"
    if not definition.scale_min <= value <= definition.scale_max:
        return f"score {raw} lies outside the scale {definition.scale_min}..{definition.scale_max}"
    return value


def _known_cell(cell: Cell, definition: LeaderboardDefinition, issues: IssueLog, path: Path, line: int) -> bool:
    language, task, dimension = cell
    if language not in {lang.key for lang in definition.languages}:
        known = ", ".join(lang.key for lang in definition.languages)
        issues.add("scores_language", f"unknown language {language!r} (this board has {known})",
                   file=path, line=line, field="language")
        return False
    if not definition.has_dimension(task, dimension):
        issues.add("scores_dimension", f"{task}.{dimension} is not a dimension of this board",
                   file=path, line=line, field="dimension")
        return False
    return True
