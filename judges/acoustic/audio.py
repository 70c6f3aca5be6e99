"""Reading untrusted response audio: every way a file can be unusable becomes one clear AudioError.

Submissions are outside input. A file may be empty, truncated, mislabelled, a different container,
hours long, multi-channel or full of NaNs; none of that may crash a run or exhaust memory. The header
is checked before any sample is read, reading stops at the duration limit even when the header lies,
and the samples are checked for finiteness. Scorers receive mono float32 at 16 kHz, plus the mono
signal at its own rate (clipping is a property of the stored samples, which resampling would smooth).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from humdial_eval.inputs.audio_check import MAX_AUDIO_BYTES, MAX_AUDIO_SECONDS, MIN_SAMPLE_RATE
from humdial_eval.inputs.inputfiles import open_regular

SAMPLE_RATE = 16_000


class AudioError(ValueError):
    """A file that cannot be scored; the message names the file and says why."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # mono float32 at SAMPLE_RATE
    original: np.ndarray  # mono float32 at source_rate, as stored
    source_rate: int
    channels: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def load_audio(path: Path, *, max_seconds: float = MAX_AUDIO_SECONDS, max_bytes: int = MAX_AUDIO_BYTES) -> Audio:
    """Decode ``path`` to mono 16 kHz float32, refusing anything unusable with an :class:`AudioError`."""
    name = Path(path).name
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise AudioError(f"{name}: cannot be opened ({exc.strerror or exc})") from exc
    if size == 0:
        raise AudioError(f"{name}: file is empty (0 bytes)")
    if size > max_bytes:
        raise AudioError(f"{name}: {size} bytes exceeds the limit of {max_bytes}; refused")
    try:
        with open_regular(path) as handle:  # never a FIFO or a device
            info = soundfile.info(handle)
    except (RuntimeError, soundfile.LibsndfileError, OSError) as exc:  # type: ignore[attr-defined]
        raise AudioError(f"{name}: not a readable audio file ({_first_line(exc)})") from exc
    if info.samplerate < MIN_SAMPLE_RATE:
        raise AudioError(f"{name}: sample rate {info.samplerate} Hz is below {MIN_SAMPLE_RATE} Hz")
    if info.frames <= 0:
        raise AudioError(f"{name}: the file holds no samples")
    if info.frames / info.samplerate > max_seconds:
        raise AudioError(f"{name}: {info.frames / info.samplerate:.0f} s exceeds the limit of {max_seconds:.0f} s; refused")
    max_frames = int(max_seconds * info.samplerate) + 1
    try:
        with open_regular(path) as handle:
            data, rate = soundfile.read(handle, frames=max_frames, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, ValueError, MemoryError, OSError) as exc:  # type: ignore[attr-defined]
        raise AudioError(f"{name}: samples cannot be decoded ({_first_line(exc)})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{name}: the file holds no samples")
    if data.shape[0] >= max_frames:
        raise AudioError(f"{name}: longer than the limit of {max_seconds:.0f} s (the header understates it); refused")
    if not np.isfinite(data).all():
        raise AudioError(f"{name}: samples are not finite numbers (NaN or infinity)")
    original = data.mean(axis=1, dtype=np.float64).astype(np.float32)
    samples = original if rate == SAMPLE_RATE else _resample(original, rate)
    return Audio(samples=samples, original=original, source_rate=int(rate), channels=int(data.shape[1]))


def _resample(signal: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    return librosa.resample(signal, orig_sr=rate, target_sr=SAMPLE_RATE, res_type="soxr_hq").astype(np.float32)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
