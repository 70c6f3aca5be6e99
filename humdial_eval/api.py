"""The public Python API: validate, score, generate, and read results back.

    import humdial_eval as he
    report = he.validate("team/HD-Track1", "HD-Track1-Test")
    summary = he.score("team/HD-Track1", "HD-Track1-Test", out="runs/team")
    items = he.load_items("runs/team")          # pandas.DataFrame, one row per item x judge x dimension

Each function is the one the CLI runs (``score`` is the pipeline of ``humdial-eval score``; ``generate``
that of ``humdial-eval generate``), so a script and a command line give the same numbers. Mistakes in
the inputs raise :class:`UserError` with the same message the CLI prints. Heavy modules (pandas, the
judges) are imported only by the functions that need them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from humdial_eval.inputs import layout
from humdial_eval.cli.errors import UserError
from humdial_eval.inputs.issues import BySeverity, ValidationIssue

if TYPE_CHECKING:
    import pandas

GENERATE_GROUP = "humdial_eval.generate"
RANKED_TASKS = ("T1", "T2", "T3")
__all__ = ["Summary", "UserError", "ValidationReport", "generate", "load_items", "load_summary", "score", "validate"]


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
    submission: str | Path, testset: str | Path, *, tasks: Sequence[str] = RANKED_TASKS,
    languages: Sequence[str] = layout.LANGUAGES, t3_turn_rule: str = "second_non_neutral",
) -> ValidationReport:
    """Check a submission (folder or .zip) against a test set, as ``humdial-eval validate`` does."""
    from humdial_eval.inputs.validation import InputError, open_inputs

    task_objects = _tasks(tasks, t3_turn_rule)
    try:
        with open_inputs(Path(submission), Path(testset), task_objects, list(languages)) as inputs:
            return ValidationReport(tuple(inputs.issues.issues))
    except InputError as exc:
        raise UserError(str(exc)) from None


def score(
    submission: str | Path, testset: str | Path, out: str | Path | None = None, judge: str = "offline-rubric",
    **options: Any,
) -> Summary:
    """Score a submission with a judge profile, exactly as ``humdial-eval score`` does.

    ``out`` receives items.jsonl, summary.json/csv and report.md (a temporary folder when None).
    ``options`` are the command's options by their Python names: ``tasks``/``languages`` (lists),
    ``t3_turn_rule``, ``bootstrap``, ``seed``, ``cache``, ``no_cache``, ``strict``, ``repeat``,
    ``repeat_aggregate``, ``on_failure``, ``prompt_file`` ({task: path}), ``concurrency``,
    ``system_name``, ``progress`` (default False).
    """
    from rich.console import Console

    from humdial_eval.cli import score_cmd

    if out is None:
        with tempfile.TemporaryDirectory(prefix="humdial-score-") as folder:
            return Summary(score(submission, testset, Path(folder), judge, **options).data, None)
    args = _score_arguments(score_cmd, submission, testset, Path(out), judge, options)
    code, summary = score_cmd.score(args, console=Console(quiet=True))
    if summary is None:
        raise UserError("the submission has validation errors and strict=True; see validate()")
    return Summary(summary, Path(out) / "summary.json")


def generate(model: str | Path, testset: str | Path, out: str | Path, **options: Any) -> Path:
    """Run the model of profile ``model`` over ``testset``; the submission's ``HD-Track1`` folder.

    ``options``: ``tasks``, ``languages``, ``concurrency``, ``limit``, ``fresh``, ``retry_failed``,
    ``progress``. Runs resume from ``out``'s journal. Needs the package that provides the
    ``humdial_eval.generate`` entry point (``models``, shipped with humdial-eval).
    """
    entries = list(entry_points(group=GENERATE_GROUP))
    if not entries:
        raise UserError("no installed package provides generation (entry point group humdial_eval.generate)")
    function = entries[0].load()
    try:
        return Path(function(model, testset, out, **options))
    except ValueError as exc:  # profile, journal and input errors are ValueErrors with a readable message
        raise UserError(str(exc)) from None
    except RuntimeError as exc:
        raise UserError(str(exc)) from None


def load_summary(run_dir: str | Path) -> Summary:
    """``summary.json`` of a ``score`` output folder (or of a ``run`` folder's ``scores/``)."""
    path = _find(Path(run_dir), "summary.json")[0]
    try:
        return Summary(json.loads(path.read_text(encoding="utf-8")), path)
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read the summary: {exc}") from None


def load_items(run_dir: str | Path) -> "pandas.DataFrame":
    """The judgments of a run as a long table: one row per item x judge x dimension scored.

    Columns: ``task, language, dialogue_id, turn_id, judge, repeat, status, dimension, score, flags,
    error`` (plus ``scores_dir`` when a ``run`` folder holds several score folders). An item with no
    score (a failed judgment, a task no judge scores) is one row with ``dimension`` and ``score`` empty.
    ``df.pivot_table(index=["task", "language", "dialogue_id"], columns="dimension", values="score")``
    gives one row per item with score columns. Needs pandas (the ``api`` extra).
    """
    import pandas

    paths = _find(Path(run_dir), "items.jsonl")
    rows: list[dict[str, Any]] = []
    for path in paths:
        label = path.parent.name if len(paths) > 1 else None
        rows.extend(_item_rows(path, label))
    columns = ["task", "language", "dialogue_id", "turn_id", "judge", "repeat", "status", "dimension", "score",
               "flags", "error"] + (["scores_dir"] if len(paths) > 1 else [])
    frame = pandas.DataFrame(rows, columns=columns)
    frame["score"] = pandas.to_numeric(frame["score"], errors="coerce")
    return frame


def _item_rows(path: Path, label: str | None) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise UserError(f"{path}:{number}: not a JSON line ({exc})") from None
            base = {
                "task": item.get("task"), "language": item.get("language"), "dialogue_id": item.get("dialogue_id"),
                "turn_id": item.get("turn_id"), "judge": item.get("judge"),
                "repeat": (item.get("meta") or {}).get("repeat", 0), "status": item.get("status"),
                "flags": ",".join(item.get("flags") or []), "error": item.get("error"),
            }
            if label is not None:
                base["scores_dir"] = label
            scores = item.get("scores") or {}
            if not scores:
                yield {**base, "dimension": None, "score": None}
            for dimension, value in scores.items():
                yield {**base, "dimension": dimension, "score": value}


def _find(run_dir: Path, name: str) -> list[Path]:
    """``name`` in a score folder, or in the ``scores/`` (or ``scores/*/``) of a ``run`` folder."""
    if run_dir.is_file() and run_dir.name == name:
        return [run_dir]
    for candidates in ([run_dir / name], [run_dir / "scores" / name], sorted(run_dir.glob(f"scores/*/{name}"))):
        found = [path for path in candidates if path.is_file()]
        if found:
            return found
    raise UserError(f"no {name} in {run_dir} (expected a `score` --out folder or a `run` --out folder)")


def _tasks(task_ids: Sequence[str], t3_turn_rule: str) -> list[Any]:
    from humdial_eval.engine import registry

    tasks = []
    for task_id in task_ids:
        try:
            tasks.append(registry.task_class(task_id)({"t3_turn_rule": t3_turn_rule}))
        except (registry.PluginError, ValueError) as exc:
            raise UserError(str(exc)) from None
    return tasks


def _score_arguments(score_cmd: Any, submission: str | Path, testset: str | Path, out: Path, judge: str,
                     options: dict[str, Any]) -> argparse.Namespace:
    """The command's own parser gives the defaults, so the API and the CLI cannot drift apart."""
    parser = argparse.ArgumentParser(prog="humdial_eval.score", exit_on_error=False)
    score_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["score", str(submission), "--testset", str(testset), "--out", str(out), "--judge", judge])
    args.no_progress = not options.pop("progress", False)
    for key, value in options.items():
        if key == "func" or not hasattr(args, key):
            known = sorted(k for k in vars(args) if k not in {"func", "submission", "testset", "out", "judge"})
            raise TypeError(f"score() got an unknown option {key!r} (known: {', '.join(known)}, progress)")
        if key in {"tasks", "languages"} and not isinstance(value, str):
            value = ",".join(value)
        elif key == "prompt_file" and isinstance(value, Mapping):
            value = [f"{task}={path}" for task, path in value.items()]
        elif key == "cache" and value is not None:
            value = Path(value)
        setattr(args, key, value)
    return args
