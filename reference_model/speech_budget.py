"""How many speech units a spoken reply needs: the training data's own speaking rate, per language.

A spoken reply must say the whole written reply. The speech head decides when to stop, but a model
that stops early cuts the reply mid-sentence, and one that never stops rambles to the cap. So the
decoder gives every reply a budget from its length: ``expected`` units is the reply's spoken length
(:func:`humdial_eval.inputs.audio_check.spoken_length`: Han characters in Chinese, words in English, the same
measure the harness's duration check uses) times the units per character or word measured on the
training replies' speech targets (:func:`measure`, written as ``speech_rate.json`` beside the model).
The end of speech is not allowed before ``MIN_SHARE`` of it and speech stops at ``MAX_SHARE`` of it
(never beyond ``units.max_units``, the config's cap). Where a reply needs more than the cap, it is cut,
and :class:`Budget` says so.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humdial_eval.inputs.audio_check import spoken_length

FILE = "speech_rate.json"
MIN_SHARE = 0.8  # the end of speech is masked until this share of the expected units is spoken
MAX_SHARE = 1.5  # ... and forced at this share (plus MARGIN units), or at the cap
MARGIN = 10
MAX_BYTES = 1 << 20


class SpeechRateError(ValueError):
    """A speech_rate.json that cannot be used; the message names the file."""


@dataclass(frozen=True)
class SpeechRate:
    """Units per spoken-length unit (character for zh, word for en), from whole (uncut) training replies."""

    units_per: dict[str, float]  # language -> units per character / word
    replies: dict[str, int]  # language -> whole replies it was measured on
    cut: int  # training replies longer than the cap (cut there; not measured)

    def to_dict(self) -> dict[str, Any]:
        return {"units_per": self.units_per, "replies": self.replies, "cut": self.cut}


@dataclass(frozen=True)
class Budget:
    expected: int  # units the reply's length needs at the training data's rate (0: rate unknown)
    min_units: int
    max_units: int
    capped: bool  # the config's cap is below what the reply needs: it will be cut


def measure(replies: Sequence[tuple[str, str, int, bool]]) -> SpeechRate:
    """``(text, language, units, cut)`` per training reply; the median rate per language over whole replies.

    The median, not the mean: a reply with one word and a long pause would pull a mean."""
    rates: dict[str, list[float]] = {}
    cut = 0
    for text, language, units, was_cut in replies:
        if was_cut:
            cut += 1
            continue
        _, length = spoken_length(text, language)
        if length > 0 and units > 0:
            rates.setdefault(language, []).append(units / length)
    return SpeechRate({k: statistics.median(v) for k, v in sorted(rates.items())}, {k: len(v) for k, v in sorted(rates.items())}, cut)


def budget(text: str, language: str, rate: SpeechRate | None, cap: int, floor: int = 0) -> Budget:
    """The unit budget of one reply; without a measured rate for the language, only ``floor`` and the cap."""
    per = rate.units_per.get(language) if rate is not None else None
    if not per:
        return Budget(0, min(floor, cap), cap, False)
    expected = math.ceil(spoken_length(text, language)[1] * per)
    low = max(floor, math.floor(MIN_SHARE * expected))
    high = math.ceil(MAX_SHARE * expected) + MARGIN
    return Budget(expected, min(low, cap), min(high, cap), expected > cap)


def coverage(units: int, text: str, language: str, rate: SpeechRate | None) -> float | None:
    """Share of the written reply the spoken units can cover at the training rate (capped at 1), or None."""
    per = rate.units_per.get(language) if rate is not None else None
    length = spoken_length(text, language)[1]
    if not per or length == 0:
        return None
    return min(1.0, units / (per * length))


def save(folder: Path, rate: SpeechRate) -> None:
    (folder / FILE).write_text(json.dumps(rate.to_dict(), indent=2), encoding="utf-8")


def load(folder: Path) -> SpeechRate | None:
    """None when the file is absent (a checkpoint from before the budget); an error when it is unusable."""
    path = folder / FILE
    if not path.exists():
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        data = json.loads(raw.decode("utf-8"))
        units_per = {str(k): float(v) for k, v in data["units_per"].items()}
        if not all(math.isfinite(v) and 0 < v < 1000 for v in units_per.values()):
            raise ValueError("units_per must be positive finite numbers")
        replies = {str(k): int(v) for k, v in data.get("replies", {}).items()}
        return SpeechRate(units_per, replies, int(data.get("cut", 0)))
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SpeechRateError(f"{path}: not a speech rate written by this version ({exc})"[:300]) from exc

