from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from humdial_eval.inputs.issues import IssueLog
from humdial_eval.inputs.loading import load_testset
from humdial_eval.reference_model.synthetic.generate import generate_dataset
from humdial_eval.reference_model.synthetic.scripts import draw_dialogue
from humdial_eval.reference_model.synthetic.voice import ASSISTANT, EspeakVoice, NumpyVoice, Speaker, syllabify


def test_the_data_set_loads_cleanly_in_the_official_layout(dataset: Path) -> None:
    for split, per_file in (("train", 2), ("test", 1)):
        issues = IssueLog(root=dataset / split)
        testset = load_testset(dataset / split, issues, tasks=["T1", "T2", "T3"])
        assert issues.issues == []
        assert sorted(testset.files) == [(lang, task) for lang in ("en", "zh") for task in ("T1", "T2", "T3")]
        for file in testset.files.values():
            assert len(file.dialogues) == per_file
            for dialogue in file.dialogues.values():
                assert 3 <= len(dialogue.turns) <= 5
                for turn in dialogue.turns:
                    info = soundfile.info(str(turn.user_audio))
                    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
                    assert turn.emotion is not None and turn.text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_dialogue_shapes_follow_the_tasks(language: str) -> None:
    rng = random.Random(5)
    for _ in range(30):
        t1, t2, t3 = (draw_dialogue(language, task, rng) for task in ("T1", "T2", "T3"))
        assert t1[-1].emotion == "neutral" and t1[-1].text.endswith(("?", "？"))
        assert t2[-1].text.endswith(("?", "？"))
        assert sum(turn.emotion != "neutral" for turn in t3) >= 2


def test_the_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    voice = NumpyVoice(max_syllables=3)
    a = generate_dataset(tmp_path / "a", voice, train_dialogues=1, test_dialogues=0, languages=("en",), tasks=("T3",), seed=4)
    b = generate_dataset(tmp_path / "b", voice, train_dialogues=1, test_dialogues=0, languages=("en",), tasks=("T3",), seed=4)
    assert a.turns == b.turns
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def _pitch_and_loudness(samples: np.ndarray) -> tuple[float, float]:
    import librosa

    f0 = librosa.yin(samples, fmin=60, fmax=700, sr=16000)
    return float(np.median(f0)), float(np.sqrt(np.mean(samples**2)))


def test_the_numpy_voice_carries_emotion_in_its_prosody() -> None:
    voice = NumpyVoice(variation=0.0)
    speaker = Speaker(base_f0=150.0, formant_shift=1.0)
    text = "I have something to tell you today"
    happy = voice.synthesize(text, "en", "happy", speaker, np.random.default_rng(0))
    sad = voice.synthesize(text, "en", "sad", speaker, np.random.default_rng(0))
    (f_happy, l_happy), (f_sad, l_sad) = _pitch_and_loudness(happy), _pitch_and_loudness(sad)
    assert f_happy > 1.3 * f_sad
    assert l_happy > 1.5 * l_sad
    assert len(sad) > 1.3 * len(happy)  # slower
    assert happy.dtype == np.float32 and np.abs(happy).max() <= 1.0


def test_syllables() -> None:
    assert syllabify("我好害怕", "zh") == ["我", "好", "害", "怕"]
    assert len(syllabify("beautiful day", "en")) == 4


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_voice_speaks_both_languages_at_16_khz() -> None:
    voice = EspeakVoice()
    rng = np.random.default_rng(0)
    en = voice.synthesize("-I am fine.", "en", "happy", ASSISTANT, rng)
    zh = voice.synthesize("我很好。", "zh", "sad", ASSISTANT, rng)
    assert 0.3 < len(en) / 16000 < 5 and 0.3 < len(zh) / 16000 < 5
    assert np.abs(en).max() > 0.01 and np.abs(zh).max() > 0.01
