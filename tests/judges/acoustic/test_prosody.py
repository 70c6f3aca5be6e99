"""Each prosody measure on a synthetic signal whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from humdial_eval.judges.acoustic.audio import Audio
from humdial_eval.judges.acoustic.prosody import ProsodySettings, measure_all, speech_timing
from humdial_eval.judges.acoustic.speech_activity import speech_segments
from tests.judges.acoustic.signals import EXAMPLE_SPEECH, RATE, glide, silence, tone

SETTINGS = ProsodySettings()


def audio_of(signal: np.ndarray) -> Audio:
    return Audio(samples=signal.astype(np.float32), original=signal.astype(np.float32), source_rate=RATE, channels=1)


def measures(signal: np.ndarray, speech: list[tuple[float, float]] | None = None) -> dict[str, float]:
    return measure_all(audio_of(signal), speech or [], SETTINGS)


def test_pitch_of_a_steady_tone() -> None:
    found = measures(tone(220, 1.0))
    assert found["f0_median_hz"] == pytest.approx(220, rel=0.02)
    assert found["f0_std_st"] < 0.1
    assert found["voiced_ratio"] > 0.8


def test_pitch_spread_of_a_one_octave_glide() -> None:
    found = measures(glide(150, 300, 2.0))
    # Evenly spread over 12 semitones: the 5th-95th percentile range covers 90% of them.
    assert found["f0_range_st"] == pytest.approx(10.8, abs=0.6)
    assert found["f0_std_st"] == pytest.approx(12 / np.sqrt(12), abs=0.3)  # uniform spread: range / sqrt(12)


def test_silence_at_the_edges() -> None:
    found = measures(np.concatenate([silence(0.5), tone(300, 1.0), silence(0.3)]))
    assert found["duration_s"] == pytest.approx(1.8, abs=0.001)
    assert found["leading_silence_s"] == pytest.approx(0.5, abs=0.03)
    assert found["trailing_silence_s"] == pytest.approx(0.3, abs=0.03)


def test_energy_dynamics_of_a_20_db_step() -> None:
    found = measures(np.concatenate([tone(300, 1.0, 0.05), tone(300, 1.0, 0.5)]))
    assert found["energy_range_db"] == pytest.approx(20.0, abs=1.0)
    assert found["energy_std_db"] == pytest.approx(10.0, abs=1.0)
    # Mean power of two halves at RMS 0.0354 and 0.354: 10 log10((0.00125 + 0.125) / 2) = -12.0 dBFS.
    assert found["loudness_dbfs"] == pytest.approx(-12.0, abs=0.3)


def test_speaking_rate_of_a_4_hz_syllable_train() -> None:
    t = np.arange(2 * RATE) / RATE
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t))
    found = measures((envelope * tone(200, 2.0)).astype(np.float32))
    assert found["speaking_rate_sps"] == pytest.approx(4.0, abs=0.5)


def test_clipping() -> None:
    clipped = np.clip(tone(200, 1.0, 2.0), -1.0, 1.0)
    assert measures(clipped)["clipped_fraction"] > 0.3
    clean = tone(200, 1.0, 0.5)
    assert measures(clean)["clipped_fraction"] == 0.0
    single_peak = clean.copy()
    single_peak[1000] = 1.0  # one sample at full scale is a peak, not a clipped crest
    assert measures(single_peak)["clipped_fraction"] == 0.0
    assert measures(clipped)["peak_dbfs"] == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("true_snr_db", [10.0, 30.0])
def test_snr_of_a_tone_in_white_noise(true_snr_db: float) -> None:
    rng = np.random.default_rng(0)
    amplitude = 0.5
    signal = np.concatenate([tone(300, 1.0, amplitude), silence(1.0)] * 2)
    noise_std = np.sqrt(amplitude**2 / 2 / 10 ** (true_snr_db / 10))
    noisy = signal + rng.normal(0, noise_std, signal.size).astype(np.float32)
    assert measures(noisy)["snr_db"] == pytest.approx(true_snr_db, abs=1.5)


def test_digital_silence_between_tones_caps_snr() -> None:
    assert measures(np.concatenate([tone(300, 1.0), silence(1.0)]))["snr_db"] == 100.0


def test_speech_timing_from_segments() -> None:
    found = speech_timing([(0.0, 1.0), (1.5, 2.0), (2.05, 3.0)], duration=4.0, min_pause_s=0.25)
    assert found["speech_s"] == pytest.approx(2.45)
    assert found["speech_ratio"] == pytest.approx(2.45 / 4.0)
    assert found["pause_count"] == 1.0  # the 50 ms gap is not a pause
    assert found["longest_pause_s"] == pytest.approx(0.5)
    assert found["pause_total_s"] == pytest.approx(0.5)


def test_all_silent_file() -> None:
    found = measures(silence(1.0))
    assert found["leading_silence_s"] == found["trailing_silence_s"] == pytest.approx(1.0)
    assert found["speech_s"] == 0.0 and found["snr_db"] == 0.0 and found["speaking_rate_sps"] == 0.0
    assert "f0_median_hz" not in found and "loudness_dbfs" not in found


def test_vad_finds_a_known_pause_in_real_speech() -> None:
    speech, rate = soundfile.read(EXAMPLE_SPEECH, dtype="float32")
    assert rate == RATE
    first, second = speech[: len(speech) // 2], speech[len(speech) // 2 :]
    joined = np.concatenate([silence(0.5), first, silence(1.5), second])
    segments = speech_segments(joined)
    timing = speech_timing(segments, len(joined) / RATE, 0.25)
    assert timing["longest_pause_s"] == pytest.approx(1.5, abs=0.3)
    assert segments[0][0] == pytest.approx(0.5, abs=0.7)
    assert speech_segments(silence(2.0)) == []
