"""Sources: the scorers being compared, each a set of scores keyed by item and dimension.

A source is one judge of one or more run folders (named after the folder, or ``folder:judge`` when
a folder holds several judges), or the panel of human raters. Items are keyed by system as well as
by task, language and dialogue: two systems' answers to the same dialogue are different items.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from humdial_eval.agreement.runs import RunFolder
from humdial_eval.human.ratings import HumanRating
from humdial_eval.inputs.issues import IssueLog


@dataclass(frozen=True, order=True)
class ItemKey:
    system: str
    task: str
    language: str
    dialogue_id: str


Unit = tuple[ItemKey, str]  # an item and one of its dimensions


@dataclass
class Source:
    """Scores of one scorer. ``scores`` holds the score used for agreement (a judge's first repeat,
    or the human raters' mean); ``ratings`` holds every rating of a unit (a judge's repeats, or
    each human rater's score, keyed by rater)."""

    name: str
    kind: str  # "judge" or "human"
    scores: dict[Unit, float] = field(default_factory=dict)
    ratings: dict[Unit, dict[str, int]] = field(default_factory=dict)
    turn_ids: dict[ItemKey, int | None] = field(default_factory=dict)
    runs: list[RunFolder] = field(default_factory=list)
    excluded_rule_scored: int = 0
    duplicate_judgments: int = 0  # same item, judge and repeat on two lines: the later line is ignored

    def systems(self) -> list[str]:
        return sorted({key.system for key, _ in self.scores})

    def items(self) -> list[ItemKey]:
        return sorted({key for key, _ in self.scores})


def judge_sources(runs: list[RunFolder], issues: IssueLog, *, include_rule_scored: bool = False) -> list[Source]:
    """One source per (run label, judge). Folders given the same label join into one source, which
    is how one judge scoring several systems (one folder each) becomes a single source."""
    by_label: dict[str, list[RunFolder]] = defaultdict(list)
    for run in runs:
        by_label[run.label].append(run)
    sources: list[Source] = []
    for label, members in by_label.items():
        judges = sorted({j for run in members for j in run.judges()})
        for judge in judges:
            name = label if len(judges) == 1 else f"{label}:{judge}"
            source = Source(name=name, kind="judge")
            claimed: dict[str, Path] = {}
            for run in members:
                if judge not in run.judges():
                    continue
                if run.system in claimed:
                    issues.add(
                        "duplicate_system",
                        f"source {name!r} gets system {run.system!r} from two folders ({claimed[run.system]} and "
                        f"{run.path}); give them different labels (LABEL=DIR)",
                        file=run.path,
                    )
                    continue
                claimed[run.system] = run.path
                source.runs.append(run)
                _add_judgments(source, run, judge, include_rule_scored)
            sources.append(source)
    return sources


def _add_judgments(source: Source, run: RunFolder, judge: str, include_rule_scored: bool) -> None:
    best_repeat: dict[ItemKey, int] = {}
    for row in run.rows:
        if row.judge != judge:
            continue
        key = ItemKey(run.system, row.task, row.language, row.dialogue_id)
        if row.rule_scored and not include_rule_scored:
            source.excluded_rule_scored += 1
            continue
        source.turn_ids.setdefault(key, row.turn_id)
        primary = row.repeat <= best_repeat.get(key, row.repeat)
        if primary:
            best_repeat[key] = row.repeat
        label = f"repeat {row.repeat}"
        if any(label in source.ratings.get((key, dim), {}) for dim in row.scores):
            source.duplicate_judgments += 1
            continue
        for dimension, score in row.scores.items():
            unit = (key, dimension)
            source.ratings.setdefault(unit, {})[label] = score
            if primary:
                source.scores[unit] = float(score)


def human_source(
    ratings: list[HumanRating], systems: list[str], issues: IssueLog, *, name: str = "human-mean"
) -> Source | None:
    """The human panel as one source whose score is the raters' mean for each unit.

    A ratings file without a ``system`` column can only belong to an analysis of a single system;
    with several, which system's responses were rated is unknown and the file is refused.
    """
    if not ratings:
        return None
    unlabelled = [r for r in ratings if r.system is None]
    if unlabelled and len(systems) != 1:
        first = unlabelled[0]
        issues.add(
            "ambiguous_system",
            f"rows without a 'system' value, but the runs cover {len(systems)} systems ({', '.join(systems)}); "
            "add a system column saying whose responses were rated",
            file=first.file,
            line=first.line,
            field="system",
        )
        return None
    source = Source(name=name, kind="human")
    for rating in ratings:
        key = ItemKey(rating.system or systems[0], rating.task, rating.language, rating.dialogue_id)
        unit = (key, rating.dimension)
        source.ratings.setdefault(unit, {})[rating.rater] = rating.score
        if rating.turn_id is not None:
            source.turn_ids[key] = rating.turn_id
        else:
            source.turn_ids.setdefault(key, None)
    for unit, by_rater in source.ratings.items():
        source.scores[unit] = sum(by_rater.values()) / len(by_rater)
    return source


def source_label(spec: str, taken: set[str]) -> tuple[str, Path]:
    """``LABEL=DIR`` names a source explicitly; a bare ``DIR`` is named after its folder (made unique
    by its parent folders when two bare folders share a name)."""
    if "=" in spec and not Path(spec).exists():
        label, _, folder = spec.partition("=")
        if label.strip() and folder.strip():
            return label.strip(), Path(folder.strip())
    path = Path(spec)
    parts = path.resolve().parts
    for depth in range(1, len(parts) + 1):
        label = "/".join(parts[-depth:])
        if label not in taken:
            return label, path
    return str(path), path
