"""Paralinguistic and speaker attributes of a user turn: the cues stage 1 learns to hear besides emotion.

The synthetic data records, for every user turn, the settings its voice was made with (speaking
rate, pitch level, energy; the speaker's gender and age range). IEAT thinking states them in words
after the emotion ("User is sad; slow, soft, low-pitched; an older man. Cause: ...") so that the
model reasons about how the user sounds before it answers, and evaluation reads them back from the
thinking the model writes. A data set without these fields simply has no attributes in its thinking.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# attribute -> (jsonl field, allowed values)
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "speaking_rate": ("slow", "normal", "fast"),
    "pitch_level": ("low", "mid", "high"),
    "energy": ("soft", "normal", "loud"),
    "gender": ("female", "male"),
    "age_range": ("young", "adult", "senior"),
}

_PARALINGUISTIC: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "speaking_rate": {"slow": "slow", "normal": "steady", "fast": "fast"},
        "energy": {"soft": "soft", "normal": "even", "loud": "loud"},
        "pitch_level": {"low": "low-pitched", "mid": "mid-pitched", "high": "high-pitched"},
    },
    "zh": {
        "speaking_rate": {"slow": "语速慢", "normal": "语速平稳", "fast": "语速快"},
        "energy": {"soft": "声音轻", "normal": "音量适中", "loud": "声音响"},
        "pitch_level": {"low": "音调低", "mid": "音调中", "high": "音调高"},
    },
}
_SPEAKER: dict[str, dict[tuple[str, str], str]] = {
    "en": {
        ("female", "young"): "a young woman", ("female", "adult"): "a woman", ("female", "senior"): "an older woman",
        ("male", "young"): "a young man", ("male", "adult"): "a man", ("male", "senior"): "an older man",
    },
    "zh": {
        ("female", "young"): "年轻女性", ("female", "adult"): "中年女性", ("female", "senior"): "老年女性",
        ("male", "young"): "年轻男性", ("male", "adult"): "中年男性", ("male", "senior"): "老年男性",
    },
}


def from_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """The attributes a turn's fields give (unknown or missing values are left out)."""
    return {name: str(fields[name]) for name, values in ATTRIBUTES.items() if fields.get(name) in values}


def describe(attributes: Mapping[str, str], language: str) -> str:
    """The attributes in words, e.g. 'slow, soft, low-pitched; an older man' (empty when there are none)."""
    words = _PARALINGUISTIC[language]
    parts = [words[name][attributes[name]] for name in ("speaking_rate", "energy", "pitch_level") if name in attributes]
    joiner = ", " if language == "en" else "，"
    text = joiner.join(parts)
    if "gender" in attributes and "age_range" in attributes:
        who = _SPEAKER[language][(attributes["gender"], attributes["age_range"])]
        text = f"{text}; {who}" if language == "en" and text else (f"{text}，{who}" if text else who)
    return text


def parse(text: str) -> dict[str, str]:
    """The attributes named in a thinking segment (either language); an attribute not named is absent."""
    found: dict[str, str] = {}
    for words in _PARALINGUISTIC.values():
        for name, table in words.items():
            for value, word in table.items():
                if name not in found and _contains(text, word):
                    found[name] = value
    for table in _SPEAKER.values():
        # longest phrase first, so that 'an older woman' wins over 'a woman' and '... man'
        for (gender, age), phrase in sorted(table.items(), key=lambda item: -len(item[1])):
            if "gender" not in found and _contains(text, phrase):
                found["gender"], found["age_range"] = gender, age
    return found


def _contains(text: str, phrase: str) -> bool:
    if phrase.isascii():
        return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, flags=re.IGNORECASE) is not None
    return phrase in text
