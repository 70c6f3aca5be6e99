"""Decoding audio from outside (submitted replies, a model's spoken answers) in bounded memory.

Any container libsndfile reads can arrive here (FLAC, Ogg, WAV...), and a compressed file is small on disk
whatever it decodes to: a 1.6 KB FLAC whose header claims 2^36 frames asked numpy for 2 TiB, an honest
215 KB FLAC of 290 s at 192 kHz stereo cost 1.8 GB. So the header's declared length, rate and channels
are checked before a sample is decoded, against the caps a WAV has: :data:`MAX_AUDIO_SECONDS`, and no more
samples than a 16-bit WAV at the size cap (:data:`MAX_AUDIO_BYTES`) holds; then at most that many frames are
read, so a header that understates its length cannot make the decoder run on.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

import numpy as np
import soundfile

from humdial_eval.inputs.audio_check import MAX_AUDIO_BYTES, MAX_AUDIO_SECONDS, MIN_SAMPLE_RATE

MAX_SAMPLE_RATE = 192_000
MAX_CHANNELS = 8
# The samples (frames x channels) of a 16-bit WAV at the size cap: decoded as float32, 128 MiB at most.
MAX_DECODED_SAMPLES = MAX_AUDIO_BYTES // 2


class DecodeRefused(ValueError):
    """Audio that is not decoded: unreadable, or declaring more than the caps allow. The message says why."""


def declared_problem(frames: int, rate: int, channels: int, *, max_seconds: float = MAX_AUDIO_SECONDS) -> str | None:
    """Why a header's declared shape is refused before decoding, or None when it is within the caps."""
    if rate < MIN_SAMPLE_RATE or rate > MAX_SAMPLE_RATE:
        return f"implausible sample rate of {rate} Hz (outside {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz)"
    if not 1 <= channels <= MAX_CHANNELS:
        return f"{channels} channels (at most {MAX_CHANNELS})"
    if frames <= 0:
        return "the file holds no samples"
    if frames / rate > max_seconds:
        return f"{frames / rate:.0f} s exceeds the limit of {max_seconds:.0f} s; refused"
    if frames * channels > MAX_DECODED_SAMPLES:
        return (f"{frames * channels} samples exceed the limit of {MAX_DECODED_SAMPLES} (a WAV at the size cap); "
                "refused")
    return None


def decode(source: bytes | BinaryIO, *, max_seconds: float = MAX_AUDIO_SECONDS) -> tuple[np.ndarray, int, str]:
    """Float32 samples ``[frames, channels]``, the rate and the container name of ``source`` (bytes or an open
    binary file); :class:`DecodeRefused` for anything unreadable or over the caps."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_AUDIO_BYTES:
            raise DecodeRefused(f"{len(source)} bytes exceeds the limit of {MAX_AUDIO_BYTES}; refused")
        source = io.BytesIO(source)
    try:
        with soundfile.SoundFile(source) as sound:
            problem = declared_problem(sound.frames, sound.samplerate, sound.channels, max_seconds=max_seconds)
            if problem:
                raise DecodeRefused(problem)
            limit = min(int(max_seconds * sound.samplerate), MAX_DECODED_SAMPLES // sound.channels) + 1
            data = sound.read(frames=min(limit, sound.frames + 1), dtype="float32", always_2d=True)
            rate, container = int(sound.samplerate), str(sound.format)
    except DecodeRefused:
        raise
    except (RuntimeError, TypeError, ValueError, MemoryError, soundfile.LibsndfileError) as exc:  # type: ignore[attr-defined]
        raise DecodeRefused(f"not a readable audio file ({_reason(exc)})") from None
    if data.shape[0] >= limit:
        raise DecodeRefused("longer than the limits allow (the header understates it); refused")
    if data.shape[0] == 0:
        raise DecodeRefused("the file holds no samples")
    return data, rate, container


def _reason(exc: Any) -> str:
    text = str(getattr(exc, "error_string", "") or exc).strip()
    text = text.splitlines()[0] if text else type(exc).__name__
    return text.split(":")[-1].strip()[:200] or type(exc).__name__
