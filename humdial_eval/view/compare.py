"""Run-to-run comparison: paired per-dimension differences over the items two runs share, and the items on which
they disagree most.

Two systems over one test set, or two judges of one system: the items are paired by task, language, dialogue and
turn, so each difference is taken on the same dialogue and the variance of the test set cancels out. The interval
is a percentile bootstrap over items (scipy.stats.bootstrap, as the summary's intervals are computed; see
humdial_eval/outputs/scoring.py), seeded, so the same runs give the same interval.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from humdial_eval.view.rundata import RunData

RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 20260


def compare_runs(runs: Sequence[RunData], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE,
                 seed: int = SEED) -> list[dict[str, Any]]:
    """Each later run against the first: one comparison record per pair (see :func:`paired_differences`)."""
    return [paired_differences(runs[0], other, index, resamples=resamples, confidence=confidence, seed=seed)
            for index, other in enumerate(runs[1:], start=1)]


def paired_differences(base: RunData, other: RunData, other_index: int = 1, *, resamples: int = RESAMPLES,
                       confidence: float = CONFIDENCE, seed: int = SEED) -> dict[str, Any]:
    """``other - base`` per (task, dimension), pooled over languages and per language, over the items both
    runs scored on that dimension; and every shared item with its differences, most disagreeing first."""
    mine = {row["key"]: row for row in base.rows}
    theirs = {row["key"]: row for row in other.rows}
    shared = [key for key in mine if key in theirs]
    dimensions = [d for d in base.dimensions if d in set(other.dimensions)]
    rows: list[dict[str, Any]] = []
    for task, dimension in dimensions:
        for language in (None, *sorted({mine[k]["language"] for k in shared})):
            pairs = [(mine[k]["scores"][dimension], theirs[k]["scores"][dimension]) for k in shared
                     if mine[k]["task"] == task and (language is None or mine[k]["language"] == language)
                     and dimension in mine[k]["scores"] and dimension in theirs[k]["scores"]]
            if not pairs:
                continue
            diffs = np.array([b - a for a, b in pairs], dtype=float)
            rng = np.random.default_rng(np.random.SeedSequence(
                [seed, zlib.crc32(f"{task}\x1f{dimension}\x1f{language}".encode())]))
            rows.append({
                "task": task, "dimension": dimension, "language": language or "all", "n": int(diffs.size),
                "base_mean": round(float(np.mean([a for a, _ in pairs])), 4),
                "other_mean": round(float(np.mean([b for _, b in pairs])), 4),
                "diff": round(float(diffs.mean()), 4),
                "ci": bootstrap_mean_ci(diffs, rng, resamples=resamples, confidence=confidence),
            })
    items = []
    for key in shared:
        a, b = mine[key], theirs[key]
        diffs = {dim: round(b["scores"][dim] - a["scores"][dim], 4) for dim in a["scores"] if dim in b["scores"]}
        items.append({"key": key, "diffs": diffs, "disagreement": round(sum(abs(v) for v in diffs.values()), 4)})
    items.sort(key=lambda item: (-item["disagreement"], item["key"]))
    return {"base": 0, "other": other_index, "rows": rows, "items": items,
            "only_base": len(mine) - len(shared), "only_other": len(theirs) - len(shared),
            "same_testset": base.summary.get("testset") == other.summary.get("testset"),
            "resamples": resamples, "confidence": confidence, "seed": seed}


def bootstrap_mean_ci(values: np.ndarray, rng: np.random.Generator, *, resamples: int = RESAMPLES,
                      confidence: float = CONFIDENCE) -> list[float] | None:
    """Percentile bootstrap interval of the mean of ``values``; None with fewer than two values."""
    if values.size < 2:
        return None
    if np.all(values == values[0]):  # every resample has the same mean; scipy would warn and give NaN
        return [round(float(values[0]), 4)] * 2
    from scipy import stats

    with np.errstate(all="ignore"):
        result = stats.bootstrap((values,), np.mean, n_resamples=resamples, confidence_level=confidence,
                                 method="percentile", vectorized=True, rng=rng)
    low, high = result.confidence_interval
    if np.isnan(low) or np.isnan(high):
        return None
    return [round(float(low), 4), round(float(high), 4)]
