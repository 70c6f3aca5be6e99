"""The bootstrap's NaN-free fast path (plain means instead of nanmean) changes no interval, bit for bit."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

from humdial_eval.outputs import scoring
from humdial_eval.benchmark.results import ItemResult
from humdial_eval.outputs.scoring import BootstrapSettings, Block, summarise
from tests.humdial_eval.outputs.test_scoring import TASKS, AllDimensions


def random_results(dialogues: int = 40, seed: int = 7) -> list[ItemResult]:
    rng = random.Random(seed)
    results = []
    for task in TASKS:
        for language in ("zh", "en"):
            for index in range(dialogues):
                scores = {d.key: rng.choice(d.scale.values) for d in task.rubric.dimensions}
                results.append(ItemResult(task.id, language, f"{task.id}-{language}-{index}", 1, "j", "ok", scores))
    return results


def test_plain_means_equal_nanmean_bit_for_bit() -> None:
    matrix = np.random.default_rng(3).integers(1, 6, (37, 3)).astype(float)
    block = Block("T1", "en", ("a", "b", "c"), matrix, {"a": 0.1, "b": 0.05, "c": 0.05})
    assert not block.has_nan
    index = np.random.default_rng(4).integers(0, 37, (500, 37))
    fast = scoring._avg_statistic(block)(index)
    slow = np.nanmean(np.nanmean(matrix[index], axis=-2), axis=-1)
    assert np.array_equal(fast, slow)


def test_summary_identical_whichever_path(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = BootstrapSettings(resamples=300, seed=11)
    fast = summarise(random_results(), TASKS, [AllDimensions()], ["zh", "en"], settings)
    monkeypatch.setattr(Block, "has_nan", property(lambda self: True))  # force the nanmean path
    slow = summarise(random_results(), TASKS, [AllDimensions()], ["zh", "en"], settings)
    assert fast["final_ci"] is not None and fast == slow


def test_a_block_with_gaps_takes_the_nan_path() -> None:
    matrix = np.array([[1.0, np.nan], [3.0, 5.0], [5.0, 5.0]])
    block = Block("T1", "en", ("a", "b"), matrix, {"a": 0.1, "b": 0.1})
    assert block.has_nan
    index = np.array([[0, 1, 2], [0, 0, 0]])
    # resample 1: column means 3 and 5; resample 2 (row 0 three times): 1 and no value -> 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice": the gap, as intended
        assert np.array_equal(scoring._avg_statistic(block)(index), [4.0, 1.0])
