"""Checks on submitted WAV files: readable, the right container and sample format, sane size and length.

``check_wav`` reads only the header (soundfile), so validating hundreds of files is fast; ``check_content``
(the integrity rules) reads each evaluated reply's samples once, and notes the file's hash for the run.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import soundfile

from humdial_eval.inputs import file_digest
from humdial_eval.inputs.file_digest import WavFacts
from humdial_eval.inputs.inputfiles import InputFileError, open_regular

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
        return [AudioProblem("audio_unreadable", f"not a readable audio file ({_short(exc, path)})", True)]
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


def _short(exc: Exception, path: Path) -> str:
    """libsndfile's reason, without the file's full path: a submission is read from a temporary extraction
    folder whose name must not reach validation.jsonl or a report (the issue already names the file)."""
    text = str(getattr(exc, "error_string", "") or exc).strip()
    text = text.splitlines()[0] if text else type(exc).__name__
    for shown in {str(path), str(path.resolve()), str(path.parent), str(path.resolve().parent)}:
        text = text.replace(shown, path.name if shown.endswith(path.name) else ".")
    return text[:200]


# -- content checks (integrity rules of the humdial protocol) -------------------------------------------
# A reply whose audio cannot be speech is a fault of the submission: scored the minimum on the audio
# dimensions, like missing audio, instead of failing a scorer and leaving the mean (NaN samples made an
# acoustic scorer fail, which used to drop the item and so *raise* the mean).
INTEGRITY_CODES = ("audio_non_finite", "audio_silent", "audio_duration_implausible")
SILENCE_PEAK = 2.0**-15  # at or below one step of 16-bit PCM: digital silence
# Speaking rates far outside any speech: English words, Chinese characters per second (fast speech is
# ~4 words/s and ~7 characters/s). Slower than SLOWEST with SLACK_SECONDS of slack is absurd too.
FASTEST = {"en": 8.0, "zh": 14.0}
SLOWEST_SECONDS_PER_UNIT = {"en": 3.0, "zh": 1.5}
SLACK_SECONDS = 20.0
MIN_UNITS = 3  # too little text to say anything about its duration


def check_content(path: Path, text: str | None, language: str) -> list[AudioProblem]:
    """Integrity problems of a readable WAV: non-finite samples, digital silence, a duration absurd for
    the reply's text. Call only on files :func:`check_wav` found fit (it reads every sample).

    The file is read once, into memory: its sha256 and header are recorded for the rest of the run
    (:mod:`humdial_eval.inputs.file_digest`; a judge's cache key needs them), and the samples are decoded from
    those bytes. Integer PCM is decoded as integers: libsndfile's floating-point samples are the integers
    over a power of two, so the peak, and the verdict, are the same, without a float64 copy of the file."""
    try:
        with open_regular(path, max_bytes=MAX_AUDIO_BYTES) as handle:
            stat = os.fstat(handle.fileno())
            data = handle.read(MAX_AUDIO_BYTES + 1)
    except InputFileError as exc:
        return [AudioProblem("audio_unreadable", exc.reason, True)]
    except OSError as exc:
        return [AudioProblem("audio_unreadable", f"cannot be read ({exc.strerror or exc})", True)]
    if len(data) > MAX_AUDIO_BYTES:
        return [AudioProblem("audio_too_large", f"more than {MAX_AUDIO_BYTES} bytes; refused", True)]
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as sound:
            facts = WavFacts(sound.format, sound.frames, sound.samplerate, sound.channels)
            frames, silent, non_finite = _scan_samples(sound)
    except (RuntimeError, soundfile.LibsndfileError) as exc:  # type: ignore[attr-defined]
        file_digest.remember(path, stat, sha256)
        return [AudioProblem("audio_unreadable", f"samples cannot be decoded ({_short(exc, path)})", True)]
    file_digest.remember(path, stat, sha256, facts)
    if frames == 0:
        return []
    if non_finite:
        return [AudioProblem("audio_non_finite", f"{non_finite} sample(s) are NaN or infinite; scored as no audio", True)]
    if silent:
        return [AudioProblem("audio_silent", "digital silence (every sample is zero or within one 16-bit step); "
                                             "scored as no audio", True)]
    seconds = frames / facts.sample_rate
    plausible = plausible_duration(text or "", language)
    if plausible is not None and not plausible[0] <= seconds <= plausible[1]:
        low, high = plausible
        return [AudioProblem("audio_duration_implausible",
                             f"{seconds:.2f} s for a reply of this length (speech would take {low:.1f}-{high:.0f} s); "
                             "scored as no audio", True)]
    return []


# Integer PCM read as integers: the numpy type, and the largest magnitude that is still digital silence
# (SILENCE_PEAK on libsndfile's float scale, where a sample is the integer over 2**15 or 2**31).
_INTEGER_READS = {"PCM_16": ("int16", 1), "PCM_24": ("int32", 1 << 16), "PCM_32": ("int32", 1 << 16)}
BLOCK_FRAMES = 1 << 16


def _scan_samples(sound: soundfile.SoundFile) -> tuple[int, bool, int]:
    """Frames read, whether every sample is digital silence, and how many are NaN or infinite."""
    import numpy as np  # the CLI's start-up need not pay for it

    frames = 0
    integer = _INTEGER_READS.get(sound.subtype)
    if integer is not None:
        dtype, silent_up_to = integer
        peak_int = 0
        buffer = np.empty((BLOCK_FRAMES, sound.channels), dtype=dtype)
        for block in sound.blocks(out=buffer):
            frames += block.shape[0]
            if block.size:  # max and -min as Python ints: abs() of the most negative integer overflows
                peak_int = max(peak_int, int(block.max()), -int(block.min()))
        return frames, peak_int <= silent_up_to, 0
    peak, non_finite = 0.0, 0
    buffer = np.empty((BLOCK_FRAMES, sound.channels), dtype="float64")  # one buffer, not a copy per block
    for block in sound.blocks(out=buffer):
        frames += block.shape[0]
        finite = np.isfinite(block)
        if finite.all():  # the usual case: no masked copy of the block
            if block.size:
                peak = max(peak, float(np.abs(block).max()))
            continue
        non_finite += int(block.size - int(finite.sum()))
        if finite.any():
            peak = max(peak, float(np.abs(block[finite]).max()))
    return frames, peak <= SILENCE_PEAK, non_finite


def plausible_duration(text: str, language: str) -> tuple[float, float] | None:
    """The range of durations any speaker could read ``text`` in, or None when the text is too short."""
    kind, units = spoken_length(text, language)
    if units < MIN_UNITS:
        return None
    return units / FASTEST[kind], SLACK_SECONDS + units * SLOWEST_SECONDS_PER_UNIT[kind]


def spoken_length(text: str, language: str) -> tuple[str, int]:
    """How much there is to say in ``text``: ("zh", Han characters plus Latin words) or ("en", words).

    The one measure of a reply's length that the duration check and a system that must speak whole
    replies (the reference baseline's unit budget) share."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    latin_words = len([w for w in text.split() if any(c.isascii() and c.isalnum() for c in w)])
    if language == "zh" or cjk > latin_words:
        return "zh", cjk + latin_words
    return "en", len([w for w in text.split() if any(c.isalnum() for c in w)])
