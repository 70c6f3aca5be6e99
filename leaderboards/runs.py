"""Teams from ``humdial-eval score`` output folders, so a new system joins a board without re-typing numbers.

``summary.json`` gives the per-dimension means the board shows (the run's own numbers, never recomputed);
``items.jsonl``, when present, gives the item scores behind them, which the bootstrap resamples. The two
must agree: a folder whose items do not reproduce its summary is reported, not silently mixed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from humdial_eval.inputs.inputfiles import InputFileError, read_regular_text
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.jsonl import loads_strict, read_jsonl
from humdial_eval.leaderboards.definition import LeaderboardDefinition
from humdial_eval.leaderboards.entries import Cell, ItemScores, TeamEntry, parse_score, team_name_problem

SUMMARY_FILE = "summary.json"
ITEMS_FILE = "items.jsonl"
SUMMARY_SCHEMA = "humdial-eval/summary/1"
MAX_SUMMARY_BYTES = 16 * 1024 * 1024
# summary.json may round its means; item means must agree with them to within half a unit of 2 decimals.
AGREEMENT_TOLERANCE = 0.005 + 1e-9


def read_run(run_dir: Path, definition: LeaderboardDefinition, issues: IssueLog,
             name: str | None = None) -> TeamEntry | None:
    """One team from a run folder, named ``name`` or else by the summary's ``system`` field."""
    summary_path = run_dir / SUMMARY_FILE
    if not run_dir.is_dir():
        issues.add("run_missing", "not a folder (expected the --out folder of `humdial-eval score`)", file=run_dir)
        return None
    try:
        summary = loads_strict(read_regular_text(summary_path, max_bytes=MAX_SUMMARY_BYTES))
    except FileNotFoundError:
        issues.add("summary_missing", f"no {SUMMARY_FILE} in this folder", file=run_dir)
        return None
    except InputFileError as exc:
        issues.add(exc.code, exc.reason, file=summary_path)
        return None
    except OSError as exc:
        issues.add("unreadable_file", f"cannot be read ({exc.strerror or exc})", file=summary_path)
        return None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        issues.add("summary_json", f"not valid JSON: {exc}", file=summary_path)
        return None
    if not isinstance(summary, dict):
        issues.add("summary_json", "must be a JSON object", file=summary_path)
        return None
    before = len(issues.errors)
    if summary.get("schema", SUMMARY_SCHEMA) != SUMMARY_SCHEMA:
        issues.add("summary_schema", f"unsupported schema {summary.get('schema')!r}; expected {SUMMARY_SCHEMA!r}",
                   file=summary_path, field="schema")
    if name is None:
        system = summary.get("system")
        if not isinstance(system, str) or not system.strip():
            issues.add("summary_system", "field 'system' must be a non-empty string (the team name); or name the "
                       "team with --name", file=summary_path, field="system")
            return None
        name = system.strip()
        problem = team_name_problem(name)
        if problem:
            issues.add("team_name", f"{problem}; name the team with --name", file=summary_path, field="system")
            return None
    entry = TeamEntry(name=name, source=run_dir.name)
    _read_means(summary, summary_path, definition, entry, issues)
    items_path = run_dir / ITEMS_FILE
    if items_path.is_file():
        owners = summary.get("primary_judges")
        entry.items = read_items(items_path, definition, issues, owners if isinstance(owners, dict) else None)
        _check_agreement(entry, items_path, issues)
    return entry if len(issues.errors) == before else None


def _read_means(summary: dict[str, Any], path: Path, definition: LeaderboardDefinition, entry: TeamEntry,
                issues: IssueLog) -> None:
    languages = summary.get("languages")
    if not isinstance(languages, dict):
        issues.add("summary_languages", "field 'languages' must be an object keyed by language", file=path,
                   field="languages")
        return
    for language in definition.languages:
        tasks = languages.get(language.key)
        if tasks is None:
            issues.warn("summary_language_absent", f"no results for {language.key!r}: shown as missing",
                        file=path, field="languages")
            continue
        if not isinstance(tasks, dict):
            issues.add("summary_languages", "must be an object keyed by task", file=path,
                       field=f"languages.{language.key}")
            continue
        for dimension in definition.dimensions():
            scores = tasks.get(dimension.task)
            if scores is None:
                continue
            where = f"languages.{language.key}.{dimension.task}"
            if not isinstance(scores, dict):
                issues.add("summary_task", "must be an object keyed by dimension", file=path, field=where)
                continue
            raw = scores.get(dimension.key)
            if raw is None:
                continue
            value = parse_score(raw, definition)
            if isinstance(value, str):
                issues.add("summary_value", value, file=path, field=f"{where}.{dimension.key}")
                continue
            entry.values[(language.key, dimension.task, dimension.key)] = value


def read_items(path: Path, definition: LeaderboardDefinition, issues: IssueLog,
               owners: dict[str, Any] | None = None) -> ItemScores:
    """Item scores of the board's languages and tasks; failed judgments carry no scores and are skipped.

    ``owners`` is the summary's ``primary_judges`` ("T1.Accuracy_Completeness" -> judge name): where two
    judges score one dimension, the summary counts only its primary judge, and so must the resampling.
    Without it, the scores of every judge of an item are averaged.
    """
    languages = {lang.key for lang in definition.languages}
    dimensions = {(d.task, d.key) for d in definition.dimensions()}
    collected: dict[Cell, dict[str, list[float]]] = {}
    for line_no, raw_record in read_jsonl(path, issues):
        record = _item_record(raw_record, path, line_no, issues)
        if record is None or record["task"] not in {t.key for t in definition.tasks}:
            continue
        if record["language"] not in languages or not _in_means(record):
            continue
        for key, raw in record["scores"].items():
            if (record["task"], key) not in dimensions:
                continue
            owner = (owners or {}).get(f"{record['task']}.{key}")
            if owner is not None and record.get("judge") != owner:
                continue
            value = parse_score(raw, definition)
            if isinstance(value, str):
                issues.add("items_value", value, file=path, line=line_no, field=f"scores.{key}")
                continue
            cell = (record["language"], record["task"], key)
            collected.setdefault(cell, {}).setdefault(record["dialogue_id"], []).append(float(value))
    cells = {cell: {d: math.fsum(v) / len(v) for d, v in by_dialogue.items()}
             for cell, by_dialogue in collected.items()}
    return ItemScores(source=path.parent.name, cells=cells)


# A failed judgment that a rule scored the minimum counts in the summary's means (see humdial_eval.outputs.scoring).
_SCORED_FAILURES = frozenset({"failed_scored_min", "submission_fault"})


def _in_means(record: dict[str, Any]) -> bool:
    flags = record.get("flags") if isinstance(record.get("flags"), list) else []
    return record["status"] == "ok" or (record["status"] == "failed" and bool(_SCORED_FAILURES.intersection(flags)))


def _item_record(record: dict[str, Any], path: Path, line_no: int, issues: IssueLog) -> dict[str, Any] | None:
    """The fields the board needs from one line (already a JSON object: see :func:`read_jsonl`)."""
    for key in ("task", "language", "dialogue_id"):
        if not isinstance(record.get(key), str) or not record[key]:
            issues.add("items_field", f"field {key!r} must be a non-empty string", file=path, line=line_no, field=key)
            return None
    if record.get("status") not in {"ok", "failed", "skipped"}:
        issues.add("items_field", f"field 'status' must be 'ok', 'failed' or 'skipped', got {record.get('status')!r}",
                   file=path, line=line_no, field="status")
        return None
    if record["status"] == "ok" and not isinstance(record.get("scores"), dict):
        issues.add("items_field", "an ok judgment needs a 'scores' object", file=path, line=line_no, field="scores")
        return None
    record.setdefault("scores", {})
    return record


def _check_agreement(entry: TeamEntry, items_path: Path, issues: IssueLog) -> None:
    """Every mean the summary states must be the mean of the item scores the bootstrap will resample."""
    assert entry.items is not None
    for cell, value in entry.values.items():
        scores = entry.items.cells.get(cell)
        if not scores:
            continue
        mean = math.fsum(scores.values()) / len(scores)
        if abs(mean - float(value)) > AGREEMENT_TOLERANCE:
            language, task, dimension = cell
            issues.add("items_disagree", f"the mean of {len(scores)} item scores of {language} {task}.{dimension} "
                       f"is {mean:.4f} but {SUMMARY_FILE} says {value}", file=items_path)
    for cell in entry.items.cells.keys() - entry.values.keys():
        language, task, dimension = cell
        issues.add("items_disagree", f"items score {language} {task}.{dimension} but {SUMMARY_FILE} has no mean "
                   "for it", file=items_path)
