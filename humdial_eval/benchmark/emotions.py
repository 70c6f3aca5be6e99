"""The benchmark's seven emotion labels and the normalisation of their spellings.

Data files in the wild spell labels in several ways (``Angry``, ``happiness``, ``fearful``);
every comparison in the harness goes through :func:`normalise_emotion` so that a label is
one string everywhere.
"""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "anger", "fear", "surprise", "disgust")

_VARIANTS: dict[str, str] = {
    "neutral": "neutral",
    "neutrality": "neutral",
    "calm": "neutral",
    "happy": "happy",
    "happiness": "happy",
    "joy": "happy",
    "sad": "sad",
    "sadness": "sad",
    "anger": "anger",
    "angry": "anger",
    "fear": "fear",
    "fearful": "fear",
    "afraid": "fear",
    "surprise": "surprise",
    "surprised": "surprise",
    "disgust": "disgust",
    "disgusted": "disgust",
    # Chinese spellings seen in bilingual label sets.
    "中性": "neutral",
    "平静": "neutral",
    "开心": "happy",
    "高兴": "happy",
    "快乐": "happy",
    "伤心": "sad",
    "难过": "sad",
    "悲伤": "sad",
    "生气": "anger",
    "愤怒": "anger",
    "恐惧": "fear",
    "害怕": "fear",
    "惊讶": "surprise",
    "厌恶": "disgust",
}


class UnknownEmotionError(ValueError):
    """A label that is not one of the seven emotions nor a known variant of one."""


def normalise_emotion(label: str) -> str:
    """Map a label (any case, common variants, ``生气/angry`` style) onto the seven classes."""
    text = label.strip().lower()
    if text in _VARIANTS:
        return _VARIANTS[text]
    # Bilingual labels such as "生气/angry" (emotion2vec) resolve through either half.
    for part in text.replace("|", "/").split("/"):
        part = part.strip()
        if part in _VARIANTS:
            return _VARIANTS[part]
    raise UnknownEmotionError(f"unknown emotion label {label!r}; expected one of {', '.join(EMOTIONS)}")


def is_neutral(label: str | None) -> bool:
    """True for the neutral class; a missing label counts as neutral for turn selection."""
    return label is None or label == "neutral"
