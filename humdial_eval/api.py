"""The public Python API: validate, score, generate, and read results back.

    import humdial_eval as he
    report = he.validate("team/HD-Track1", "HD-Track1-Test")
    summary = he.score("team/HD-Track1", "HD-Track1-Test", out="runs/team")
    items = he.load_items("runs/team")          # pandas.DataFrame, one row per item x judge x dimension

Each function calls the same core the CLI calls (:mod:`humdial_eval.engine.pipeline`: ``score`` and ``validate``;
``generate`` the generation plugin), so a script and a command line give the same numbers. Arguments are
checked before anything runs: a wrong type or value raises :class:`InvalidArgument`; a mistake in the
inputs raises :class:`UserError` with the message the CLI prints. Both are ``UserError``. Heavy modules
(pandas, the judges) are imported only by the functions that need them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from humdial_eval.inputs import layout
from humdial_eval.errors import InvalidArgument, UserError
from humdial_eval.inputs.issues import BySeverity, IssueLog, ValidationIssue

if TYPE_CHECKING:
    import pandas

    from humdial_eval.benchmark.protocol import Protocol

GENERATE_GROUP = "humdial_eval.generate"
__all__ = ["InvalidArgument", "Summary", "UserError", "ValidationReport", "generate", "load_items", "load_summary",
           "score", "validate"]


@dataclass(frozen=True)
class ValidationReport(BySeverity):
    """Every problem validation found, each with file, line, dialogue, turn and field."""

    issues: tuple[ValidationIssue, ...]

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed): what ``humdial-eval validate`` exits 0 for."""
        return not self.errors

    def format(self) -> str:
        return "\n".join(issue.format() for issue in self.issues)


@dataclass(frozen=True)
class Summary(Mapping[str, Any]):
    """A run's ``summary.json`` (see docs/output-formats.md), readable as a mapping or through properties."""

    data: dict[str, Any]
    path: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def final(self) -> float | None:
        """The official final score (0.5 zh + 0.5 en); None when a dimension it needs was not scored."""
        return self.data.get("final")

    @property
    def final_partial(self) -> float | None:
        return self.data.get("final_partial")

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data.get("counts", {}))

    def language_final(self, language: str) -> float | None:
        return self.data.get("languages", {}).get(language, {}).get("final")

    def mean(self, language: str, task: str, dimension: str = "avg") -> float | None:
        """A dimension's mean (or the task's ``avg``) for one language; None when not scored."""
        return self.data.get("languages", {}).get(language, {}).get(task, {}).get(dimension)


def validate(
    submission: str | os.PathLike[str], testset: str | os.PathLike[str], *, tasks: Sequence[str] | None = None,
    languages: Sequence[str] = layout.LANGUAGES, t3_turn_rule: str | None = None, protocol: str = "humdial",
) -> ValidationReport:
    """Check a submission (folder or .zip) against a test set, as ``humdial-eval validate`` does; ``protocol``
    is the one it will be scored under (it decides which T3 turn is evaluated)."""
    from humdial_eval.engine.pipeline import ValidateOptions, validate as run_validation

    options = ValidateOptions(
        submission=_path(submission, "submission"), testset=_path(testset, "testset"),
        tasks=_names(tasks, "tasks"), languages=_names(languages, "languages") or (),
        protocol=_protocol(protocol, True, t3_turn_rule),
    )
    return ValidationReport(tuple(run_validation(options).issues.issues))


# score()'s options: name -> (accepted types, what the ScoreOptions field is called).
_SCORE_OPTIONS: dict[str, tuple[tuple[type, ...], str]] = {
    "system_name": ((str, type(None)), "system_name"), "cache": ((str, os.PathLike, type(None)), "cache"),
    "no_cache": ((bool,), "use_cache"), "strict": ((bool,), "strict"), "bootstrap": ((int,), "bootstrap"),
    "seed": ((int,), "seed"), "repeat": ((int,), "repeat"), "repeat_aggregate": ((str,), "repeat_aggregate"),
    "on_failure": ((str, type(None)), "on_failure"), "concurrency": ((int, type(None)), "concurrency"),
    "progress": ((bool,), "progress"), "exclude": ((str, os.PathLike, type(None)), "exclude"),
    "limit": ((int, type(None)), "limit"),
}


def score(
    submission: str | os.PathLike[str], testset: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
    judge: str = "offline-rubric", **options: Any,
) -> Summary:
    """Score a submission with a judge profile, exactly as ``humdial-eval score`` does.

    ``out`` receives items.jsonl, summary.json/csv, report.md and validation.jsonl (a temporary folder when
    None). ``options`` are the command's options by their Python names: ``tasks``/``languages`` (lists),
    ``protocol`` (``"humdial"`` or ``"official"``), ``language_rule`` (bool), ``t3_turn_rule``, ``bootstrap``,
    ``seed``, ``cache``, ``no_cache``, ``strict``, ``repeat``, ``repeat_aggregate``, ``on_failure``,
    ``prompt_file`` ({task: path}), ``concurrency``, ``system_name``, ``exclude`` (a shipped exclusion list,
    a file, or ``"none"``), ``human_ratings`` (CSV path or paths: the panel scores the dimensions it rates),
    ``progress`` (default False), ``limit`` (a trial on the first N dialogues of each task and language).
    """
    from humdial_eval.engine.pipeline import ScoreOptions, score as run_scoring

    if out is None:
        with tempfile.TemporaryDirectory(prefix="humdial-score-") as folder:
            return Summary(score(submission, testset, Path(folder), judge, **options).data, None)
    if not isinstance(judge, (str, os.PathLike)):
        raise InvalidArgument(f"judge must be a profile name or a path, not {type(judge).__name__}")
    fields = _score_fields(dict(options))
    outcome = run_scoring(ScoreOptions(
        submission=_path(submission, "submission"), testset=_path(testset, "testset"), out=_path(out, "out"),
        judge=os.fspath(judge), **fields))
    if outcome.summary is None:
        raise UserError("the submission has validation errors and strict=True; see validate()")
    return Summary(outcome.summary, Path(out) / "summary.json")


def generate(model: str | os.PathLike[str], testset: str | os.PathLike[str], out: str | os.PathLike[str],
             **options: Any) -> Path:
    """Run the model of profile ``model`` over ``testset``; the submission's ``HD-Track1`` folder.

    ``options``: ``tasks``, ``languages``, ``concurrency``, ``limit``, ``fresh``, ``retry_failed``,
    ``progress``. Runs resume from ``out``'s journal. Needs the package that provides the
    ``humdial_eval.generate`` entry point (``humdial_eval.models``, shipped with humdial-eval).
    """
    if not isinstance(model, (str, os.PathLike)):
        raise InvalidArgument(f"model must be a profile name or a path, not {type(model).__name__}")
    testset_path, out_path = _path(testset, "testset"), _path(out, "out")
    known = {"tasks", "languages", "concurrency", "limit", "fresh", "retry_failed", "progress"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise InvalidArgument(f"generate() got unknown option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    for name in ("tasks", "languages"):
        if name in options:
            options[name] = _names(options[name], name)
    for name in ("concurrency", "limit"):
        if options.get(name) is not None and (not isinstance(options[name], int) or isinstance(options[name], bool)):
            raise InvalidArgument(f"{name} must be an integer, not {type(options[name]).__name__}")
    entries = list(entry_points(group=GENERATE_GROUP))
    if not entries:
        raise UserError("no installed package provides generation (entry point group humdial_eval.generate)")
    function = entries[0].load()
    try:
        return Path(function(os.fspath(model), testset_path, out_path, **options))
    except ValueError as exc:  # profile, journal and input errors are ValueErrors with a readable message
        raise UserError(str(exc)) from None
    except RuntimeError as exc:
        raise UserError(str(exc)) from None


def load_summary(run_dir: str | os.PathLike[str]) -> Summary:
    """``summary.json`` of a ``score`` output folder (or of a ``run`` folder scored by one judge)."""
    from humdial_eval.outputs import run_folder

    folder = run_folder.one_score_folder(_path(run_dir, "run_dir"))
    return Summary(run_folder.read_summary(folder), folder / run_folder.SUMMARY_FILE)


def load_items(run_dir: str | os.PathLike[str]) -> "pandas.DataFrame":
    """The judgments of a run as a long table: one row per item x judge x dimension scored.

    Columns: ``task, language, dialogue_id, turn_id, judge, repeat, status, dimension, score, flags,
    error`` (plus ``scores_dir`` when a ``run`` folder holds several score folders). An item with no
    score (a failed judgment, a task no judge scores) is one row with ``dimension`` and ``score`` empty.
    ``df.pivot_table(index=["task", "language", "dialogue_id"], columns="dimension", values="score")``
    gives one row per item with score columns. A line that is not a valid item record raises
    :class:`UserError` naming the file, line and field. Needs pandas (the ``api`` extra).
    """
    import pandas

    from humdial_eval.outputs import run_folder

    folders = run_folder.score_folders(_path(run_dir, "run_dir"))
    rows: list[dict[str, Any]] = []
    for folder in folders:
        if not (folder / run_folder.ITEMS_FILE).is_file():
            raise UserError(f"no {run_folder.ITEMS_FILE} in {folder} (expected a `score` --out folder or a `run` "
                            "--out folder)")
        issues = IssueLog()
        records = list(run_folder.item_records(folder, issues))
        if issues.errors:
            raise UserError(issues.errors[0].format()
                            + (f" (and {len(issues.errors) - 1} more)" if len(issues.errors) > 1 else ""))
        rows.extend(_item_rows(records, folder.name if len(folders) > 1 else None))
    columns = ["task", "language", "dialogue_id", "turn_id", "judge", "repeat", "status", "dimension", "score",
               "flags", "error"] + (["scores_dir"] if len(folders) > 1 else [])
    frame = pandas.DataFrame(rows, columns=columns)
    frame["score"] = pandas.to_numeric(frame["score"], errors="coerce")
    return frame


def _item_rows(records: Sequence[Any], label: str | None) -> Iterator[dict[str, Any]]:
    for item in records:
        base = {
            "task": item.task, "language": item.language, "dialogue_id": item.dialogue_id, "turn_id": item.turn_id,
            "judge": item.judge, "repeat": item.repeat, "status": item.status, "flags": ",".join(item.flags),
            "error": item.error,
        }
        if label is not None:
            base["scores_dir"] = label
        if not item.scores:
            yield {**base, "dimension": None, "score": None}
        for dimension, value in item.scores.items():
            yield {**base, "dimension": dimension, "score": value}


def _path(value: Any, name: str) -> Path:
    if isinstance(value, Path):
        return value
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        if isinstance(text, str) and text and "\x00" not in text:
            return Path(text)
    raise InvalidArgument(f"{name} must be a path (str or os.PathLike), not {type(value).__name__} {value!r}"[:300])


def _names(value: Any, name: str) -> tuple[str, ...] | None:
    """A list option given as a sequence of strings or one comma-separated string; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise InvalidArgument(f"{name} must be a list of strings, not {type(value).__name__}")
    if not value:
        raise InvalidArgument(f"{name} is empty")
    return tuple(value)


def _protocol(name: Any, language_rule: Any, t3_turn_rule: Any) -> "Protocol":
    from humdial_eval.benchmark.protocol import get_protocol

    if not isinstance(name, str):
        raise InvalidArgument(f"protocol must be a protocol name, not {type(name).__name__}")
    if not isinstance(language_rule, bool):
        raise InvalidArgument(f"language_rule must be True or False, not {type(language_rule).__name__}")
    if t3_turn_rule is not None and not isinstance(t3_turn_rule, str):
        raise InvalidArgument(f"t3_turn_rule must be a rule name, not {type(t3_turn_rule).__name__}")
    try:
        return get_protocol(name, language_rule=language_rule, t3_turn_rule=t3_turn_rule)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def _score_fields(options: dict[str, Any]) -> dict[str, Any]:
    """score()'s keyword options as ScoreOptions fields, each type-checked; unknown names are refused."""
    fields: dict[str, Any] = {}
    fields["protocol"] = _protocol(options.pop("protocol", "humdial"), options.pop("language_rule", True),
                                   options.pop("t3_turn_rule", None))
    if "tasks" in options:
        fields["tasks"] = _names(options.pop("tasks"), "tasks")
    if "languages" in options:
        fields["languages"] = _names(options.pop("languages"), "languages")
    if "human_ratings" in options:
        ratings = options.pop("human_ratings")
        if isinstance(ratings, (str, os.PathLike)):
            ratings = [ratings]
        if not isinstance(ratings, Sequence) or not all(isinstance(p, (str, os.PathLike)) for p in ratings):
            raise InvalidArgument("human_ratings must be a path or a list of paths")
        fields["human_ratings"] = tuple(_path(p, "human_ratings") for p in ratings)
    if "prompt_file" in options:
        files = options.pop("prompt_file")
        if not isinstance(files, Mapping) or not all(isinstance(k, str) and isinstance(v, (str, os.PathLike))
                                                     for k, v in files.items()):
            raise InvalidArgument("prompt_file must be a mapping of task id -> template path")
        fields["prompt_files"] = {task: Path(path) for task, path in files.items()}
    for name, value in options.items():
        if name not in _SCORE_OPTIONS:
            known = sorted([*_SCORE_OPTIONS, "tasks", "languages", "protocol", "language_rule", "t3_turn_rule",
                            "prompt_file", "human_ratings"])
            raise InvalidArgument(f"score() got an unknown option {name!r} (known: {', '.join(known)})")
        types, field_name = _SCORE_OPTIONS[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise InvalidArgument(f"{name} must be {' or '.join(t.__name__ for t in types)}, not {type(value).__name__}")
        if name == "no_cache":
            value = not value
        elif name == "cache" and value is not None:
            value = _path(value, "cache")
        fields[field_name] = value
    return fields
