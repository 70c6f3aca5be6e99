"""Summaries of what is not a rubric score: judges' named measures and supplementary task metrics.

Measures (acoustic measures, say) are reported beside the rubric dimensions, never folded into them:
per task, language and judge, each measure gets its mean, median, standard deviation and count over
the items where it was measured. Supplementary tasks (``ranked = False``) summarise themselves
through :meth:`Task.summarise`; their metrics live apart from the ranked tables and the final.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from humdial_eval.benchmark.results import ItemResult
from humdial_eval.benchmark.task import Task


def summarise_measures(results: Sequence[ItemResult], languages: Sequence[str]) -> dict[str, Any]:
    """``{task: {language: {judge: {measure: {mean, median, std, n}}}}}`` over ok judgments."""
    values: dict[tuple[str, str, str, str], list[float]] = {}
    for result in results:
        if result.status != "ok" or result.language not in languages:
            continue
        for name, value in result.measures.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            values.setdefault((result.task, result.language, result.judge, name), []).append(float(value))
    summary: dict[str, Any] = {}
    for (task, language, judge, name), found in sorted(values.items()):
        array = np.asarray(found)
        summary.setdefault(task, {}).setdefault(language, {}).setdefault(judge, {})[name] = {
            "mean": round(float(array.mean()), 4),
            "median": round(float(np.median(array)), 4),
            "std": round(float(array.std(ddof=1)), 4) if array.size > 1 else None,
            "n": int(array.size),
        }
    return summary


def summarise_supplementary(
    results: Sequence[ItemResult], tasks: Sequence[Task], languages: Sequence[str]
) -> dict[str, Any]:
    """``{task: {"name", "ranked", "languages": {language: metrics}}}`` for tasks that summarise themselves."""
    summary: dict[str, Any] = {}
    for task in tasks:
        per_language: dict[str, Any] = {}
        for language in languages:
            mine = [r for r in results if r.task == task.id and r.language == language]
            if not mine:
                continue
            metrics = task.summarise(mine)
            if metrics is not None:
                per_language[language] = metrics
        if per_language:
            summary[task.id] = {"name": task.name, "ranked": task.ranked, "languages": per_language}
    return summary
