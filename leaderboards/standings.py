"""From per-dimension means to task averages, per-language finals, the overall final and ranks.

Arithmetic is exact (``Decimal``) so that a published table is rebuilt digit for digit and the only
rounding is the one the definition names. A missing dimension is never filled in silently: the team's
final stays empty unless a substitution was asked for, and a substituted final is flagged wherever
it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.stats import rankdata

from humdial_eval.leaderboards.definition import LeaderboardDefinition
from humdial_eval.leaderboards.entries import TeamEntry

SUBSTITUTIONS = ("none", "renormalise")
MISSING = "—"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass
class LanguageStanding:
    """One team in one language. ``dimension_weights`` are the weights the final really used (sum 1)."""

    language: str
    dimensions: dict[tuple[str, str], Decimal | None]
    task_averages: dict[str, Decimal | None]
    final: Decimal | None
    missing: list[str]
    substituted: bool
    dimension_weights: dict[tuple[str, str], Decimal] = field(default_factory=dict)


@dataclass
class Standing:
    team: str
    source: str
    languages: dict[str, LanguageStanding]
    final: Decimal | None
    rank: int | None = None
    ci: Interval | None = None
    language_ci: dict[str, Interval] = field(default_factory=dict)
    ci_note: str = "aggregate numbers only"
    unlike: tuple[str, ...] = ()

    @property
    def substituted(self) -> bool:
        return self.final is not None and any(lang.substituted for lang in self.languages.values())

    @property
    def missing(self) -> list[str]:
        return [f"{code} {term}" for code, lang in self.languages.items() for term in lang.missing]


@dataclass(frozen=True)
class PairSeparation:
    """Adjacent ranks and how often the bootstrap puts the lower one at or above the upper one."""

    upper: str
    lower: str
    upper_rank: int
    lower_rank: int
    swap_probability: float | None
    separable: bool | None


@dataclass
class Leaderboard:
    definition: LeaderboardDefinition
    standings: list[Standing]
    substitution: str
    pairs: list[PairSeparation] = field(default_factory=list)
    uncertainty: dict[str, float | int] | None = None
    warnings: list[str] = field(default_factory=list)

    def fmt(self, value: Decimal | None) -> str:
        """A value as the board publishes it: rounded by the definition's rule, or the missing mark."""
        return MISSING if value is None else f"{self.definition.rounding.apply(value):f}"

    def fmt_interval(self, interval: Interval | None) -> str:
        if interval is None:
            return ""
        low, high = (self.fmt(Decimal(repr(v))) for v in (interval.low, interval.high))
        return f"{low}–{high}"

    @property
    def any_substituted(self) -> bool:
        return any(standing.substituted for standing in self.standings)


def build_leaderboard(definition: LeaderboardDefinition, entries: list[TeamEntry],
                      substitution: str = "none") -> Leaderboard:
    """Compute every team's standing and rank the teams that have a final."""
    if substitution not in SUBSTITUTIONS:
        raise ValueError(f"unknown substitution {substitution!r}; choose from {', '.join(SUBSTITUTIONS)}")
    standings = [_standing(definition, entry, substitution) for entry in entries]
    _rank(definition, standings)
    standings.sort(key=lambda s: (s.rank is None, s.rank or 0, s.team.casefold(), s.team))
    return Leaderboard(definition=definition, standings=standings, substitution=substitution)


def _standing(definition: LeaderboardDefinition, entry: TeamEntry, substitution: str) -> Standing:
    languages = {lang.key: _language(definition, entry, lang.key, substitution) for lang in definition.languages}
    final: Decimal | None = Decimal(0)
    for lang in definition.languages:
        value = languages[lang.key].final
        if value is None or final is None:
            final = None
            continue
        final += lang.weight * definition.rounding.at("language_final", value)
    return Standing(team=entry.name, source=entry.source, languages=languages, final=final, unlike=entry.unlike)


def _language(definition: LeaderboardDefinition, entry: TeamEntry, language: str,
              substitution: str) -> LanguageStanding:
    rounding = definition.rounding
    dimensions: dict[tuple[str, str], Decimal | None] = {}
    for dim in definition.dimensions():
        value = entry.values.get((language, dim.task, dim.key))
        dimensions[(dim.task, dim.key)] = None if value is None else rounding.at("dimension", value)
    task_averages: dict[str, Decimal | None] = {}
    for task in definition.tasks:
        values = [v for d in task.dimensions if (v := dimensions[(task.key, d.key)]) is not None]
        complete = len(values) == len(task.dimensions)
        task_averages[task.key] = rounding.at("task_average", sum(values, Decimal(0)) / len(values)) if complete else None
    # Each contribution: (weight, value, the dimensions it stands for with their share of the weight).
    contributions: list[tuple[Decimal, Decimal, dict[tuple[str, str], Decimal]]] = []
    missing: list[str] = []
    for term in definition.terms:
        if term.dimension is not None:
            value = dimensions[(term.task, term.dimension)]
            if value is None:
                missing.append(term.key)
            else:
                contributions.append((term.weight, value, {(term.task, term.dimension): term.weight}))
            continue
        task = definition.task(term.task)
        share = term.weight / len(task.dimensions)
        average = task_averages[term.task]
        if average is not None:
            contributions.append((term.weight, average, {(task.key, d.key): share for d in task.dimensions}))
            continue
        for dim in task.dimensions:
            value = dimensions[(task.key, dim.key)]
            if value is None:
                missing.append(dim.term)
            else:
                # Renormalising over present dimensions: a partial task keeps each present dimension's share.
                contributions.append((share, value, {(task.key, dim.key): share}))
    total = sum((weight for weight, _, _ in contributions), Decimal(0))
    usable = total > 0 and (not missing or substitution == "renormalise")
    final = sum((w * v for w, v, _ in contributions), Decimal(0)) / total if usable else None
    weights: dict[tuple[str, str], Decimal] = {}
    if usable:
        for _, _, shares in contributions:
            for key, share in shares.items():
                weights[key] = weights.get(key, Decimal(0)) + share / total
    return LanguageStanding(language=language, dimensions=dimensions, task_averages=task_averages, final=final,
                            missing=missing, substituted=bool(missing) and usable, dimension_weights=weights)


def _rank(definition: LeaderboardDefinition, standings: list[Standing]) -> None:
    """Competition ranking ("1, 2, 2, 4") on the published, rounded overall final."""
    ranked = [s for s in standings if s.final is not None]
    if not ranked:
        return
    published = np.array([float(definition.rounding.apply(s.final)) for s in ranked])  # type: ignore[arg-type]
    for standing, rank in zip(ranked, rankdata(-published, method="min")):
        standing.rank = int(rank)
