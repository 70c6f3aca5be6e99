"""Safe extraction of a submission given as a ``.zip``.

A zip is untrusted. Its central directory may lie: names may escape the folder (``../``, absolute,
drive letters), be links or devices, be empty, too long or too deep, appear twice, or name a file and a
folder at once; declared sizes may be false (a bomb that claims a modest compressed size) and entries
may share their compressed data (overlapping entries, the "better zip bomb"). So every entry is checked
before anything is written, the entries' data must lie in disjoint ranges of the file, and each entry is
inflated here with ``zlib``, counting the bytes really read and really produced: the inflated size must
equal the declared one, the compressed stream must end exactly where its declared size says, and its
CRC-32 must match. The counts, not the declarations, are held against the limits.

Limits, sized from the largest legitimate submission (README, "Submitting a .zip"): 6 JSONL files of
150 dialogues (a few MB each) plus T3 response audio for every turn of the 2 x 150 T3 dialogues (at most
1,500 WAVs; 30 s of 24 kHz 16-bit mono is 1.44 MB, so about 2.2 GB) -> 3 GiB in all (~1.4x margin),
64 MiB per entry (the audio checker's own limit; a JSONL file is ~30x below it), 5,000 entries. WAV
audio hardly compresses and text compresses ~3-10x, so an archive may inflate to at most 10x its own
size (plus 64 MiB for small text-only archives), and one entry over 1 MiB to at most 100x its
compressed size.

Extraction goes to ``$TMPDIR/humdial-submission-<pid>@<host>-*``, removed on exit, on SIGINT, SIGTERM and
SIGHUP; a later run removes the folders of processes that died without cleaning up (``kill -9``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from humdial_eval.inputs.inputfiles import InputFileError, open_regular

MAX_ENTRIES = 5000
MAX_TOTAL_BYTES = 3 * 1024**3
MAX_ENTRY_BYTES = 64 * 1024**2
MAX_RATIO = 100  # inflated / compressed, for entries that inflate to over 1 MiB
MAX_ARCHIVE_RATIO = 10  # all inflated bytes / archive size ...
ARCHIVE_RATIO_SLACK = 64 * 1024**2  # ... plus this, so that small text-only archives pass
MAX_NAME_BYTES = 255  # one path component (the limit of common file systems)
MAX_PATH_BYTES = 1024
MAX_DEPTH = 32
PREFIX = "humdial-submission-"

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, (version .. sizes), name length, extra length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CHUNK = 1 << 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeArchiveError(ValueError):
    """The archive was refused; ``code`` is stable, the message names the offending entry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@contextmanager
def extracted(archive: Path) -> Iterator[Path]:
    """Extract ``archive`` into a temporary folder that is removed afterwards, also on SIGTERM/SIGHUP."""
    remove_stale_extractions()
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}@{_host()}-"))
    with _terminate_as_exit():
        try:
            extract_safely(archive, folder)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def extract_safely(archive: Path, dest: Path) -> None:
    """Check every entry of ``archive``, then extract it into the existing folder ``dest``."""
    label = archive.name
    try:
        handle = open_regular(archive)
    except InputFileError as exc:
        raise UnsafeArchiveError("zip_unreadable", f"{label}: {exc.reason}") from exc
    except OSError as exc:
        raise UnsafeArchiveError("zip_unreadable", f"{label}: cannot be read ({exc.strerror or exc})") from exc
    with handle:
        try:
            bundle = zipfile.ZipFile(handle)
        except Exception as exc:  # zipfile raises BadZipFile, but also ValueError, struct.error, ... on garbage
            raise UnsafeArchiveError(
                "zip_unreadable", f"{label}: not a readable zip archive ({_explain(exc)})"
            ) from exc
        with bundle:
            try:
                plan = _plan(label, bundle, handle, os.fstat(handle.fileno()).st_size)
                _extract(label, plan, handle, dest)
            except UnsafeArchiveError:
                raise
            except (OSError, ValueError, OverflowError, struct.error, zlib.error) as exc:  # a malformed header
                raise UnsafeArchiveError("zip_corrupt", f"{label}: the archive is malformed ({_explain(exc)})") from exc


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    data_start: int = 0


@dataclass
class _Plan:
    files: list[_Entry]
    folders: list[tuple[str, ...]]
    archive_size: int


def _plan(label: str, bundle: zipfile.ZipFile, handle: BinaryIO, archive_size: int) -> _Plan:
    """Every check that needs no inflating: names, kinds, declared sizes, overlaps."""
    entries = bundle.infolist()
    if len(entries) > MAX_ENTRIES:
        raise UnsafeArchiveError("zip_too_many_entries", f"{label}: {len(entries)} entries exceed the limit of {MAX_ENTRIES}")
    files: dict[tuple[str, ...], _Entry] = {}
    folders: set[tuple[str, ...]] = set()
    declared = 0
    for info in entries:
        parts = _checked_name(label, info)
        if info.is_dir():
            if parts in files:
                raise _conflict(label, parts)
            folders.add(parts)
            continue
        _check_file_entry(label, info)
        if parts in files:
            raise UnsafeArchiveError(
                "zip_duplicate_entry", f"{label}: entry {_show(info.filename)} appears twice (one copy would silently replace the other); refused"
            )
        if parts in folders:
            raise _conflict(label, parts)
        files[parts] = _Entry(info, parts)
        declared += info.file_size
    implied = {parts[:i] for parts in files for i in range(1, len(parts))} | folders
    for parts in files:
        if parts in implied:
            raise _conflict(label, parts)
    if declared > MAX_TOTAL_BYTES:
        raise UnsafeArchiveError("zip_too_large", f"{label}: expands to {declared} bytes, over the limit of {MAX_TOTAL_BYTES}")
    located = _locate(label, list(files.values()), handle, getattr(bundle, "start_dir", archive_size))
    return _Plan(files=located, folders=sorted(folders | implied), archive_size=archive_size)


def _checked_name(label: str, info: zipfile.ZipInfo) -> tuple[str, ...]:
    name = info.filename
    shown = _show(name)
    normalised = name.replace("\\", "/")
    if _CONTROL.search(name):
        raise UnsafeArchiveError("zip_bad_name", f"{label}: entry {shown} has control characters in its name; refused")
    if normalised.startswith("/") or re.match(r"^[A-Za-z]:", normalised):
        raise UnsafeArchiveError("zip_unsafe_path", f"{label}: entry {shown} has an absolute path; refused")
    parts = tuple(part for part in normalised.split("/") if part not in ("", "."))
    if ".." in parts:
        raise UnsafeArchiveError("zip_unsafe_path", f"{label}: entry {shown} would escape the extraction folder; refused")
    if not parts:
        raise UnsafeArchiveError("zip_bad_name", f"{label}: an entry has an empty name; refused")
    if len(parts) > MAX_DEPTH:
        raise UnsafeArchiveError(
            "zip_bad_name", f"{label}: entry {shown} is {len(parts)} folders deep (limit {MAX_DEPTH}); refused"
        )
    longest = max(len(part.encode("utf-8", "surrogateescape")) for part in parts)
    if longest > MAX_NAME_BYTES:
        raise UnsafeArchiveError(
            "zip_bad_name", f"{label}: entry {shown} has a name part of {longest} bytes (limit {MAX_NAME_BYTES}); refused"
        )
    if len(normalised.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        raise UnsafeArchiveError("zip_bad_name", f"{label}: entry {shown} has a path over {MAX_PATH_BYTES} bytes; refused")
    return parts


def _check_file_entry(label: str, info: zipfile.ZipInfo) -> None:
    shown = _show(info.filename)
    kind = (info.external_attr >> 16) & 0o170000 if info.create_system == 3 else 0  # Unix attributes
    if stat.S_ISLNK(kind):
        raise UnsafeArchiveError("zip_link", f"{label}: entry {shown} is a symbolic link; refused")
    if kind and not stat.S_ISREG(kind):
        raise UnsafeArchiveError("zip_special_file", f"{label}: entry {shown} is a device, FIFO or socket; refused")
    if info.flag_bits & 0x1:
        raise UnsafeArchiveError("zip_encrypted", f"{label}: entry {shown} is encrypted; submit an unencrypted zip")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnsafeArchiveError(
            "zip_method",
            f"{label}: entry {shown} uses compression method {info.compress_type}; only stored and deflate "
            "(what every zip tool writes by default) are accepted",
        )
    if info.file_size > MAX_ENTRY_BYTES:
        raise UnsafeArchiveError("zip_too_large", f"{label}: entry {shown} declares {info.file_size} bytes, over the limit of {MAX_ENTRY_BYTES}; refused")
    if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise UnsafeArchiveError("zip_bomb", f"{label}: entry {shown} has a compression ratio typical of a zip bomb; refused")


def _locate(label: str, files: list[_Entry], handle: BinaryIO, central_directory: int) -> list[_Entry]:
    """Find each entry's data and refuse entries whose data ranges overlap (or run into the directory)."""
    located: list[_Entry] = []
    ordered = sorted(files, key=lambda e: e.info.header_offset)
    for index, entry in enumerate(ordered):
        info = entry.info
        if info.header_offset < 0:
            raise UnsafeArchiveError("zip_corrupt", f"{label}: entry {_show(info.filename)} has a negative offset")
        handle.seek(info.header_offset)
        header = handle.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            raise UnsafeArchiveError(
                "zip_corrupt", f"{label}: entry {_show(info.filename)} has no local header where the directory says it is"
            )
        _, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        data_start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        data_end = data_start + info.compress_size
        boundary = ordered[index + 1].info.header_offset if index + 1 < len(ordered) else central_directory
        if data_end > boundary:
            other = _show(ordered[index + 1].info.filename) if index + 1 < len(ordered) else "the central directory"
            raise UnsafeArchiveError(
                "zip_overlap",
                f"{label}: entry {_show(info.filename)} declares {info.compress_size} compressed bytes, which overlap "
                f"{other} (entries sharing data are a zip-bomb technique); refused",
            )
        located.append(_Entry(info, entry.parts, data_start))
    return located


def _extract(label: str, plan: _Plan, handle: BinaryIO, dest: Path) -> None:
    archive_budget = MAX_ARCHIVE_RATIO * plan.archive_size + ARCHIVE_RATIO_SLACK
    for parts in plan.folders:
        _make_dirs(label, dest, parts)
    written = 0
    for entry in plan.files:
        target = dest.joinpath(*entry.parts)
        written += _inflate(label, entry, handle, target, min(MAX_TOTAL_BYTES, archive_budget) - written)


def _inflate(label: str, entry: _Entry, handle: BinaryIO, target: Path, budget: int) -> int:
    """Inflate one entry into ``target``, counting real bytes; returns the bytes written."""
    info = entry.info
    shown = _show(info.filename)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    handle.seek(entry.data_start)
    left = info.compress_size
    produced = 0
    crc = 0
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise UnsafeArchiveError("zip_unwritable", f"{label}: entry {shown} cannot be written ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "wb") as sink:

        def emit(data: bytes) -> None:
            nonlocal produced, crc
            produced += len(data)
            if produced > info.file_size:
                raise UnsafeArchiveError(
                    "zip_size_mismatch", f"{label}: entry {shown} inflates to more than the {info.file_size} bytes it declares; refused"
                )
            if produced > budget:
                raise UnsafeArchiveError(
                    "zip_bomb", f"{label}: entry {shown} expands beyond the size limits (a zip bomb?); refused"
                )
            if produced > _CHUNK and produced > MAX_RATIO * max(info.compress_size, 1):
                raise UnsafeArchiveError("zip_bomb", f"{label}: entry {shown} has a compression ratio typical of a zip bomb; refused")
            crc = zlib.crc32(data, crc)
            try:
                sink.write(data)
            except OSError as exc:
                raise UnsafeArchiveError(
                    "zip_unwritable", f"{label}: entry {shown} cannot be written ({exc.strerror or exc})"
                ) from exc

        ended = inflater is None
        while left > 0:
            chunk = handle.read(min(_CHUNK, left))
            if not chunk:
                raise UnsafeArchiveError("zip_corrupt", f"{label}: the archive ends inside entry {shown} (truncated file?)")
            left -= len(chunk)
            if inflater is None:
                emit(chunk)
                continue
            try:
                while chunk and not inflater.eof:
                    emit(inflater.decompress(chunk, _CHUNK))
                    chunk = inflater.unconsumed_tail
            except zlib.error as exc:
                raise UnsafeArchiveError("zip_corrupt", f"{label}: entry {shown} is not valid deflate data ({exc})") from exc
            if inflater.eof:
                ended = True
                if left > 0 or inflater.unused_data:
                    raise UnsafeArchiveError(
                        "zip_size_mismatch",
                        f"{label}: entry {shown} declares {info.compress_size} compressed bytes but its data ends "
                        f"after {info.compress_size - left - len(inflater.unused_data)}; refused",
                    )
                break
        if not ended:
            raise UnsafeArchiveError(
                "zip_size_mismatch",
                f"{label}: entry {shown}: the compressed data stops before its end (the declared compressed size "
                f"{info.compress_size} is too small, or the file is truncated); refused",
            )
    if produced != info.file_size:
        raise UnsafeArchiveError(
            "zip_size_mismatch", f"{label}: entry {shown} declares {info.file_size} bytes but inflates to {produced}; refused"
        )
    if crc != info.CRC:
        raise UnsafeArchiveError(
            "zip_corrupt", f"{label}: entry {shown} is corrupt (its content does not match its CRC-32 checksum)"
        )
    return produced


def _make_dirs(label: str, dest: Path, parts: tuple[str, ...]) -> None:
    try:
        dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnsafeArchiveError(
            "zip_unwritable", f"{label}: folder {_show('/'.join(parts))} cannot be created ({exc.strerror or exc})"
        ) from exc


def _conflict(label: str, parts: tuple[str, ...]) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        "zip_name_conflict", f"{label}: {_show('/'.join(parts))} is both a file and a folder in the archive; refused"
    )


def _show(name: str, limit: int = 120) -> str:
    """An entry name fit for a one-line message: quoted, control characters escaped, long names cut."""
    text = repr(name)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def _explain(exc: BaseException) -> str:
    """A real explanation even when the exception carries no message (EOFError() prints as '')."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, EOFError):
        return text or "the file ends too early (truncated)"
    if isinstance(exc, struct.error):
        return f"malformed header ({text})" if text else "malformed header"
    return text[:200] or type(exc).__name__


def remove_stale_extractions(folder: Path | None = None) -> list[Path]:
    """Remove ``humdial-submission-<pid>@<host>-*`` folders of this user and host whose process is gone.

    A run killed with SIGKILL (or a power cut) cannot clean up after itself; the next run does. Folders
    of live processes, of other users or hosts, and without a pid in the name are left alone.
    """
    base = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = list(os.scandir(base))
    except OSError:
        return removed
    pattern = re.compile(re.escape(PREFIX) + r"(\d+)@" + _host() + "-")
    for candidate in candidates:
        match = pattern.match(candidate.name)
        if not match or int(match[1]) == os.getpid():
            continue
        try:
            info = candidate.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            continue
        if not _process_alive(int(match[1])):
            shutil.rmtree(candidate.path, ignore_errors=True)
            removed.append(Path(candidate.path))
    return removed


def _host() -> str:
    """This machine, in a folder name: a pid says nothing about a process of another host (or container)
    that shares the temporary folder, so only this host's folders are ever judged stale."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    try:  # a killed process not yet reaped by its parent still answers kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return state.rpartition(")")[2].split()[:1] != ["Z"]


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While extracted files exist, SIGTERM and SIGHUP unwind the stack like SIGINT does, so the
    ``finally`` that removes them runs (the default action would kill the process on the spot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def unwind(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        current = signal.getsignal(number)
        if current is signal.SIG_IGN:
            continue  # e.g. started under nohup: keep ignoring
        previous[number] = signal.SIG_DFL if current is None else current
        signal.signal(number, unwind)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
