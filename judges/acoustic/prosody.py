"""Prosody and signal-quality measures of one recording, as named numbers (never emotions or scores).

Each measure is a plain function of the samples (and, for speech timing, of the speech segments a
voice-activity detector found), so each can be checked on a synthetic signal with a known answer.
Frame analysis uses 25 ms windows every 10 ms at 16 kHz. Units are in the names.

- timing (from speech segments): ``speech_s``, ``speech_ratio``, ``pause_count``, ``pause_total_s``,
  ``longest_pause_s``; a pause is a gap of at least ``min_pause_s`` between two speech segments.
- edges (from frame energy): ``leading_silence_s``, ``trailing_silence_s``: time before the first and
  after the last frame within ``silence_db`` of the loudest frame.
- pitch (librosa pYIN, 20 ms hop, quarter-semitone grid): ``f0_median_hz``, ``f0_std_st`` and ``f0_range_st`` (spread in semitones,
  range = 95th minus 5th percentile), ``voiced_ratio`` (voiced frames over active frames).
- energy: ``loudness_dbfs`` (RMS of the active frames), ``energy_std_db``, ``energy_range_db``
  (95th minus 5th percentile of active frames' level).
- rate: ``speaking_rate_sps``, syllable nuclei (peaks of the smoothed energy envelope) per active second.
- cleanliness: ``clipped_fraction`` (samples in runs of 3+ at full scale, counted on the stored signal),
  ``peak_dbfs``, ``snr_db`` (loud frames' power over quiet frames' power, 90th vs 10th percentile:
  an estimate that relies on the pauses a recording of speech has; capped at 100 dB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from humdial_eval.judges.acoustic.audio import SAMPLE_RATE, Audio

FRAME = 400  # 25 ms
HOP = 160  # 10 ms
HOP_S = HOP / SAMPLE_RATE
SNR_CAP_DB = 100.0
_TINY = 1e-12


@dataclass(frozen=True)
class ProsodySettings:
    min_pause_s: float = 0.25
    silence_db: float = 40.0  # a frame this far below the loudest frame counts as silence
    fmin_hz: float = 60.0
    fmax_hz: float = 600.0
    clip_level: float = 0.99
    clip_run: int = 3


def measure_all(audio: Audio, speech: Sequence[tuple[float, float]], settings: ProsodySettings) -> dict[str, float]:
    """Every measure of one recording; pitch measures are absent when nothing is voiced."""
    duration = audio.duration_s
    levels = frame_levels_db(audio.samples)
    active = active_frames(levels, settings.silence_db)
    measures: dict[str, float] = {"duration_s": duration}
    measures.update(speech_timing(speech, duration, settings.min_pause_s))
    measures.update(edge_silence(active, duration))
    measures.update(energy_dynamics(levels, active))
    measures.update(pitch(audio.samples, active, settings))
    measures["speaking_rate_sps"] = speaking_rate(levels, active)
    measures["clipped_fraction"] = clipped_fraction(audio.original, settings.clip_level, settings.clip_run)
    measures["peak_dbfs"] = peak_dbfs(audio.original)
    measures["snr_db"] = snr_db(audio.samples)
    return {name: round(float(value), 6) for name, value in measures.items()}


def frame_levels_db(samples: np.ndarray) -> np.ndarray:
    """RMS level of each 25 ms frame (10 ms hop) in dBFS."""
    frames = _frames(samples)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return 20.0 * np.log10(np.maximum(rms, 1e-10))


def active_frames(levels: np.ndarray, silence_db: float) -> np.ndarray:
    """Frames within ``silence_db`` of the loudest one; none at all when the file is digital silence."""
    if levels.size == 0 or levels.max() < -100.0:
        return np.zeros(levels.shape, dtype=bool)
    return levels >= levels.max() - silence_db


def speech_timing(speech: Sequence[tuple[float, float]], duration: float, min_pause_s: float) -> dict[str, float]:
    segments = sorted((max(0.0, s), min(duration, e)) for s, e in speech if e > s)
    speech_s = sum(e - s for s, e in segments)
    gaps = [b[0] - a[1] for a, b in zip(segments, segments[1:])]
    pauses = [g for g in gaps if g >= min_pause_s]
    return {
        "speech_s": speech_s,
        "speech_ratio": speech_s / duration if duration > 0 else 0.0,
        "pause_count": float(len(pauses)),
        "pause_total_s": float(sum(pauses)),
        "longest_pause_s": float(max(pauses, default=0.0)),
    }


def edge_silence(active: np.ndarray, duration: float) -> dict[str, float]:
    if not active.any():
        return {"leading_silence_s": duration, "trailing_silence_s": duration}
    indices = np.flatnonzero(active)
    leading = indices[0] * HOP_S
    trailing = duration - min(duration, indices[-1] * HOP_S + FRAME / SAMPLE_RATE)
    return {"leading_silence_s": leading, "trailing_silence_s": max(0.0, trailing)}


def energy_dynamics(levels: np.ndarray, active: np.ndarray) -> dict[str, float]:
    if not active.any():
        return {}
    loud = levels[active]
    power = np.mean(10.0 ** (loud / 10.0))
    return {
        "loudness_dbfs": 10.0 * np.log10(max(power, _TINY)),
        "energy_std_db": float(np.std(loud)),
        "energy_range_db": float(np.percentile(loud, 95) - np.percentile(loud, 5)),
    }


def pitch(samples: np.ndarray, active: np.ndarray, settings: ProsodySettings) -> dict[str, float]:
    """pYIN F0 every 20 ms on a quarter-semitone grid (7x faster than librosa's defaults, the same
    statistics to a few cents); spread in semitones, so that it does not depend on the voice's register."""
    if not active.any() or len(samples) < 2048:
        return {}
    import librosa

    f0, voiced, _ = librosa.pyin(
        samples, fmin=settings.fmin_hz, fmax=settings.fmax_hz, sr=SAMPLE_RATE, frame_length=1024,
        hop_length=2 * HOP, resolution=0.25, center=True,
    )
    active_share = float(active.mean())
    result = {"voiced_ratio": min(1.0, float(voiced.mean()) / active_share) if active_share > 0 else 0.0}
    f0 = f0[voiced & np.isfinite(f0)]
    if f0.size < 3:
        return result
    semitones = 12.0 * np.log2(f0 / np.median(f0))
    result.update(
        f0_median_hz=float(np.median(f0)),
        f0_std_st=float(np.std(semitones)),
        f0_range_st=float(np.percentile(semitones, 95) - np.percentile(semitones, 5)),
    )
    return result


def speaking_rate(levels: np.ndarray, active: np.ndarray) -> float:
    """Syllable nuclei per second of active signal: peaks of the 50 ms-smoothed level that rise at least
    6 dB above their surroundings, at most one per 100 ms, within 25 dB of the loudest frame."""
    active_s = float(active.sum()) * HOP_S
    if active_s <= 0:
        return 0.0
    smoothed = np.convolve(levels, np.ones(5) / 5.0, mode="same")
    peaks, _ = find_peaks(smoothed, prominence=6.0, distance=10, height=levels.max() - 25.0)
    return len(peaks) / active_s


def clipped_fraction(original: np.ndarray, level: float, run: int) -> float:
    """Share of samples that sit at full scale in runs of ``run`` or more (a flattened wave crest)."""
    if original.size == 0:
        return 0.0
    at_limit = np.abs(original) >= level
    if not at_limit.any():
        return 0.0
    padded = np.concatenate(([False], at_limit, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    return float(lengths[lengths >= run].sum()) / original.size


def peak_dbfs(original: np.ndarray) -> float:
    return 20.0 * np.log10(max(float(np.max(np.abs(original))) if original.size else 0.0, 1e-10))


def snr_db(samples: np.ndarray) -> float:
    frames = _frames(samples)
    power = np.mean(frames.astype(np.float64) ** 2, axis=1)
    if power.size == 0 or power.max() <= _TINY:
        return 0.0
    noise = float(np.percentile(power, 10))
    signal = float(np.percentile(power, 90)) - noise
    if signal <= 0:
        return 0.0
    if noise <= _TINY:
        return SNR_CAP_DB
    return float(min(SNR_CAP_DB, 10.0 * np.log10(signal / noise)))


def _frames(samples: np.ndarray) -> np.ndarray:
    if len(samples) < FRAME:
        samples = np.pad(samples, (0, FRAME - len(samples)))
    count = 1 + (len(samples) - FRAME) // HOP
    return np.lib.stride_tricks.sliding_window_view(samples, FRAME)[::HOP][:count]
