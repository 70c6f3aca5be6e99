"""Bootstrap intervals of finals and swap probabilities of adjacent ranks, on item scores built in tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.leaderboards.definition import load_definition
from humdial_eval.leaderboards.entries import TeamEntry, read_scores_csv
from humdial_eval.leaderboards.runs import read_run
from humdial_eval.leaderboards.standings import Leaderboard, build_leaderboard
from humdial_eval.leaderboards.uncertainty import add_uncertainty
from tests.leaderboards.helpers import toy_rows, write_definition, write_run

STRATA = [("zh", "TA"), ("zh", "TB"), ("en", "TA"), ("en", "TB")]


def scores_from(columns: dict[str, list[int]]) -> dict[tuple[str, str], dict[str, list[int | None]]]:
    """The same item scores in every stratum: TA gets x and y, TB gets z."""
    return {(lang, task): ({"x": columns["x"], "y": columns["y"]} if task == "TA" else {"z": columns["z"]})
            for lang, task in STRATA}


def board_of(tmp_path: Path, runs: dict[str, dict[str, list[int]]], published: bool = False,
             resamples: int = 1000, seed: int = 0) -> Leaderboard:
    rows = toy_rows("Published", {"zh": (3, 3, 3), "en": (3, 3, 3)}) if published else []
    folder = write_definition(tmp_path / "def", rows)
    issues = IssueLog()
    definition = load_definition(folder, issues)
    assert definition is not None
    entries: list[TeamEntry] = read_scores_csv(folder / "scores.csv", definition, issues) if published else []
    for name, columns in runs.items():
        entry = read_run(write_run(tmp_path / name, name, scores_from(columns)), definition, issues)
        assert entry is not None, [i.format() for i in issues.errors]
        entries.append(entry)
    board = build_leaderboard(definition, entries)
    add_uncertainty(board, entries, resamples=resamples, confidence=0.95, seed=seed)
    return board


def by_name(board: Leaderboard, name: str) -> Any:
    return next(s for s in board.standings if s.team == name)


RNG = np.random.default_rng(7)
HIGH = {key: [int(v) for v in RNG.choice([4, 5], 30)] for key in "xyz"}
LOW = {key: [int(v) for v in RNG.choice([1, 2], 30)] for key in "xyz"}
MIXED = {key: [int(v) for v in RNG.choice([1, 3, 5], 30)] for key in "xyz"}


def test_the_interval_surrounds_the_final_and_is_reproducible(tmp_path: Path) -> None:
    first = by_name(board_of(tmp_path / "a", {"mixed": MIXED}), "mixed")
    again = by_name(board_of(tmp_path / "b", {"mixed": MIXED}), "mixed")
    assert first.ci is not None and first.ci.low < float(first.final) < first.ci.high
    assert first.ci == again.ci and first.language_ci == again.language_ci
    other_seed = by_name(board_of(tmp_path / "c", {"mixed": MIXED}, seed=1), "mixed")
    assert other_seed.ci != first.ci
    for code in ("zh", "en"):
        interval = first.language_ci[code]
        assert interval.low < float(first.languages[code].final) < interval.high


def test_constant_scores_give_a_zero_width_interval(tmp_path: Path) -> None:
    flat = {key: [4] * 10 for key in "xyz"}
    standing = by_name(board_of(tmp_path, {"flat": flat}), "flat")
    assert standing.ci is not None and standing.ci.low == standing.ci.high == 4.0


def test_well_separated_teams_are_separable(tmp_path: Path) -> None:
    board = board_of(tmp_path, {"high": HIGH, "low": LOW})
    [pair] = board.pairs
    assert (pair.upper, pair.lower) == ("high", "low")
    assert pair.swap_probability == 0.0 and pair.separable is True


def test_identical_teams_swap_half_the_time_and_are_not_separable(tmp_path: Path) -> None:
    board = board_of(tmp_path, {"twin-a": MIXED, "twin-b": MIXED})
    [pair] = board.pairs
    assert pair.upper_rank == pair.lower_rank == 1
    assert pair.swap_probability == 0.5 and pair.separable is False


def test_resampling_is_paired_across_teams(tmp_path: Path) -> None:
    """B equals A but for one worse answer: paired, B can never pass A; it ties only when that item is not drawn."""
    base = {key: list(values) for key, values in MIXED.items()}
    base["z"][0] = 5
    worse = {key: list(values) for key, values in base.items()}
    worse["z"][0] = 1
    board = board_of(tmp_path, {"a": base, "b": worse}, resamples=2000)
    [pair] = board.pairs
    assert (pair.upper, pair.lower) == ("a", "b")
    # The changed item is missing from a TB resample of 30 with probability (29/30)^30 ~ 0.36 per language;
    # the lower team ties only when both languages miss it, so P(swap) ~ 0.5 * 0.36^2 ~ 0.07. Unpaired, ~0.45.
    assert pair.swap_probability is not None and 0.03 < pair.swap_probability < 0.12
    assert pair.separable is False


def test_teams_without_items_get_no_interval_and_unknown_separation(tmp_path: Path) -> None:
    board = board_of(tmp_path, {"high": HIGH}, published=True)
    published = by_name(board, "Published")
    assert published.ci is None and published.ci_note == "aggregate numbers only"
    [pair] = board.pairs
    assert pair.swap_probability is None and pair.separable is None


def test_one_dialogue_per_stratum_cannot_be_resampled(tmp_path: Path) -> None:
    single = {key: [3] for key in "xyz"}
    standing = by_name(board_of(tmp_path, {"single": single}), "single")
    assert standing.ci is None and "too few items" in standing.ci_note
