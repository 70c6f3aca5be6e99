"""Builders of small PairedScores tables for the statistics tests."""

from __future__ import annotations

import numpy as np

from humdial_eval.agreement.pairwise import PairedScores
from humdial_eval.agreement.scales import nearest_on_scale
from humdial_eval.benchmark.rubric import Scale


def make_pair(a: list[float], b: list[float], scale: tuple[int, ...] = (1, 3, 5), cluster: list[int] | None = None) -> PairedScores:
    s = Scale(scale)
    x, y = np.array(a, dtype=float), np.array(b, dtype=float)
    return PairedScores(
        a=x, b=y,
        a_cat=np.array([nearest_on_scale(v, s) for v in a], dtype=float),
        b_cat=np.array([nearest_on_scale(v, s) for v in b], dtype=float),
        step=np.full(x.size, float(s.step())), labels=scale,
        cluster=np.array(cluster if cluster is not None else list(range(x.size))),
        name_a="judge-a", name_b="judge-b",
    )
