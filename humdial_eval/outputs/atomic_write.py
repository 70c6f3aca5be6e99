"""The one way the harness writes a file: whole or not at all, and a full disk said plainly.

Every output (results, reports, CSVs, the generation journal's rewrites, submissions, checkpoints' metadata)
is written to a temporary file in the target's folder, flushed to disk, then renamed over the target, so a
reader never sees half a file and an existing file is never truncated by a failed write. Where the size is
known before writing, the free space is checked first. A full disk or an exhausted quota (``ENOSPC``,
``EDQUOT``) becomes :class:`DiskFullError`, a user error naming the file (exit 1), instead of an internal error
and a file left at 0 bytes.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from humdial_eval.errors import UserError

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class DiskFullError(UserError):
    """No space (or quota) left for a file the harness writes; the message names the file."""


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _FULL


def disk_full(path: Path | str, error: OSError | None = None, needed: int | None = None) -> DiskFullError:
    """The error for ``path``: what was needed where known, and what to do."""
    what = "no space left on the device" if error is None or error.errno == errno.ENOSPC else "disk quota exceeded"
    need = f" ({needed} bytes needed)" if needed is not None else ""
    return DiskFullError(f"{path}: {what} while writing{need}; free some space and run the same command again")


def check_free_space(folder: Path | str, needed: int, *, path: Path | str | None = None) -> None:
    """Raise :class:`DiskFullError` when ``folder``'s file system has fewer free blocks (for this user) than
    ``needed`` bytes take, plus one for the file's metadata; a file system that cannot say is not refused."""
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return
    block = stats.f_frsize or stats.f_bsize or 4096
    if stats.f_bavail < -(-needed // block) + 1:
        raise disk_full(path or folder, None, needed)


def write_atomic(path: Path | str, data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` whole or not at all (text as ``encoding``), after checking the free space."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    path = Path(path)
    check_free_space(path.parent, len(raw), path=path)
    with atomic_open(path, "wb") as handle:
        handle.write(raw)


@contextmanager
def atomic_open(path: Path | str, mode: str = "w", *, encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO[Any]]:
    """A handle on a temporary file that replaces ``path`` when the block ends without error; on an error the
    temporary file is removed and ``path`` is left as it was. ``ENOSPC``/``EDQUOT`` raise :class:`DiskFullError`."""
    path = Path(path)
    binary = "b" in mode
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with disk_errors(path):
            with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": encoding, "newline": newline})) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(name, _default_mode())
            os.replace(name, path)
    except BaseException:
        try:
            os.unlink(name)
        except OSError:
            pass
        raise


@contextmanager
def disk_errors(path: Path | str) -> Iterator[None]:
    """Turn a full disk or quota met inside the block into :class:`DiskFullError` naming ``path``."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(path, exc) from None
        raise


def copy_atomic(source: Path | str, target: Path | str) -> None:
    """Copy a file whole or not at all, after checking the free space for its size."""
    target = Path(target)
    check_free_space(target.parent, os.stat(source).st_size, path=target)
    with open(source, "rb") as reading, atomic_open(target, "wb") as writing:
        shutil.copyfileobj(reading, writing)


def _read_umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()  # read once, at import: setting it later would race with other threads creating files


def _default_mode() -> int:
    """What ``open`` would give a new file (mkstemp makes it private): 0o666 less the umask."""
    return 0o666 & ~_UMASK
