"""Opening files that come from outside (submissions, test sets, profiles, ratings, run folders).

Such a path may name a FIFO (reading blocks forever), a character device (``/dev/zero`` never ends), a
directory, or a file swapped for one of these between a check and the read. Every outside file is
therefore opened here: the path is checked with ``stat`` before it is opened (so a device is never
opened at all), opened with ``O_NONBLOCK`` (so a FIFO that slipped past the check cannot block), and
the *opened* descriptor is checked again with ``fstat`` (so no swap between check and open goes
unnoticed). Only regular files get through, and size limits are enforced on the bytes actually read.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class InputFileError(OSError):
    """An outside file that is refused; ``reason`` is a short phrase fit for a one-line message."""

    def __init__(self, path: Path | str, reason: str, code: str) -> None:
        super().__init__(reason)
        self.path = Path(path)
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        return self.reason


class NotRegularFileError(InputFileError):
    """The path is a directory, FIFO, socket or device: refused without reading."""

    def __init__(self, path: Path | str, mode: int) -> None:
        super().__init__(path, f"is {kind_of(mode)}, not a regular file; refused", "not_a_file")


class FileTooLargeError(InputFileError):
    def __init__(self, path: Path | str, size: int | str, limit: int) -> None:
        super().__init__(path, f"{size} bytes exceeds the limit of {limit}; refused", "file_too_large")


def kind_of(mode: int) -> str:
    """What a file is, in words: 'a directory', 'a FIFO (named pipe)', ..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def is_regular(path: Path | str) -> bool:
    """True when ``path`` (links followed) is a regular file; never opens it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def check_regular(path: Path | str) -> None:
    """Raise :class:`NotRegularFileError` (or ``OSError``) unless ``path`` is a regular file; opens nothing."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(path, mode)


def open_regular(path: Path | str, *, max_bytes: int | None = None) -> BinaryIO:
    """Open a regular file for binary reading, refusing anything else before a byte is read.

    Raises :class:`NotRegularFileError`, :class:`FileTooLargeError` (by the size on disk; readers that
    must be exact also count what they read, see :func:`read_regular_bytes`) or ``OSError``.
    """
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFileError(path, before.st_mode)
    fd = os.open(path, _FLAGS)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise NotRegularFileError(path, opened.st_mode)
        if max_bytes is not None and opened.st_size > max_bytes:
            raise FileTooLargeError(path, opened.st_size, max_bytes)
        if _NONBLOCK:
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
        return io.open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def read_regular_bytes(path: Path | str, *, max_bytes: int) -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` bytes (counted while reading)."""
    with open_regular(path, max_bytes=max_bytes) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLargeError(path, f"more than {max_bytes}", max_bytes)
    return data


def read_regular_text(path: Path | str, *, max_bytes: int, encoding: str = "utf-8") -> str:
    """Like :func:`read_regular_bytes`, decoded (``UnicodeDecodeError`` on bad bytes)."""
    return read_regular_bytes(path, max_bytes=max_bytes).decode(encoding)
