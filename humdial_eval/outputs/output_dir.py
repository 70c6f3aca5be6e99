"""The ``--out`` folder of every command that writes one: checked before any work, replaced in one step.

Rules (README, "Output folders"): ``--out`` must be a new folder, an empty folder, or a folder an earlier
humdial-eval command wrote (it holds :data:`MARKER`); any other folder is refused rather than mixed
with, and so is a folder inside (or around) the inputs, which replacing would damage. Results are
written into a hidden sibling folder and renamed into place only when complete, so a crash or Ctrl-C
leaves the previous results whole and never a mix of two runs. Nothing outside ``--out`` (and the
short-lived sibling) is touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from humdial_eval import __version__

MARKER = ".humdial-eval-output"
MARKER_SCHEMA = "humdial-eval/output/1"
# Staging folders name their host (hashed) so that a sweep never removes another machine's on a shared disk.
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


class OutputError(Exception):
    """An ``--out`` that cannot be used; the message names it and says what to do."""


class Discard(Exception):
    """Raised inside :func:`staged_output` when the work failed in a way already reported: nothing is published."""


@dataclass(frozen=True)
class OutputFolder:
    """A checked ``--out``: ``path`` is absolute with links resolved; ``inputs`` are kept apart from it."""

    path: Path
    given: Path
    command: str
    inputs: Mapping[str, Path] = field(default_factory=dict)


def check_output_folder(out: Path, command: str, inputs: Mapping[str, Path | None] | None = None) -> OutputFolder:
    """Check ``out`` for ``command`` before any work is done; ``inputs`` (label -> path, e.g. "the submission")
    are folders or files that ``out`` must neither lie in nor contain. Raises :class:`OutputError`."""
    target = Path(os.path.abspath(out)).resolve()
    kept = {label: Path(os.path.abspath(path)).resolve() for label, path in (inputs or {}).items() if path is not None}
    folder = OutputFolder(target, out, command, kept)
    _check(folder)
    return folder


@contextmanager
def staged_output(folder: OutputFolder) -> Iterator[Path]:
    """A fresh folder beside ``--out`` to write the results into; on success it gets the marker and replaces
    ``--out``; on any error (or Ctrl-C) it is removed and ``--out`` is left as it was."""
    _check(folder)  # again: the folder may have changed during a long run
    parent = folder.path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale(folder.path)
        staging = parent / _sibling_name(folder.path, "tmp")
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"--out {folder.given}: cannot create a folder in {parent} ({exc.strerror or exc})") from None
    try:
        try:
            yield staging
        except Discard:
            shutil.rmtree(staging, ignore_errors=True)
            return
        (staging / MARKER).write_text(json.dumps({
            "schema": MARKER_SCHEMA, "command": folder.command, "version": __version__,
        }) + "\n", encoding="utf-8")
        _replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def is_result_folder(path: Path) -> bool:
    """True when ``path`` is a folder written by a humdial-eval command (it holds the marker file)."""
    return (path / MARKER).is_file() and not (path / MARKER).is_symlink()


def _sibling_name(target: Path, kind: str) -> str:
    """``.NAME.tmp-HOST-PID-RANDOM``: hidden, beside ``--out``, and telling which process it belongs to."""
    return f".{target.name}.{kind}-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"


def _sweep_stale(target: Path) -> None:
    """Remove the staging folders of earlier runs on this host whose process is gone (killed while writing)."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:tmp|old)-{_HOST}-(\d+)-[0-9a-f]+")
    for sibling in target.parent.iterdir():
        found = pattern.fullmatch(sibling.name)
        if found and int(found.group(1)) != os.getpid() and not _alive(int(found.group(1))):
            shutil.rmtree(sibling, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check(folder: OutputFolder) -> None:
    target, given = folder.path, folder.given
    for label, path in folder.inputs.items():
        if target == path or path in target.parents:
            raise OutputError(f"--out {given} is inside {label} ({path}); write results outside the inputs")
        if target in path.parents:
            raise OutputError(f"--out {given} holds {label} ({path}); replacing it would delete that, "
                              "so choose another folder")
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise OutputError(f"--out {given} exists and is not a folder; give the name of a folder to write")
        try:
            entries = [entry.name for entry in target.iterdir()]
        except OSError as exc:
            raise OutputError(f"--out {given}: cannot list it ({exc.strerror or exc})") from None
        if entries and not is_result_folder(target):
            raise OutputError(f"--out {given} is a non-empty folder that holds no humdial-eval result (no {MARKER} "
                              "file); choose a new or empty folder (an earlier result folder is replaced whole)")
    ancestor = target.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"--out {given}: cannot write in {ancestor} (not a writable folder)")
    if target.exists() and not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputError(f"--out {given}: cannot replace it, its folder {target.parent} is not writable")


def _replace(staging: Path, folder: OutputFolder) -> None:
    """Rename ``staging`` to ``--out``; a previous result (or an empty folder) is moved aside first and removed after."""
    target = folder.path
    old: Path | None = None
    if target.exists() or target.is_symlink():
        _check(folder)  # nothing may have landed in it meanwhile that the rules refuse
        old = target.parent / _sibling_name(target, "old")
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError as exc:
        if old is not None:
            os.rename(old, target)
        raise OutputError(f"--out {folder.given}: cannot put the results in place ({exc.strerror or exc})") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
