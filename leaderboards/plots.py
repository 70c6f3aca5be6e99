"""Figures of a board (PNG + SVG): dimension bars, per-language finals with intervals, team profiles.

Team names are untrusted text: maths parsing is switched off so a ``$`` in a name is drawn, not
interpreted, and files are named after the figure, never after a team.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from humdial_eval.leaderboards.standings import Leaderboard, Standing  # noqa: E402

FORMATS = ("png", "svg")
# Fonts with CJK glyphs, tried after DejaVu Sans for names like 团队 (Debian: fonts-wqy-microhei, fonts-noto-cjk).
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Droid Sans Fallback")
_STYLE = {"text.parse_math": False, "svg.fonttype": "path", "figure.dpi": 100, "font.size": 9,
          "svg.hashsalt": "humdial-eval", "axes.titlesize": 10}


def write_plots(board: Leaderboard, folder: Path) -> dict[str, dict[str, Path]]:
    """Draw every figure into ``folder``; returns figure name -> format -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Path]] = {}
    installed = {font.name for font in font_manager.fontManager.ttflist}
    style = {**_STYLE, "font.family": ["DejaVu Sans", *(f for f in CJK_FONTS if f in installed)]}
    with plt.rc_context(style), warnings.catch_warnings():
        # Without a CJK font such glyphs are drawn as boxes; the tables and the page still show the names.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        for name, draw in (("dimensions", _dimensions), ("finals", _finals), ("profiles", _profiles)):
            figure = draw(board)
            written[name] = {}
            for fmt in FORMATS:
                path = folder / f"{name}.{fmt}"
                # A fixed creation date keeps regenerated files identical.
                figure.savefig(path, format=fmt, bbox_inches="tight",
                               metadata={"Date": None} if fmt == "svg" else {"Software": "humdial-eval"})
                written[name][fmt] = path
            plt.close(figure)
    return written


def _value(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def _colours(count: int) -> list[tuple[float, float, float, float]]:
    palette = plt.get_cmap("tab20" if count > 10 else "tab10")
    return [palette(i % palette.N) for i in range(count)]


def _dimensions(board: Leaderboard) -> plt.Figure:
    """Grouped bars: one group per dimension, one bar per team, one panel per language."""
    definition = board.definition
    dims = definition.dimensions()
    teams = board.standings
    languages = definition.languages
    size = (min(30.0, max(10.0, 0.12 * len(dims) * len(teams) + 4)), 3.4 * len(languages))
    figure, axes = plt.subplots(len(languages), 1, figsize=size, squeeze=False)
    width = 0.8 / max(1, len(teams))
    positions = np.arange(len(dims))
    for ax, lang in zip(axes[:, 0], languages):
        for index, (standing, colour) in enumerate(zip(teams, _colours(len(teams)))):
            values = [_value(standing.languages[lang.key].dimensions[(d.task, d.key)]) for d in dims]
            ax.bar(positions + (index - (len(teams) - 1) / 2) * width, values, width, label=standing.team,
                   color=colour)
            for x, v in zip(positions, values):
                if math.isnan(v):
                    ax.text(x + (index - (len(teams) - 1) / 2) * width, float(definition.scale_min), "×",
                            ha="center", va="bottom", fontsize=7, color="0.4")
        ax.set_xticks(positions, [f"{d.task} {d.label}" for d in dims])
        ax.set_ylim(float(definition.scale_min) - 0.05, float(definition.scale_max) + 0.05)
        ax.set_ylabel("mean score")
        ax.set_title(f"{lang.name} ({lang.key}): per-dimension means (× = missing)")
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    figure.tight_layout()
    return figure


def _finals(board: Leaderboard) -> plt.Figure:
    """Per-language and overall finals per team, with bootstrap intervals where item scores exist."""
    definition = board.definition
    teams = board.standings
    series = [(lang.name, lambda s, k=lang.key: (s.languages[k].final, s.language_ci.get(k)))
              for lang in definition.languages]
    series.append(("Final", lambda s: (s.final, s.ci)))
    figure, ax = plt.subplots(figsize=(max(7.0, 0.9 * len(teams) + 2), 4.2))
    width = 0.8 / len(series)
    positions = np.arange(len(teams))
    for index, ((label, pick), colour) in enumerate(zip(series, _colours(len(series)))):
        values, errors = [], [[], []]
        for standing in teams:
            value, interval = pick(standing)
            values.append(_value(value))
            # NaN draws no error bar: teams known only by aggregates have no interval.
            low = high = math.nan
            if interval is not None and value is not None:
                low, high = max(0.0, float(value) - interval.low), max(0.0, interval.high - float(value))
            errors[0].append(low)
            errors[1].append(high)
        offsets = positions + (index - (len(series) - 1) / 2) * width
        ax.bar(offsets, values, width, label=label, color=colour, yerr=np.array(errors), capsize=2,
               error_kw={"elinewidth": 0.8})
    ax.set_xticks(positions, [_label(s) for s in teams], rotation=30, ha="right")
    ax.set_ylim(float(definition.scale_min) - 0.05, float(definition.scale_max) + 0.05)
    ax.set_ylabel("final score")
    ax.set_title("Finals per language (error bars: bootstrap interval where item scores exist)")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def _profiles(board: Leaderboard) -> plt.Figure:
    """One radar per team over every dimension, one line per language."""
    definition = board.definition
    dims = definition.dimensions()
    teams = board.standings
    columns = min(4, max(1, len(teams)))
    rows = math.ceil(len(teams) / columns) if teams else 1
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.4 * rows),
                                subplot_kw={"projection": "polar"}, squeeze=False)
    angles = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)
    closed = np.append(angles, angles[0])
    colours = _colours(len(definition.languages))
    for ax, standing in zip(axes.flat, teams):
        for lang, colour in zip(definition.languages, colours):
            values = [_value(standing.languages[lang.key].dimensions[(d.task, d.key)]) for d in dims]
            ax.plot(closed, values + values[:1], color=colour, linewidth=1.2, label=lang.key)
            ax.fill(closed, np.nan_to_num(values + values[:1], nan=float(definition.scale_min)), color=colour,
                    alpha=0.12)
        ax.set_xticks(angles, [f"{d.task}{d.label}" for d in dims], fontsize=6)
        ax.set_ylim(float(definition.scale_min), float(definition.scale_max))
        ax.set_yticks(np.arange(float(definition.scale_min), float(definition.scale_max) + 0.01, 1.0))
        ax.tick_params(axis="y", labelsize=6)
        ax.set_title(_label(standing), fontsize=9, pad=12)
    for ax in list(axes.flat)[len(teams):]:
        ax.set_visible(False)
    if teams:
        axes.flat[0].legend(loc="upper left", bbox_to_anchor=(-0.35, 1.15), fontsize=7, frameon=False)
    figure.tight_layout()
    return figure


def _label(standing: Standing) -> str:
    name = standing.team if len(standing.team) <= 28 else standing.team[:27] + "…"
    return name + ("†" if standing.substituted else "")
