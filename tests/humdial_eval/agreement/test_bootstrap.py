"""Bootstrap intervals: bulk replicates equal the point estimators, clusters stay whole, degenerate
tables give reasons."""

from __future__ import annotations

import numpy as np
import pytest

from humdial_eval.agreement.bootstrap import (
    REPLICATES,
    BootstrapSpec,
    percentile_interval,
    resample_indices,
)
from humdial_eval.agreement.pairwise import STATISTICS
from tests.humdial_eval.agreement import handcalc
from tests.humdial_eval.agreement.tables import make_pair

RNG = np.random.default_rng(7)
A = RNG.choice([1, 3, 5], 40).tolist()
B = [min(5, max(1, a + int(RNG.choice([-2, 0, 0, 2])))) for a in A]


@pytest.mark.parametrize("name", sorted(REPLICATES))
@pytest.mark.parametrize("cluster", [None, [i // 2 for i in range(40)], [0] * 3 + list(range(1, 38))])
def test_bulk_replicates_equal_point_estimators_on_the_same_resamples(name: str, cluster: list[int] | None) -> None:
    p = make_pair(A, B, cluster=cluster)
    draws = resample_indices(p.cluster, np.random.default_rng(1), 25)
    bulk = REPLICATES[name](p, draws)
    for index, value in zip(draws, bulk):
        expected, _ = STATISTICS[name](p.take(index))
        if expected is None:
            assert not np.isfinite(value)
        else:
            assert value == pytest.approx(expected)


def test_resamples_keep_whole_items() -> None:
    cluster = np.array([0, 0, 0, 1, 1, 2, 3, 3, 3, 4])
    for index in resample_indices(cluster, np.random.default_rng(3), 50):
        drawn = cluster[index]
        for item in np.unique(drawn):
            # an item drawn k times brings all its units k times
            assert (drawn == item).sum() % (cluster == item).sum() == 0
        assert len({int(c) for c in drawn}) >= 1


def test_interval_is_the_percentile_of_resampled_values() -> None:
    p = make_pair(A, B)
    spec = BootstrapSpec(resamples=300, confidence=0.9, seed=5)
    ci, reason = percentile_interval(p, "kappa_quadratic", spec, spec.rng("x"))
    assert reason is None
    # Recompute with the same draws but the hand formula instead of the library.
    values = [
        float(handcalc.weighted_kappa([int(v) for v in p.a_cat[i]], [int(v) for v in p.b_cat[i]], [1, 3, 5]))
        for i in resample_indices(p.cluster, spec.rng("x"), 300)
    ]
    assert ci == pytest.approx(tuple(np.quantile(values, [0.05, 0.95])))
    point = float(handcalc.weighted_kappa(A, B, [1, 3, 5]))
    assert ci[0] < point < ci[1]


def test_same_seed_same_interval_other_seed_close() -> None:
    p = make_pair(A, B)
    first = percentile_interval(p, "spearman_rho", BootstrapSpec(200, seed=1), BootstrapSpec(200, seed=1).rng("g"))
    again = percentile_interval(p, "spearman_rho", BootstrapSpec(200, seed=1), BootstrapSpec(200, seed=1).rng("g"))
    other = percentile_interval(p, "spearman_rho", BootstrapSpec(200, seed=2), BootstrapSpec(200, seed=2).rng("g"))
    assert first == again
    assert first[0] != other[0]
    assert abs(first[0][0] - other[0][0]) < 0.15


def test_perfect_agreement_gives_a_point_interval() -> None:
    p = make_pair(A, A)
    ci, _ = percentile_interval(p, "alpha_ordinal", BootstrapSpec(100), np.random.default_rng(0))
    assert ci == (1.0, 1.0)


def test_degenerate_cases_say_why() -> None:
    spec = BootstrapSpec(100)
    ci, reason = percentile_interval(make_pair([1, 3, 5, 3], [1, 3, 3, 3]), "kappa_quadratic", spec, spec.rng())
    assert ci is None and "needs at least 5" in reason
    # Mostly one value: most resamples have no variation at all.
    ci, reason = percentile_interval(make_pair([3] * 9 + [5], [3] * 9 + [5]), "kappa_quadratic", spec, spec.rng())
    assert ci is None and "undefined in" in reason
    ci, reason = percentile_interval(make_pair(A, B), "kappa_quadratic", BootstrapSpec(0), spec.rng())
    assert ci is None and "disabled" in reason
