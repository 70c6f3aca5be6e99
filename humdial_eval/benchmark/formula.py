"""The official weighting of HumDial Track 1 (a fact of the benchmark, kept as data).

Final per language = 0.2 T1avg + 0.2 T2avg + 0.1 T3 D1 + 0.25 T3 D2 + 0.25 T3 D3, where a task's avg
is the mean of its dimension means; the overall final is the mean of the languages' finals.
"""

from __future__ import annotations

from collections.abc import Mapping

AVG = "avg"

OFFICIAL_WEIGHTS: dict[tuple[str, str], float] = {
    ("T1", AVG): 0.2,
    ("T2", AVG): 0.2,
    ("T3", "textual_empathy_insight"): 0.1,
    ("T3", "vocal_empathy_congruence"): 0.25,
    ("T3", "audio_quality_naturalness"): 0.25,
}


def component_name(task: str, part: str) -> str:
    return task if part == AVG else f"{task}.{part}"


def weighted_final(
    values: Mapping[tuple[str, str], float | None], weights: Mapping[tuple[str, str], float] = OFFICIAL_WEIGHTS
) -> tuple[float | None, list[str]]:
    """The weighted final, or None with the names of the missing components."""
    missing = [component_name(*part) for part in weights if values.get(part) is None]
    if missing:
        return None, missing
    return sum(weight * float(values[part]) for part, weight in weights.items()), []  # type: ignore[arg-type]


def renormalised_weights(
    present: set[tuple[str, str]], weights: Mapping[tuple[str, str], float] = OFFICIAL_WEIGHTS
) -> dict[tuple[str, str], float]:
    """The official weights restricted to ``present`` components and rescaled to sum to one."""
    kept = {part: w for part, w in weights.items() if part in present}
    total = sum(kept.values())
    return {part: w / total for part, w in kept.items()} if total else {}
