"""The integrity checks of reply audio: non-finite samples, digital silence, a duration absurd for the text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from humdial_eval.audio_check import check_content, plausible_duration

RATE = 16000
TEXT_EN = "I am so sorry to hear that, it must be really hard for you right now."  # 15 words
TEXT_ZH = "听到这个消息我很难过，你现在一定很不好受。"


def wav(path: Path, samples: np.ndarray, subtype: str = "PCM_16") -> Path:
    soundfile.write(str(path), samples, RATE, subtype=subtype)
    return path


def tone(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def codes(path: Path, text: str = TEXT_EN, language: str = "en") -> list[str]:
    return [p.code for p in check_content(path, text, language)]


def test_plausible_speech_passes(tmp_path: Path) -> None:
    assert codes(wav(tmp_path / "a.wav", tone(4.0))) == []
    assert codes(wav(tmp_path / "b.wav", tone(4.0, amplitude=0.001)), TEXT_ZH, "zh") == []  # quiet is not silent


def test_nan_and_inf_samples(tmp_path: Path) -> None:
    samples = tone(4.0)
    samples[100] = np.nan
    assert codes(wav(tmp_path / "nan.wav", samples, "FLOAT")) == ["audio_non_finite"]
    samples[100] = np.inf
    assert codes(wav(tmp_path / "inf.wav", samples, "FLOAT")) == ["audio_non_finite"]


def test_digital_silence_including_one_step_dither(tmp_path: Path) -> None:
    assert codes(wav(tmp_path / "zero.wav", np.zeros(4 * RATE, dtype=np.float32))) == ["audio_silent"]
    lsb = np.random.default_rng(0).choice([-1, 0, 1], 4 * RATE).astype(np.float32) / 32768
    assert codes(wav(tmp_path / "lsb.wav", lsb)) == ["audio_silent"]


def test_durations_no_speaker_could_take(tmp_path: Path) -> None:
    assert codes(wav(tmp_path / "short.wav", tone(0.3))) == ["audio_duration_implausible"]
    assert codes(wav(tmp_path / "long.wav", tone(70.0))) == ["audio_duration_implausible"]
    assert codes(wav(tmp_path / "zh.wav", tone(0.5)), TEXT_ZH, "zh") == ["audio_duration_implausible"]
    assert codes(wav(tmp_path / "few.wav", tone(0.3)), "Oh no.", "en") == []  # too little text to judge
    low, high = plausible_duration(TEXT_EN, "en")  # type: ignore[misc]
    assert low < 15 / 4 < high  # an ordinary pace of 4 words a second is inside
