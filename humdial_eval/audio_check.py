"""Checks on submitted WAV files: readable, the right container and sample format, sane size and length.

Only the header is read (soundfile), so validating hundreds of files is fast; a header that lies is
caught later, when a scorer decodes the samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import soundfile

from humdial_eval.inputfiles import InputFileError, open_regular

MAX_AUDIO_BYTES = 64 * 1024 * 1024
MAX_AUDIO_SECONDS = 300.0
MIN_SAMPLE_RATE = 8000
EXPECTED_SAMPLE_RATES = (16000, 22050, 24000, 44100, 48000)
ACCEPTED_SUBTYPES = ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")


@dataclass(frozen=True)
class AudioProblem:
    code: str
    message: str
    fatal: bool


def check_wav(path: Path) -> list[AudioProblem]:
    """Problems with one response WAV; an empty list means it is fit to score."""
    size = path.stat().st_size
    if size == 0:
        return [AudioProblem("audio_unreadable", "file is empty (0 bytes)", True)]
    if size > MAX_AUDIO_BYTES:
        return [AudioProblem("audio_too_large", f"{size} bytes exceeds the limit of {MAX_AUDIO_BYTES}; refused", True)]
    try:
        with open_regular(path, max_bytes=MAX_AUDIO_BYTES) as handle:  # never a FIFO or device
            info = soundfile.info(handle)
    except InputFileError as exc:
        return [AudioProblem("audio_unreadable", exc.reason, True)]
    except (RuntimeError, soundfile.LibsndfileError) as exc:  # type: ignore[attr-defined]
        return [AudioProblem("audio_unreadable", f"not a readable audio file ({_short(exc)})", True)]
    problems: list[AudioProblem] = []
    if info.format != "WAV":
        problems.append(AudioProblem("audio_format", f"container is {info.format}; expected WAV (RIFF)", True))
    if info.subtype not in ACCEPTED_SUBTYPES:
        problems.append(
            AudioProblem("audio_format", f"sample format {info.subtype}; expected one of {', '.join(ACCEPTED_SUBTYPES)}", True)
        )
    if info.frames == 0:
        problems.append(AudioProblem("audio_empty", "the file holds no samples", True))
    if info.samplerate < MIN_SAMPLE_RATE:
        problems.append(AudioProblem("audio_format", f"sample rate {info.samplerate} Hz is below {MIN_SAMPLE_RATE} Hz", True))
    elif info.samplerate not in EXPECTED_SAMPLE_RATES:
        problems.append(
            AudioProblem("audio_sample_rate", f"unusual sample rate {info.samplerate} Hz (16000 Hz expected)", False)
        )
    if info.channels > 1:
        problems.append(AudioProblem("audio_channels", f"{info.channels} channels; mono expected (scorers downmix)", False))
    if info.samplerate and info.frames / info.samplerate > MAX_AUDIO_SECONDS:
        seconds = info.frames / info.samplerate
        problems.append(
            AudioProblem("audio_too_long", f"{seconds:.0f} s exceeds the limit of {MAX_AUDIO_SECONDS:.0f} s; refused", True)
        )
    return problems


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
