"""Text from submissions, profiles and servers, made safe to print or to put in an output file.

Submitted ids and texts are untrusted: printed raw, an escape sequence can erase a line and forge
another (``"x\\x1b[2K\\rvalid: 0 error(s)"``), a right-to-left override can reorder what a reader sees,
and a 100,000-character id floods the screen. Every value the CLI echoes goes through
:func:`printable`: control and invisible format characters become visible escapes and long values
are cut. JSON outputs go through :func:`json_line`, which keeps the value but writes those
characters as ``\\uXXXX``.
"""

from __future__ import annotations

import json
import re
from typing import Any

# The longest value echoed whole; longer ones are cut with a note of their length.
ECHO_LIMIT = 200
# Characters that steer a terminal or a text renderer instead of being shown: C0/C1 controls and DEL, the line
# and paragraph separators, and every format character of Unicode (category Cf: bidi overrides and isolates,
# zero-width characters, the BOM, tag characters), listed as ranges so that no per-character lookup is needed.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
# In JSON text C0 controls are already escaped inside strings; the raw newlines left are indentation.
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_FORMAT}]")


def printable(value: Any, limit: int | None = ECHO_LIMIT) -> str:
    """``value`` as one visible line: unsafe characters escaped (``\\x1b``, ``\\u202e``), at most ``limit`` characters
    of the original kept (``None``: no cap)."""
    text = str(value)
    cut = ""
    if limit is not None and len(text) > limit:
        cut = f"... ({len(text)} characters)"
        text = text[:limit]
    return _UNSAFE.sub(_escape, text) + cut


def printable_block(value: Any) -> str:
    """Like :func:`printable` without a cap and keeping line breaks and tabs: for texts shown in an HTML page,
    where a right-to-left override or a control character would still mislead the reader."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _escape(m), str(value))


def has_unsafe(text: str) -> bool:
    """True when ``text`` holds a character that :func:`printable` would escape."""
    return bool(_UNSAFE.search(text))


def json_line(data: Any, **options: Any) -> str:
    """JSON for a terminal or an output file: readable UTF-8, but no raw control, C1 or format character (JSON
    escapes C0 itself; the others are written here as ``\\uXXXX``, which any JSON reader turns back into the
    character). ``options`` go to :func:`json.dumps` (``indent``, ``sort_keys``)."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(data, ensure_ascii=False, **options))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: a UTF-16 surrogate pair, as JSON requires
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
