"""Synthetic signals with known answers, and WAV writing, for the acoustic tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

RATE = 16_000
REPO = Path(__file__).resolve().parents[3]
EXAMPLE_SPEECH = REPO / "examples/submission/HD-Track1/en/HD-Track1-T3/en_t3_001_3_response.wav"


def tone(freq: float, seconds: float, amplitude: float = 0.5, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def glide(start_hz: float, end_hz: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    """A tone whose pitch rises exponentially (evenly in semitones) from ``start_hz`` to ``end_hz``."""
    t = np.arange(int(seconds * RATE)) / RATE
    freq = start_hz * (end_hz / start_hz) ** (t / seconds)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    return (amplitude * np.sin(phase)).astype(np.float32)


def silence(seconds: float, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.float32)


def write_wav(path: Path, signal: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), signal, rate, subtype=subtype)
    return path
