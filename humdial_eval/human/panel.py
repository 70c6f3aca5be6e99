"""A human rating panel as a source of scores: ``score --human-ratings CSV``.

In the challenge's final, T3's vocal empathy (D2) and audio quality (D3) are the ratings of trained raters
(HumDial-Challenge ``content/track1/results.md``), while T1, T2 and T3 D1 come from the LLM judge. Here the
panel becomes the primary source of every dimension its CSV rates: an item's score is the mean of its
raters, the number of raters is recorded, and an expected item the panel did not rate is counted as
unscored (``n`` < ``n_expected``), like any item without a judgment. The other dimensions keep their judges.

Rules of the benchmark still come first: an item that a rule scored the minimum (no response, the wrong
language, a reply over the cap) gets the minimum on the panel's dimensions as well, whatever was rated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from humdial_eval.benchmark.results import FLAG_LANGUAGE_RULE, FLAG_MISSING_RESPONSE, FLAG_REPLY_TOO_LONG, ItemResult
from humdial_eval.benchmark.task import Task
from humdial_eval.errors import UserError
from humdial_eval.human.ratings import HumanRating, drop_duplicates, read_ratings_csv, rubric_scale_lookup
from humdial_eval.inputs.issues import IssueLog

PANEL_JUDGE = "human-panel"
RULE_FLAGS = (FLAG_MISSING_RESPONSE, FLAG_LANGUAGE_RULE, FLAG_REPLY_TOO_LONG)
SHOWN_ERRORS = 10

Key = tuple[str, str, str]  # language, task, dialogue_id


class HumanPanel:
    """The ratings of one system's items, read and checked; looks like a judge to the aggregation (a name, the
    dimensions it scores per task, an identity) but is asked nothing."""

    name: ClassVar[str] = PANEL_JUDGE
    source_kind: ClassVar[str] = "human"

    def __init__(self, ratings: Sequence[HumanRating], files: Sequence[Path]) -> None:
        self.ratings = list(ratings)
        self.files = list(files)
        self.by_item: dict[Key, dict[str, list[int]]] = {}
        self.turns: dict[Key, set[int]] = {}
        for rating in self.ratings:
            key = (rating.language, rating.task, rating.dialogue_id)
            self.by_item.setdefault(key, {}).setdefault(rating.dimension, []).append(rating.score)
            if rating.turn_id is not None:
                self.turns.setdefault(key, set()).add(rating.turn_id)
        self.raters = sorted({rating.rater for rating in self.ratings})

    def dimensions(self, task: Task) -> tuple[str, ...]:
        rated = {dimension for (_, task_id, _), dims in self.by_item.items() if task_id == task.id for dimension in dims}
        return tuple(key for key in task.rubric.keys() if key in rated)

    def identity(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.read_bytes())
        return {"kind": "human", "raters": len(self.raters), "ratings": len(self.ratings),
                "items": len(self.by_item), "csv_sha256": digest.hexdigest()}

    def results(self, judged: Sequence[ItemResult], tasks: Sequence[Task]) -> tuple[list[ItemResult], int]:
        """One result per rated item that the run scores (the mean of its raters per dimension), and how many
        rated items were left aside because the organisers excluded them. A rated item the run does not have,
        or a rating of another turn than the one evaluated, is a UserError naming the CSV line."""
        by_id = {task.id: task for task in tasks}
        items: dict[Key, list[ItemResult]] = {}
        for result in judged:
            items.setdefault((result.language, result.task, result.dialogue_id), []).append(result)
        out: list[ItemResult] = []
        excluded = 0
        problems: list[str] = []
        for key, dimensions in sorted(self.by_item.items()):
            found = items.get(key, [])
            if any(r.status == "excluded" for r in found):
                excluded += 1
                continue
            scored = [r for r in found if r.status != "skipped"]
            if not scored:
                problems.append(f"{self._where(key)}: {'/'.join(key)} is not an item of this run (test set, "
                                "--tasks and --languages)")
                continue
            turn_id = scored[0].turn_id
            rated_turns = self.turns.get(key, set())
            if rated_turns and rated_turns != {turn_id}:
                problems.append(f"{self._where(key)}: the ratings of {'/'.join(key)} are of turn(s) "
                                f"{sorted(rated_turns)}, but the evaluated turn is {turn_id}")
                continue
            out.append(self._result(by_id[key[1]], key, turn_id, dimensions, scored))
        if problems:
            more = f" (and {len(problems) - SHOWN_ERRORS} more)" if len(problems) > SHOWN_ERRORS else ""
            raise UserError("--human-ratings: " + "; ".join(problems[:SHOWN_ERRORS]) + more)
        return out, excluded

    def _result(self, task: Task, key: Key, turn_id: int, dimensions: dict[str, list[int]],
                scored: list[ItemResult]) -> ItemResult:
        language, _, dialogue_id = key
        rule = next((flag for r in scored for flag in r.flags if flag in RULE_FLAGS), None)
        raters = {dimension: len(values) for dimension, values in dimensions.items()}
        if rule is not None:
            scores: dict[str, float | int] = task.rubric.minimum_scores(list(dimensions))
            rationale = f"{rule}: the rule scores the minimum; the panel's ratings are not used"
        else:
            scores = {dimension: sum(values) / len(values) for dimension, values in dimensions.items()}
            rationale = "mean of the panel's raters (" + ", ".join(f"{d}: {n}" for d, n in raters.items()) + ")"
        # the rule stays in meta, not in flags: the judge's record of the item already counts it
        meta: dict[str, Any] = {"source": "human", "raters": raters, **({"rule": rule} if rule else {})}
        return ItemResult(task=task.id, language=language, dialogue_id=dialogue_id, turn_id=turn_id, judge=PANEL_JUDGE,
                          status="ok", scores=scores, rationale=rationale, flags=[], meta=meta)

    def _where(self, key: Key) -> str:
        rating = next(r for r in self.ratings if (r.language, r.task, r.dialogue_id) == key)
        return f"{rating.file}:{rating.line}"


def read_panel(paths: Sequence[Path], system: str) -> HumanPanel:
    """The ratings of ``system`` in ``paths`` (the ``human import`` CSV format). Rows naming another system are
    left out; rows without a ``system`` count for every system. Any problem is a UserError with file and line."""
    issues = IssueLog()
    ratings: list[HumanRating] = []
    lookup = rubric_scale_lookup()
    for path in paths:
        ratings.extend(read_ratings_csv(path, issues, scale_of=lookup))
    ratings = drop_duplicates(ratings, issues)
    if issues.errors:
        shown = "; ".join(issue.format() for issue in issues.errors[:SHOWN_ERRORS])
        raise UserError(f"--human-ratings: {len(issues.errors)} problem(s): {shown}")
    systems = sorted({r.system for r in ratings if r.system is not None})
    mine = [r for r in ratings if r.system is None or r.system == system]
    if not mine:
        if systems:
            raise UserError(f"--human-ratings: no rating is of system {system!r}; the CSV rates {', '.join(systems)} "
                            "(name the system with --system-name)")
        raise UserError("--human-ratings: the CSV holds no rating")
    return HumanPanel(mine, paths)
