"""Blind rating sheets for a scored run, built from the same rubric the judge uses.

The sheet folder is what raters get: a self-contained HTML form (with audio players for spoken
replies), a CSV template and the audio under neutral names. Items are shuffled with a seed and
carry neutral ids; no system or judge name appears anywhere in it. What links an item id back to
the run (the system, the run folder) is written to ``key.json`` beside the sheet folder, not in it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from humdial_eval.outputs import csv_safe
from humdial_eval.outputs.atomic_write import atomic_open, copy_atomic, write_atomic
from humdial_eval.agreement.scales import task_plugins
from humdial_eval.agreement.runs import JudgmentRow, RunFolder, opened_submission, read_run
from humdial_eval.inputs.archive import UnsafeArchiveError
from humdial_eval.benchmark.dialogue import Submission, TestSet
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.inputs.loading import load_submission, load_testset
from humdial_eval.benchmark.protocol import get_protocol
from humdial_eval.benchmark.rubric import Dimension
from humdial_eval.benchmark.task import MissingResponse, Task
from humdial_eval.terminal import printable_block

KEY_SCHEMA = "humdial-eval/human-export/1"
SHEET_FOLDER = "sheet"
KEY_FILE = "key.json"
TEMPLATE_COLUMNS = ("item", "language", "task", "dialogue_id", "turn_id", "dimension", "rater", "score")


@dataclass
class SheetItem:
    item_id: str
    task: Task
    item: EvalItem
    dimensions: list[Dimension]
    response_audio: str | None = None
    user_audio: str | None = None


@dataclass
class ExportResult:
    items: list[SheetItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_sheets(
    run_dir: Path,
    out: Path,
    issues: IssueLog,
    *,
    seed: int = 0,
    tasks: list[str] | None = None,
    languages: list[str] | None = None,
    dimensions: list[str] | None = None,
    include_rule_scored: bool = False,
) -> ExportResult | None:
    """Write ``out/sheet/`` and ``out/key.json``; ``None`` (with errors logged) if the run cannot be read."""
    run = read_run(run_dir, run_dir.name, issues)
    if run is None:
        return None
    for name in ("submission", "testset"):
        if getattr(run, name) is None:
            issues.add("missing_field", f"summary.json records no {name!r} path; the sheets need the run's texts",
                       file=run_dir / "summary.json", field=name)
    if issues.errors:
        return None
    result = ExportResult()
    rows = chosen_rows(run, tasks, languages, include_rule_scored, result)
    task_objects = run_tasks(sorted({r.task for r in rows}), run, issues)
    if issues.errors:
        return None
    try:
        with opened_submission(run.submission) as folder:  # type: ignore[arg-type]
            load_issues = IssueLog()
            wanted_tasks = sorted(task_objects)
            wanted_languages = sorted({r.language for r in rows})
            testset = load_testset(run.testset, load_issues, tasks=wanted_tasks, languages=wanted_languages)  # type: ignore[arg-type]
            submission = load_submission(folder, load_issues, tasks=wanted_tasks, languages=wanted_languages)
            built = build_items(rows, task_objects, testset, submission, dimensions, result)
            random.Random(seed).shuffle(built)
            sheet = out / SHEET_FOLDER
            (sheet / "audio").mkdir(parents=True, exist_ok=True)
            for number, entry in enumerate(built, start=1):
                entry.item_id = f"item-{number:03d}"
                copy_audio(entry, sheet / "audio")
            result.items = built
    except (UnsafeArchiveError, OSError) as exc:
        issues.add("unreadable_submission", str(exc), file=run.submission)
        return None
    if load_issues.errors:
        result.notes.append(f"the run's test set or submission has {len(load_issues.errors)} problem(s); "
                            "items that could not be rebuilt were left out")
    if not result.items:
        issues.add("nothing_to_rate", "no item of this run could be put on a rating sheet", file=run_dir)
        return None
    write_template(sheet / "rating_template.csv", result.items)
    write_html(sheet / "rating_sheet.html", result.items, seed)
    _write_key(out / KEY_FILE, run, result.items, seed)
    return result


def chosen_rows(
    run: RunFolder, tasks: list[str] | None, languages: list[str] | None, include_rule_scored: bool,
    result: ExportResult,
) -> list[JudgmentRow]:
    """One row per item (the first judgment of it), filtered as asked."""
    seen: dict[tuple[str, str, str], JudgmentRow] = {}
    skipped = 0
    for row in run.rows:
        if (tasks and row.task not in tasks) or (languages and row.language not in languages):
            continue
        if row.rule_scored and not include_rule_scored:
            skipped += 1
            continue
        seen.setdefault((row.task, row.language, row.dialogue_id), row)
    if skipped:
        result.notes.append(f"{skipped} rule-scored judgment(s) (language_rule / missing_response) left out")
    return sorted(seen.values(), key=lambda r: (r.task, r.language, r.dialogue_id))


def run_tasks(task_ids: list[str], run: RunFolder, issues: IssueLog) -> dict[str, Task]:
    rule = run.options.get("t3_turn_rule")
    # the run's T3 rule on the loader's view (the run reader does not yet expose the recorded protocol)
    protocol = get_protocol("humdial", t3_turn_rule=str(rule) if rule is not None else None)
    classes, failures = task_plugins()
    found: dict[str, Task] = {}
    for task_id in task_ids:
        if task_id not in classes:
            installed = ", ".join(sorted(classes)) or "none"
            issues.add("unknown_task", f"no usable task plugin {task_id!r} (installed: {installed})"
                       + (f"; {'; '.join(failures)}" if failures else ""), file=run.path / "items.jsonl", field="task")
            continue
        try:
            found[task_id] = classes[task_id](protocol)
        except ValueError as exc:
            issues.add("invalid_option", str(exc), file=run.path / "summary.json", field="options")
    return found


def build_items(
    rows: list[JudgmentRow], tasks: dict[str, Task], testset: TestSet, submission: Submission,
    dimensions: list[str] | None, result: ExportResult,
) -> list[SheetItem]:
    built: list[SheetItem] = []
    missing = moved = 0
    for row in rows:
        task = tasks[row.task]
        gold_file, sub_file = testset.get(row.language, row.task), submission.get(row.language, row.task)
        gold = gold_file.dialogues.get(row.dialogue_id) if gold_file else None
        if gold is None:
            missing += 1
            continue
        item = task.build_item(gold, sub_file.dialogues.get(row.dialogue_id) if sub_file else None)
        if isinstance(item, MissingResponse):
            missing += 1
            continue
        if row.turn_id is not None and item.turn_id != row.turn_id:
            moved += 1
            continue
        dims = [d for d in task.rubric.dimensions if not dimensions or d.key in dimensions]
        if dims:
            built.append(SheetItem("", task, item, dims))
    if missing:
        result.notes.append(f"{missing} item(s) have no usable response or gold dialogue and were left out")
    if moved:
        result.notes.append(f"{moved} item(s) now select a different turn than the run recorded and were left out")
    return built


def copy_audio(entry: SheetItem, folder: Path) -> None:
    """Copy audio under the item's neutral id; file names in the sheet never reveal the source."""
    needs_audio = entry.task.needs_response_audio or any(d.needs_audio for d in entry.dimensions)
    if not needs_audio:
        return
    if entry.item.response_audio is not None and entry.item.response_audio.is_file():
        entry.response_audio = f"audio/{entry.item_id}_response.wav"
        copy_atomic(entry.item.response_audio, folder / f"{entry.item_id}_response.wav")
    if entry.item.user_audio is not None and entry.item.user_audio.is_file():
        entry.user_audio = f"audio/{entry.item_id}_user.wav"
        copy_atomic(entry.item.user_audio, folder / f"{entry.item_id}_user.wav")


def write_template(path: Path, items: list[SheetItem], rater: str = "") -> None:
    """The CSV a rater fills in; ``rater`` pre-fills the rater column (a campaign's per-rater sheet)."""
    with atomic_open(path, "w", newline="") as handle:
        writer = csv_safe.writer(handle)
        writer.writerow(TEMPLATE_COLUMNS)
        for entry in items:
            for dim in entry.dimensions:
                i = entry.item
                writer.writerow([entry.item_id, i.language, i.task, i.dialogue_id, i.turn_id, dim.key, rater, ""])


def write_html(path: Path, items: list[SheetItem], seed: int) -> None:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("humdial_eval.human"), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        finalize=_neutral,
    )
    rubrics: dict[str, Any] = {}
    for entry in items:
        rubrics.setdefault(entry.task.id, {"name": entry.task.name, "dimensions": {}})
        for dim in entry.dimensions:
            rubrics[entry.task.id]["dimensions"][dim.key] = dim
    html = env.get_template("sheet.html.j2").render(
        items=items, rubrics=rubrics, columns=TEMPLATE_COLUMNS, storage_key=f"humdial-sheet-{seed}-{len(items)}",
    )
    write_atomic(path, html)


def _neutral(value: Any) -> Any:
    """Every text put on the sheet: a right-to-left override or a control character in a submitted reply would
    reorder or hide what the rater reads, so it is shown as a visible escape (markup the template made is kept)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable_block(value)
    return value


def _write_key(path: Path, run: RunFolder, items: list[SheetItem], seed: int) -> None:
    key = {
        "schema": KEY_SCHEMA,
        "system": run.system,
        "run": run.path.as_posix(),
        "seed": seed,
        "items": [
            {
                "item": e.item_id, "task": e.item.task, "language": e.item.language,
                "dialogue_id": e.item.dialogue_id, "turn_id": e.item.turn_id,
                "dimensions": {d.key: list(d.scale.values) for d in e.dimensions},
            }
            for e in items
        ],
    }
    write_atomic(path, json.dumps(key, ensure_ascii=False, indent=1) + "\n")

