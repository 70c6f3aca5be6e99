"""The shipped ICASSP 2026 Track 1 board must rebuild the published results from per-dimension numbers.

The published numbers are read from the reference data (tests/leaderboards/data holds verbatim copies of
/work/shared/data, checked against the originals where those exist), never written into the tests.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.leaderboards.helpers import read_board, team

REPO = Path(__file__).resolve().parents[2]
DEFINITION = REPO / "leaderboards" / "icassp2026_track1"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path("/work/shared/data")
CSV_NAME = "icassp2026_track1_published.csv"
DIMENSION_COLUMNS = {
    ("T1", "Accuracy_Completeness"): "t1d1", ("T1", "Depth_Granularity"): "t1d2", ("T1", "Added_Value"): "t1d3",
    ("T2", "Information_Integration"): "t2d1", ("T2", "Insight_RootCause"): "t2d2", ("T2", "Clarity_Logic"): "t2d3",
    ("T3", "textual_empathy_insight"): "t3d1", ("T3", "vocal_empathy_congruence"): "t3d2",
    ("T3", "audio_quality_naturalness"): "t3d3",
}


def published_rows() -> list[dict[str, str]]:
    with (DATA / CSV_NAME).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def published_overall() -> dict[str, Decimal]:
    """The overall finals, as the reference README states them ("Published overall finals: TeleAI 4.27, ...")."""
    text = " ".join((DATA / "README.md").read_text(encoding="utf-8").split())
    sentence = re.search(r"Published overall finals: (.*?)\.(?:\s|$)", text)
    assert sentence, "the reference README no longer states the overall finals"
    finals = {name.strip(): Decimal(value) for name, value in re.findall(r"([^,]+?) (\d\.\d\d)", sentence.group(1))}
    assert len(finals) == 8
    return finals


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from humdial_eval.cli.main import main

    out = tmp_path_factory.mktemp("icassp")
    assert main(["leaderboard", "build", str(DEFINITION), "--out", str(out), "--no-plots"]) == 0
    return read_board(out)


@pytest.mark.skipif(not SHARED.is_dir(), reason="/work/shared/data is not on this machine; the copies are used")
@pytest.mark.parametrize("name", [CSV_NAME, "README.md"])
def test_reference_copies_match_the_shared_originals(name: str) -> None:
    assert (DATA / name).read_bytes() == (SHARED / name).read_bytes()


def test_scores_csv_holds_exactly_the_published_dimension_numbers() -> None:
    with (DEFINITION / "scores.csv").open(encoding="utf-8") as handle:
        shipped = {(r["team"], r["language"], r["task"], r["dimension"]): r["score"] for r in csv.DictReader(handle)}
    expected = {(row["team"], row["language"], task, dim): row[column]
                for row in published_rows() for (task, dim), column in DIMENSION_COLUMNS.items()}
    assert shipped == expected


def test_task_averages_match_the_published_ones(official: dict[str, Any]) -> None:
    for row in published_rows():
        tasks = team(official, row["team"])["languages"][row["language"]]["tasks"]
        assert Decimal(str(tasks["T1"]["avg"])) == Decimal(row["t1avg"]), row["team"]
        assert Decimal(str(tasks["T2"]["avg"])) == Decimal(row["t2avg"]), row["team"]


def test_every_per_language_final_matches(official: dict[str, Any]) -> None:
    for row in published_rows():
        final = team(official, row["team"])["languages"][row["language"]]["final"]
        assert Decimal(str(final)) == Decimal(row["final_lang"]), (row["team"], row["language"])


def test_overall_finals_and_ranking_match(official: dict[str, Any]) -> None:
    published = published_overall()
    assert {t["team"]: Decimal(str(t["final"])) for t in official["teams"]} == published
    order = sorted(published, key=lambda name: -published[name])
    assert [t["team"] for t in official["teams"]] == order
    assert [t["rank"] for t in official["teams"]] == list(range(1, 9))  # the published finals have no ties


def variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    folder = tmp_path / "variant"
    shutil.copytree(DEFINITION, folder)
    data = yaml.safe_load((folder / "leaderboard.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "leaderboard.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return folder


def language_mismatches(board: dict[str, Any]) -> set[tuple[str, str]]:
    return {(row["team"], row["language"]) for row in published_rows()
            if Decimal(str(team(board, row["team"])["languages"][row["language"]]["final"])) != Decimal(row["final_lang"])}


def test_half_up_rounding_misses_two_language_finals_but_keeps_the_overall(tmp_path: Path, cli: Any) -> None:
    folder = variant(tmp_path, lambda data: data["rounding"].update(mode="half_up"))
    assert cli("leaderboard", "build", folder, "--out", tmp_path / "out", "--no-plots").code == 0
    board = read_board(tmp_path / "out")
    # As docs/leaderboards.md says: TeleAI zh 4.265 and BJTU_Unisound_team zh 4.185 round up under half_up.
    assert language_mismatches(board) == {("TeleAI", "zh"), ("BJTU_Unisound_team", "zh")}
    assert {t["team"]: Decimal(str(t["final"])) for t in board["teams"]} == published_overall()


def test_unrounded_task_averages_miss_one_language_final(tmp_path: Path, cli: Any) -> None:
    folder = variant(tmp_path, lambda data: data["rounding"].update(round_before_use=["dimension"]))
    assert cli("leaderboard", "build", folder, "--out", tmp_path / "out", "--no-plots").code == 0
    board = read_board(tmp_path / "out")
    assert language_mismatches(board) == {("BJTU_Unisound_team", "zh")}
    assert {t["team"]: Decimal(str(t["final"])) for t in board["teams"]} == published_overall()


def test_rounding_language_finals_first_breaks_the_overall(tmp_path: Path, cli: Any) -> None:
    stages = ["dimension", "task_average", "language_final"]
    folder = variant(tmp_path, lambda data: data["rounding"].update(round_before_use=stages))
    assert cli("leaderboard", "build", folder, "--out", tmp_path / "out", "--no-plots").code == 0
    finals = {t["team"]: Decimal(str(t["final"])) for t in read_board(tmp_path / "out")["teams"]}
    wrong = {name for name, value in published_overall().items() if finals[name] != value}
    # (4.26 + 4.27) / 2 = 4.265 and (4.18 + 4.23) / 2 = 4.205 round half-even down; published 4.27 and 4.21.
    assert wrong == {"TeleAI", "BJTU_Unisound_team"}
