"""The file under a memo kept beside the judgment store between runs (bootstrap intervals, prompt hashes): a JSON
object ``{"schema": ..., "entries": {key: value}}``, read whole and written whole.

A memo only ever saves work, so it never stops a run: a missing, unreadable or foreign file reads as empty, and
a file that cannot be written is left as it was. Writes go to a temporary file in the same folder, then rename,
so that a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_entries(path: Path, schema: str) -> dict[str, Any]:
    """The entries of ``path`` if it holds a memo of ``schema``, else an empty dict."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) and data.get("schema") == schema else None
    return entries if isinstance(entries, dict) else {}


def write_entries(path: Path, schema: str, entries: dict[str, Any], keep: int) -> None:
    """Write the newest ``keep`` entries (insertion order) as a memo of ``schema``; give up silently on errors."""
    kept = dict(list(entries.items())[-keep:])
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}-",
                                         suffix=".tmp", delete=False) as tmp:
            json.dump({"schema": schema, "entries": kept}, tmp)
        os.replace(tmp.name, path)
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp.name)
            except OSError:
                pass


class JsonMemo:
    """A memo file's entries, read on first use, written back by :meth:`save` only when changed."""

    schema = ""  # set by each kind of memo
    keep = 4096  # the newest entries kept on save

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Any] | None = None
        self._changed = False

    def save(self) -> None:
        """Write the file whole (temporary file, then rename); a memo that cannot be written is skipped."""
        if self._changed and self._entries is not None:
            write_entries(self.path, self.schema, self._entries, self.keep)
        self._changed = False

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = read_entries(self.path, self.schema)
        return self._entries
