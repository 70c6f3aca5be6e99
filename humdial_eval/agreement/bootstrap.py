"""Percentile bootstrap intervals that resample items, not units.

A pooled table holds several dimensions of the same item; those units are not independent, so a
resample draws whole items (clusters) with replacement and keeps all their units. Resamples in which
the statistic is undefined (e.g. every drawn score identical) are counted; if they are more than a
small share, no interval is given rather than one computed from a biased subset.

Replicates are computed in bulk: scikit-learn's kappa validates its input on every call (about a
millisecond), which made a thousand resamples of every group too slow, so the bootstrap takes kappa
from each resample's contingency table with statsmodels, alpha from value counts with the
krippendorff package, and Spearman's rho as scipy's Pearson r of scipy's ranks, row-wise. Tests
check each against the point estimators of :mod:`pairwise` on the same resamples.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import krippendorff
import numpy as np
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa

from humdial_eval.agreement.pairwise import PairedScores

MIN_ITEMS = 5
MAX_UNDEFINED_SHARE = 0.10


@dataclass(frozen=True)
class BootstrapSpec:
    resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0

    def rng(self, *labels: str) -> np.random.Generator:
        """A generator seeded from the run's seed and the group's labels, so a group's interval does
        not change when other groups or sources are added to the analysis."""
        tag = zlib.crc32("\x1f".join(labels).encode("utf-8"))
        return np.random.default_rng(np.random.SeedSequence([self.seed, tag]))


def resample_indices(cluster: np.ndarray, rng: np.random.Generator, resamples: int) -> list[np.ndarray]:
    """Unit indices of each resample: items drawn with replacement, each bringing all its units."""
    items, inverse = np.unique(cluster, return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(items.size)]
    draws = rng.integers(0, items.size, size=(resamples, items.size))
    sizes = {m.size for m in members}
    if len(sizes) == 1:
        table = np.vstack(members)  # items x units-per-item
        return list(table[draws].reshape(resamples, -1))
    return [np.concatenate([members[i] for i in row]) for row in draws]


Replicates = Callable[[PairedScores, list[np.ndarray]], np.ndarray]


def kappa_replicates(p: PairedScores, draws: list[np.ndarray]) -> np.ndarray:
    """Quadratic-weighted kappa of each resample, from its contingency table over ``p.labels``."""
    position = {v: i for i, v in enumerate(p.labels)}
    k = len(p.labels)
    codes = np.array([position[int(x)] * k + position[int(y)] for x, y in zip(p.a_cat, p.b_cat)], dtype=int)
    out = np.full(len(draws), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for r, index in enumerate(draws):
            table = np.bincount(codes[index], minlength=k * k).reshape(k, k).astype(float)
            out[r] = cohens_kappa(table, wt="quadratic", return_results=False)
    return out


def alpha_replicates(p: PairedScores, draws: list[np.ndarray]) -> np.ndarray:
    """Ordinal Krippendorff's alpha of each resample, from per-unit value counts (two ratings a unit)."""
    position = {v: i for i, v in enumerate(p.labels)}
    counts = np.zeros((p.n, len(p.labels)))
    for row, (x, y) in enumerate(zip(p.a_cat, p.b_cat)):
        counts[row, position[int(x)]] += 1
        counts[row, position[int(y)]] += 1
    out = np.full(len(draws), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for r, index in enumerate(draws):
            try:
                out[r] = krippendorff.alpha(
                    value_counts=counts[index], value_domain=list(p.labels), level_of_measurement="ordinal"
                )
            except (ValueError, ZeroDivisionError):
                out[r] = np.nan
    return out


def spearman_replicates(p: PairedScores, draws: list[np.ndarray]) -> np.ndarray:
    """Spearman's rho of each resample: Pearson's r of average ranks, all resamples at once."""
    out = np.full(len(draws), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if len({d.size for d in draws}) == 1:
            index = np.vstack(draws)
            ranks_a = stats.rankdata(p.a[index], axis=1)
            ranks_b = stats.rankdata(p.b[index], axis=1)
            out[:] = stats.pearsonr(ranks_a, ranks_b, axis=1).statistic
        else:
            for r, index in enumerate(draws):
                out[r] = stats.spearmanr(p.a[index], p.b[index]).statistic
    return out


REPLICATES: dict[str, Replicates] = {
    "kappa_quadratic": kappa_replicates,
    "alpha_ordinal": alpha_replicates,
    "spearman_rho": spearman_replicates,
}


def percentile_interval(
    p: PairedScores, statistic: str, spec: BootstrapSpec, rng: np.random.Generator
) -> tuple[tuple[float, float] | None, str | None]:
    """The ``spec.confidence`` percentile interval of ``statistic`` over item resamples of ``p``."""
    if spec.resamples <= 0:
        return None, "bootstrap disabled (--bootstrap 0)"
    if p.n_items < MIN_ITEMS:
        return None, f"only {p.n_items} item(s); a bootstrap interval needs at least {MIN_ITEMS}"
    values = REPLICATES[statistic](p, resample_indices(p.cluster, rng, spec.resamples))
    values = values[np.isfinite(values)]
    failed = spec.resamples - values.size
    if failed > MAX_UNDEFINED_SHARE * spec.resamples:
        return None, (
            f"the statistic was undefined in {failed} of {spec.resamples} resamples "
            "(too little variation in the scores); no interval"
        )
    tail = (1.0 - spec.confidence) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return (float(low), float(high)), None
