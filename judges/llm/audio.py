"""Response audio as it is sent to a judge, and the record of what was sent.

Serving stacks have been seen to drop audio without a word or to fail on it, so every T3 judgment
says which audio it was given (content hash, duration) and how (``sent_as``). The file's bytes are
sent unchanged: what the judge hears is exactly what the team submitted.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from humdial_eval.inputs.audio_check import MAX_AUDIO_BYTES
from humdial_eval.inputs.inputfiles import read_regular_bytes

SENT_AS_INPUT_AUDIO = "input_audio content part (WAV, base64, the submitted bytes unchanged)"
NOT_SENT_TEXT_ONLY = "not sent: this judge is text-only (profile audio: false or a text-only backend)"
NOT_SENT_MISSING = "not sent: the submission has no response audio for this turn"
NOT_SENT_NOT_NEEDED = "not sent: this task has no audio dimension"


class AudioError(ValueError):
    """The response audio cannot be sent as a WAV (unreadable, empty, or another container)."""


@dataclass(frozen=True)
class AudioPayload:
    data: bytes
    sha256: str
    seconds: float
    sample_rate: int
    channels: int
    format: str = "wav"

    def base64(self) -> str:
        """Encoded once per payload (payloads are cached per file), not once per request."""
        return self._base64

    @cached_property
    def _base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def record(self, sent_as: str = SENT_AS_INPUT_AUDIO) -> dict[str, Any]:
        """What the judgment's ``meta.audio`` says about it."""
        return {
            "sha256": self.sha256,
            "seconds": round(self.seconds, 3),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "bytes": len(self.data),
            "sent_as": sent_as,
        }


def load_audio(path: Path) -> AudioPayload:
    """Read a response WAV; its header gives duration and format.

    Scoring goes on when validation found errors, so a broken or non-WAV file can arrive here: it is
    refused (the judgment fails with the reason) rather than sent under a wrong format label.
    """
    try:
        data = read_regular_bytes(path, max_bytes=MAX_AUDIO_BYTES)
    except OSError as exc:
        raise AudioError(f"response audio unreadable: {exc.strerror or exc}") from exc
    return from_bytes(data)


def from_bytes(data: bytes) -> AudioPayload:
    try:
        info = soundfile.info(io.BytesIO(data))
    except (RuntimeError, TypeError, ValueError) as exc:  # libsndfile errors are RuntimeErrors
        detail = str(exc).split(":")[-1].strip() or type(exc).__name__
        raise AudioError(f"response audio is not a readable WAV ({detail})") from None
    refuse_unsendable(info.format, info.frames)
    seconds = info.frames / info.samplerate if info.samplerate else 0.0
    return AudioPayload(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        seconds=seconds,
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
    )


def refuse_unsendable(container: str, frames: int) -> None:
    """Raise :class:`AudioError` for a recording a judge must not be sent (another container, no samples)."""
    if container != "WAV":
        raise AudioError(f"response audio is {container}, not WAV: not sent")
    if frames == 0:
        raise AudioError("response audio holds no samples: not sent")


def tone(seconds: float = 2.0, rate: int = 16000, frequency: float = 440.0) -> AudioPayload:
    """A short spoken-range test signal (a tone with a soft start and end), for the endpoint probe."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 0.05)
    signal = (0.3 * envelope * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, signal, rate, format="WAV", subtype="PCM_16")
    return from_bytes(buffer.getvalue())
