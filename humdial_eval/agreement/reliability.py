"""Agreement within one source: human inter-rater reliability and a judge's self-consistency.

Both look at several ratings of the same unit: by different human raters, or by one judge asked the
same question several times (``meta.repeat``). Judge-vs-human numbers only mean something next to
how well the humans agree among themselves, and a judge that disagrees with itself cannot agree
with anyone else better than that.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import krippendorff
import numpy as np
import pandas as pd
import pingouin

from humdial_eval.agreement.estimate import Estimate
from humdial_eval.agreement.pairwise import MIN_N, PairedScores, quadratic_kappa
from humdial_eval.agreement.sources import ItemKey, Source, Unit

Ratings = dict[Unit, dict[str, int]]


@dataclass
class ReliabilityRecord:
    source: str
    language: str
    task: str
    dimension: str
    raters: int
    items: int  # units with at least two ratings
    ratings: int
    stats: dict[str, Estimate] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "language": self.language, "task": self.task, "dimension": self.dimension,
            "raters": self.raters, "items": self.items, "ratings": self.ratings,
            **{name: value.to_dict() for name, value in self.stats.items()},
            **self.extra,
        }


def ordinal_alpha_multi(ratings: Ratings, labels: tuple[int, ...]) -> Estimate:
    """Krippendorff's ordinal alpha over a raters x units table with gaps (any rater may skip a unit)."""
    pairable = {unit: r for unit, r in ratings.items() if len(r) >= 2}
    if len(pairable) < MIN_N:
        return Estimate.missing(f"only {len(pairable)} unit(s) have two or more ratings; at least {MIN_N} are needed")
    values = [v for r in pairable.values() for v in r.values()]
    if len(set(values)) == 1:
        return Estimate.missing("every rating is the same value; alpha is 0/0 (no disagreement is expected by chance)")
    raters = sorted({rater for r in pairable.values() for rater in r})
    units = sorted(pairable)
    table = np.full((len(raters), len(units)), np.nan)
    for j, unit in enumerate(units):
        for rater, score in pairable[unit].items():
            table[raters.index(rater), j] = score
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = krippendorff.alpha(reliability_data=table, value_domain=list(labels), level_of_measurement="ordinal")
    return Estimate.of(value)


def intraclass(ratings: Ratings) -> dict[str, Estimate]:
    """ICC(A,1) and ICC(A,k) (two-way random effects, absolute agreement) from pingouin, on the
    units every rater scored: the two-way model needs a complete units x raters table."""
    raters = sorted({rater for r in ratings.values() for rater in r})
    names = ("icc_a1", "icc_ak")
    if len(raters) < 2:
        return {n: Estimate.missing(f"{len(raters)} rater(s); ICC needs at least 2") for n in names}
    complete = {unit: r for unit, r in ratings.items() if len(r) == len(raters)}
    if len(complete) < MIN_N:
        reason = (
            f"only {len(complete)} unit(s) were rated by all {len(raters)} raters; ICC needs a complete "
            f"units x raters table of at least {MIN_N} units"
        )
        return {n: Estimate.missing(reason) for n in names}
    rows = [(str(i), rater, score) for i, r in enumerate(complete.values()) for rater, score in r.items()]
    frame = pd.DataFrame(rows, columns=["unit", "rater", "score"])
    if frame["score"].nunique() == 1:
        return {n: Estimate.missing("every rating is the same value; ICC is 0/0") for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = pingouin.intraclass_corr(data=frame, targets="unit", raters="rater", ratings="score")
    table = table.set_index("Type")
    out: dict[str, Estimate] = {}
    for name, label in zip(names, ("ICC(A,1)", "ICC(A,k)")):
        value = Estimate.of(float(table.loc[label, "ICC"]))
        low, high = (float(x) for x in table.loc[label, "CI95"])
        usable = value.defined and low <= value.value <= high  # type: ignore[operator]
        out[name] = value.with_ci((low, high) if usable else None, "pingouin's F-based interval is not usable here "
                                  "(missing, or its bounds do not enclose the estimate)")
    return out


def mean_pairwise_kappa(ratings: Ratings, labels: tuple[int, ...]) -> tuple[Estimate, int]:
    """Mean quadratic kappa over rater pairs with at least MIN_N shared units, and the pair count."""
    raters = sorted({rater for r in ratings.values() for rater in r})
    values: list[float] = []
    for first, second in itertools.combinations(raters, 2):
        shared = [r for r in ratings.values() if first in r and second in r]
        if len(shared) < MIN_N:
            continue
        a = np.array([r[first] for r in shared], dtype=float)
        b = np.array([r[second] for r in shared], dtype=float)
        p = PairedScores(a, b, a, b, np.ones_like(a), labels, np.arange(a.size))
        value, _ = quadratic_kappa(p)
        if value is not None:
            values.append(value)
    if not values:
        return Estimate.missing(f"no pair of raters shares {MIN_N} or more units with varying scores"), 0
    return Estimate.of(float(np.mean(values))), len(values)


def panel_reliability(
    source: Source, groups: list[tuple[str, str, str]], labels_of: dict[tuple[str, str], tuple[int, ...]]
) -> list[ReliabilityRecord]:
    """Inter-rater reliability of a human panel for each (language, task, dimension) group."""
    records: list[ReliabilityRecord] = []
    for language, task, dimension in groups:
        subset = _select(source.ratings, language, task, dimension)
        labels = labels_of[(task, dimension)]
        record = _base_record(source.name, language, task, dimension, subset)
        record.stats["alpha_ordinal"] = ordinal_alpha_multi(subset, labels)
        record.stats.update(intraclass(subset))
        kappa, pairs = mean_pairwise_kappa(subset, labels)
        record.stats["mean_pairwise_kappa"] = kappa
        record.extra["rater_pairs"] = pairs
        records.append(record)
    return records


def self_consistency(
    source: Source, groups: list[tuple[str, str, str]], labels_of: dict[tuple[str, str], tuple[int, ...]]
) -> list[ReliabilityRecord]:
    """How often a judge repeats itself, on units with two or more repeated judgments."""
    records: list[ReliabilityRecord] = []
    for language, task, dimension in groups:
        subset = {u: r for u, r in _select(source.ratings, language, task, dimension).items() if len(r) >= 2}
        if not subset:
            continue
        record = _base_record(source.name, language, task, dimension, subset)
        record.stats["alpha_ordinal"] = ordinal_alpha_multi(subset, labels_of[(task, dimension)])
        identical = [len(set(r.values())) == 1 for r in subset.values()]
        record.stats["all_repeats_equal"] = Estimate.of(float(np.mean(identical)))
        spread = [float(np.std(list(r.values()), ddof=1)) for r in subset.values()]
        record.stats["mean_within_item_sd"] = Estimate.of(float(np.mean(spread)))
        records.append(record)
    return records


def _select(ratings: Ratings, language: str, task: str, dimension: str) -> Ratings:
    def keep(key: ItemKey, dim: str) -> bool:
        return key.task == task and dim == dimension and language in ("all", key.language)

    return {unit: r for unit, r in ratings.items() if keep(*unit)}


def _base_record(name: str, language: str, task: str, dimension: str, subset: Ratings) -> ReliabilityRecord:
    return ReliabilityRecord(
        source=name, language=language, task=task, dimension=dimension,
        raters=len({rater for r in subset.values() for rater in r}),
        items=sum(1 for r in subset.values() if len(r) >= 2),
        ratings=sum(len(r) for r in subset.values()),
    )
