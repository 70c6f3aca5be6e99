"""Reading `score` output folders: the judgments in items.jsonl and the run facts in summary.json.

A run folder is untrusted input. Every unusable line becomes an error naming the file, line and
field; the analysis refuses to go on with a half-read run rather than report numbers that silently
leave items out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humdial_eval.inputs.archive import extracted
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.inputfiles import read_regular_text
from humdial_eval.inputs.jsonl import loads_strict, read_jsonl

ITEMS_FILE = "items.jsonl"
SUMMARY_FILE = "summary.json"
MAX_SUMMARY_BYTES = 16 * 1024 * 1024
RULE_FLAGS = ("language_rule", "missing_response")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,200}")


@dataclass(frozen=True)
class JudgmentRow:
    """One ``ok`` line of items.jsonl: the scores one judge gave one item (one repeat of it)."""

    task: str
    language: str
    dialogue_id: str
    turn_id: int | None
    judge: str
    scores: dict[str, int]
    repeat: int
    flags: tuple[str, ...]
    line: int

    @property
    def rule_scored(self) -> bool:
        """Scored by a rule (wrong language, no response), not by the judge's judgement."""
        return any(flag in RULE_FLAGS for flag in self.flags)


@dataclass
class RunFolder:
    path: Path
    label: str
    system: str
    submission: Path | None = None
    testset: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    rows: list[JudgmentRow] = field(default_factory=list)
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    def judges(self) -> list[str]:
        return sorted({row.judge for row in self.rows})


def read_run(path: Path, label: str, issues: IssueLog) -> RunFolder | None:
    """Read one run folder; ``None`` (with an error logged) when it has no readable items.jsonl."""
    if not path.is_dir():
        issues.add("not_a_run", "not a folder (expected the --out folder of `humdial-eval score`)", file=path)
        return None
    items = path / ITEMS_FILE
    if not (items.exists() or items.is_symlink()):  # anything else there is refused by the reader, by name
        issues.add("not_a_run", f"no {ITEMS_FILE} in this folder (is it a `score` output folder?)", file=path)
        return None
    run = RunFolder(path=path, label=label, system=path.resolve().name)
    _read_summary(run, issues)
    _read_items(run, items, issues)
    return run


def _read_summary(run: RunFolder, issues: IssueLog) -> None:
    summary = run.path / SUMMARY_FILE
    if not summary.is_file():
        run.notes.append(f"{run.label}: no {SUMMARY_FILE}; the system is named after the folder ({run.system!r})")
        return
    try:
        data = loads_strict(read_regular_text(summary, max_bytes=MAX_SUMMARY_BYTES))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        issues.warn("unreadable_summary", f"ignored ({exc}); the system is named after the folder", file=summary)
        return
    system = data.get("system")
    if isinstance(system, str) and _NAME.fullmatch(system):
        run.system = system
    else:
        run.notes.append(f"{run.label}: summary.json gives no usable 'system'; named after the folder ({run.system!r})")
    for key in ("submission", "testset"):
        value = data.get(key)
        if isinstance(value, str) and value:
            setattr(run, key, _recorded_path(value, run.path))
    options = data.get("options")
    if isinstance(options, dict):
        run.options = options


def _recorded_path(value: str, run_dir: Path) -> Path:
    """A path recorded by `score`: absolute, or relative to the working folder of that run (tried
    first, as `score` records what it was given) or to the run folder."""
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    beside = run_dir / path
    return beside if beside.exists() else path


@contextmanager
def opened_submission(path: Path) -> Iterator[Path]:
    """The recorded submission as a folder: `score` also accepts a .zip, which is extracted (with
    its safety checks) for the duration of the block."""
    if path.is_file() and path.suffix.lower() == ".zip":
        with extracted(path) as folder:
            yield folder
    else:
        yield path


def _read_items(run: RunFolder, items: Path, issues: IssueLog) -> None:
    for line_no, record in read_jsonl(items, issues):
        row = _parse_row(record, items, line_no, issues)
        if row == "failed":
            run.failed += 1
        elif row is not None:
            run.rows.append(row)


def _parse_row(record: dict[str, Any], items: Path, line_no: int, issues: IssueLog) -> JudgmentRow | str | None:
    where: dict[str, Any] = {"file": items, "line": line_no}
    text: dict[str, str] = {}
    for key in ("task", "language", "dialogue_id", "judge"):
        value = record.get(key)
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            issues.add("invalid_field", f"{key} must be a non-empty string without control characters", field=key, **where)
            return None
        text[key] = value
    status = record.get("status")
    if status == "failed":
        return "failed"
    if status != "ok":
        issues.add("invalid_field", f"status must be 'ok' or 'failed', not {status!r}", field="status", **where)
        return None
    turn_id = record.get("turn_id")
    if turn_id is not None and (not isinstance(turn_id, int) or isinstance(turn_id, bool)):
        issues.add("invalid_field", "turn_id must be an integer", field="turn_id", **where)
        return None
    scores = record.get("scores")
    if not isinstance(scores, dict):
        issues.add("invalid_field", "scores must be an object of dimension -> integer", field="scores", **where)
        return None
    clean: dict[str, int] = {}
    for dimension, score in scores.items():
        if not _NAME.fullmatch(dimension) or not _is_integral(score):
            issues.add("invalid_score", f"score {score!r} is not an integer", field=f"scores.{dimension}"[:200], **where)
            return None
        clean[dimension] = int(score)
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    repeat = meta.get("repeat", 0)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
        issues.add("invalid_field", "meta.repeat must be a non-negative integer", field="meta.repeat", **where)
        return None
    flags = record.get("flags") if isinstance(record.get("flags"), list) else []
    return JudgmentRow(
        task=text["task"], language=text["language"], dialogue_id=text["dialogue_id"], turn_id=turn_id,
        judge=text["judge"], scores=clean, repeat=repeat,
        flags=tuple(str(f) for f in flags if isinstance(f, str)), line=line_no,
    )


def _is_integral(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()

