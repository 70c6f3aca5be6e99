"""System-level agreement: do two sources rank the systems the same way?

A cheaper judge may disagree on single items yet order the systems like the official one, which is
what a leaderboard needs. Each system's mean is taken over the units both sources scored, so the
comparison is not blurred by one source covering more items than the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from humdial_eval.agreement.estimate import Estimate
from humdial_eval.agreement.pairing import ALL, Group, common_units
from humdial_eval.agreement.pairwise import PairedScores, estimate, kendall_tau_b, spearman_rho
from humdial_eval.agreement.sources import Source


@dataclass
class SystemRecord:
    source_a: str
    source_b: str
    task: str
    dimension: str
    systems: list[str] = field(default_factory=list)
    means_a: list[float] = field(default_factory=list)
    means_b: list[float] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    stats: dict[str, Estimate] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_a": self.source_a, "source_b": self.source_b, "task": self.task, "dimension": self.dimension,
            "n_systems": len(self.systems),
            "systems": [
                {"system": s, "mean_a": ma, "mean_b": mb, "n": n}
                for s, ma, mb, n in zip(self.systems, self.means_a, self.means_b, self.units)
            ],
            **{name: value.to_dict() for name, value in self.stats.items()},
        }


def system_agreement(a: Source, b: Source, groups: list[Group]) -> list[SystemRecord]:
    """Rank correlation of per-system means for each all-language group."""
    records: list[SystemRecord] = []
    for language, task, dimension in groups:
        if language != ALL:
            continue
        units, _ = common_units(a, b, (language, task, dimension))
        record = SystemRecord(a.name, b.name, task, dimension)
        for system in sorted({key.system for key, _ in units}):
            mine = [u for u in units if u[0].system == system]
            record.systems.append(system)
            record.means_a.append(float(np.mean([a.scores[u] for u in mine])))
            record.means_b.append(float(np.mean([b.scores[u] for u in mine])))
            record.units.append(len(mine))
        x, y = np.array(record.means_a), np.array(record.means_b)
        p = PairedScores(x, y, x, y, np.ones_like(x), (1,), np.arange(x.size), a.name, b.name)
        record.stats["spearman_rho"] = _systems(estimate(spearman_rho, p))
        record.stats["kendall_tau_b"] = _systems(estimate(kendall_tau_b, p))
        records.append(record)
    return records


def _systems(value: Estimate) -> Estimate:
    """Reword item-level reasons for system-level tables."""
    if value.undefined and "paired score" in value.undefined:
        return Estimate.missing(value.undefined.replace("paired score(s)", "system(s) scored by both sources"))
    if value.undefined == "no items scored by both sources":
        return Estimate.missing("no system was scored by both sources")
    if value.undefined and "every item the same score" in value.undefined:
        return Estimate.missing(value.undefined.replace("every item the same score", "every system the same mean"))
    return value
