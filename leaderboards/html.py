"""The standalone HTML page of a board: every table and figure in one file that opens anywhere.

Figures are embedded as PNG data URIs so the page can be mailed or attached on its own; the page loads
nothing else (its Content-Security-Policy forbids it). Jinja2 autoescapes every value, team names included.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from humdial_eval.leaderboards.standings import Leaderboard
from humdial_eval.leaderboards.tables import board_tables

TEMPLATES = Path(__file__).resolve().parent / "templates"
CAPTIONS = {
    "dimensions": "Per-dimension means of every team, per language.",
    "finals": "Per-language and overall finals; error bars are bootstrap intervals where item scores exist.",
    "profiles": "Profile of each team over all dimensions (one line per language).",
}


@dataclass(frozen=True)
class EmbeddedFigure:
    data_uri: str
    alt: str
    caption: str


def render_html(board: Leaderboard, figures: dict[str, dict[str, Path]]) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                              keep_trailing_newline=True)
    embedded = [
        EmbeddedFigure(
            data_uri="data:image/png;base64," + base64.b64encode(paths["png"].read_bytes()).decode("ascii"),
            alt=CAPTIONS.get(name, name),
            caption=CAPTIONS.get(name, name),
        )
        for name, paths in figures.items()
        if "png" in paths
    ]
    return environment.get_template("leaderboard.html.j2").render(
        title=board.definition.title,
        source=board.definition.source,
        definition=board.definition.name,
        substitution=board.substitution,
        uncertainty=board.uncertainty,
        tables=board_tables(board),
        figures=embedded,
    )
