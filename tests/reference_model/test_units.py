from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from humdial_eval.reference_model.config import UnitConfig
from humdial_eval.reference_model.units import GriffinLimVocoder, UnitCodec, load_vocoder


def tone(freq: float, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_units_separate_pitches_and_resynthesise_to_sound() -> None:
    codec = UnitCodec(UnitConfig(codebook_size=4, n_mels=24, griffin_lim_iters=8))
    low, high = codec.mel(tone(200)), codec.mel(tone(1200))
    codec.fit([low, high], seed=0)
    low_units, high_units = codec.encode(tone(200)), codec.encode(tone(1200))
    assert len(low_units) == len(low) == 26  # 25 units a second
    assert set(low_units[2:-2]).isdisjoint(high_units[2:-2])
    samples, rate = GriffinLimVocoder(codec)(high_units)
    assert rate == 16000 and abs(len(samples) - 16000) < 1024
    spectrum = np.abs(np.fft.rfft(samples))
    assert 900 < np.argmax(spectrum) * 16000 / len(samples) < 1500  # the pitch survives the round trip
    assert GriffinLimVocoder(codec)(np.zeros(0, dtype=np.int64))[0].size == 0


def test_a_vocoder_plugs_in_by_module_and_name(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("my_vocoder")
    module.make = lambda codec: (lambda units: (np.zeros(len(units) * 640, dtype=np.float32), 16000))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "my_vocoder", module)
    codec = UnitCodec(UnitConfig(vocoder="my_vocoder:make"))
    samples, rate = load_vocoder(codec)(np.array([1, 2, 3]))
    assert len(samples) == 1920 and rate == 16000
    with pytest.raises(ValueError, match="module:factory"):
        load_vocoder(UnitCodec(UnitConfig(vocoder="nonsense")))


def test_an_unfitted_codec_says_so() -> None:
    with pytest.raises(RuntimeError, match="not been fitted"):
        UnitCodec(UnitConfig()).encode(tone(300))
