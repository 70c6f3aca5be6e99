"""One request in, one reply out: the interface every LLM client implements, for judges and models alike.

A transport turns its client library's failures into :class:`~humdial_eval.llm.retry.CallError`, so that
the retry policy and the callers never depend on which vendor answered.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from humdial_eval.llm.audio import AudioPayload


@dataclass
class Reply:
    text: str | None
    served_model: str | None = None
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


class Transport(ABC):
    """One protocol's client(s); ``endpoint`` picks among the configured replicas."""

    @abstractmethod
    async def send(self, prompt: str, audio: AudioPayload | None, seed: int | None, endpoint: int,
                   *, audio_last: bool = False) -> Reply:
        """``audio_last``: the recording goes after the prompt's text (templates that declare
        ``audio_position: last``), so that requests share the text's opening as a cacheable prefix."""

    @abstractmethod
    def endpoint_names(self) -> list[str]: ...

    async def aclose(self) -> None:
        """Close network clients."""
