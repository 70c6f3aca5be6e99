"""The file under a memo kept beside the judgment store between runs (bootstrap intervals, prompt hashes): a JSON
object ``{"schema": ..., "entries": {key: value}}``, read whole and written whole.

A memo only ever saves work, so it never stops a run: a missing, unreadable or foreign file reads as empty (a FIFO,
a device or an oversized file too: it is opened with the checks every outside file gets, :mod:`inputfiles`), and
a file that cannot be written is left as it was. Writes go through the project's atomic writer, so that a
reader never sees half a file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from humdial_eval.outputs.atomic_write import DiskFullError, write_atomic
from humdial_eval.inputs.inputfiles import read_regular_text

# A memo holds at most a few thousand short entries; anything larger is not one of ours.
MAX_MEMO_BYTES = 64 * 1024 * 1024


def read_entries(path: Path, schema: str) -> dict[str, Any]:
    """The entries of ``path`` if it holds a memo of ``schema``, else an empty dict."""
    try:
        data = json.loads(read_regular_text(path, max_bytes=MAX_MEMO_BYTES))
    except (OSError, ValueError):  # InputFileError (a FIFO, a device, too large) is an OSError
        return {}
    entries = data.get("entries") if isinstance(data, dict) and data.get("schema") == schema else None
    return entries if isinstance(entries, dict) else {}


def write_entries(path: Path, schema: str, entries: dict[str, Any], keep: int) -> None:
    """Write the newest ``keep`` entries (insertion order) as a memo of ``schema``; give up silently on errors."""
    kept = dict(list(entries.items())[-keep:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"schema": schema, "entries": kept}))
    except (OSError, DiskFullError):
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
