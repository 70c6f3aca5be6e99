"""Run comparison: paired differences equal a hand computation from both items.jsonl; intervals behave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from humdial_eval.view.compare import bootstrap_mean_ci, compare_runs
from humdial_eval.view.page import load_runs
from tests.humdial_eval.view.runs import EXAMPLES, changed_submission, hand_differences, sample_run, score


def test_paired_differences_match_a_hand_computation(tmp_path: Path) -> None:
    base = sample_run(tmp_path)
    other = score(changed_submission(tmp_path), EXAMPLES / "testset", tmp_path / "changed-run")
    [result] = compare_runs(load_runs([base, other]))
    expected = hand_differences(base, other)
    pooled = {(r["task"], r["dimension"], r["language"]): r for r in result["rows"] if r["language"] == "all"}
    assert pooled.keys() == expected.keys()
    for key, value in expected.items():
        assert pooled[key]["diff"] == pytest.approx(value, abs=1e-4), key
        low, high = pooled[key]["ci"]
        assert low <= pooled[key]["diff"] <= high
    assert any(value != 0 for value in expected.values())  # the change moved some scores
    # items most in disagreement first, each with its per-dimension differences
    disagreement = [item["disagreement"] for item in result["items"]]
    assert disagreement == sorted(disagreement, reverse=True) and disagreement[0] > 0
    assert result["same_testset"] and result["only_base"] == result["only_other"] == 0


def test_a_run_against_itself_differs_by_zero(tmp_path: Path) -> None:
    base = sample_run(tmp_path)
    [result] = compare_runs(load_runs([base, base]))
    assert all(row["diff"] == 0 and row["ci"] == [0, 0] for row in result["rows"])
    assert load_runs([base, base])[1].label.endswith("(2)")  # two folders of one name stay apart


def test_bootstrap_interval_is_seeded_and_covers_the_mean() -> None:
    values = np.array([0, 1, 2, -1, 4, 2, 0, 1], dtype=float)
    first = bootstrap_mean_ci(values, np.random.default_rng(1))
    assert first == bootstrap_mean_ci(values, np.random.default_rng(1))
    assert first[0] < values.mean() < first[1]
    assert bootstrap_mean_ci(np.array([2.0]), np.random.default_rng(1)) is None
