"""Identifiers from outside (rater, system, team): one spelling per name, and no look-alike letters.

Two rater ids that differ only by a Cyrillic ``а`` in place of a Latin ``a`` look identical on screen yet
counted as two raters; a full-width ``ｒ１`` and ``r1`` are the same id typed differently. So identifiers are
NFKC-normalised (compatibility forms folded: full-width, ligatures, superscripts) and refused when their
letters mix scripts, in the spirit of Unicode's "highly restrictive" profile (UTS #39, section 5.2): one
script, or Latin with the scripts East Asian text mixes with it (Han, Hiragana, Katakana, Bopomofo, Hangul),
since this benchmark is Chinese and English. The script of a letter is read from its Unicode name
(``CYRILLIC SMALL LETTER A``), which is what the standard library offers; digits, spaces and punctuation
belong to no script here.
"""

from __future__ import annotations

import unicodedata

from humdial_eval.terminal import printable

# Scripts Latin may be mixed with (UTS #39 "highly restrictive" allows Latin + Han + Hiragana + Katakana,
# Latin + Han + Bopomofo, Latin + Han + Hangul; they are taken together here).
_EAST_ASIAN = {"Han", "Hiragana", "Katakana", "Bopomofo", "Hangul"}
_NAME_PREFIX = {"CJK": "Han", "HIRAGANA": "Hiragana", "KATAKANA": "Katakana", "BOPOMOFO": "Bopomofo",
                "HANGUL": "Hangul", "KATAKANA-HIRAGANA": "Katakana"}


def normalise(text: str) -> str:
    """The one spelling of an identifier: NFKC, surrounding blanks removed."""
    return unicodedata.normalize("NFKC", text).strip()


def script(char: str) -> str | None:
    """The script of a letter (``Latin``, ``Cyrillic``, ``Han``...), None for anything that is not a letter."""
    if not unicodedata.category(char).startswith("L"):
        return None
    first = unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return _NAME_PREFIX.get(first, first.capitalize())


def mixed_script_problem(text: str) -> str | None:
    """Why ``text`` mixes scripts in a way that hides look-alikes (naming the odd letters), or None."""
    found: dict[str, list[str]] = {}
    for char in text:
        name = script(char)
        if name is not None:
            found.setdefault(name, []).append(char)
    scripts = set(found)
    if len(scripts) <= 1 or scripts <= {"Latin", *_EAST_ASIAN}:
        return None
    main = max(found, key=lambda s: len(found[s]))
    odd = [c for s, chars in found.items() if s != main for c in chars]
    shown = ", ".join(f"{printable(c)!r} U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in dict.fromkeys(odd[:3]))
    return f"mixes {' and '.join(sorted(scripts))} letters ({shown}): look-alike letters are refused"


def check_identifier(text: str) -> tuple[str, str | None]:
    """``(normalised text, problem or None)`` for an identifier read from outside."""
    value = normalise(text)
    return value, mixed_script_problem(value)


def reveal(text: str, limit: int | None = 200) -> str:
    """``text`` for a message, with letters outside its main script shown as ``\\uXXXX``, so that a look-alike
    (``аnger`` with a Cyrillic ``а``) cannot pass for the plain word it imitates; controls escaped as by
    :func:`~humdial_eval.terminal.printable`."""
    if mixed_script_problem(text) is None:
        return printable(text, limit)
    counts: dict[str, int] = {}
    for char in text:
        name = script(char)
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    main = max(counts, key=lambda s: counts[s])
    shown = "".join(f"\\u{ord(c):04x}" if script(c) not in (None, main) else c for c in text)
    return printable(shown, limit)
