"""Which units two sources both scored, and the groups (language x task x dimension) to compare on.

Groups are every task x dimension, each task pooled over its dimensions (``dimension == "all"``)
and everything pooled (``task == "all"``), for all languages together and for each language.
"""

from __future__ import annotations

import numpy as np

from humdial_eval.agreement.pairwise import PairedScores
from humdial_eval.agreement.scales import ScaleInfo, nearest_on_scale
from humdial_eval.agreement.sources import ItemKey, Source, Unit

ALL = "all"
Group = tuple[str, str, str]  # (language, task, dimension), each possibly "all"


def in_group(unit: Unit, group: Group) -> bool:
    key, dimension = unit
    language, task, dim = group
    return language in (ALL, key.language) and task in (ALL, key.task) and dim in (ALL, dimension)


def common_units(a: Source, b: Source, group: Group) -> tuple[list[Unit], int]:
    """Units both sources scored in ``group``, and how many were left out because the two scored
    different turns of the dialogue (e.g. runs made with different T3 turn rules)."""
    shared = sorted(u for u in a.scores.keys() & b.scores.keys() if in_group(u, group))
    kept: list[Unit] = []
    mismatched: set[ItemKey] = set()
    for unit in shared:
        turn_a, turn_b = a.turn_ids.get(unit[0]), b.turn_ids.get(unit[0])
        if turn_a is not None and turn_b is not None and turn_a != turn_b:
            mismatched.add(unit[0])
            continue
        kept.append(unit)
    return kept, len(mismatched)


def paired_scores(a: Source, b: Source, units: list[Unit], scales: dict[tuple[str, str], ScaleInfo]) -> PairedScores:
    """Align the two sources' scores on ``units``; categories are the scores put on each unit's scale."""
    infos = [scales[(key.task, dim)].scale for key, dim in units]
    labels = tuple(sorted({v for scale in infos for v in scale.values})) or (1,)
    items = {key: i for i, key in enumerate(sorted({key for key, _ in units}))}
    x = np.array([a.scores[u] for u in units], dtype=float)
    y = np.array([b.scores[u] for u in units], dtype=float)
    return PairedScores(
        a=x,
        b=y,
        a_cat=np.array([nearest_on_scale(v, s) for v, s in zip(x, infos)], dtype=float),
        b_cat=np.array([nearest_on_scale(v, s) for v, s in zip(y, infos)], dtype=float),
        step=np.array([s.step() for s in infos], dtype=float),
        labels=labels,
        cluster=np.array([items[key] for key, _ in units], dtype=int),
        name_a=a.name,
        name_b=b.name,
    )


def groups_for(
    sources: list[Source], dimension_order: dict[str, list[str]], *, per_language: bool = True
) -> list[Group]:
    """Every group some source has scores in, in a stable reading order (rubric order of dimensions)."""
    units = {u for s in sources for u in s.scores}
    languages = sorted({key.language for key, _ in units})
    tasks = sorted({key.task for key, _ in units})
    levels = [ALL] + (languages if per_language and len(languages) > 1 else [])
    groups: list[Group] = []
    for language in levels:
        for task in tasks:
            present = {dim for key, dim in units if key.task == task}
            ordered = [d for d in dimension_order.get(task, []) if d in present] + sorted(
                present - set(dimension_order.get(task, []))
            )
            groups.extend((language, task, dim) for dim in ordered)
            if len(ordered) > 1:
                groups.append((language, task, ALL))
        if len(tasks) > 1:
            groups.append((language, ALL, ALL))
    return groups
