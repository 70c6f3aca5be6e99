"""The run folder that ``score`` writes: its file names, its writer, and the one strict reader.

Every consumer of a run (the Python API, leaderboards, agreement, human rating sheets, the viewer)
finds the folder, reads ``summary.json`` and parses ``items.jsonl`` lines here, so a run folder means
the same thing to all of them and a hostile one is refused the same way. A run folder is untrusted
input: files are opened only when regular (bounded in size), JSON is strict (no NaN, no duplicate
keys) and every unusable line is an issue naming file, line and field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humdial_eval.errors import UserError
from humdial_eval.inputs.inputfiles import InputFileError, read_regular_text
from humdial_eval.inputs.issues import IssueLog, ValidationIssue
from humdial_eval.inputs.jsonl import loads_strict, read_jsonl

ITEMS_FILE = "items.jsonl"
SUMMARY_FILE = "summary.json"
SUMMARY_CSV_FILE = "summary.csv"
REPORT_MD_FILE = "report.md"
VALIDATION_FILE = "validation.jsonl"
REPORT_HTML_FILE = "report.html"
# The folder of a `run` command that holds its score folder(s): scores/ for one judge, scores/<profile>/ for several.
RUN_SCORES_FOLDER = "scores"
SUMMARY_SCHEMA = "humdial-eval/summary/1"
MAX_SUMMARY_BYTES = 16 * 1024 * 1024
STATUSES = ("ok", "failed", "skipped", "excluded")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,200}")


class RunFolderError(UserError):
    """A run folder (or its summary) cannot be used; ``code`` is stable, the message names the file."""

    def __init__(self, code: str, reason: str, path: Path, field: str | None = None) -> None:
        self.code, self.reason, self.path, self.field = code, reason, path, field
        where = f"{path}" + (f" (field {field})" if field else "")
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class ItemRecord:
    """One line of ``items.jsonl`` with its fields checked: what one judge (or rule) gave one item."""

    task: str
    language: str
    dialogue_id: str
    turn_id: int | None
    judge: str
    status: str
    scores: dict[str, float | int]
    flags: tuple[str, ...]
    meta: dict[str, Any]
    error: str | None
    line: int

    @property
    def repeat(self) -> int:
        return self.meta.get("repeat", 0)


def write(
    folder: Path, results: Sequence[Any], summary: dict[str, Any], tasks: Sequence[Any],
    issues: Sequence[ValidationIssue],
) -> None:
    """Write every file of a run folder into ``folder`` (a staging folder that replaces ``--out`` whole)."""
    from humdial_eval.outputs.report import write_outputs
    from humdial_eval.terminal import json_line

    write_outputs(folder, results, summary, tasks)
    (folder / VALIDATION_FILE).write_text("".join(json_line(i.to_dict()) + "\n" for i in issues), encoding="utf-8")
    from humdial_eval.view.page import write_report_html

    write_report_html(folder)  # the results browser, read back from the files just written


def score_folders(path: Path) -> list[Path]:
    """The score folder(s) at ``path``: a ``score`` --out folder itself, or the ``scores/`` (one judge) or
    ``scores/<profile>/`` folders (several judges) of a ``run`` --out folder. The error says what to pass."""
    if _holds_run_files(path):
        return [path]
    scores = path / RUN_SCORES_FOLDER
    if _holds_run_files(scores):
        return [scores]
    several = sorted(p for p in scores.glob("*") if p.is_dir() and not p.is_symlink() and _holds_run_files(p))
    if several:
        return several
    if not path.is_dir():
        raise RunFolderError("not_a_run", "not a folder (expected the --out folder of `humdial-eval score` or `run`)",
                             path)
    raise RunFolderError("not_a_run", f"no {ITEMS_FILE} or {SUMMARY_FILE} here nor in {RUN_SCORES_FOLDER}/ (expected "
                         "the --out folder of `humdial-eval score` or `run`)", path)


def _holds_run_files(folder: Path) -> bool:
    """Whether a run's file names are present (whatever they are: the readers refuse what is not a file)."""
    return any((folder / name).exists() or (folder / name).is_symlink() for name in (SUMMARY_FILE, ITEMS_FILE))


def one_score_folder(path: Path) -> Path:
    """The single score folder at ``path``; a ``run`` folder scored by several judges must be narrowed down."""
    folders = score_folders(path)
    if len(folders) > 1:
        listed = ", ".join(str(folder) for folder in folders)
        raise RunFolderError("several_runs", f"this `run` folder holds one score folder per judge; pass one of: {listed}",
                             path)
    return folders[0]


def read_summary(folder: Path) -> dict[str, Any]:
    """``summary.json`` of a score folder as a dict, or :class:`RunFolderError` saying why not."""
    try:
        return read_json_object(folder / SUMMARY_FILE)
    except RunFolderError as exc:
        if exc.code == "file_missing":
            raise RunFolderError("summary_missing", f"no {SUMMARY_FILE} in this folder", folder) from None
        raise


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object file the harness wrote (a summary, a campaign's state), read as untrusted: a regular file,
    bounded, strict JSON; :class:`RunFolderError` saying why not."""
    try:
        data = loads_strict(read_regular_text(path, max_bytes=MAX_SUMMARY_BYTES))
    except FileNotFoundError:
        raise RunFolderError("file_missing", "no such file", path) from None
    except InputFileError as exc:
        raise RunFolderError(exc.code, exc.reason, path) from None
    except OSError as exc:
        raise RunFolderError("unreadable_file", f"cannot be read ({exc.strerror or exc})", path) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunFolderError("summary_json", f"not valid JSON: {exc}", path) from None
    if not isinstance(data, dict):
        raise RunFolderError("summary_json", "must be a JSON object", path)
    return data


def recorded_path(summary: dict[str, Any], key: str) -> Path | None:
    """A path the summary records (``submission``, ``testset``), when it is a non-empty string."""
    value = summary.get(key)
    return Path(value) if isinstance(value, str) and value else None


def item_records(folder: Path, issues: IssueLog) -> Iterator[ItemRecord]:
    """Every usable line of ``items.jsonl``; each unusable one is an error in ``issues`` (file, line, field)."""
    path = folder / ITEMS_FILE
    for line_no, record in read_jsonl(path, issues):
        parsed = parse_item(record, path, line_no, issues)
        if parsed is not None:
            yield parsed


def parse_item(record: dict[str, Any], path: Path, line_no: int, issues: IssueLog) -> ItemRecord | None:
    """One ``items.jsonl`` object checked field by field (strings without controls, known status, an integer
    turn, finite numeric scores, list of flags, object meta)."""
    where: dict[str, Any] = {"file": path, "line": line_no}
    text: dict[str, str] = {}
    for key in ("task", "language", "dialogue_id", "judge"):
        value = record.get(key)
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            issues.add("invalid_field", f"{key} must be a non-empty string without control characters", field=key, **where)
            return None
        text[key] = value
    status = record.get("status")
    if status not in STATUSES:
        issues.add("invalid_field", f"status must be one of {', '.join(STATUSES)}, not {status!r}"[:300], field="status",
                   **where)
        return None
    turn_id = record.get("turn_id")
    if turn_id is not None and (not isinstance(turn_id, int) or isinstance(turn_id, bool)):
        issues.add("invalid_field", "turn_id must be an integer", field="turn_id", **where)
        return None
    scores = record.get("scores", {})
    if not isinstance(scores, dict) or (status == "ok" and "scores" not in record):
        issues.add("invalid_field", "scores must be an object of dimension -> number", field="scores", **where)
        return None
    for dimension, score in scores.items():
        if not _NAME.fullmatch(dimension) or not _finite_number(score):
            issues.add("invalid_score", f"score {score!r} is not a finite number"[:300], field=f"scores.{dimension}"[:200],
                       **where)
            return None
    flags = record.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
        issues.add("invalid_field", "flags must be a list of strings", field="flags", **where)
        return None
    meta = record.get("meta", {})
    if not isinstance(meta, dict):
        issues.add("invalid_field", "meta must be an object", field="meta", **where)
        return None
    repeat = meta.get("repeat", 0)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
        issues.add("invalid_field", "meta.repeat must be a non-negative integer", field="meta.repeat", **where)
        return None
    error = record.get("error")
    return ItemRecord(
        task=text["task"], language=text["language"], dialogue_id=text["dialogue_id"], turn_id=turn_id,
        judge=text["judge"], status=status, scores=dict(scores), flags=tuple(flags), meta=meta,
        error=error if isinstance(error, str) else None, line=line_no,
    )


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
