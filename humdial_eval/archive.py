"""Safe extraction of a submission given as a ``.zip``.

A zip is untrusted: entries may try to escape the extraction folder (``../``, absolute names), be
links, or decompress to far more than their size suggests (zip bombs). Every entry is checked before
anything is written, and the bytes actually written are counted against the limits while streaming.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

MAX_ENTRIES = 20000
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries over 1 MiB


class UnsafeArchiveError(ValueError):
    """The archive was refused; the message names the offending entry."""


@contextmanager
def extracted(archive: Path) -> Iterator[Path]:
    """Extract ``archive`` into a temporary folder that is removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="humdial-submission-"))
    try:
        extract_safely(archive, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def extract_safely(archive: Path, dest: Path) -> None:
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeArchiveError(f"{archive.name}: not a readable zip archive ({exc})") from exc
    with bundle:
        entries = bundle.infolist()
        if len(entries) > MAX_ENTRIES:
            raise UnsafeArchiveError(f"{archive.name}: {len(entries)} entries exceed the limit of {MAX_ENTRIES}")
        declared = 0
        for entry in entries:
            _check_entry(archive, entry)
            declared += entry.file_size
        if declared > MAX_TOTAL_BYTES:
            raise UnsafeArchiveError(f"{archive.name}: expands to {declared} bytes, over the limit of {MAX_TOTAL_BYTES}")
        written = 0
        for entry in entries:
            target = dest.joinpath(*PurePosixPath(entry.filename).parts)
            if entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                written += _copy_entry(bundle, entry, target, MAX_TOTAL_BYTES - written)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise UnsafeArchiveError(f"{archive.name}: entry {entry.filename!r} is corrupt ({exc})") from exc
            except _TooLarge:
                raise UnsafeArchiveError(f"{archive.name}: entry {entry.filename!r} expands beyond the size limits") from None


class _TooLarge(Exception):
    pass


def _copy_entry(bundle: zipfile.ZipFile, entry: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one entry to disk, counting real bytes rather than trusting the declared size."""
    copied = 0
    with bundle.open(entry) as source, target.open("wb") as sink:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            copied += len(chunk)
            if copied > MAX_ENTRY_BYTES or copied > budget:
                raise _TooLarge
            sink.write(chunk)
    return copied


def _check_entry(archive: Path, entry: zipfile.ZipInfo) -> None:
    name = entry.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"{archive.name}: entry {name!r} has an absolute path; refused")
    if ".." in path.parts:
        raise UnsafeArchiveError(f"{archive.name}: entry {name!r} would escape the extraction folder; refused")
    mode = entry.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchiveError(f"{archive.name}: entry {name!r} is a symbolic link; refused")
    if entry.file_size > MAX_ENTRY_BYTES:
        raise UnsafeArchiveError(f"{archive.name}: entry {name!r} declares {entry.file_size} bytes; refused")
    if entry.file_size > (1 << 20) and entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
        raise UnsafeArchiveError(f"{archive.name}: entry {name!r} has a compression ratio typical of a zip bomb; refused")
