"""Every format carries the same table, and untrusted team names stay inert in each of them."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.leaderboards.formats import csv_safe, latex_escape, markdown_escape
from tests.leaderboards.helpers import read_board, toy_rows, write_definition

SCRIPT = "<script>alert(1)</script>"
LATEX_NASTY = "A&B_{50%} $x$ #1 ~^\\"
FORMULA = '=HYPERLINK("http://x","y")'
PIPE = "left|right *bold* [link](http://x)"
MATH = "50$ \\frac{"
NAMES = [SCRIPT, LATEX_NASTY, FORMULA, PIPE, MATH]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board whose team names attack every format, built once with plots."""
    from humdial_eval.cli.main import main

    root = tmp_path_factory.mktemp("hostile")
    rows = []
    for index, name in enumerate(NAMES):
        score = 1 + index * 0.5
        rows += toy_rows(name, {"zh": (score, score, score), "en": (score, 5, 1)})
    folder = write_definition(root / "def", rows, title="Board <b>bold</b> & co")
    assert main(["leaderboard", "build", str(folder), "--out", str(root / "out")]) == 0
    return root / "out"


def text(out: Path, suffix: str) -> str:
    return (out / f"leaderboard.{suffix}").read_text(encoding="utf-8")


def test_html_escapes_team_names_and_runs_no_script(hostile: Path) -> None:
    page = text(hostile, "html")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Board &lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    assert "default-src 'none'" in page  # nothing can be loaded or run even if escaping failed


def test_markdown_shows_names_as_text(hostile: Path) -> None:
    markdown = text(hostile, "md")
    assert "<script>" not in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "left\\|right \\*bold\\* \\[link\\](http://x)" in markdown
    tables = re.findall(r"(?:^\|.*\n)+", markdown, re.MULTILINE)
    assert len(tables) == 3
    for table in tables:
        # Every row has as many unescaped pipes as the header: no name splits or adds a column.
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in table.splitlines()}
        assert len(counts) == 1, table


def test_latex_escapes_every_special_character(hostile: Path) -> None:
    latex = text(hostile, "tex")
    assert r"A\&B\_\{50\%\} \$x\$ \#1 \textasciitilde{}\textasciicircum{}\textbackslash{}" in latex
    assert r"\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{}" in latex
    assert latex.count(r"\toprule") == latex.count(r"\midrule") == latex.count(r"\bottomrule") == 3
    for block in re.findall(r"\\begin\{tabular\}\{(\w+)\}(.*?)\\end\{tabular\}", latex, re.DOTALL):
        columns, body = len(block[0]), block[1]
        for line in body.splitlines():
            if line.endswith(r"\\") and "multicolumn" not in line:
                assert len(re.findall(r"(?<!\\)&", line)) == columns - 1, line


def test_csv_neutralises_formulas_and_json_keeps_names_exact(hostile: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(text(hostile, "csv"))))
    assert {row["team"] for row in rows} == {SCRIPT, LATEX_NASTY, "'" + FORMULA, PIPE, MATH}
    assert {t["team"] for t in read_board(hostile)["teams"]} == set(NAMES)
    assert json.loads(text(hostile, "json"))["schema"] == "humdial-eval/leaderboard-result/1"


def test_plots_draw_dollar_signs_as_text(hostile: Path) -> None:
    for name in ("dimensions", "finals", "profiles"):
        assert (hostile / "plots" / f"{name}.png").stat().st_size > 5000
        assert (hostile / "plots" / f"{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("escape", "raw", "escaped"),
    [
        (markdown_escape, "a_b snake_case _lead trail_", "a_b snake_case \\_lead trail\\_"),
        (markdown_escape, "x & <y>", "x &amp; &lt;y&gt;"),
        (markdown_escape, "$x$ ~~no~~", "\\$x\\$ \\~\\~no\\~\\~"),
        (latex_escape, "50% of {x}", r"50\% of \{x\}"),
        (csv_safe, "-1+1", "'-1+1"),
        (csv_safe, "TeleAI", "TeleAI"),
    ],
)
def test_escapes(escape: Any, raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
