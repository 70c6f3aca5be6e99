"""Pairwise statistics against hand computations on small, hand-made tables."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import numpy as np
import pytest

from humdial_eval.agreement.pairwise import describe_pair
from tests.humdial_eval.agreement import handcalc
from tests.humdial_eval.agreement.tables import make_pair

# Ten items on {1, 3, 5}: 5 exact matches, 4 one step apart, 1 two steps apart (1 vs 5).
A = [1, 1, 3, 3, 3, 5, 5, 5, 3, 1]
B = [1, 3, 3, 5, 3, 5, 3, 5, 1, 5]


def test_agreement_on_a_hand_made_sparse_table() -> None:
    stats = describe_pair(make_pair(A, B))
    assert stats["exact"].value == pytest.approx(5 / 10)
    assert stats["adjacent"].value == pytest.approx(9 / 10)  # within one step (2 points) except 1 vs 5
    assert stats["kappa_quadratic"].value == pytest.approx(float(handcalc.weighted_kappa(A, B, [1, 3, 5])))
    assert stats["alpha_ordinal"].value == pytest.approx(float(handcalc.ordinal_alpha([[x, y] for x, y in zip(A, B)])))
    assert stats["spearman_rho"].value == pytest.approx(handcalc.spearman(A, B))
    assert stats["kendall_tau_b"].value == pytest.approx(handcalc.kendall_tau_b(A, B))
    assert stats["pearson_r"].value == pytest.approx(handcalc.pearson(A, B))
    diffs = [x - y for x, y in zip(A, B)]
    assert stats["mean_difference"].value == pytest.approx(-0.4)
    half_width = 1.959963984540054 * statistics.stdev(diffs)
    assert stats["loa_lower"].value == pytest.approx(-0.4 - half_width)
    assert stats["loa_upper"].value == pytest.approx(-0.4 + half_width)


def test_kappa_by_hand_in_fractions() -> None:
    a, b = [1, 3, 5, 5], [1, 3, 3, 5]
    # Worked on paper, weights (i - j)^2 on scale positions 0, 1, 2:
    # observed cells 1/4 each at (1,1) (3,3) (5,3) (5,5): sum w*O = 1 * 1/4 = 1/4.
    # rows (1/4, 1/4, 1/2), columns (1/4, 1/2, 1/4): sum w*r*c = 3/8 + 1/8 + 3/4 = 5/4.
    # kappa = 1 - (1/4) / (5/4) = 4/5.
    assert handcalc.weighted_kappa(a, b, [1, 3, 5]) == Fraction(4, 5)
    assert describe_pair(make_pair(a, b))["kappa_quadratic"].value == pytest.approx(0.8)


def test_dense_scale_adjacency_is_one_point() -> None:
    a, b = [1, 2, 3, 4, 5, 2], [2, 2, 5, 4, 3, 4]
    stats = describe_pair(make_pair(a, b, scale=(1, 2, 3, 4, 5)))
    assert stats["exact"].value == pytest.approx(2 / 6)
    assert stats["adjacent"].value == pytest.approx(3 / 6)
    assert stats["kappa_quadratic"].value == pytest.approx(float(handcalc.weighted_kappa(a, b, [1, 2, 3, 4, 5])))
    assert stats["alpha_ordinal"].value == pytest.approx(float(handcalc.ordinal_alpha([[x, y] for x, y in zip(a, b)])))


def test_fractional_human_means_use_nearest_scale_value_for_categories() -> None:
    judge = [1, 3, 5, 3, 5]
    human = [1.0, 2.3333333333333335, 4.333333333333333, 3.6666666666666665, 2.0]
    p = make_pair(judge, human)
    assert p.b_cat.tolist() == [1, 3, 5, 3, 3]  # 2.0 is a tie between 1 and 3 and goes up
    stats = describe_pair(p)
    assert stats["exact"].value == pytest.approx(4 / 5)
    assert stats["pearson_r"].value == pytest.approx(handcalc.pearson(judge, human))
    # no ties in human: the classic 1 - 6 sum d^2 / (n (n^2 - 1)) formula applies to the human side
    assert stats["spearman_rho"].value == pytest.approx(handcalc.spearman(judge, human))
    assert stats["mean_difference"].value == pytest.approx(sum(j - h for j, h in zip(judge, human)) / 5)


def _assert_no_nan(stats: dict) -> None:
    for name, value in stats.items():
        assert value.value is None or math.isfinite(value.value), name
        assert (value.value is None) == (value.undefined is not None), name


def test_no_overlap_is_undefined_with_a_reason() -> None:
    stats = describe_pair(make_pair([], []))
    _assert_no_nan(stats)
    for value in stats.values():
        assert value.value is None
        assert "no items scored by both" in value.undefined


def test_fewer_than_three_items() -> None:
    stats = describe_pair(make_pair([1, 3], [1, 5]))
    _assert_no_nan(stats)
    assert stats["exact"].value == pytest.approx(0.5)
    assert stats["mean_difference"].value == pytest.approx(-1.0)
    for name in ("kappa_quadratic", "alpha_ordinal", "spearman_rho", "kendall_tau_b", "pearson_r", "loa_lower"):
        assert stats[name].value is None
        assert "only 2 paired" in stats[name].undefined


def test_both_constant_on_the_same_value() -> None:
    stats = describe_pair(make_pair([3, 3, 3, 3], [3, 3, 3, 3]))
    _assert_no_nan(stats)
    assert stats["exact"].value == 1.0
    assert "kappa is 0/0" in stats["kappa_quadratic"].undefined
    assert "alpha is 0/0" in stats["alpha_ordinal"].undefined
    assert "judge-a and judge-b gave every item the same score" in stats["spearman_rho"].undefined
    assert stats["loa_lower"].value == pytest.approx(0.0)


def test_one_constant_rater() -> None:
    a, b = [3, 3, 3, 3, 3], [1, 3, 5, 3, 5]
    stats = describe_pair(make_pair(a, b))
    _assert_no_nan(stats)
    # With one rater constant, observed and chance tables coincide: kappa is exactly 0.
    assert float(handcalc.weighted_kappa(a, b, [1, 3, 5])) == 0
    assert stats["kappa_quadratic"].value == pytest.approx(0.0)
    assert stats["alpha_ordinal"].value == pytest.approx(float(handcalc.ordinal_alpha([[x, y] for x, y in zip(a, b)])))
    assert stats["spearman_rho"].undefined.startswith("judge-a gave every item")
    assert stats["pearson_r"].value is None and stats["kendall_tau_b"].value is None


def test_pooled_table_mixes_sparse_and_dense_steps() -> None:
    p = make_pair([1, 5, 2, 4], [3, 1, 3, 2], scale=(1, 2, 3, 4, 5))
    p = type(p)(p.a, p.b, p.a_cat, p.b_cat, np.array([2.0, 2.0, 1.0, 1.0]), p.labels, p.cluster)
    # 1 vs 3 (step 2): adjacent; 5 vs 1: not; 2 vs 3 (step 1): adjacent; 4 vs 2: not
    assert describe_pair(p)["adjacent"].value == pytest.approx(0.5)
