"""Decoding and checking the speech a model sends back, before anything is written.

A reply's audio arrives base64-encoded. What cannot be trusted to be a real answer (not base64, not a
readable audio file, no samples, an absurd rate or channel count, NaNs, pure silence) is refused with
a reason, so the turn is asked again or recorded as failed: never saved as if it were speech.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import numpy as np

from humdial_eval.inputs import audio_decode
from humdial_eval.inputs.audio_decode import MAX_CHANNELS
from humdial_eval.inputs.audio_decode import MAX_SAMPLE_RATE as MAX_RATE
from humdial_eval.inputs.audio_decode import MIN_SAMPLE_RATE as MIN_RATE

MIN_SECONDS = 0.05
MAX_SECONDS = 300.0  # what validation accepts for a response WAV


class ReplyAudioError(ValueError):
    """The reply's audio is unusable; the message says why."""


@dataclass(frozen=True)
class ReplyAudio:
    samples: np.ndarray  # float32, [samples] or [samples, channels]
    sample_rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


def decode(data: str | bytes) -> ReplyAudio:
    """Base64 WAV (or another container libsndfile reads) to checked samples, decoded in bounded memory (the
    header's length is checked before decoding: :mod:`humdial_eval.inputs.audio_decode`)."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ReplyAudioError(f"reply audio is not valid base64 ({exc})") from None
    if not raw:
        raise ReplyAudioError("reply audio is empty")
    try:
        samples, rate, _ = audio_decode.decode(raw, max_seconds=MAX_SECONDS)
    except audio_decode.DecodeRefused as exc:
        raise ReplyAudioError(f"reply audio: {exc}") from None
    return check(samples, rate)


def check(samples: np.ndarray, rate: int) -> ReplyAudio:
    channels = samples.shape[1] if samples.ndim == 2 else 1
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ReplyAudioError(f"reply audio has an implausible sample rate of {rate} Hz")
    if not 1 <= channels <= MAX_CHANNELS:
        raise ReplyAudioError(f"reply audio has {channels} channels")
    seconds = len(samples) / rate
    if seconds < MIN_SECONDS:
        raise ReplyAudioError(f"reply audio holds no speech ({len(samples)} samples)")
    if seconds > MAX_SECONDS:
        raise ReplyAudioError(f"reply audio is {seconds:.0f} s long (more than {MAX_SECONDS:.0f} s)")
    if not np.all(np.isfinite(samples)):
        raise ReplyAudioError("reply audio holds NaN or infinite samples")
    if float(np.max(np.abs(samples))) == 0.0:
        raise ReplyAudioError("reply audio is pure silence")
    mono = samples[:, 0] if channels == 1 and samples.ndim == 2 else samples
    return ReplyAudio(samples=mono, sample_rate=rate, channels=channels)
