"""The data model of the benchmark: dialogues made of user turns and the system's responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Turn:
    """One user turn and, in a submission, the system's response to it.

    ``emotion`` is the normalised gold label (test set) or ``None`` where a file gives none.
    Audio paths are resolved and known to stay inside their collection's root. ``extra`` keeps the
    scalar fields the loader does not interpret itself (e.g. ``predicted_emotion``), so that a task
    plugin can read fields of its own without the loader knowing every task.
    """

    turn_id: int
    text: str
    emotion: str | None = None
    user_audio: Path | None = None
    response_text: str | None = None
    response_audio: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # The label as the file spells it (``input_emotion`` before ``emotion``, as the published scripts
    # read it): the official protocol selects turns on it, unnormalised. None when neither is a string.
    raw_emotion: str | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Dialogue:
    dialogue_id: str
    language: str
    task: str
    turns: tuple[Turn, ...]
    source: Path | None = None
    line: int | None = None

    def turn(self, turn_id: int) -> Turn | None:
        for turn in self.turns:
            if turn.turn_id == turn_id:
                return turn
        return None


@dataclass
class DialogueFile:
    """The dialogues of one ``HD-Track1-T{n}.jsonl`` file, keyed by ``dialogue_id``, in file order."""

    language: str
    task: str
    path: Path
    dialogues: dict[str, Dialogue] = field(default_factory=dict)


@dataclass
class DialogueCollection:
    """A test set or a submission: one :class:`DialogueFile` per (language, task) present."""

    root: Path
    files: dict[tuple[str, str], DialogueFile] = field(default_factory=dict)

    def get(self, language: str, task: str) -> DialogueFile | None:
        return self.files.get((language, task))

    def languages(self) -> list[str]:
        return sorted({language for language, _ in self.files})

    def tasks(self) -> list[str]:
        return sorted({task for _, task in self.files})

    def in_order(self, limit: int | None = None) -> list[Dialogue]:
        """Every dialogue, the files in (language, task) order and each file's in file order; ``limit``: only
        the first N of each file. The order a submission is written in, and resumed."""
        return [d for key in sorted(self.files) for d in list(self.files[key].dialogues.values())[:limit]]


class TestSet(DialogueCollection):
    """Gold dialogues: user texts, gold emotions and user audio."""

    __test__ = False  # not a pytest test class despite the name


class Submission(DialogueCollection):
    """A team's responses in the official ``HD-Track1/`` layout."""
