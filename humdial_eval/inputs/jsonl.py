"""The one reader of untrusted JSON Lines files (submissions, test sets, `score` output folders).

Every file of one-object-per-line data goes through :func:`read_jsonl`, so a problem gets the same
stable code wherever it is found: ``not_a_file``, ``unreadable_file``, ``file_too_large``,
``line_too_long``, ``invalid_utf8``, ``invalid_json``, ``duplicate_key``. A bad line is reported
with its number and skipped; the reader goes on with the next.

Choices: a UTF-8 byte order mark at the start of the file is accepted and dropped (editors on Windows
write one; it is not content). An object with the same key twice is refused, because JSON parsers
disagree on which value wins and a reviewer may read the other one. ``NaN``/``Infinity`` are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from humdial_eval.inputs.inputfiles import InputFileError, open_regular
from humdial_eval.inputs.issues import IssueLog

MAX_JSONL_BYTES = 256 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def read_jsonl(
    path: Path,
    issues: IssueLog,
    *,
    max_bytes: int = MAX_JSONL_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for every line that is a JSON object; report the others."""
    try:
        handle = open_regular(path, max_bytes=max_bytes)
    except InputFileError as exc:
        issues.add(exc.code, exc.reason, file=path)
        return
    except OSError as exc:
        issues.add("unreadable_file", f"cannot be read ({exc.strerror or type(exc).__name__})", file=path)
        return
    with handle:
        yield from _lines(handle, path, issues, max_bytes, max_line_bytes)


def _lines(
    handle: BinaryIO, path: Path, issues: IssueLog, max_bytes: int, max_line_bytes: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    line_no = 0
    total = 0
    while True:
        raw = handle.readline(max_line_bytes + 1)
        if not raw:
            return
        line_no += 1
        total += len(raw)
        if total > max_bytes:  # the file grew after it was opened
            issues.add("file_too_large", f"more than {max_bytes} bytes; the rest is refused", file=path, line=line_no)
            return
        if line_no == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            issues.add("line_too_long", f"line exceeds {max_line_bytes} bytes; skipped", file=path, line=line_no)
            total += _skip_rest_of_line(handle, max_line_bytes)
            continue
        record = decode_line(raw, path, line_no, issues)
        if record is not None:
            yield line_no, record


def decode_line(raw: bytes, path: Path, line_no: int, issues: IssueLog) -> dict[str, Any] | None:
    """One line as a JSON object, or ``None`` (blank lines silently; bad ones with an issue)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        issues.add("invalid_utf8", f"line is not valid UTF-8 (byte {exc.start})", file=path, line=line_no)
        return None
    if not text.strip():
        return None
    try:
        record = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except DuplicateKeyError as exc:
        issues.add("duplicate_key", str(exc), file=path, line=line_no, field=exc.key[:200])
        return None
    except (ValueError, RecursionError) as exc:
        issues.add("invalid_json", f"not valid JSON: {exc}", file=path, line=line_no)
        return None
    if not isinstance(record, dict):
        issues.add("invalid_json", "line is not a JSON object", file=path, line=line_no)
        return None
    return record


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key {key[:200]!r} appears twice in one object (which one counts is ambiguous); line refused")
        self.key = key


def loads_strict(text: str | bytes) -> Any:
    """``json.loads`` with the reader's rules: no duplicate keys, no NaN/Infinity."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise DuplicateKeyError(key)
        record[key] = value
    return record


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON number")


def _skip_rest_of_line(handle: BinaryIO, chunk: int) -> int:
    skipped = 0
    while True:
        data = handle.readline(chunk)
        skipped += len(data)
        if not data or data.endswith(b"\n"):
            return skipped
