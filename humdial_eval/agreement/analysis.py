"""The whole agreement analysis: from run folders and human ratings to records ready to write.

This module only wires the pieces together: sources are built, scales resolved, every pair of
sources compared on every group, then reliability, system-level agreement and bias diagnostics
added. Each piece is a pure function of its inputs and tested on its own.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from humdial_eval.agreement.bootstrap import BootstrapSpec, percentile_interval
from humdial_eval.agreement.diagnostics import (
    language_means,
    length_correlations,
    read_response_lengths,
    score_distribution,
)
from humdial_eval.agreement.estimate import Estimate
from humdial_eval.agreement.pairing import ALL, Group, common_units, groups_for, in_group, paired_scores
from humdial_eval.agreement.pairwise import BOOTSTRAPPED, PairedScores, describe_pair
from humdial_eval.agreement.reliability import ReliabilityRecord, panel_reliability, self_consistency
from humdial_eval.agreement.runs import RunFolder
from humdial_eval.agreement.scales import ScaleInfo, resolve_scales, rubric_dimensions
from humdial_eval.agreement.sources import Source, human_source, judge_sources
from humdial_eval.agreement.systems import SystemRecord, system_agreement
from humdial_eval.human.ratings import HumanRating
from humdial_eval.inputs.issues import IssueLog


@dataclass(frozen=True)
class AgreementOptions:
    resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0
    include_rule_scored: bool = False
    per_language: bool = True


@dataclass
class PairRecord:
    """Agreement of two sources on one group; the record written to agreement.json / .csv."""

    source_a: str
    source_b: str
    language: str
    task: str
    dimension: str
    scale: tuple[int, ...]
    n: int
    n_items: int
    turn_mismatches: int
    stats: dict[str, Estimate]
    confusion: list[list[int]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source_a": self.source_a, "source_b": self.source_b, "language": self.language, "task": self.task,
            "dimension": self.dimension, "scale": list(self.scale), "n": self.n, "n_items": self.n_items,
            "turn_mismatches": self.turn_mismatches,
            **{name: value.to_dict() for name, value in self.stats.items()},
        }
        if self.confusion is not None:
            out["confusion"] = {"rows": self.source_a, "columns": self.source_b, "matrix": self.confusion}
        return out


@dataclass
class AgreementResult:
    options: AgreementOptions
    sources: list[Source]
    scales: dict[tuple[str, str], ScaleInfo]
    groups: list[Group]
    pairs: list[PairRecord] = field(default_factory=list)
    paired: dict[tuple[str, str, Group], PairedScores] = field(default_factory=dict)
    reliability: list[ReliabilityRecord] = field(default_factory=list)
    consistency: list[ReliabilityRecord] = field(default_factory=list)
    systems: list[SystemRecord] = field(default_factory=list)
    lengths: list[dict[str, Any]] = field(default_factory=list)
    language_means: list[dict[str, Any]] = field(default_factory=list)
    distributions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_sources(
    runs: list[RunFolder], human: list[HumanRating] | None, issues: IssueLog, options: AgreementOptions
) -> list[Source]:
    sources = judge_sources(runs, issues, include_rule_scored=options.include_rule_scored)
    if human:
        systems = sorted({run.system for run in runs})
        panel = human_source(human, systems, issues)
        if panel is not None:
            sources.append(panel)
    return sources


def analyse(runs: list[RunFolder], sources: list[Source], options: AgreementOptions) -> AgreementResult:
    """Compare every pair of ``sources``; ``runs`` supply the recorded submissions for diagnostics."""
    observed: dict[tuple[str, str], set[int]] = defaultdict(set)
    for source in sources:
        for (key, dimension), ratings in source.ratings.items():
            observed[(key.task, dimension)].update(ratings.values())
    scales, notes = resolve_scales(observed)
    dims, _ = rubric_dimensions()
    order = {task: list(found) for task, found in dims.items()}
    groups = groups_for(sources, order, per_language=options.per_language)
    result = AgreementResult(options=options, sources=sources, scales=scales, groups=groups, notes=list(notes))
    for run in runs:
        result.notes.extend(run.notes)
        if run.failed:
            result.notes.append(f"{run.label}: {run.failed} failed judgment(s) are not scores and were left out")
    judged = {key for s in sources if s.kind == "judge" for key, _ in s.scores}
    for source in sources:
        unmatched = sorted({key for key, _ in source.scores} - judged) if source.kind == "human" else []
        if unmatched:
            example = unmatched[0]
            result.notes.append(
                f"{source.name}: {len(unmatched)} rated item(s) match no judged item, e.g. {example.language} "
                f"{example.task} {example.dialogue_id} of system {example.system!r} (check dialogue ids and "
                "the system column); they count for inter-rater reliability only"
            )
        if source.duplicate_judgments:
            result.notes.append(
                f"{source.name}: {source.duplicate_judgments} line(s) repeat an item, judge and meta.repeat already "
                "seen; the later lines were ignored"
            )
        if source.excluded_rule_scored:
            result.notes.append(
                f"{source.name}: {source.excluded_rule_scored} rule-scored item(s) (language_rule / missing_response) "
                "left out: their scores come from a rule, not the judge (--include-rule-scored keeps them)"
            )
    spec = BootstrapSpec(options.resamples, options.confidence, options.seed)
    for a, b in itertools.combinations(sources, 2):
        compared = [g for g in groups if covers(a, g) and covers(b, g)]
        if not compared:
            result.notes.append(f"{a.name} and {b.name} score no dimension in common; nothing to compare")
        for group in compared:
            record, p = compare(a, b, group, scales, spec)
            result.pairs.append(record)
            result.paired[(a.name, b.name, group)] = p
        if len({s for s in a.systems()} & set(b.systems())) > 1:
            result.systems.extend(system_agreement(a, b, groups))
    if not result.systems:
        result.notes.append(
            "system-level agreement needs several systems scored by both sources of a pair; not computed"
        )
    _reliability(result, sources, groups)
    lengths = read_response_lengths(runs)
    result.notes.extend(lengths.notes)
    for source in sources:
        result.lengths.extend(length_correlations(source, groups, lengths))
        result.language_means.extend(language_means(source, groups))
        result.distributions.extend(score_distribution(source, groups, scales))
    result.notes = list(dict.fromkeys(result.notes))
    return result


def covers(source: Source, group: Group) -> bool:
    """Whether ``source`` scored anything in ``group``. A pair is compared only on groups both
    sources score; one that scores the groups but on different items gets an n = 0 record."""
    return any(in_group(unit, group) for unit in source.scores)


def compare(
    a: Source, b: Source, group: Group, scales: dict[tuple[str, str], ScaleInfo], spec: BootstrapSpec
) -> tuple[PairRecord, PairedScores]:
    units, mismatched = common_units(a, b, group)
    p = paired_scores(a, b, units, scales)
    stats = describe_pair(p, spec.confidence)
    for name in BOOTSTRAPPED:
        if stats[name].defined:
            ci, reason = percentile_interval(p, name, spec, spec.rng(a.name, b.name, *group, name))
            stats[name] = stats[name].with_ci(ci, reason)
    language, task, dimension = group
    if task != ALL and dimension != ALL:
        scale = scales[(task, dimension)].scale.values
    else:
        scale = p.labels if units else ()
    confusion = p.confusion() if units and dimension != ALL else None
    record = PairRecord(
        a.name, b.name, language, task, dimension, tuple(scale), p.n, p.n_items if units else 0, mismatched,
        stats, confusion,
    )
    return record, p


def _reliability(result: AgreementResult, sources: list[Source], groups: list[Group]) -> None:
    per_dimension = [g for g in groups if ALL not in g[1:]]
    labels = {key: info.scale.values for key, info in result.scales.items()}
    for source in sources:
        if source.kind == "human":
            result.reliability.extend(panel_reliability(source, per_dimension, labels))
        else:
            result.consistency.extend(self_consistency(source, [g for g in per_dimension if g[0] == ALL], labels))
    if not any(s.kind == "judge" and any(len(r) > 1 for r in s.ratings.values()) for s in sources):
        result.notes.append("no repeated judgments (meta.repeat) found; judge self-consistency not assessed")
