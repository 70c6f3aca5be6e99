"""Text from submissions, profiles and servers, made safe to print or to put in a one-line record.

Submitted ids and texts are untrusted: printed raw, an escape sequence can erase a line and forge
another (``"x\\x1b[2K\\rvalid: 0 error(s)"``), a right-to-left override can reorder what a reader sees,
and a 100,000-character id floods the screen. Every value the CLI echoes goes through
:func:`printable`: control and format characters become visible escapes and long values are cut.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# The longest value echoed whole; longer ones are cut with a note of their length.
ECHO_LIMIT = 200
# Characters that steer a terminal or a text renderer instead of being shown: C0/C1 controls, DEL,
# bidirectional overrides/isolates, zero-width and other format characters, line/paragraph separators.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
# In JSON text C0 controls are already escaped inside strings; the raw newlines left are indentation.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def printable(value: Any, limit: int | None = ECHO_LIMIT) -> str:
    """``value`` as one visible line: unsafe characters escaped (``\\x1b``, ``\\u202e``), at most ``limit`` characters
    of the original kept (``None``: no cap)."""
    text = str(value)
    cut = ""
    if limit is not None and len(text) > limit:
        cut = f"... ({len(text)} characters)"
        text = text[:limit]
    return _UNSAFE.sub(_escape, _other_format_chars(text)) + cut


def printable_block(value: Any) -> str:
    """Like :func:`printable` without a cap and keeping line breaks and tabs: for texts shown in an HTML page,
    where a right-to-left override or a control character would still mislead the reader."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _escape(m), _other_format_chars(str(value)))


def has_unsafe(text: str) -> bool:
    """True when ``text`` holds a character that :func:`printable` would escape."""
    return bool(_UNSAFE.search(text)) or any(unicodedata.category(c) == "Cf" for c in text)


def json_line(data: Any, **options: Any) -> str:
    """JSON for a terminal or an output file: readable UTF-8, but no raw control, C1 or bidi character (JSON escapes
    C0 itself; the others are escaped here as ``\\uXXXX``, which any JSON reader turns back into the character).
    ``options`` go to :func:`json.dumps` (``indent``, ``sort_keys``)."""
    text = json.dumps(data, ensure_ascii=False, **options)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", _other_format_chars(text, json_style=True))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _other_format_chars(text: str, json_style: bool = False) -> str:
    """Format characters outside the ranges above (e.g. tag characters) are escaped too."""
    if text.isascii():
        return text
    out = []
    for char in text:
        if ord(char) > 0x9F and unicodedata.category(char) == "Cf" and not _UNSAFE.match(char):
            code = ord(char)
            if json_style:
                out.append("".join(f"\\u{unit:04x}" for unit in _utf16(code)))
            else:
                out.append(f"\\U{code:08x}" if code > 0xFFFF else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _utf16(code: int) -> list[int]:
    if code <= 0xFFFF:
        return [code]
    code -= 0x10000
    return [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]
