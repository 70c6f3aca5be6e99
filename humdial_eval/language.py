"""Language identification for the language rule (a reply in the wrong language scores the minimum).

py3langid is restricted to the benchmark's two languages. Very short or letter-free replies give no
reliable answer; they are reported as undetermined and the rule does not fire on them.
"""

from __future__ import annotations

import re
from functools import cache

_LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]")
MIN_LETTERS = 4


@cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["zh", "en"])
    return identifier


def detect_language(text: str) -> str | None:
    """``"zh"``, ``"en"``, or None when the text is too short to tell."""
    if len(_LETTERS.findall(text)) < MIN_LETTERS:
        return None
    language, _ = _identifier().classify(text)
    return str(language)


def language_mismatch(text: str, expected: str) -> str | None:
    """The detected language when it differs from ``expected``, else None."""
    detected = detect_language(text)
    return detected if detected is not None and detected != expected else None
