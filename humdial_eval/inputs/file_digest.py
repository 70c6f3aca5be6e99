"""The content hash of an input file, worked out once per run, and what was learnt from the same bytes.

A scoring run needs the sha256 of every reply recording twice or more: validation reads the samples,
the judge's cache key holds the hash, the request sends the bytes. Reading and hashing hundreds of
recordings again for each is most of a warm re-score's audio cost, so whoever reads a file first
records its hash here (and, for a WAV, its header facts), and the others look it up.

An entry belongs to one version of one file: it is keyed by the path and the file's identity (device,
inode, size, modification and change times, nanoseconds). Writing to a file, replacing it or touching
it changes its change time, which no user can set back, so a changed file is read again. Entries live
in this process only; nothing is kept between runs.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from humdial_eval.inputs.inputfiles import open_regular

Identity = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class WavFacts:
    """What soundfile says about a WAV's bytes: what a judge needs to describe or refuse the recording."""

    format: str
    frames: int
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    wav: WavFacts | None = None  # None: not looked at (or not readable as audio)


_known: dict[tuple[str, Identity], Digest] = {}
MAX_ENTRIES = 100_000  # a run over a few thousand files stays far below; bounds a long-lived process


def identity(stat: os.stat_result) -> Identity:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def remember(path: Path | str, stat: os.stat_result, sha256: str, wav: WavFacts | None = None) -> Digest:
    """Record what was learnt from the bytes of ``path`` as it was when ``stat`` was taken (the ``fstat`` of
    the descriptor that was read)."""
    if len(_known) >= MAX_ENTRIES:
        _known.clear()
    digest = Digest(sha256, stat.st_size, wav)
    _known[(os.fspath(path), identity(stat))] = digest
    return digest


def known(path: Path | str) -> Digest | None:
    """What was recorded for the file ``path`` names now, or None (never read, or changed since)."""
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return _known.get((os.fspath(path), identity(stat)))


def sha256_of(path: Path | str, *, max_bytes: int | None = None) -> str:
    """The file's sha256, read (regular files only) unless this version of it was read before."""
    found = known(path)
    if found is not None:
        return found.sha256
    digest = hashlib.sha256()
    with open_regular(path, max_bytes=max_bytes) as handle:
        stat = os.fstat(handle.fileno())
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return remember(path, stat, digest.hexdigest()).sha256


def forget_all() -> None:
    """Drop every entry (tests; a long-lived process that wants to start afresh)."""
    _known.clear()
