"""The record a judge produces for one item, and the interface every judge implements."""

from __future__ import annotations

import copy
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from humdial_eval.inputs import file_digest
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.protocol import Protocol
from humdial_eval.benchmark.task import Task

Status = Literal["ok", "failed"]


@dataclass
class Judgment:
    """Scores per dimension (only the dimensions this judge scored), or a failure with its reason.

    ``measures`` holds named numbers that are not rubric scores (e.g. acoustic measures); ``meta``
    records how the judgment was made (model, prompt hash, sampling parameters, seed).
    """

    judge: str
    status: Status
    scores: dict[str, int] = field(default_factory=dict)
    rationale: str = ""
    error: str | None = None
    raw: str | None = None
    measures: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Judgment":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class Judge(ABC):
    """A scorer of EvalItems. Subclasses are created from a judge profile (see ``profiles``)."""

    concurrency: int = 1
    repeat: int = 0

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        self.name = name
        self.settings = settings

    def for_repeat(self, repeat: int) -> "Judge":
        """This judge making its ``repeat``-th independent attempt (``score --repeat K``).

        A shallow copy: it shares clients and state with the original. Judges that sample derive
        their seed from ``repeat`` (it then shows in ``identity()``); the cache key always includes it.
        """
        if repeat == self.repeat:
            return self
        clone = copy.copy(self)
        clone.repeat = repeat
        return clone

    @abstractmethod
    def dimensions(self, task: Task) -> tuple[str, ...]:
        """The rubric dimensions of ``task`` this judge scores (others stay unscored, never invented)."""

    def applies_to(self, task: Task) -> bool:
        """Whether to ask this judge about ``task`` at all: by default, when it scores one of its dimensions.

        A judge that only measures (acoustic measures for T3, emotion recognition for T5) says so here.
        """
        return bool(self.dimensions(task))

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """Everything about the judge that changes its answers (backend, model, prompt version, sampling)."""

    def request(self, item: EvalItem, task: Task) -> dict[str, Any]:
        """The request as sent; part of the cache key. Default: the item's full content."""
        return item_fingerprint(item)

    @abstractmethod
    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        """Score one item; failures are returned as ``status='failed'`` judgments, not raised."""

    def unusable(self) -> str | None:
        """Why this judge cannot judge at all (e.g. its server cannot be reached), found while judging; None
        while it can. ``score`` stops with this reason instead of reporting a run of failures."""
        return None

    async def aclose(self) -> None:
        """Release network clients and the like (and write what ``keep_beside`` keeps)."""

    def keep_beside(self, store: Path) -> None:
        """Keep work that later runs on the same judgment store can reuse (an LLM judge: its prompt hashes) in
        files beside ``store``; default: nothing. The runner calls it when it has a store."""

    def use_protocol(self, protocol: "Protocol") -> None:
        """Adopt what a scoring protocol says about judging (answer parsing, sampling); default: nothing.

        A judge whose answers change with the protocol must show that in ``identity()`` so the
        judgment store keeps the protocols' judgments apart."""

    def use_prompt_files(self, files: Mapping[str, Path]) -> bool:
        """Substitute the prompt template of each task id in ``files`` (``score --prompt-file``).

        Returns False for judges that use no prompt; may raise ValueError on a bad template.
        """
        return False

    def cache_key(self, item: EvalItem, task: Task) -> str:
        payload: dict[str, Any] = {"judge": self.identity(), "request": self.request(item, task)}
        if self.repeat:
            payload["repeat"] = self.repeat
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def item_fingerprint(item: EvalItem) -> dict[str, Any]:
    """A JSON-able description of an item; audio enters by content hash, never by host path."""
    return {
        "task": item.task,
        "language": item.language,
        "dialogue_id": item.dialogue_id,
        "turn_id": item.turn_id,
        "context": [[t.turn_id, t.user_text, t.emotion, t.response_text] for t in item.context],
        "question": item.question,
        "question_emotion": item.question_emotion,
        "response_text": item.response_text,
        "response_audio_sha256": file_sha256(item.response_audio) if item.response_audio else None,
        "meta": item.meta,
    }


def file_sha256(path: Any) -> str:
    """Only regular files are read (a FIFO here would block the run); a file already read in this run, and
    unchanged since, is not read again (:mod:`humdial_eval.inputs.file_digest`)."""
    return file_digest.sha256_of(path)
