"""One run folder read for the results browser: summary, items, validation issues and the dialogues behind them.

A run folder, its test set and its submission are untrusted. Every file is read through the project's bounded
readers (regular files only, size caps); an unusable line becomes a note naming file and line, never a crash.
Audio is offered only for files that the loaders resolved inside the test set or submission folder, that are
regular files and no larger than :data:`MAX_AUDIO_BYTES`; the page refers to them by number, never by path.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from humdial_eval.inputs import layout
from humdial_eval.inputs.archive import UnsafeArchiveError, extracted
from humdial_eval.benchmark.dialogue import DialogueCollection
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.jsonl import read_jsonl
from humdial_eval.inputs.loading import load_submission, load_testset
from humdial_eval.outputs import run_folder
from humdial_eval.outputs.run_folder import ITEMS_FILE, SUMMARY_FILE, VALIDATION_FILE

# The validator's own cap on one WAV (README, `audio_too_large`): nothing larger is offered or served.
MAX_AUDIO_BYTES = 64 * 1024 * 1024
# Texts and meta values kept for the page: a judge's raw answer or a reply is cut beyond this many characters.
MAX_TEXT_CHARS = 20_000
_TASK = re.compile(r"T[0-9]{1,2}")
_SUFFIXES = ("_ci", "_n", "_n_expected")


class RunFolderError(ValueError):
    """A folder that is not a readable `score` output folder; the message names it and says why."""


@dataclass(frozen=True)
class AudioFile:
    """A recording the page may play: its resolved path and the folder it must stay inside."""

    path: Path | None
    root: Path


@dataclass
class RunData:
    """What the page shows of one run. ``rows`` are the items (one per task x language x dialogue x turn),
    ``records`` the lines of items.jsonl they are made of, ``dialogues`` the user turns and replies by dialogue."""

    path: Path | None
    label: str
    summary: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    dimensions: list[tuple[str, str]] = field(default_factory=list)
    validation: list[dict[str, Any]] = field(default_factory=list)
    dialogues: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    audio: list[AudioFile] = field(default_factory=list)


def read_run(path: Path, label: str | None = None, *, require_items: bool = True) -> RunData:
    """Read ``path`` (a `score` output folder); :class:`RunFolderError` when it has no items.jsonl, or (with
    ``require_items``) no readable item in it. ``score`` passes False: a run without items still gets its page."""
    if not path.is_dir():
        raise RunFolderError(f"{path}: not a folder (expected the --out folder of `humdial-eval score`)")
    if not (path / ITEMS_FILE).exists():
        raise RunFolderError(f"{path}: no {ITEMS_FILE} here (is it a `score` output folder?)")
    issues = IssueLog(root=path)
    run = RunData(path=path, label=label or path.resolve().name, summary=_read_summary(path, issues))
    for line, record in read_jsonl(path / ITEMS_FILE, issues):
        # the run folder's one strict parser decides what an item record is; the page only shapes it for display
        if run_folder.parse_item(record, path / ITEMS_FILE, line, issues) is None:
            continue
        clean = _clean_record(record)
        if clean is None:
            continue
        clean["line"] = line
        run.records.append(clean)
    if (path / VALIDATION_FILE).exists():
        run.validation = [_clean_issue(record) for _, record in read_jsonl(path / VALIDATION_FILE, issues)]
    run.dimensions = dimensions_of(run.summary, run.records)
    run.rows = item_rows(run.records, run.dimensions, run.summary.get("primary_judges"))
    _attach_dialogues(run, issues)
    run.notes[:0] = [issue.format() for issue in issues.issues]  # problems of the run's own files first
    if require_items and not run.records:
        first = issues.errors[0].format() if issues.errors else "the file is empty"
        raise RunFolderError(f"{path / ITEMS_FILE}: no readable item ({first})")
    return run


def item_key(task: str, language: str, dialogue_id: str, turn_id: object) -> str:
    return f"{task}|{language}|{dialogue_id}|{turn_id}"


def dimensions_of(summary: dict[str, Any], records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every (task, dimension) in rubric order: as summary.json lists them, then any other that items score."""
    seen: dict[tuple[str, str], None] = {}
    languages = summary.get("languages")
    for entry in languages.values() if isinstance(languages, dict) else ():
        for task, values in entry.items() if isinstance(entry, dict) else ():
            if _TASK.fullmatch(task) and isinstance(values, dict):
                for key in values:
                    if key != "avg" and not key.endswith(_SUFFIXES):
                        seen[(task, key)] = None
    for record in records:
        for dimension in record["scores"]:
            seen[(record["task"], dimension)] = None
    order = sorted({task for task, _ in seen}, key=lambda t: int(t[1:]))
    return [(task, dim) for task in order for (t, dim) in seen if t == task]


def item_rows(records: list[dict[str, Any]], dimensions: list[tuple[str, str]],
              primary: object = None) -> list[dict[str, Any]]:
    """One row per item: each dimension's score from the judge that counts for it (summary.json's
    ``primary_judges``; without one, every judge that scored it), repeats averaged; flags of every record."""
    owners = primary if isinstance(primary, dict) else {}
    rows: dict[str, dict[str, Any]] = {}
    for index, record in enumerate(records):
        key = item_key(record["task"], record["language"], record["dialogue_id"], record["turn_id"])
        row = rows.setdefault(key, {"key": key, "task": record["task"], "language": record["language"],
                                    "dialogue_id": record["dialogue_id"], "turn_id": record["turn_id"],
                                    "records": [], "flags": [], "status": [], "_sums": {}})
        row["records"].append(index)
        for flag in record["flags"]:
            if flag not in row["flags"]:
                row["flags"].append(flag)
        if record["status"] not in row["status"]:
            row["status"].append(record["status"])
        if record["status"] != "ok":
            continue
        for dimension, score in record["scores"].items():
            owner = owners.get(f"{record['task']}.{dimension}")
            if owner is not None and owner != record["judge"]:
                continue
            total = row["_sums"].setdefault(dimension, [0.0, 0])
            total[0] += score
            total[1] += 1
    wanted = {dim for _, dim in dimensions}
    for row in rows.values():
        sums = row.pop("_sums")
        row["scores"] = {dim: round(s / n, 4) for dim, (s, n) in sums.items() if dim in wanted and n}
    return list(rows.values())


def _read_summary(path: Path, issues: IssueLog) -> dict[str, Any]:
    summary = path / SUMMARY_FILE
    if not summary.exists():
        issues.warn("no_summary", "no summary.json: the overview has no means or intervals", file=summary)
        return {}
    try:
        return run_folder.read_summary(path)
    except run_folder.RunFolderError as exc:
        issues.warn("unreadable_summary", f"ignored ({exc.reason})", file=summary)
        return {}


def _clean_record(record: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of an items.jsonl line the page uses, each of the type it expects; None when unusable."""
    text = {key: record.get(key) for key in ("task", "language", "dialogue_id", "judge", "status")}
    if not all(isinstance(value, str) and value for value in text.values()):
        return None
    turn = record.get("turn_id")
    scores = record.get("scores") if isinstance(record.get("scores"), dict) else {}
    measures = record.get("measures") if isinstance(record.get("measures"), dict) else {}
    return {
        **{key: _cut(value) for key, value in text.items()},
        "turn_id": turn if isinstance(turn, int) and not isinstance(turn, bool) else None,
        "scores": {_cut(k, 200): v for k, v in scores.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)},
        "rationale": _cut(record.get("rationale") or ""),
        "error": _cut(record["error"]) if isinstance(record.get("error"), str) else None,
        "flags": [_cut(f, 200) for f in record.get("flags") or [] if isinstance(f, str)],
        "measures": {_cut(k, 200): v for k, v in measures.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)},
        "meta": _bounded(record.get("meta") if isinstance(record.get("meta"), dict) else {}),
    }


def _clean_issue(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("code", "severity", "file", "line", "dialogue_id", "turn_id", "field", "message", "scope")
    return {key: _bounded(record.get(key)) for key in keys}


def _bounded(value: Any, depth: int = 0) -> Any:
    """A JSON value with long strings cut and nesting limited, for display only."""
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, dict) and depth < 6:
        return {_cut(str(k), 200): _bounded(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list) and depth < 6:
        return [_bounded(v, depth + 1) for v in value[:1000]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _cut(str(value))


def _cut(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    return value if len(value) <= limit else value[:limit] + f"... ({len(value)} characters)"


def _attach_dialogues(run: RunData, issues: IssueLog) -> None:
    """User turns (test set) and replies (submission) of every dialogue that has an item, with their audio."""
    tasks = sorted({row["task"] for row in run.rows})
    languages = sorted({row["language"] for row in run.rows if row["language"] in layout.LANGUAGES})
    wanted = {(row["task"], row["language"], row["dialogue_id"]) for row in run.rows}
    testset_path = _recorded(run.summary.get("testset"), run.path)
    if testset_path is None and not run.summary:
        return  # no summary.json: already said
    if testset_path is None or not testset_path.is_dir():
        run.notes.append(f"{run.label}: the test set recorded in summary.json is not available here "
                         f"({run.summary.get('testset')!r}): dialogue texts and user audio are not shown")
        return
    testset = load_testset(testset_path, IssueLog(root=testset_path), tasks=tasks, languages=languages)
    for (language, task), gold in testset.files.items():
        for dialogue in gold.dialogues.values():
            if (task, language, dialogue.dialogue_id) not in wanted:
                continue
            run.dialogues[f"{task}|{language}|{dialogue.dialogue_id}"] = {
                "turns": [{"turn_id": t.turn_id, "text": _cut(t.text), "emotion": t.emotion,
                           "audio": _offer(run, t.user_audio, testset.root)} for t in dialogue.turns],
                "replies": {},
            }
    submission_path = _recorded(run.summary.get("submission"), run.path)
    if submission_path is None or not submission_path.exists():
        run.notes.append(f"{run.label}: the submission recorded in summary.json is not available here: replies "
                         "are not shown")
        return
    try:
        with _submission_folder(submission_path) as (folder, audio_kept):
            submission = load_submission(folder, IssueLog(root=folder), tasks=tasks, languages=languages)
            _attach_replies(run, submission, audio_kept)
    except UnsafeArchiveError as exc:
        issues.warn("unsafe_submission", f"replies not shown ({exc})", file=submission_path)
    if submission_path.is_file():
        run.notes.append(f"{run.label}: the submission is a .zip: replies are shown, their audio is not")


def _attach_replies(run: RunData, submission: DialogueCollection, audio_kept: bool) -> None:
    for (language, task), submitted in submission.files.items():
        for dialogue in submitted.dialogues.values():
            entry = run.dialogues.get(f"{task}|{language}|{dialogue.dialogue_id}")
            if entry is None:
                continue
            for turn in dialogue.turns:
                audio = _offer(run, turn.response_audio, submission.root) if audio_kept else None
                entry["replies"][str(turn.turn_id)] = {"text": _cut(turn.response_text or ""), "audio": audio}


@contextmanager
def _submission_folder(path: Path) -> Iterator[tuple[Path, bool]]:
    """The submission as a folder, and whether its files outlive this block (a .zip is extracted for it only)."""
    if path.is_file() and path.suffix.lower() == ".zip":
        with extracted(path) as folder:
            yield folder, False
    else:
        yield path, True


def _recorded(value: object, run_dir: Path) -> Path | None:
    """A path as `score` recorded it: absolute, or relative to where it ran or to the run folder."""
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    if path.is_absolute() or path.exists():
        return path
    beside = run_dir / path
    return beside if beside.exists() else path


def _offer(run: RunData, path: Path | None, root: Path) -> int | None:
    """The number of ``path`` in the run's audio list, when it may be played; None otherwise. The loaders only
    return audio paths that resolve inside their collection, so one ``stat`` suffices here (a full resolve of
    every file was a third of building a full-size page); the server resolves again at every request."""
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_AUDIO_BYTES:
        return None
    run.audio.append(AudioFile(path=path.absolute(), root=root.absolute()))
    return len(run.audio) - 1


def audio_allowed(path: Path, root: Path) -> bool:
    """True when ``path`` resolves inside ``root``, is a regular file and within the size cap: checked when
    the page is built and again by the server at every request (a file may change in between)."""
    try:
        resolved = path.resolve(strict=True)
        resolved.relative_to(root.resolve(strict=True))
        info = resolved.stat()
    except (OSError, ValueError, RuntimeError):
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= MAX_AUDIO_BYTES
