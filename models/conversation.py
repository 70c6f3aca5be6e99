"""The conversation a model hears at each turn, as OpenAI chat-completions messages.

Turn k is sent with everything before it: the user's earlier turns (as audio, text or both, as the
profile says) and the model's *own* earlier replies (their text, as assistant messages), never the
gold ones. A turn whose reply failed keeps its user message and has no assistant message: the model
is not told it said something it did not say.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humdial_eval.benchmark.dialogue import Turn
from humdial_eval.judges.llm.audio import AudioError, AudioPayload

INPUT_MODES = ("audio", "text", "audio+text")
AUDIO_PARTS = ("input_audio", "audio_url")
SENT_AUDIO = "audio"
SENT_TEXT = "text"
SENT_BOTH = "audio+text"
SENT_TEXT_FALLBACK = "text (the turn has no usable user audio)"


@dataclass(frozen=True)
class PastReply:
    """The model's own answer to an earlier turn; ``None`` text means that turn failed."""

    turn_id: int
    text: str | None


def build_messages(
    turns: Sequence[Turn], index: int, past: dict[int, PastReply], *, input_mode: str, system_prompt: str | None,
    load_audio: Callable[[Path], AudioPayload], audio_part: str = "input_audio",
) -> tuple[list[dict[str, Any]], str]:
    """Messages for answering ``turns[index]``; also says how the current turn was sent."""
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    sent = SENT_TEXT
    for position, turn in enumerate(turns[: index + 1]):
        content, sent = user_content(turn, input_mode, load_audio, audio_part)
        messages.append({"role": "user", "content": content})
        if position < index:
            reply = past.get(turn.turn_id)
            if reply is not None and reply.text:
                messages.append({"role": "assistant", "content": reply.text})
    return messages, sent


def user_content(
    turn: Turn, input_mode: str, load_audio: Callable[[Path], AudioPayload], audio_part: str = "input_audio"
) -> tuple[Any, str]:
    """A user turn as message content: an audio part (base64 WAV), its transcript, or both.

    ``input_audio`` is OpenAI's part type; ``audio_url`` with a data URL is the form vLLM-Omni's examples use.
    """
    if input_mode == SENT_TEXT:
        return turn.text, SENT_TEXT
    payload = None
    if turn.user_audio is not None:
        try:
            payload = load_audio(turn.user_audio)
        except AudioError:
            payload = None
    if payload is None:  # no recording: the transcript is all there is to send
        return turn.text, SENT_TEXT_FALLBACK
    if audio_part == "audio_url":
        part = {"type": "audio_url", "audio_url": {"url": f"data:audio/{payload.format};base64,{payload.base64()}"}}
    else:
        part = {"type": "input_audio", "input_audio": {"data": payload.base64(), "format": payload.format}}
    parts: list[dict[str, Any]] = [part]
    if input_mode == SENT_BOTH:
        parts.append({"type": "text", "text": turn.text})
        return parts, SENT_BOTH
    return parts, SENT_AUDIO
