"""Which scale each (task, dimension) is scored on.

Agreement statistics depend on the scale: "adjacent" means one scale step (2 on {1, 3, 5}, 1 on
1..5), and kappa's weights span every allowed value, used or not. The task plugins' rubrics are the
authority; a task or dimension no installed plugin knows gets a scale inferred from the scores seen,
and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from importlib.metadata import entry_points
from typing import Any

from humdial_eval.engine import registry
from humdial_eval.benchmark.rubric import Dimension, Scale


@dataclass(frozen=True)
class ScaleInfo:
    scale: Scale
    origin: str  # "rubric" (from a task plugin) or "inferred" (from observed scores)


def task_plugins() -> tuple[dict[str, Any], list[str]]:
    """Task id -> Task subclass for every task plugin that loads, and a note for each that does not.

    Analysing finished runs must not depend on every installed plugin importing cleanly, so a
    broken one (a third party's, or one half-written) costs only its own task.
    """
    try:
        return dict(registry.task_classes()), []
    except Exception:  # one plugin failed: load them one by one below to keep the others
        pass
    classes: dict[str, Any] = {}
    notes: list[str] = []
    for entry in sorted(entry_points(group=registry.TASK_GROUP), key=lambda e: e.name):
        try:
            classes[entry.name] = entry.load()
        except Exception as exc:
            notes.append(f"task plugin {entry.name} could not be loaded ({type(exc).__name__}: {exc})")
    return classes, notes


def rubric_dimensions() -> tuple[dict[str, dict[str, Dimension]], str | None]:
    """Task id -> {dimension key -> Dimension} from the task plugins that load, plus a note on failures."""
    classes, failures = task_plugins()
    dimensions: dict[str, dict[str, Dimension]] = {}
    for task_id, cls in classes.items():
        rubric = getattr(cls, "rubric", None)
        dims = getattr(rubric, "dimensions", ()) or ()
        dimensions[task_id] = {d.key: d for d in dims}
    note = "; ".join(failures) + "; their scales are inferred from the scores" if failures else None
    return dimensions, note


def rubric_scale(task: str, dimension: str) -> Scale | None:
    dims, _ = rubric_dimensions()
    found = dims.get(task, {}).get(dimension)
    return found.scale if found else None


def infer_scale(values: Iterable[int]) -> Scale:
    """A scale covering ``values``: every other point (like {1, 3, 5}) when all gaps between the
    values are even, otherwise every point (1..5). Only the benchmark's two kinds of scale are
    guessed, so a few observed values ({1, 5}) never make a step wider than two."""
    distinct = sorted({int(v) for v in values})
    if len(distinct) < 2:
        return Scale(tuple(distinct) or (1,))
    gaps = reduce(math.gcd, (b - a for a, b in zip(distinct, distinct[1:])))
    step = 2 if gaps % 2 == 0 else 1
    return Scale(tuple(range(distinct[0], distinct[-1] + 1, step)))


def resolve_scales(observed: Mapping[tuple[str, str], set[int]]) -> tuple[dict[tuple[str, str], ScaleInfo], list[str]]:
    """A scale for every observed (task, dimension), with notes for those not taken from a rubric."""
    dims, failure = rubric_dimensions()
    notes = [failure] if failure else []
    resolved: dict[tuple[str, str], ScaleInfo] = {}
    inferred: list[str] = []
    for (task, dimension), values in sorted(observed.items()):
        known = dims.get(task, {}).get(dimension)
        if known is not None:
            resolved[(task, dimension)] = ScaleInfo(known.scale, "rubric")
            continue
        scale = infer_scale(values)
        resolved[(task, dimension)] = ScaleInfo(scale, "inferred")
        inferred.append(f"{task}.{dimension} -> {{{', '.join(map(str, scale.values))}}}")
    if inferred:
        notes.append(
            "no installed task plugin defines these dimensions, so their scales were inferred from the scores seen: "
            + "; ".join(inferred)
        )
    return resolved, notes


def nearest_on_scale(value: float, scale: Scale) -> int:
    """The scale value closest to ``value``; a tie goes to the higher value.

    Used to put a mean of several human ratings (e.g. 2.33 on {1, 3, 5}) on the scale for the
    statistics that need categories (exact agreement, kappa, alpha).
    """
    best = scale.values[0]
    for allowed in scale.values:
        if abs(allowed - value) <= abs(best - value):
            best = allowed
    return best
