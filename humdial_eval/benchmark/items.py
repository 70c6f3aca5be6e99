"""What a judge sees: one evaluated turn of one dialogue, with its context."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ContextTurn:
    """An earlier turn as the judge sees it: the user's words, the gold emotion, the system's reply."""

    turn_id: int
    user_text: str
    emotion: str | None
    response_text: str | None = None
    raw_emotion: str | None = None  # the label as the file spells it (for templates that show it unnormalised)


@dataclass(frozen=True)
class EvalItem:
    task: str
    language: str
    dialogue_id: str
    turn_id: int
    context: tuple[ContextTurn, ...]
    question: str
    question_emotion: str | None
    response_text: str
    response_audio: Path | None = None
    user_audio: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    question_raw_emotion: str | None = None  # the evaluated turn's label as the file spells it

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.task, self.language, self.dialogue_id)

    def gold_trajectory(self) -> list[str]:
        """Gold emotions of every user turn up to and including the evaluated one, in order."""
        labels = [turn.emotion for turn in self.context if turn.emotion]
        if self.question_emotion:
            labels.append(self.question_emotion)
        return labels
