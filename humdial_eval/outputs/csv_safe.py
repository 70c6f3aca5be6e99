"""CSV cells a spreadsheet shows as text, never runs: formula prefixes neutralised on the way out.

A rater id, a system name or a dialogue id comes from outside; written verbatim into a CSV, ``=HYPERLINK(...)``
or ``@SUM(...)`` is a formula the moment the file is opened in a spreadsheet. As OWASP's guidance on CSV
injection and the spreadsheet tools expect, a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return or a line break (or with one of these after leading blanks) gets a leading apostrophe, which they show as nothing and read as "this is text". Numbers
are written as they are (``-1.5`` stays a number); ordinary texts are unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> Any:
    """``value`` fit for a CSV cell: a text starting like a formula (also after leading blanks, which spreadsheets
    skip) is prefixed with ``'``; anything else is returned unchanged."""
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES)
                                   or value.lstrip(" \t\r\n").startswith(FORMULA_PREFIXES)):
        return "'" + value
    return value


def uncell(text: str) -> str:
    """The text :func:`cell` was given, for a reader of a CSV this harness wrote: the apostrophe it added goes."""
    if text.startswith("'") and cell(text[1:]) == text:
        return text[1:]
    return text


class SafeWriter:
    """:func:`csv.writer` whose rows pass through :func:`cell`."""

    def __init__(self, handle: Any, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: Any, **options: Any) -> SafeWriter:
    """The project's CSV writer: like :func:`csv.writer`, formula prefixes neutralised."""
    return SafeWriter(handle, **options)
