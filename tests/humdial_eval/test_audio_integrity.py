"""The integrity checks of reply audio: non-finite samples, digital silence, a duration absurd for the text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from humdial_eval.inputs.audio_check import check_content, plausible_duration

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


@pytest.mark.parametrize(("subtype", "step", "quiet", "loud"), [
    ("PCM_16", 2.0**-15, 1, 2),
    ("PCM_24", 2.0**-23, 256, 257),  # one 16-bit step is 256 steps of 24 bits
    ("PCM_32", 2.0**-31, 65536, 65537),
])
def test_integer_pcm_silence_threshold_is_one_16_bit_step(tmp_path: Path, subtype: str, step: float, quiet: int,
                                                          loud: int) -> None:
    """Integer PCM is decoded as integers: the threshold falls exactly where the float reading put it."""
    pattern = np.random.default_rng(0).choice([-1.0, 0.0, 1.0], 4 * RATE)
    assert codes(wav(tmp_path / "q.wav", pattern * quiet * step, subtype)) == ["audio_silent"]
    assert codes(wav(tmp_path / "l.wav", pattern * loud * step, subtype)) == []
    assert codes(wav(tmp_path / "p.wav", np.abs(pattern) * loud * step, subtype)) == []  # positive only
    assert codes(wav(tmp_path / "n.wav", -np.abs(pattern) * loud * step, subtype)) == []  # negative only


def test_full_scale_negative_pcm_is_not_silence(tmp_path: Path) -> None:
    """-32768 has no positive twin in int16: its magnitude must not overflow to a negative peak."""
    assert codes(wav(tmp_path / "min.wav", np.full(4 * RATE, -1.0), "PCM_16")) == []


def test_samples_that_cannot_be_decoded_are_unreadable_not_a_crash(tmp_path: Path) -> None:
    path = wav(tmp_path / "t.wav", tone(4.0))
    data = bytearray(path.read_bytes())
    data[20:22] = (99).to_bytes(2, "little")  # an unknown sample format code in the fmt chunk
    path.write_bytes(bytes(data))
    problems = check_content(path, TEXT_EN, "en")
    assert [p.code for p in problems] == ["audio_unreadable"]
    assert str(tmp_path) not in problems[0].message
