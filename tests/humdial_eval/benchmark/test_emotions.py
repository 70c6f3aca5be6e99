from __future__ import annotations

import pytest

from humdial_eval.benchmark.emotions import EMOTIONS, UnknownEmotionError, normalise_emotion


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Angry", "anger"),
        ("anger", "anger"),
        ("HAPPINESS", "happy"),
        ("sadness", "sad"),
        ("fearful", "fear"),
        ("Surprised", "surprise"),
        ("disgusted", "disgust"),
        (" neutral ", "neutral"),
        ("生气/angry", "anger"),
        ("难过", "sad"),
    ],
)
def test_variants_normalise_to_the_seven_labels(label: str, expected: str) -> None:
    assert normalise_emotion(label) == expected
    assert expected in EMOTIONS


def test_unknown_label_is_an_error_naming_the_label() -> None:
    with pytest.raises(UnknownEmotionError, match="bored"):
        normalise_emotion("bored")
