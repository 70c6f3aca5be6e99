"""Weights, rounding, ties and missing values on small boards whose answers are worked out by hand.

Toy board (tests/leaderboards/helpers.py): per-language final = 0.5 * mean(x, y) + 0.5 * z; the overall
final is the mean of zh and en.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.leaderboards.definition import load_definition
from humdial_eval.leaderboards.entries import read_scores_csv
from humdial_eval.leaderboards.standings import Leaderboard, build_leaderboard
from tests.leaderboards.helpers import toy_rows, write_definition


def board_from(tmp_path: Path, rows: list[tuple[str, str, str, str, str]], substitution: str = "none",
               **definition: Any) -> Leaderboard:
    folder = write_definition(tmp_path / "board", rows, **definition)
    issues = IssueLog()
    loaded = load_definition(folder, issues)
    assert loaded is not None, [i.format() for i in issues.issues]
    entries = read_scores_csv(folder / "scores.csv", loaded, issues)
    assert not issues.errors, [i.format() for i in issues.errors]
    return build_leaderboard(loaded, entries, substitution)


def standing(board: Leaderboard, name: str) -> Any:
    return next(s for s in board.standings if s.team == name)


def test_weights_combine_task_averages_dimensions_and_languages(tmp_path: Path) -> None:
    board = board_from(tmp_path, toy_rows("A", {"zh": (4, 2, 5), "en": (3, 3, 1)}))
    a = standing(board, "A")
    assert a.languages["zh"].task_averages["TA"] == Decimal(3)
    assert a.languages["zh"].final == Decimal("4.0")  # 0.5 * 3 + 0.5 * 5
    assert a.languages["en"].final == Decimal("2.0")  # 0.5 * 3 + 0.5 * 1
    assert a.final == Decimal("3.0")
    assert a.rank == 1
    assert a.languages["zh"].dimension_weights == {("TA", "x"): Decimal("0.25"), ("TA", "y"): Decimal("0.25"),
                                                    ("TB", "z"): Decimal("0.5")}


def test_unequal_weights_are_honoured(tmp_path: Path) -> None:
    board = board_from(tmp_path, toy_rows("A", {"zh": (5, 5, 1), "en": (5, 5, 1)}),
                       weights={"TA": 0.8, "TB.z": 0.2}, languages={"zh": {"weight": 0.25}, "en": {"weight": 0.75}})
    assert standing(board, "A").final == Decimal("4.2")  # 0.8 * 5 + 0.2 * 1 in both languages


@pytest.mark.parametrize(("mode", "shown"), [("half_even", "4.00"), ("half_up", "4.01")])
def test_rounding_mode_decides_an_exact_half(tmp_path: Path, mode: str, shown: str) -> None:
    # 0.5 * mean(4.00, 4.00) + 0.5 * 4.01 = 4.005 exactly, in both languages and overall.
    rows = toy_rows("A", {"zh": (4.00, 4.00, 4.01), "en": (4.00, 4.00, 4.01)})
    board = board_from(tmp_path, rows, rounding={"decimals": 2, "mode": mode, "round_before_use": []})
    a = standing(board, "A")
    assert a.final == Decimal("4.005")
    assert board.fmt(a.final) == shown
    assert board.fmt(a.languages["zh"].final) == shown


@pytest.mark.parametrize(("stages", "shown"), [([], "3.01"), (["task_average"], "3.00")])
def test_rounding_task_averages_before_use(tmp_path: Path, stages: list[str], shown: str) -> None:
    # mean(3.00, 3.01) = 3.005. Unrounded: 0.5 * 3.005 + 0.5 * 3.01 = 3.0075 -> 3.01.
    # Rounded half-even first: 0.5 * 3.00 + 0.5 * 3.01 = 3.005 -> 3.00.
    rows = toy_rows("A", {"zh": (3.00, 3.01, 3.01), "en": (3.00, 3.01, 3.01)})
    board = board_from(tmp_path, rows, rounding={"decimals": 2, "mode": "half_even", "round_before_use": stages})
    assert board.fmt(standing(board, "A").languages["zh"].final) == shown


def test_rounding_dimensions_before_use(tmp_path: Path) -> None:
    # x = 4.004 is published as 4.00; with dimension rounding the average is built from 4.00.
    rows = toy_rows("A", {"zh": (4.004, 4.0, 4.0), "en": (4.004, 4.0, 4.0)})
    rounded = board_from(tmp_path / "r", rows, rounding={"decimals": 2, "mode": "half_even",
                                                         "round_before_use": ["dimension"]})
    exact = board_from(tmp_path / "e", rows)
    assert standing(rounded, "A").languages["zh"].task_averages["TA"] == Decimal("4.00")
    assert standing(exact, "A").languages["zh"].task_averages["TA"] == Decimal("4.002")


def test_ties_share_a_rank_on_the_published_final(tmp_path: Path) -> None:
    rows = (toy_rows("Delta", {"zh": (3.5, 3.5, 3.5), "en": (3.5, 3.5, 3.5)})
            + toy_rows("Bravo", {"zh": (3, 3, 3), "en": (3, 3, 3)})
            + toy_rows("Alpha", {"zh": (3, 3, 2.996), "en": (3, 3, 3)})  # 2.999 overall, published 3.00
            + toy_rows("Charlie", {"zh": (2.5, 2.5, 2.5), "en": (2.5, 2.5, 2.5)}))
    board = board_from(tmp_path, rows)
    assert [(s.team, s.rank) for s in board.standings] == [("Delta", 1), ("Alpha", 2), ("Bravo", 2), ("Charlie", 4)]
    assert standing(board, "Alpha").final == Decimal("2.999")


def test_a_missing_dimension_leaves_the_team_unranked(tmp_path: Path) -> None:
    rows = toy_rows("Full", {"zh": (3, 3, 3), "en": (3, 3, 3)})
    rows += [r for r in toy_rows("Gap", {"zh": (5, 5, 5), "en": (5, 5, 5)}) if r[1:4] != ("en", "TB", "z")]
    board = board_from(tmp_path, rows)
    gap = standing(board, "Gap")
    assert gap.final is None and gap.rank is None
    assert gap.languages["zh"].final == Decimal(5)
    assert gap.languages["en"].final is None
    assert gap.missing == ["en TB.z"]
    assert gap.languages["en"].dimensions[("TB", "z")] is None
    assert [s.team for s in board.standings] == ["Full", "Gap"]
    assert standing(board, "Full").rank == 1
    assert board.fmt(gap.final) == "—"


def test_renormalise_rescales_the_weights_over_present_dimensions(tmp_path: Path) -> None:
    rows = toy_rows("Full", {"zh": (3, 3, 3), "en": (3, 3, 3)})
    rows += [r for r in toy_rows("Gap", {"zh": (4, 2, 5), "en": (4, 2, 1)}) if r[1:4] != ("en", "TB", "z")]
    board = board_from(tmp_path, rows, substitution="renormalise")
    gap = standing(board, "Gap")
    # en: only TA remains (weight 0.5 -> 1): final = mean(4, 2) = 3; zh complete: 4. Overall (4 + 3) / 2.
    assert gap.languages["en"].final == Decimal(3)
    assert gap.languages["en"].substituted and not gap.languages["zh"].substituted
    assert gap.languages["en"].dimension_weights == {("TA", "x"): Decimal("0.5"), ("TA", "y"): Decimal("0.5")}
    assert gap.final == Decimal("3.5")
    assert gap.substituted and gap.rank == 1
    assert not standing(board, "Full").substituted


def test_renormalise_keeps_the_share_of_each_present_dimension_of_a_partial_task(tmp_path: Path) -> None:
    rows = [r for r in toy_rows("Gap", {"zh": (4, 2, 1), "en": (4, 2, 1)}) if r[3] != "y"]
    board = board_from(tmp_path, rows, substitution="renormalise")
    zh = standing(board, "Gap").languages["zh"]
    # x keeps its share 0.25, z its 0.5; renormalised: (0.25 * 4 + 0.5 * 1) / 0.75 = 2.
    assert zh.final == Decimal(2)
    assert zh.missing == ["TA.y"]
    assert zh.task_averages["TA"] is None


def test_a_language_without_any_score_has_no_final_even_when_renormalising(tmp_path: Path) -> None:
    rows = [r for r in toy_rows("ZhOnly", {"zh": (4, 4, 4), "en": (4, 4, 4)}) if r[1] == "zh"]
    board = board_from(tmp_path, rows, substitution="renormalise")
    only = standing(board, "ZhOnly")
    assert only.languages["zh"].final == Decimal(4)
    assert only.languages["en"].final is None and only.final is None and only.rank is None
