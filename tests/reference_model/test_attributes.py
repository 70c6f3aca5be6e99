from __future__ import annotations

import itertools

import numpy as np
import pytest

from humdial_eval.reference_model import attributes as attrs
from humdial_eval.reference_model.synthetic.voice import AGES, GENDERS, VOICES, NumpyVoice, Speaker, Style


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_combination_reads_back_from_its_words(language: str) -> None:
    names = list(attrs.ATTRIBUTES)
    for values in itertools.product(*attrs.ATTRIBUTES.values()):
        chosen = dict(zip(names, values))
        assert attrs.parse(f"User is sad; {attrs.describe(chosen, language)}. Cause: x.") == chosen


def test_unknown_or_missing_fields_give_no_attribute() -> None:
    assert attrs.from_fields({"gender": "robot", "energy": "loud", "speaker": "x"}) == {"energy": "loud"}
    assert attrs.describe({}, "en") == ""
    assert attrs.parse("User is happy. Cause: they won.") == {}


def test_the_voice_bank_covers_every_gender_and_age() -> None:
    assert len(VOICES) >= 24
    assert {(v.gender, v.age) for v in VOICES} == set(itertools.product(GENDERS, AGES))
    assert len({v.name for v in VOICES}) == len(VOICES)


def _pitch(samples: np.ndarray) -> float:
    import librosa

    return float(np.median(librosa.yin(samples, fmin=60, fmax=700, sr=16000)))


def test_styles_change_what_they_name() -> None:
    voice, speaker = NumpyVoice(variation=0.0), Speaker(150.0, 1.0, "male", "adult")
    text = "one two three four five six"

    def make(style: Style) -> np.ndarray:
        return voice.synthesize(text, "en", "neutral", speaker, np.random.default_rng(1), style)

    assert len(make(Style(rate="slow"))) > 1.2 * len(make(Style(rate="fast")))
    assert np.abs(make(Style(energy="loud"))).max() > 2 * np.abs(make(Style(energy="soft"))).max()
    assert _pitch(make(Style(pitch="high"))) > 1.2 * _pitch(make(Style(pitch="low")))  # 4 semitones apart


def test_delivery_settings_do_not_drown_the_emotion() -> None:
    """The regression this guards: with larger settings, a happy voice at a low pitch level sounded
    lower than a sad one at a high level, and the tiny model stopped hearing emotion at all."""
    voice, speaker = NumpyVoice(variation=0.0), Speaker(150.0, 1.0, "male", "adult")
    text = "one two three four five six"

    def make(emotion: str, style: Style) -> np.ndarray:
        return voice.synthesize(text, "en", emotion, speaker, np.random.default_rng(1), style)

    assert _pitch(make("happy", Style(pitch="low"))) > 1.1 * _pitch(make("sad", Style(pitch="high")))
    assert len(make("sad", Style(rate="fast"))) > 1.2 * len(make("fear", Style(rate="slow")))


def test_generated_turns_record_the_settings_of_their_voice(dataset) -> None:
    import json

    voices = {v.name: v for v in VOICES}
    for path in (dataset / "train").rglob("*.jsonl"):
        for line in path.read_text().splitlines():
            turns = json.loads(line)["turns"]
            assert len({t["speaker"] for t in turns}) == 1  # one voice per dialogue
            for turn in turns:
                assert attrs.from_fields(turn).keys() == attrs.ATTRIBUTES.keys()
                voice = voices[turn["speaker"]]
                assert (turn["gender"], turn["age_range"]) == (voice.gender, voice.age)
