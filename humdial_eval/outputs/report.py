"""Writing a run's outputs: items.jsonl, summary.json, summary.csv, report.md, and the console table."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.table import Table
from rich.text import Text

from humdial_eval.benchmark.results import ItemResult, write_items
from humdial_eval.benchmark.task import Task
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
    write_items(out / "items.jsonl", list(results))
    (out / "summary.json").write_text(json_line(summary, indent=2) + "\n", encoding="utf-8")
    _write_csv(out / "summary.csv", summary, tasks)
    (out / "report.md").write_text(render_markdown(summary, tasks, results), encoding="utf-8")


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
        measure_rows=measure_rows(summary),
        measure_languages=sorted({lang for by_lang in summary.get("measures", {}).values() for lang in by_lang}),
        supplementary=supplementary_rows(summary),
        shipped_prompts=[t for t, origin in sorted(summary.get("prompts", {}).items()) if origin.startswith("shipped")],
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
    table = Table(title=Text(f"humdial-eval: {printable(summary.get('system', ''))}"), show_lines=False)
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
    console.print(final_line(summary))


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
    return (
        f"Final score: n/a (not scored: {', '.join(missing)}{'; ' + scope if scope != 'zh+en' else ''}). "
        f"Partial final over the scored dimensions, official weights renormalised: {fmt(summary['final_partial'])}"
    )


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def fmt_ci(ci: Sequence[float] | None) -> str:
    return "" if not ci else f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def _write_csv(path: Path, summary: dict[str, Any], tasks: Sequence[Task]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["language", "task", "dimension", "mean", "ci_low", "ci_high", "n"])
        for language, entry in summary["languages"].items():
            for task in tasks:
                task_entry = entry.get(task.id) if task.rubric.dimensions else None
                if task_entry is None:
                    continue
                for key in (*task.rubric.keys(), "avg"):
                    ci = task_entry.get(f"{key}_ci") or [None, None]
                    writer.writerow([language, task.id, key, task_entry.get(key), *ci, task_entry.get(f"{key}_n", "")])
            ci = entry.get("final_ci") or [None, None]
            writer.writerow([language, "all", "final", entry["final"], *ci, ""])
        ci = summary.get("final_ci") or [None, None]
        writer.writerow(["all", "all", "final", summary["final"], *ci, ""])
