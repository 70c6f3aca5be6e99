"""Figures of the agreement report: confusion heatmaps, Bland-Altman plots, score histograms.

Matplotlib runs headless (Agg). File names are built from indices only, never from source or task
names (which come from user files), and labels are escaped so a '$' in a name cannot switch on
matplotlib's math parser.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot loads)
import numpy as np  # noqa: E402

from humdial_eval.agreement.pairwise import PairedScores  # noqa: E402

_PANEL = 3.2


def label(text: str, limit: int = 40) -> str:
    """Plain text for a matplotlib label: math mode off, long names shortened."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def confusion_figure(
    path: Path, panels: list[tuple[str, PairedScores, tuple[int, ...]]], name_a: str, name_b: str
) -> None:
    """One heatmap per dimension: rows are ``name_a``'s scores, columns ``name_b``'s."""
    fig, axes = plt.subplots(1, len(panels), figsize=(_PANEL * len(panels), _PANEL + 0.4), squeeze=False)
    for ax, (title, p, scale) in zip(axes[0], panels):
        position = {v: i for i, v in enumerate(scale)}
        matrix = np.zeros((len(scale), len(scale)), dtype=int)
        for x, y in zip(p.a_cat.tolist(), p.b_cat.tolist()):
            matrix[position[int(x)], position[int(y)]] += 1
        ax.imshow(matrix, cmap="Blues", origin="lower")
        for i in range(len(scale)):
            for j in range(len(scale)):
                colour = "white" if matrix[i, j] > matrix.max() / 2 else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour, fontsize=9)
        ax.set_xticks(range(len(scale)), [str(v) for v in scale])
        ax.set_yticks(range(len(scale)), [str(v) for v in scale])
        ax.set_xlabel(label(name_b))
        ax.set_ylabel(label(name_a))
        ax.set_title(f"{label(title)} (n={p.n})", fontsize=9)
    _save(fig, path)


def bland_altman_figure(path: Path, panels: list[tuple[str, PairedScores]], confidence: float) -> None:
    """Difference against mean of the two scores, with the bias and limits of agreement drawn in.

    Scores sit on a few values, so points are jittered slightly and drawn translucent to show how
    many share a spot.
    """
    from scipy import stats

    fig, axes = plt.subplots(1, len(panels), figsize=(_PANEL * len(panels), _PANEL + 0.4), squeeze=False)
    rng = np.random.default_rng(0)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    for ax, (title, p) in zip(axes[0], panels):
        mean = (p.a + p.b) / 2
        diff = p.a - p.b
        ax.scatter(
            mean + rng.uniform(-0.08, 0.08, mean.size), diff + rng.uniform(-0.08, 0.08, diff.size),
            s=12, alpha=0.35, color="tab:blue", edgecolors="none",
        )
        if p.n >= 3:
            bias, spread = float(np.mean(diff)), float(np.std(diff, ddof=1)) * z
            ax.axhline(bias, color="tab:red", lw=1, label=f"bias {bias:+.2f}")
            ax.axhline(bias - spread, color="grey", lw=1, ls="--", label=f"limits ±{spread:.2f}")
            ax.axhline(bias + spread, color="grey", lw=1, ls="--")
            ax.legend(fontsize=7, loc="upper right")
        ax.set_xlabel(f"mean of {label(p.name_a, 20)} and {label(p.name_b, 20)}", fontsize=8)
        ax.set_ylabel(f"{label(p.name_a, 20)} − {label(p.name_b, 20)}", fontsize=8)
        ax.set_title(f"{label(title)} (n={p.n})", fontsize=9)
    _save(fig, path)


def histogram_figure(path: Path, panels: list[tuple[str, tuple[int, ...], dict[str, dict[int, int]]]]) -> None:
    """Share of each scale value per source, one panel per dimension."""
    fig, axes = plt.subplots(1, len(panels), figsize=(_PANEL * len(panels), _PANEL + 0.4), squeeze=False)
    for ax, (title, scale, by_source) in zip(axes[0], panels):
        width = 0.8 / max(1, len(by_source))
        for k, (name, counts) in enumerate(by_source.items()):
            total = sum(counts.values()) or 1
            shares = [counts.get(v, 0) / total for v in scale]
            ax.bar(np.arange(len(scale)) + k * width - 0.4 + width / 2, shares, width, label=label(name, 24))
        ax.set_xticks(range(len(scale)), [str(v) for v in scale])
        ax.set_ylabel("share of items")
        ax.set_title(label(title), fontsize=9)
        ax.legend(fontsize=7)
    _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
