"""Aggregation: dimension means, task averages, per-language and overall finals, bootstrap intervals.

Pure functions over item results. Failed judgments are excluded and counted (unless ``--on-failure
min`` scored them the minimum, flagged ``failed_scored_min``, or the protocol's integrity rules scored a
submission's fault the minimum, flagged ``submission_fault``); a dimension that no judge scored is
missing (``None``), and so is any final that needs it. Every mean says how many items it has (``_n``)
and how many it should have (``_n_expected``: every item of the test set the protocol does not skip);
``final_complete`` is true only when every component of the final has all its items. The final needs
both languages (zh and en): a run over one language reports that language's final as such, never as
the final. Intervals are percentile bootstrap
intervals from :func:`scipy.stats.bootstrap`, resampling dialogues within each task and language
independently, which is how the test set was drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from humdial_eval.benchmark.formula import AVG, OFFICIAL_WEIGHTS, component_name, renormalised_weights, weighted_final
from humdial_eval.benchmark.judgment import Judge
from humdial_eval.benchmark.measures import summarise_measures, summarise_supplementary
from humdial_eval.benchmark.injection import FLAG_INJECTION
from humdial_eval.engine.interval_memo import IntervalMemo
from humdial_eval.inputs.layout import LANGUAGES
from humdial_eval.benchmark.results import (
    FLAG_EXCLUDED_BY_PROTOCOL,
    FLAG_FAILED_MIN,
    FLAG_REPLY_TOO_LONG,
    FLAG_SUBMISSION_FAULT,
    FLAG_LANGUAGE_RULE,
    FLAG_MISSING_AUDIO,
    FLAG_MISSING_RESPONSE,
    ItemResult,
)
from humdial_eval.benchmark.task import Task


@dataclass(frozen=True)
class BootstrapSettings:
    resamples: int = 2000
    confidence: float = 0.95
    seed: int = 20260


@dataclass
class Block:
    """Scores of one task in one language: rows are dialogues, columns the rubric dimensions (NaN = none)."""

    task: str
    language: str
    dimensions: tuple[str, ...]
    matrix: np.ndarray
    weights: dict[str, float]  # weight of each column in the language final (0 when not in it)
    expected: int = 0  # items of this task and language the protocol expects scored (skipped ones excluded)

    @property
    def has_nan(self) -> bool:
        return bool(np.isnan(self.matrix).any())


def primary_judges(tasks: Sequence[Task], judges: Sequence[Judge]) -> dict[tuple[str, str], str]:
    """Which judge's scores count for each (task, dimension): the first judge in the profile that scores it."""
    owners: dict[tuple[str, str], str] = {}
    for task in tasks:
        for judge in judges:
            for key in judge.dimensions(task):
                owners.setdefault((task.id, key), judge.name)
    return owners


REPEAT_AGGREGATES = {"mean": np.mean, "median": np.median}


def counts_in_means(result: ItemResult) -> bool:
    """An ``ok`` judgment, or a failed one scored the minimum (``--on-failure min``, or a submission fault)."""
    return result.status == "ok" or (
        result.status == "failed" and (FLAG_FAILED_MIN in result.flags or FLAG_SUBMISSION_FAULT in result.flags)
    )


def build_blocks(
    results: Sequence[ItemResult],
    tasks: Sequence[Task],
    owners: dict[tuple[str, str], str],
    languages: Sequence[str],
    repeat_aggregate: str = "mean",
) -> list[Block]:
    """One row per dialogue; repeated judgments of an item (``--repeat``) are first reduced to one
    value per dimension with ``repeat_aggregate`` (mean or median), so repeats never weigh an item more."""
    aggregate = REPEAT_AGGREGATES[repeat_aggregate]
    blocks: list[Block] = []
    for task in tasks:
        keys = task.rubric.keys()
        weights = _column_weights(task.id, keys)
        for language in languages:
            values: dict[str, list[list[float]]] = {}
            for result in results:
                if result.task != task.id or result.language != language or not counts_in_means(result):
                    continue
                cells = values.setdefault(result.dialogue_id, [[] for _ in keys])
                for column, key in enumerate(keys):
                    if owners.get((task.id, key)) == result.judge and key in result.scores:
                        cells[column].append(float(result.scores[key]))
            rows = {d: [float(aggregate(c)) if c else np.nan for c in cells] for d, cells in values.items()}
            expected = {r.dialogue_id for r in results
                        if r.task == task.id and r.language == language and r.status != "skipped"}
            if rows or any(r.task == task.id and r.language == language for r in results):
                matrix = np.array(list(rows.values()), dtype=float).reshape(len(rows), len(keys))
                blocks.append(Block(task.id, language, keys, matrix, weights, len(expected)))
    return blocks


def _column_weights(task_id: str, keys: tuple[str, ...]) -> dict[str, float]:
    """Spread a task-average weight over its dimensions; keep per-dimension weights as they are."""
    weights = {key: 0.0 for key in keys}
    for (task, part), weight in OFFICIAL_WEIGHTS.items():
        if task != task_id:
            continue
        if part == AVG:
            for key in keys:
                weights[key] += weight / len(keys)
        elif part in weights:
            weights[part] += weight
    return weights


def summarise(
    results: Sequence[ItemResult],
    tasks: Sequence[Task],
    judges: Sequence[Judge],
    languages: Sequence[str],
    settings: BootstrapSettings = BootstrapSettings(),
    repeat_aggregate: str = "mean",
    intervals: IntervalMemo | None = None,
) -> dict[str, Any]:
    """``intervals``: a memo of bootstrap intervals from earlier runs (``score`` keeps one beside its
    judgment store); the same inputs give the same intervals with or without it."""
    global _memo
    _memo = intervals
    try:
        return _summarise(results, tasks, judges, languages, settings, repeat_aggregate)
    finally:
        _memo = None
        if intervals is not None:
            intervals.save()


_memo: IntervalMemo | None = None  # the memo of the summary being computed


def memo_for(path: Path) -> IntervalMemo:
    """The interval memo kept in ``path``, keyed also by this module's source (its statistics)."""
    return IntervalMemo(path, Path(__file__).read_bytes())


def _summarise(
    results: Sequence[ItemResult],
    tasks: Sequence[Task],
    judges: Sequence[Judge],
    languages: Sequence[str],
    settings: BootstrapSettings,
    repeat_aggregate: str,
) -> dict[str, Any]:
    measures = summarise_measures(results, languages)
    supplementary = summarise_supplementary(results, tasks, languages)
    tasks = [task for task in tasks if task.rubric.dimensions]  # rubric-less tasks summarise themselves
    owners = primary_judges(tasks, judges)
    blocks = build_blocks(results, tasks, owners, languages, repeat_aggregate)
    rng = np.random.default_rng(settings.seed)
    summary: dict[str, Any] = {"languages": {}}
    language_blocks: dict[str, list[Block]] = {}
    for block in blocks:
        language_blocks.setdefault(block.language, []).append(block)
    partial_by_language: dict[str, float | None] = {}
    for language, its_blocks in language_blocks.items():
        entry: dict[str, Any] = {}
        values: dict[tuple[str, str], float | None] = {}
        for block in its_blocks:
            entry[block.task] = _task_entry(block, settings, rng)
            values[(block.task, AVG)] = entry[block.task][AVG]
            for key in block.dimensions:
                values[(block.task, key)] = entry[block.task][key]
        final, missing = weighted_final(values)
        entry["final"] = _round(final)
        entry["final_ci"] = _final_ci(its_blocks, settings, rng) if final is not None else None
        entry["final_missing"] = missing
        present = {part for part in OFFICIAL_WEIGHTS if values.get(part) is not None}
        partial_weights = renormalised_weights(present)
        partial = sum(w * float(values[p]) for p, w in partial_weights.items()) if partial_weights else None  # type: ignore[arg-type]
        partial_by_language[language] = partial
        entry["final_partial"] = _round(partial) if missing else entry["final"]
        entry["final_partial_weights"] = {component_name(*p): round(w, 6) for p, w in partial_weights.items()}
        summary["languages"][language] = entry
    finals = [summary["languages"][lang]["final"] for lang in languages if lang in summary["languages"]]
    both = set(LANGUAGES) <= set(languages)  # the final is the mean over zh and en; one language is not it
    complete = both and len(finals) == len(languages) and all(f is not None for f in finals)
    summary["final"] = _round(float(np.mean(finals))) if complete else None
    summary["final_ci"] = _final_ci(blocks, settings, rng, per_language=len(languages)) if complete else None
    partials = [p for p in partial_by_language.values() if p is not None]
    summary["final_partial"] = _round(float(np.mean(partials))) if partials and not complete else summary["final"]
    summary["final_scope"] = "zh+en" if both else "+".join(languages) + " only (not the official final: it needs zh and en)"
    if not both and len(finals) == 1:
        summary["one_language_final"] = {"language": languages[0], "final": finals[0]}
    summary["final_complete"], summary["unscored_expected"] = _completeness(blocks, owners, summary["final"] is not None)
    summary["counts"] = _counts(results, owners)
    summary["primary_judges"] = {component_name(t, d): j for (t, d), j in sorted(owners.items())}
    summary["measures"] = measures
    summary["supplementary"] = supplementary
    return summary


def _completeness(
    blocks: Sequence[Block], owners: dict[tuple[str, str], str], has_final: bool
) -> tuple[bool, dict[str, int]]:
    """Whether every component of the final has all its expected items, and the shortfall per dimension
    that a judge of the profile scores (a dimension no judge scores is ``final_missing`` instead)."""
    short: dict[str, int] = {}
    for block in blocks:
        for column, key in enumerate(block.dimensions):
            if block.weights.get(key, 0.0) == 0.0 or (block.task, key) not in owners:
                continue
            judged = int((~np.isnan(block.matrix[:, column])).sum())
            if judged < block.expected:
                short[f"{block.language}.{block.task}.{key}"] = block.expected - judged
    return has_final and not short, short


def _task_entry(block: Block, settings: BootstrapSettings, rng: np.random.Generator) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    means: list[float | None] = []
    for column, key in enumerate(block.dimensions):
        values = block.matrix[:, column]
        values = values[~np.isnan(values)]
        mean = float(values.mean()) if values.size else None
        means.append(mean)
        entry[key] = _round(mean)
        entry[f"{key}_n"] = int(values.size)
        entry[f"{key}_n_expected"] = block.expected
        entry[f"{key}_ci"] = (_ci((values,), lambda v, axis: v.mean(axis=axis), settings, rng, ("mean",))
                              if values.size > 1 else None)
    complete = all(m is not None for m in means)
    entry[AVG] = _round(float(np.mean(means))) if complete else None  # type: ignore[arg-type]
    entry[f"{AVG}_ci"] = _index_ci([block], _avg_statistic(block), settings, rng, ("avg",)) if complete else None
    return entry


def _avg_statistic(block: Block):  # type: ignore[no-untyped-def]
    def statistic(index: np.ndarray, axis: int = -1) -> np.ndarray:
        picked = block.matrix[index.astype(int)]  # (..., n, d)
        return np.nanmean(_column_means(block, picked), axis=-1)

    return statistic


def _final_ci(
    blocks: Sequence[Block], settings: BootstrapSettings, rng: np.random.Generator, per_language: int = 1
) -> list[float] | None:
    """Interval of a weighted final: each (task, language) block resampled on its own."""

    def statistic(*indices: np.ndarray, axis: int = -1) -> np.ndarray:
        total = 0.0
        for block, index in zip(blocks, indices):
            column_means = _column_means(block, block.matrix[index.astype(int)])  # (..., d)
            weights = np.array([block.weights[k] for k in block.dimensions])
            total = total + np.nansum(column_means * weights, axis=-1)
        return total / per_language

    return _index_ci(blocks, statistic, settings, rng, ("final", per_language))


def _column_means(block: Block, picked: np.ndarray) -> np.ndarray:
    """Means over the resampled dialogues (axis -2). ``nanmean`` copies and masks the whole resample
    array, the larger part of a 10,000-resample summary's time; without NaNs ``mean`` gives the same
    sums divided by the same counts, bit for bit."""
    if block.has_nan:
        return np.nanmean(picked, axis=-2)
    return picked.mean(axis=-2)


def _index_ci(blocks: Sequence[Block], statistic, settings: BootstrapSettings, rng: np.random.Generator,  # type: ignore[no-untyped-def]
              about: tuple[Any, ...]):
    if any(block.matrix.shape[0] < 2 for block in blocks):
        return None
    samples = tuple(np.arange(block.matrix.shape[0]) for block in blocks)
    for block in blocks:  # what the statistic reads besides the indices
        about = (*about, block.matrix, list(block.dimensions), sorted(block.weights.items()))
    return _ci(samples, statistic, settings, rng, about)


def _ci(samples, statistic, settings: BootstrapSettings, rng: np.random.Generator,  # type: ignore[no-untyped-def]
        about: tuple[Any, ...]) -> list[float] | None:
    """``about``: the statistic's tag and every input it reads that is not in ``samples`` (the memo's key)."""
    memo = _memo
    if memo is None:
        return _bootstrap_ci(samples, statistic, settings, rng)
    key = memo.key([*about, *samples, settings.resamples, settings.confidence], rng)
    hit, ci = memo.get(key, rng)
    if not hit:
        ci = _bootstrap_ci(samples, statistic, settings, rng)
        memo.put(key, ci, rng)
    return ci


def _bootstrap_ci(samples, statistic, settings: BootstrapSettings, rng: np.random.Generator) -> list[float] | None:  # type: ignore[no-untyped-def]
    with np.errstate(all="ignore"):
        from scipy import stats  # imported here: half a second that `validate` and `--help` need not pay

        result = stats.bootstrap(
            samples,
            statistic,
            n_resamples=settings.resamples,
            confidence_level=settings.confidence,
            method="percentile",
            vectorized=True,
            paired=False,
            rng=rng,
        )
    low, high = result.confidence_interval
    if np.isnan(low) or np.isnan(high):
        return None
    return [_round(float(low)), _round(float(high))]  # type: ignore[list-item]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _counts(results: Sequence[ItemResult], owners: dict[tuple[str, str], str] | None = None) -> dict[str, int]:
    owned = {(task, judge) for (task, _), judge in (owners or {}).items()}
    return {
        "items": len(results),
        "ok": sum(r.status == "ok" for r in results),
        "failed": sum(r.status == "failed" for r in results),
        FLAG_LANGUAGE_RULE: sum(FLAG_LANGUAGE_RULE in r.flags for r in results),
        FLAG_MISSING_RESPONSE: sum(FLAG_MISSING_RESPONSE in r.flags for r in results),
        FLAG_MISSING_AUDIO: sum(FLAG_MISSING_AUDIO in r.flags for r in results),
        FLAG_FAILED_MIN: sum(FLAG_FAILED_MIN in r.flags for r in results),
        FLAG_SUBMISSION_FAULT: sum(FLAG_SUBMISSION_FAULT in r.flags for r in results),
        FLAG_REPLY_TOO_LONG: sum(FLAG_REPLY_TOO_LONG in r.flags for r in results),
        FLAG_EXCLUDED_BY_PROTOCOL: sum(FLAG_EXCLUDED_BY_PROTOCOL in r.flags for r in results),
        "skipped": sum(r.status == "skipped" for r in results),
        # failed judgments that leave a hole in a mean: of a judge whose scores count, not scored by a rule,
        # not left out by the protocol's own rule (a measures-only judge failing leaves no hole)
        "judge_side_failed": sum(r.status == "failed" and not counts_in_means(r) and (r.task, r.judge) in owned
                                 and FLAG_EXCLUDED_BY_PROTOCOL not in r.flags for r in results),
        FLAG_INJECTION: sum(FLAG_INJECTION in r.flags for r in results),
    }
