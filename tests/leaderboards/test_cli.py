"""`humdial-eval leaderboard build` end to end: every format and figure, the documented table, exit codes."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from tests.leaderboards.helpers import read_board

REPO = Path(__file__).resolve().parents[2]
FILES = ["leaderboard.md", "leaderboard.csv", "leaderboard.tex", "leaderboard.html", "leaderboard.json"]
FIGURES = ["dimensions", "finals", "profiles"]


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    import contextlib
    import io

    from humdial_eval.cli.main import main

    out = tmp_path_factory.mktemp("official") / "out"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["leaderboard", "build", "icassp2026_track1", "--out", str(out)]) == 0
    return out, stdout.getvalue()


def test_every_format_and_figure_is_written(official: tuple[Path, str]) -> None:
    out, stdout = official
    for name in FILES:
        assert (out / name).stat().st_size > 500, name
    for name in FIGURES:
        assert (out / "plots" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        root = ElementTree.parse(out / "plots" / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")
    page = (out / "leaderboard.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    assert stdout.startswith("| Rank | Team |") and "leaderboard.html" in stdout
    assert read_board(out)["definition"] == "icassp2026_track1"


def test_outputs_agree_with_each_other(official: tuple[Path, str]) -> None:
    out, _ = official
    board = read_board(out)
    csv_lines = (out / "leaderboard.csv").read_text(encoding="utf-8").splitlines()
    markdown = (out / "leaderboard.md").read_text(encoding="utf-8")
    latex = (out / "leaderboard.tex").read_text(encoding="utf-8")
    for entry, line in zip(board["teams"], csv_lines[1:]):
        final = f"{entry['final']:.2f}"
        assert line.startswith(f"{entry['rank']},")
        assert f",{final},,,false," in line
        assert f"| {final} |" in markdown and f"& {final} \\\\" in latex


def test_the_documented_table_is_the_generated_one(official: tuple[Path, str]) -> None:
    """docs/leaderboards.md pastes the command's Markdown; it must not drift from what the command writes."""
    out, _ = official
    docs = (REPO / "docs" / "leaderboards.md").read_text(encoding="utf-8")
    generated = (out / "leaderboard.md").read_text(encoding="utf-8")
    for section in generated.split("\n## ")[1:]:
        table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
        assert table in docs, section.splitlines()[0]


def test_a_second_build_gives_identical_tables(official: tuple[Path, str], tmp_path: Path, cli: Any) -> None:
    out, _ = official
    assert cli("leaderboard", "build", "icassp2026_track1", "--out", tmp_path, "--no-plots").code == 0
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard.tex", "leaderboard.json"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_missing_definition_exits_1_and_names_the_shipped_ones(cli: Any, tmp_path: Path) -> None:
    result = cli("leaderboard", "build", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.code == 1
    assert "no leaderboard.yaml" in result.err and "icassp2026_track1" in result.err
    assert "Traceback" not in result.err


def test_an_unwritable_out_exits_1(cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("leaderboard", "build", "icassp2026_track1", "--out", blocker, "--no-plots")
    assert result.code == 1 and "cannot write into --out" in result.err


def test_usage_errors_exit_2(cli: Any) -> None:
    assert cli("leaderboard", "build", "icassp2026_track1").code == 2  # --out is required
    assert cli("leaderboard").code == 2


def test_the_board_has_no_teams_without_scores(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "def"
    folder.mkdir()
    shipped = (REPO / "leaderboards" / "icassp2026_track1" / "leaderboard.yaml").read_text(encoding="utf-8")
    (folder / "leaderboard.yaml").write_text(shipped.replace("scores: scores.csv\n", ""), encoding="utf-8")
    result = cli("leaderboard", "build", folder, "--out", tmp_path / "out")
    assert result.code == 1 and "no teams" in result.err
