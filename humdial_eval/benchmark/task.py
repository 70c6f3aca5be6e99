"""The task plugin interface: a task turns a gold dialogue and a submitted one into an EvalItem."""

from __future__ import annotations

from abc import ABC
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.items import ContextTurn, EvalItem
from humdial_eval.benchmark.results import ItemResult
from humdial_eval.benchmark.rubric import Rubric


@dataclass(frozen=True)
class MissingResponse:
    """The submission gives no usable response for the evaluated turn (the item scores the minimum).

    ``meta`` travels into the rule-scored result, so a task that summarises its own items (T4's gold
    label, say) still sees the ones that went unanswered.
    """

    turn_id: int
    reason: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """The protocol's turn rule finds no turn to evaluate and its rule is to skip such a dialogue
    (the published T3 script does): the item is counted as skipped and enters no mean."""

    reason: str
    meta: dict[str, Any] = field(default_factory=dict)


class Task(ABC):
    """Base class of task plugins. Subclasses set the class attributes and may override turn selection.

    ``options`` carries task-specific settings from the command line (e.g. ``t3_turn_rule``); a task
    records the ones it used in each item's ``meta`` so results say how they were produced.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    rubric: ClassVar[Rubric]
    ranked: ClassVar[bool] = True
    # Whether the option ``history=text_and_emotion`` applies: the published T1/T2 scripts show the
    # judge only turns with both a text and a label; T3's script shows every turn up to the evaluated one.
    filters_history: ClassVar[bool] = False

    @property
    def needs_response_audio(self) -> bool:
        """Whether the evaluated turn must come with a response WAV (validation checks it)."""
        return any(d.needs_audio for d in self.rubric.dimensions)

    def check_dialogue(self, gold: Dialogue, submitted: Dialogue, issues: IssueLog) -> None:
        """Task-specific validation of one submitted dialogue (fields only this task reads)."""

    def summarise(self, results: Sequence[ItemResult]) -> dict[str, Any] | None:
        """Task-level metrics that are not rubric means (one language's results); None when none.

        Supplementary tasks report through this (accuracy, F1, confusion); the summary puts it under
        ``supplementary``, apart from the ranked tables and the official final.
        """
        return None

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options: dict[str, str] = dict(options or {})

    def evaluated_turn(self, gold: Dialogue) -> Turn | None:
        """The turn whose response is judged; by default the final user turn."""
        return gold.turns[-1] if gold.turns else None

    def item_meta(self) -> dict[str, str]:
        return {}

    def build_item(self, gold: Dialogue, submitted: Dialogue | None) -> EvalItem | MissingResponse | Skipped:
        """The item to judge. Options (from the scoring protocol): ``unqualified_dialogue=skip`` makes a
        dialogue without an evaluable turn :class:`Skipped`; ``empty_reply=judge`` sends an empty reply
        to the judge instead of scoring it the minimum; ``history=text_and_emotion`` keeps only the earlier
        turns whose text and raw label are both non-empty (on tasks that set ``filters_history``)."""
        target = self.evaluated_turn(gold)
        if target is None:
            if self.options.get("unqualified_dialogue") == "skip":
                return Skipped("no turn of this dialogue qualifies under the turn rule; skipped", self.item_meta())
            return MissingResponse(turn_id=-1, reason="no turn of this dialogue qualifies for evaluation")
        answered = submitted.turn(target.turn_id) if submitted else None
        if answered is None:
            return MissingResponse(target.turn_id, "the submission has no such turn")
        response_text = (answered.response_text or "").strip()
        if not response_text and not (self.options.get("empty_reply") == "judge" and answered.response_text is not None):
            return MissingResponse(target.turn_id, "response_text is empty")
        history = [turn for turn in gold.turns if turn.turn_id < target.turn_id]
        if self.filters_history and self.options.get("history") == "text_and_emotion":
            history = [turn for turn in history if turn.text and turn.raw_emotion]
        context = tuple(
            ContextTurn(turn.turn_id, turn.text, turn.emotion, _response_of(submitted, turn.turn_id), turn.raw_emotion)
            for turn in history
        )
        return EvalItem(
            task=self.id,
            language=gold.language,
            dialogue_id=gold.dialogue_id,
            turn_id=target.turn_id,
            context=context,
            question=target.text,
            question_emotion=target.emotion,
            response_text=response_text,
            response_audio=answered.response_audio,
            user_audio=target.user_audio,
            meta=self.item_meta(),
            question_raw_emotion=target.raw_emotion,
        )


def _response_of(submitted: Dialogue | None, turn_id: int) -> str | None:
    turn = submitted.turn(turn_id) if submitted else None
    return turn.response_text if turn else None
