"""Writing a run's outputs: items.jsonl, summary.json, summary.csv, report.md, and the console table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.table import Table
from rich.text import Text

from humdial_eval.benchmark.sources import PUBLISHED_FINAL_SOURCES, describe_identity, differences
from humdial_eval.outputs import run_folder
from humdial_eval.outputs import csv_safe
from humdial_eval.outputs.atomic_write import atomic_open, write_atomic
from humdial_eval.benchmark.results import ItemResult, write_items
from humdial_eval.benchmark.task import Task
from humdial_eval.outputs.judge_usage import model_mismatches
from humdial_eval.outputs.template_cache import CodeCache
from humdial_eval.terminal import ECHO_LIMIT, json_line, printable

_ENV = Environment(
    loader=PackageLoader("humdial_eval.outputs", "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    bytecode_cache=CodeCache(),  # compiled once, kept between runs (template_cache)
)
# Markdown and HTML syntax that a name or message could use to restyle, link or break a table row.
# An underscore inside a word (dialogue ids, snr_db) cannot start emphasis in CommonMark and is left as it is.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_ENV.filters["md"] = lambda value, limit=ECHO_LIMIT: md_text(value, limit)


def md_text(value: object, limit: int | None = ECHO_LIMIT) -> str:
    """``value`` as inert inline Markdown: one line, controls escaped (terminal.printable), capped, and every
    character that Markdown or HTML would interpret escaped, so a system or judge name shows as written."""
    text = printable(" ".join(str(value).split()), limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def write_outputs(out: Path, results: Sequence[ItemResult], summary: dict[str, Any], tasks: Sequence[Task]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_items(out / run_folder.ITEMS_FILE, list(results))
    write_atomic(out / run_folder.SUMMARY_FILE, json_line(summary, indent=2) + "\n")
    _write_csv(out / run_folder.SUMMARY_CSV_FILE, summary, tasks)
    write_atomic(out / run_folder.REPORT_MD_FILE, render_markdown(summary, tasks, results))


def table_rows(summary: dict[str, Any], tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """One row per (task, dimension) with the value per language: the shape of every table we print."""
    languages = list(summary["languages"])
    rows: list[dict[str, Any]] = []
    for task in tasks:
        if not task.rubric.dimensions:
            continue
        for key in (*task.rubric.keys(), "avg"):
            row: dict[str, Any] = {"task": task.id, "dimension": key}
            for language in languages:
                entry = summary["languages"][language].get(task.id, {})
                row[language] = entry.get(key)
                row[f"{language}_ci"] = entry.get(f"{key}_ci")
            rows.append(row)
    return rows


def render_markdown(summary: dict[str, Any], tasks: Sequence[Task], results: Sequence[ItemResult]) -> str:
    failed = [r for r in results if r.status == "failed"]
    return _ENV.get_template("report.md.j2").render(
        summary=summary,
        rows=table_rows(summary, tasks),
        languages=list(summary["languages"]),
        failed=failed,
        injected=[r for r in results if "injection_suspected" in r.flags],
        fmt=fmt,
        fmt_ci=fmt_ci,
        partial_text=partial_text,
        mismatches=model_mismatches(summary.get("judges", [])),
        measure_rows=measure_rows(summary),
        measure_languages=sorted({lang for by_lang in summary.get("measures", {}).values() for lang in by_lang}),
        supplementary=supplementary_rows(summary),
        shipped_prompts=[t for t, origin in sorted(summary.get("prompts", {}).items()) if origin.startswith("shipped")],
        describe_identity=describe_identity,
        unlike_published=differences(summary.get("sources") or {}, PUBLISHED_FINAL_SOURCES),
    )


def measure_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (task, judge, measure) with mean and n per language: the report's measures table."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for task, by_language in summary.get("measures", {}).items():
        for language, by_judge in by_language.items():
            for judge, by_name in by_judge.items():
                for name, stats in by_name.items():
                    row = rows.setdefault((task, judge, name), {"task": task, "judge": judge, "measure": name})
                    row[language] = stats
    return [rows[key] for key in sorted(rows)]


def supplementary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Headline metrics of supplementary tasks, one row per (task, language, split)."""
    rows: list[dict[str, Any]] = []
    for task, entry in summary.get("supplementary", {}).items():
        for language, metrics in entry["languages"].items():
            splits = [("all", metrics)] + sorted(metrics.get("splits", {}).items())
            for split, values in splits:
                rows.append({"task": task, "name": entry["name"], "language": language, "split": split, **values})
    return rows


def print_table(console: Console, summary: dict[str, Any], tasks: Sequence[Task]) -> None:
    languages = list(summary["languages"])
    trial = summary.get("trial")
    marked = f" (TRIAL RUN, --limit {trial['limit']})" if trial else ""
    table = Table(title=Text(f"humdial-eval: {printable(summary.get('system', ''))}{marked}"), show_lines=False)
    table.add_column("task")
    table.add_column("dimension")
    for language in languages:
        table.add_column(language, justify="right")
        table.add_column(f"{language} 95% CI", justify="right")
    for row in table_rows(summary, tasks):
        cells = [row["task"], row["dimension"]]
        for language in languages:
            cells += [fmt(row[language]), fmt_ci(row[f"{language}_ci"])]
        table.add_row(*cells, style="bold" if row["dimension"] == "avg" else None)
    for language in languages:
        entry = summary["languages"][language]
        cells = ["final", language]
        for other in languages:
            cells += ([fmt(entry["final"]), fmt_ci(entry["final_ci"])] if other == language else ["", ""])
        table.add_row(*cells, style="bold")
    if table.row_count:
        console.print(table)
    for row in supplementary_rows(summary):
        if row["split"] == "all":
            console.print(f"{row['task']} {row['name']} ({row['language']}, supplementary): accuracy {fmt(row['accuracy'])}, "
                          f"macro-F1 {fmt(row['macro_f1'])}, n={row['n']}" + (f"; {row['note']}" if row.get("note") else ""),
                          markup=False, highlight=False)
    console.print(final_line(summary), soft_wrap=True)
    for line in final_help_lines(summary):  # not wrapped: a command must stay one line to be copied
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def final_help_lines(summary: dict[str, Any]) -> list[str]:
    """Below a missing final: the partial finals per language and overall with their intervals, why the
    final is missing and the commands that complete it; and the trial mark of a ``--limit`` run."""
    lines: list[str] = []
    help_ = summary.get("final_help")
    if help_:
        lines.append(f"Why: {help_['why']}.")
        lines.append("Partial final (official weights renormalised over the scored dimensions, not comparable "
                     f"with the official final): {partial_text(summary)}")
        for number, way in enumerate(help_["complete_with"]):
            lead = "To complete it:" if number == 0 else "           or:"
            lines.append(f"{lead} {way['command']}  ({way['about']})")
    trial = summary.get("trial")
    if trial:
        lines.append(f"TRIAL RUN (--limit {trial['limit']}): {trial['note']}")
    return lines


def partial_text(summary: dict[str, Any]) -> str:
    """``zh 2.55 [1.68, 3.43], en ..., overall 2.72 [2.12, 3.33]``: the partial finals with their intervals."""
    parts = [f"{language} {_with_ci(entry.get('final_partial'), entry.get('final_partial_ci'))}"
             for language, entry in summary["languages"].items()]
    if len(parts) > 1:
        parts.append(f"overall {_with_ci(summary.get('final_partial'), summary.get('final_partial_ci'))}")
    return ", ".join(parts)


def _with_ci(value: float | None, ci: Sequence[float] | None) -> str:
    return fmt(value) + (f" {fmt_ci(ci)}" if ci else "")


def final_line(summary: dict[str, Any]) -> str:
    if not summary["languages"]:
        return "Final score: n/a (no ranked task was scored)"
    one = summary.get("one_language_final")
    if one and one["final"] is not None:
        return (f"Final score: n/a ({one['language']} only; its one-language result is {fmt(one['final'])}, "
                "not the official final, which needs zh and en)")
    if summary["final"] is not None:
        incomplete = "" if summary.get("final_complete", True) else " (final_complete: false, see n_expected)"
        protocol = summary.get("protocol", {}).get("name")
        named = f" [protocol {protocol}]" if protocol else ""
        return f"Final score: {fmt(summary['final'])} (95% CI {fmt_ci(summary['final_ci'])}){named}{incomplete}"
    missing = sorted({m for entry in summary["languages"].values() for m in entry["final_missing"]})
    scope = summary.get("final_scope", "zh+en")
    if not missing:
        return f"Final score: n/a ({scope})"
    if summary.get("final_help"):  # the partial finals and the way to complete it follow on lines of their own
        return f"Final score: n/a (not scored: {', '.join(missing)}{'; ' + scope if scope != 'zh+en' else ''})"
    return (
        f"Final score: n/a (not scored: {', '.join(missing)}{'; ' + scope if scope != 'zh+en' else ''}). "
        f"Partial final over the scored dimensions, official weights renormalised: {fmt(summary['final_partial'])}"
    )


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def fmt_ci(ci: Sequence[float] | None) -> str:
    return "" if not ci else f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def _write_csv(path: Path, summary: dict[str, Any], tasks: Sequence[Task]) -> None:
    with atomic_open(path, "w", newline="") as handle:
        writer = csv_safe.writer(handle)
        writer.writerow(["language", "task", "dimension", "mean", "ci_low", "ci_high", "n", "note"])
        trial = summary.get("trial")
        for language, entry in summary["languages"].items():
            for task in tasks:
                task_entry = entry.get(task.id) if task.rubric.dimensions else None
                if task_entry is None:
                    continue
                for key in (*task.rubric.keys(), "avg"):
                    ci = task_entry.get(f"{key}_ci") or [None, None]
                    writer.writerow([language, task.id, key, task_entry.get(key), *ci, task_entry.get(f"{key}_n", ""),
                                     _csv_note(trial)])
            ci = entry.get("final_ci") or [None, None]
            writer.writerow([language, "all", "final", entry["final"], *ci, "",
                             _csv_note(trial, _missing_note(entry.get("final_missing"), summary))])
            if entry["final"] is None and entry.get("final_partial") is not None:
                ci = entry.get("final_partial_ci") or [None, None]
                writer.writerow([language, "all", "final_partial", entry["final_partial"], *ci, "",
                                 _csv_note(trial, PARTIAL_NOTE)])
        ci = summary.get("final_ci") or [None, None]
        missing = sorted({m for entry in summary["languages"].values() for m in entry.get("final_missing", [])})
        writer.writerow(["all", "all", "final", summary["final"], *ci, "",
                         _csv_note(trial, _missing_note(missing, summary) or _scope_note(summary))])
        if summary["final"] is None and summary.get("final_partial") is not None and len(summary["languages"]) > 1:
            ci = summary.get("final_partial_ci") or [None, None]
            writer.writerow(["all", "all", "final_partial", summary["final_partial"], *ci, "",
                             _csv_note(trial, PARTIAL_NOTE)])


PARTIAL_NOTE = "official weights renormalised over the scored dimensions; not comparable with the official final"


def _missing_note(missing: Sequence[str] | None, summary: dict[str, Any]) -> str:
    if not missing:
        return ""
    help_ = summary.get("final_help")
    why = f" ({help_['why']})" if help_ else ""
    return f"not scored: {', '.join(missing)}{why}"


def _scope_note(summary: dict[str, Any]) -> str:
    scope = summary.get("final_scope", "zh+en")
    return "" if summary["final"] is not None or scope == "zh+en" else f"covers {scope}"


def _csv_note(trial: dict[str, Any] | None, note: str = "") -> str:
    """A row's note; every row of a ``--limit`` run says it is a trial."""
    if not trial:
        return note
    mark = f"trial (--limit {trial['limit']})"
    return f"{mark}; {note}" if note else mark
