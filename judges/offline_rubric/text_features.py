"""Text measurements the offline rubric judge builds its scores from (pure functions, both languages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from humdial_eval.judges.offline_rubric.lexicon import EMOTION_WORDS, NEGATIONS, STOP_CHARS_ZH, STOPWORDS_EN

# The offline judge reads at most this many characters of a reply (about 700 English words, minutes of
# speech; a spoken reply is far shorter). Every judge gets at most humdial_eval.inputs.loading.MAX_JUDGED_CHARS.
MAX_ANALYSED_CHARS = 4_000

_WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*|\n+")


@dataclass(frozen=True)
class EmotionMention:
    emotion: str
    word: str
    position: int


def find_emotions(text: str, language: str) -> list[EmotionMention]:
    """Emotion words in order of appearance, skipping negated ones ("not angry", "不生气").

    Longer entries win over the shorter ones they contain ("caught off guard" over "guard"). The time is
    linear in the text: a covered-position map answers "does this match overlap one already taken?"
    in the match's own length, whatever the number of earlier matches.
    """
    return list(_find_emotions(text, language))


@lru_cache(maxsize=32)
def _find_emotions(text: str, language: str) -> tuple[EmotionMention, ...]:
    """Cached: several dimensions read the emotions of the same reply."""
    lowered = text.lower()
    mentions: list[EmotionMention] = []
    covered = bytearray(len(lowered) + 1)
    whole_words = language != "zh"
    for word, emotion, pattern in _patterns(language):
        for match in pattern.finditer(lowered):
            start, end = match.start(), match.end()
            if whole_words and start and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
                continue  # not at a word boundary (what a leading \b would check, see _pattern)
            if covered.find(1, start, end) != -1:
                continue
            covered[start:end] = b"\x01" * (end - start)
            if _negated(lowered, start, language):
                continue
            mentions.append(EmotionMention(emotion, word, start))
    return tuple(sorted(mentions, key=lambda m: m.position))


@lru_cache(maxsize=None)
def _patterns(language: str) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(word, emotion, compiled pattern), longest words first; compiled once per language."""
    entries = sorted(
        ((word, emotion) for emotion, words in EMOTION_WORDS[language].items() for word in words),
        key=lambda entry: -len(entry[0]),
    )
    return tuple((word, emotion, _pattern(word, language)) for word, emotion in entries)


def _pattern(word: str, language: str) -> re.Pattern[str]:
    if language == "zh":
        return re.compile(re.escape(word))
    # Whole words, allowing simple inflections (worried/worries, frustrating). The boundary before the
    # word is checked by the caller: a leading \b would stop the regex engine from searching for the
    # literal word quickly, and make every one of the ~100 scans try every position of the text.
    return re.compile(re.escape(word) + r"(?:s|es|ed|d|ing|ly)?\b")


def _negated(text: str, start: int, language: str) -> bool:
    if language == "zh":
        window = text[max(0, start - 2) : start]
        return any(neg in window for neg in NEGATIONS["zh"])
    before = _WORD.findall(text[max(0, start - 30) : start].replace("’", "'"))[-3:]
    return any(word in NEGATIONS["en"] or word.endswith("n't") for word in before)


def emotion_sequence(text: str, language: str) -> list[str]:
    """The emotions a text names, in order, with immediate repetitions collapsed."""
    return collapse([m.emotion for m in find_emotions(text, language)])


def collapse(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        if not out or out[-1] != label:
            out.append(label)
    return out


@lru_cache(maxsize=256)
def content_units(text: str, language: str) -> frozenset[str]:
    """Meaning-bearing units: content words (en, crudely stemmed) or character bigrams (zh).

    Cached: the dimensions compare the same reply and user turns many times over.
    """
    if language == "zh":
        chars = [c for c in text if _CJK.match(c)]
        return frozenset(a + b for a, b in zip(chars, chars[1:]) if a not in STOP_CHARS_ZH and b not in STOP_CHARS_ZH)
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS_EN)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def length(text: str, language: str) -> int:
    """Words (en) or Chinese characters (zh)."""
    if language == "zh":
        return len(_CJK.findall(text))
    return len(_WORD.findall(text.lower()))


def has_marker(text: str, markers: tuple[str, ...], language: str) -> str | None:
    """The first marker phrase found in ``text`` (whole words in English), or None."""
    lowered = text.lower().replace("’", "'")
    for marker in markers:
        if language == "zh":
            if marker in lowered:
                return marker
        elif re.search(r"(?<![a-z])" + re.escape(marker) + r"(?![a-z])", lowered):
            return marker
    return None
