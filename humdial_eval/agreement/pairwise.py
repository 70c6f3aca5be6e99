"""Agreement statistics for two scorers on the same units (an item and a dimension).

Each statistic comes from a maintained library (scikit-learn's weighted kappa, the krippendorff
package, scipy's correlations); this module only decides when a statistic is defined and says why
when it is not, so the report never shows a NaN or hides a degenerate table behind a number.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import krippendorff
import numpy as np
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from humdial_eval.agreement.estimate import Estimate

MIN_N = 3  # below this, chance-corrected agreement, correlations and limits of agreement are not reported


@dataclass(frozen=True)
class PairedScores:
    """Scores of two sources on the units both scored, aligned by position.

    ``a`` / ``b`` are the numeric scores (a human panel's mean may be fractional); ``a_cat`` /
    ``b_cat`` are the same scores placed on the scale (identical for a judge). ``step`` is each
    unit's scale step, ``labels`` the union of allowed scale values, ``cluster`` the item each unit
    belongs to (units of one item are resampled together by the bootstrap).
    """

    a: np.ndarray
    b: np.ndarray
    a_cat: np.ndarray
    b_cat: np.ndarray
    step: np.ndarray
    labels: tuple[int, ...]
    cluster: np.ndarray
    name_a: str = "A"
    name_b: str = "B"

    @property
    def n(self) -> int:
        return int(self.a.size)

    @property
    def n_items(self) -> int:
        return int(np.unique(self.cluster).size)

    def take(self, index: np.ndarray) -> PairedScores:
        return PairedScores(
            self.a[index], self.b[index], self.a_cat[index], self.b_cat[index], self.step[index],
            self.labels, self.cluster[index], self.name_a, self.name_b,
        )

    def confusion(self) -> list[list[int]]:
        """Counts: rows are ``a_cat`` scale values, columns ``b_cat`` (both in ``labels`` order)."""
        position = {v: i for i, v in enumerate(self.labels)}
        matrix = np.zeros((len(self.labels), len(self.labels)), dtype=int)
        for x, y in zip(self.a_cat.tolist(), self.b_cat.tolist()):
            matrix[position[int(x)], position[int(y)]] += 1
        return matrix.tolist()


Computation = Callable[[PairedScores], "tuple[float | None, str | None]"]


def _too_few(p: PairedScores, minimum: int = MIN_N) -> str | None:
    if p.n == 0:
        return "no items scored by both sources"
    if p.n < minimum:
        return f"only {p.n} paired score(s); at least {minimum} are needed"
    return None


def _constant(values: np.ndarray) -> bool:
    return bool(values.size) and bool(np.all(values == values[0]))


def _constant_reason(p: PairedScores, a: np.ndarray, b: np.ndarray) -> str | None:
    names = [name for name, values in ((p.name_a, a), (p.name_b, b)) if _constant(values)]
    if names:
        return f"{' and '.join(names)} gave every item the same score; a correlation needs variation in both"
    return None


def exact_agreement(p: PairedScores) -> tuple[float | None, str | None]:
    if p.n == 0:
        return None, "no items scored by both sources"
    return float(np.mean(p.a_cat == p.b_cat)), None


def adjacent_agreement(p: PairedScores) -> tuple[float | None, str | None]:
    if p.n == 0:
        return None, "no items scored by both sources"
    return float(np.mean(np.abs(p.a_cat - p.b_cat) <= p.step)), None


def quadratic_kappa(p: PairedScores) -> tuple[float | None, str | None]:
    reason = _too_few(p)
    if reason:
        return None, reason
    if _constant(np.concatenate([p.a_cat, p.b_cat])):
        return None, "both sources gave every item the same score; kappa is 0/0 (expected disagreement is zero)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(p.a_cat, p.b_cat, labels=list(p.labels), weights="quadratic")
    return float(value), None


def ordinal_alpha(p: PairedScores) -> tuple[float | None, str | None]:
    reason = _too_few(p)
    if reason:
        return None, reason
    if _constant(np.concatenate([p.a_cat, p.b_cat])):
        return None, "every score is the same value; alpha is 0/0 (no disagreement is expected by chance)"
    data = np.vstack([p.a_cat, p.b_cat]).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = krippendorff.alpha(reliability_data=data, value_domain=list(p.labels), level_of_measurement="ordinal")
    return float(value), None


def _correlation(p: PairedScores, compute: Callable[[np.ndarray, np.ndarray], float]) -> tuple[float | None, str | None]:
    reason = _too_few(p) or _constant_reason(p, p.a, p.b)
    if reason:
        return None, reason
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(compute(p.a, p.b)), None


def spearman_rho(p: PairedScores) -> tuple[float | None, str | None]:
    return _correlation(p, lambda a, b: stats.spearmanr(a, b).statistic)


def kendall_tau_b(p: PairedScores) -> tuple[float | None, str | None]:
    return _correlation(p, lambda a, b: stats.kendalltau(a, b, variant="b").statistic)


def pearson_r(p: PairedScores) -> tuple[float | None, str | None]:
    return _correlation(p, lambda a, b: stats.pearsonr(a, b).statistic)


def mean_difference(p: PairedScores) -> tuple[float | None, str | None]:
    if p.n == 0:
        return None, "no items scored by both sources"
    return float(np.mean(p.a - p.b)), None


def limits_of_agreement(p: PairedScores, confidence: float = 0.95) -> tuple[Estimate, Estimate]:
    """Bland-Altman limits: mean difference +- z * SD of the differences (SD with n - 1)."""
    reason = _too_few(p)
    if reason:
        return Estimate.missing(reason), Estimate.missing(reason)
    diff = p.a - p.b
    spread = float(stats.norm.ppf(0.5 + confidence / 2) * np.std(diff, ddof=1))
    centre = float(np.mean(diff))
    return Estimate.of(centre - spread), Estimate.of(centre + spread)


STATISTICS: dict[str, Computation] = {
    "exact": exact_agreement,
    "adjacent": adjacent_agreement,
    "kappa_quadratic": quadratic_kappa,
    "alpha_ordinal": ordinal_alpha,
    "spearman_rho": spearman_rho,
    "kendall_tau_b": kendall_tau_b,
    "pearson_r": pearson_r,
    "mean_difference": mean_difference,
}
BOOTSTRAPPED = ("kappa_quadratic", "alpha_ordinal", "spearman_rho")


def estimate(computation: Computation, p: PairedScores) -> Estimate:
    value, reason = computation(p)
    if value is None:
        return Estimate.missing(reason or "undefined")
    return Estimate.of(value)


def describe_pair(p: PairedScores, confidence: float = 0.95) -> dict[str, Estimate]:
    """Every point statistic for ``p`` (no intervals; see :mod:`bootstrap` for those)."""
    result = {name: estimate(computation, p) for name, computation in STATISTICS.items()}
    result["loa_lower"], result["loa_upper"] = limits_of_agreement(p, confidence)
    return result
