"""Human inter-rater reliability and judge self-consistency against hand computations."""

from __future__ import annotations

import pytest

from humdial_eval.agreement.reliability import intraclass, mean_pairwise_kappa, ordinal_alpha_multi, self_consistency
from humdial_eval.agreement.sources import ItemKey, Source
from tests.humdial_eval.agreement import handcalc

# Six items rated by three raters on 1..5 (rows: items; columns: raters r1, r2, r3).
TABLE = [[1, 2, 1], [3, 3, 4], [5, 4, 5], [2, 2, 2], [4, 5, 4], [3, 2, 3]]


def _ratings(table: list[list[int | None]]) -> dict:
    out = {}
    for i, row in enumerate(table):
        key = ItemKey("sys", "T3", "en", f"en_t3_{i:03d}")
        out[(key, "D")] = {f"r{j + 1}": v for j, v in enumerate(row) if v is not None}
    return out


def test_icc_matches_anova_mean_squares() -> None:
    single, average = handcalc.icc_absolute([[float(v) for v in row] for row in TABLE])
    result = intraclass(_ratings(TABLE))
    assert result["icc_a1"].value == pytest.approx(single)
    assert result["icc_ak"].value == pytest.approx(average)
    low, high = result["icc_a1"].ci
    assert low <= single <= high


def test_alpha_with_missing_ratings_matches_coincidence_matrix() -> None:
    table = [[1, 2, None], [3, 3, 4], [5, None, 5], [2, 2, 2], [None, 5, 4], [3, 2, 3], [1, None, None]]
    units = [[v for v in row if v is not None] for row in table]
    expected = float(handcalc.ordinal_alpha(units))
    assert ordinal_alpha_multi(_ratings(table), (1, 2, 3, 4, 5)).value == pytest.approx(expected)


def test_icc_needs_a_complete_table() -> None:
    table = [[1, 2, None], [3, None, 4], [5, 4, 5], [2, 2, 2]]
    result = intraclass(_ratings(table))
    assert result["icc_a1"].value is None
    assert "only 2 unit(s) were rated by all 3 raters" in result["icc_a1"].undefined
    assert "1 rater(s)" in intraclass(_ratings([[1], [2], [3]]))["icc_ak"].undefined


def test_constant_ratings_are_undefined_not_nan() -> None:
    table = [[3, 3], [3, 3], [3, 3], [3, 3]]
    assert "0/0" in ordinal_alpha_multi(_ratings(table), (1, 2, 3, 4, 5)).undefined
    assert "0/0" in intraclass(_ratings(table))["icc_a1"].undefined


def test_mean_pairwise_kappa_averages_rater_pairs() -> None:
    labels = [1, 2, 3, 4, 5]
    columns = list(zip(*TABLE))
    by_hand = [
        float(handcalc.weighted_kappa(list(columns[i]), list(columns[j]), labels)) for i, j in ((0, 1), (0, 2), (1, 2))
    ]
    value, pairs = mean_pairwise_kappa(_ratings(TABLE), tuple(labels))
    assert pairs == 3
    assert value.value == pytest.approx(sum(by_hand) / 3)


def test_self_consistency_of_repeated_judgments() -> None:
    source = Source("judge", "judge")
    repeats = [[3, 3, 3], [1, 3, 1], [5, 5, 5], [3, 5, 5]]
    for i, values in enumerate(repeats):
        key = ItemKey("sys", "T1", "en", f"en_t1_{i:03d}")
        source.ratings[(key, "Added_Value")] = {f"repeat {r}": v for r, v in enumerate(values)}
    (record,) = self_consistency(source, [("all", "T1", "Added_Value")], {("T1", "Added_Value"): (1, 3, 5)})
    assert record.items == 4 and record.raters == 3
    assert record.stats["all_repeats_equal"].value == pytest.approx(0.5)
    assert record.stats["alpha_ordinal"].value == pytest.approx(float(handcalc.ordinal_alpha(repeats)))
    sd = [0.0, (4 / 3) ** 0.5, 0.0, (4 / 3) ** 0.5]  # sample SD of (1,3,1) and (3,5,5)
    assert record.stats["mean_within_item_sd"].value == pytest.approx(sum(sd) / 4)
