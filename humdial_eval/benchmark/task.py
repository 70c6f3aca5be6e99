"""The task plugin interface: a task turns a gold dialogue and a submitted one into an EvalItem."""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.items import ContextTurn, EvalItem
from humdial_eval.benchmark.protocol import HUMDIAL, Protocol
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

    ``protocol`` is the one policy argument: the scoring protocol whose typed fields decide the turn rule,
    the view of the submission the judge is shown, the history and what an empty reply becomes. A task
    records the settings it used in each item's ``meta`` so results say how they were produced.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    rubric: ClassVar[Rubric]
    ranked: ClassVar[bool] = True
    # Whether the option ``history=text_and_emotion`` applies: the published T1/T2 scripts show the
    # judge only turns with both a text and a label; T3's script shows every turn up to the evaluated one.
    filters_history: ClassVar[bool] = False
    # How the published script of this task reads a submitted line (humdial_eval/benchmark/published_view.py):
    # "final_turn" (eval_task1.py/eval_task2.py), "second_raw_emotional" (eval_task3.py), or None where no
    # script exists (the task then builds its items from the loaded dialogues under every protocol).
    published_script: ClassVar[str | None] = None

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

    def __init__(self, protocol: Protocol = HUMDIAL) -> None:
        if not isinstance(protocol, Protocol):
            raise TypeError(f"{type(self).__name__}(protocol): expected a humdial_eval.benchmark.protocol.Protocol, got "
                            f"{type(protocol).__name__} (a dict of task options is no longer taken: use "
                            "humdial_eval.benchmark.protocol.get_protocol(name, t3_turn_rule=...))")
        self.protocol = protocol

    @property
    def reads_submitted_line(self) -> bool:
        """Whether items are built from the submitted line as the published script reads it (protocol
        ``dialogue_view="published"`` on a task that has a published script)."""
        return self.protocol.dialogue_view == "published" and self.published_script is not None

    def judged_turn_id(self, gold: Dialogue, submitted: Dialogue | None) -> int | None:
        """The turn_id whose reply is scored (validation checks that turn's reply and audio): the protocol's
        view decides, so ``validate --protocol official`` checks what ``score --protocol official`` scores."""
        if self.reads_submitted_line:
            from humdial_eval.benchmark.published_view import judged_turn_id

            return judged_turn_id(self, submitted)
        target = self.evaluated_turn(gold)
        return target.turn_id if target is not None else None

    def evaluated_turn(self, gold: Dialogue) -> Turn | None:
        """The turn whose response is judged; by default the final user turn."""
        return gold.turns[-1] if gold.turns else None

    def item_meta(self) -> dict[str, str]:
        return {}

    def build_item(self, gold: Dialogue, submitted: Dialogue | None) -> EvalItem | MissingResponse | Skipped:
        """The item to judge. From the protocol: ``dialogue_view="published"`` builds it from the submitted
        line as the task's published script does (:mod:`humdial_eval.benchmark.published_view`); otherwise from the
        loaded dialogues, where ``unqualified_dialogue="skip"`` makes a dialogue without an evaluable turn
        :class:`Skipped`, ``empty_reply="judge"`` sends an empty reply to the judge instead of scoring it the
        minimum, and ``history="text_and_emotion"`` keeps only the earlier turns whose text and raw label are
        both non-empty (on tasks that set ``filters_history``)."""
        if self.reads_submitted_line:
            from humdial_eval.benchmark.published_view import build_published_item

            return build_published_item(self, gold, submitted)
        target = self.evaluated_turn(gold)
        if target is None:
            if self.protocol.unqualified_dialogue == "skip":
                return Skipped("no turn of this dialogue qualifies under the turn rule; skipped", self.item_meta())
            return MissingResponse(turn_id=-1, reason="no turn of this dialogue qualifies for evaluation")
        answered = submitted.turn(target.turn_id) if submitted else None
        if answered is None:
            return MissingResponse(target.turn_id, "the submission has no such turn")
        response_text = (answered.response_text or "").strip()
        if not response_text and not (self.protocol.empty_reply == "judge" and answered.response_text is not None):
            return MissingResponse(target.turn_id, "response_text is empty")
        history = [turn for turn in gold.turns if turn.turn_id < target.turn_id]
        if self.filters_history and self.protocol.history == "text_and_emotion":
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
