from __future__ import annotations

import math

import pytest

from humdial_eval.benchmark.rubric import DENSE_1_TO_5, SPARSE_1_3_5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(-3, 1), (0, 1), (1, 1), (2, 1), (2.9, 1), (3, 3), (4, 3), (4.99, 3), (5, 5), (7, 5), (100, 5)],
)
def test_t1_t2_scores_clamp_onto_1_3_5(raw: float, expected: int) -> None:
    assert SPARSE_1_3_5.clamp(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [(-1, 1), (0, 1), (1, 1), (2.4, 2), (2.5, 3), (4, 4), (5, 5), (9, 5)])
def test_t3_scores_clamp_to_integers_1_to_5(raw: float, expected: int) -> None:
    assert DENSE_1_TO_5.clamp(raw) == expected


def test_every_clamped_value_is_on_the_scale() -> None:
    for tenth in range(-50, 120):
        value = tenth / 10
        assert SPARSE_1_3_5.clamp(value) in SPARSE_1_3_5.values
        assert DENSE_1_TO_5.clamp(value) in DENSE_1_TO_5.values


def test_clamp_is_monotonic() -> None:
    values = [v / 4 for v in range(-8, 30)]
    for scale in (SPARSE_1_3_5, DENSE_1_TO_5):
        clamped = [scale.clamp(v) for v in values]
        assert clamped == sorted(clamped)


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError):
        SPARSE_1_3_5.clamp(math.nan)


def test_scale_steps() -> None:
    assert SPARSE_1_3_5.step() == 2
    assert DENSE_1_TO_5.step() == 1
