"""Where the official layouts put things: one place, so no module spells a path twice.

Test set:   ``HD-Track1-Test/{zh,en}/HD-Track1-T{n}.jsonl`` + ``HD-Track1-T{n}/{dialogue_id}_{turn_id}.wav``
Submission: ``HD-Track1/{zh,en}/HD-Track1-T{n}.jsonl`` + ``HD-Track1-T3/{dialogue_id}_{turn_id}_response.wav``
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path, PurePath

LANGUAGES: tuple[str, ...] = ("zh", "en")
TESTSET_FOLDER = "HD-Track1-Test"
SUBMISSION_FOLDER = "HD-Track1"


def task_file(root: Path, language: str, task: str) -> Path:
    return root / language / f"HD-Track1-{task}.jsonl"


@lru_cache(maxsize=256)  # asked for every turn of a load; building the Path each time was a tenth of loading
def audio_dir(root: Path, language: str, task: str) -> Path:
    return root / language / f"HD-Track1-{task}"


def user_audio_name(dialogue_id: str, turn_id: int) -> str:
    return f"{dialogue_id}_{turn_id}.wav"


def response_audio_name(dialogue_id: str, turn_id: int) -> str:
    return f"{dialogue_id}_{turn_id}_response.wav"


def response_audio_path(root: Path, language: str, task: str, dialogue_id: str, turn_id: int) -> Path:
    return audio_dir(root, language, task) / response_audio_name(dialogue_id, turn_id)


def collection_root(path: Path, folder: str) -> Path:
    """Accept either the official top folder itself or a directory that contains it."""
    if (path / folder).is_dir() and not any((path / lang).is_dir() for lang in LANGUAGES):
        return path / folder
    return path


_resolved_dirs: dict[Path, Path] | None = None  # set only inside ``resolving_once()``
_resolved_texts: dict[str, str] = {}  # the same, by text (``_inside_posix``); emptied with it


@contextmanager
def resolving_once() -> Iterator[None]:
    """Within the block, ``is_inside`` resolves each folder once (the root and every audio folder), not
    once per file: loading a full-size set checks thousands of files in a handful of folders, and a full
    ``resolve()`` walks every component of the path each time. Only folders are remembered, and only for
    the block (one load), so a link made between two loads is still seen."""
    global _resolved_dirs
    outer = _resolved_dirs
    _resolved_dirs = {} if outer is None else outer
    try:
        yield
    finally:
        _resolved_dirs = outer
        if outer is None:
            _resolved_texts.clear()


def _resolve(path: Path) -> Path:
    """``path.resolve()``; inside ``resolving_once()`` a file that is not itself a link is its resolved
    folder plus its name, which is what ``resolve()`` returns for it."""
    cache = _resolved_dirs
    if cache is None or path.name in ("", ".", "..") or os.path.islink(path):
        return path.resolve()
    folder = path.parent
    resolved = cache.get(folder)
    if resolved is None:
        resolved = cache[folder] = folder.resolve()
    return resolved / path.name


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path``, with symlinks and ``..`` resolved, lies under ``root``."""
    if _resolved_dirs is not None and os.name == "posix":
        return _inside_posix(os.fspath(path if isinstance(path, PurePath) else Path(path)), root)
    try:
        _resolve(path).relative_to(_resolve_root(root))
    except ValueError:
        return False
    return True


def _inside_posix(path: str, root: Path) -> bool:
    """``is_inside`` inside ``resolving_once()`` on POSIX, in text: ``_resolve`` without building Paths (a
    load checks thousands of files). Resolved paths are absolute and normal, so lying under the root is
    having its text, then a slash, in front."""
    folder, slash, name = path.rpartition("/")
    if name in ("", ".", "..") or os.path.islink(path):
        text = str(Path(path).resolve())
    else:
        text = _resolved_text((folder or "/") if slash else ".")  # the folder, as Path(path).parent names it
        text = text + name if text.endswith("/") else f"{text}/{name}"
    base = _resolved_text(os.fspath(root))
    return text == base or text.startswith(base if base.endswith("/") else base + "/")


def _resolved_text(folder: str) -> str:
    """The resolved folder as text, remembered by its text (beside the Paths ``_resolve`` remembers)."""
    resolved = _resolved_texts.get(folder)
    if resolved is None:
        resolved = _resolved_texts[folder] = str(Path(folder).resolve())
    return resolved


def _resolve_root(root: Path) -> Path:
    cache = _resolved_dirs
    if cache is None:
        return root.resolve()
    resolved = cache.get(root)
    if resolved is None:
        resolved = cache[root] = root.resolve()
    return resolved


def describe_contents(root: Path, folder: str, limit: int = 8) -> str:
    """What a folder holds instead of the official layout, for an error that says what was found.

    Looks a few levels down for the official top folder (a wrapper such as ``mysubmission/HD-Track1``)
    and for archives inside (a zip of a zip); otherwise lists the first names found.
    """
    wrapped: list[str] = []
    archives: list[str] = []
    names: list[str] = []
    for current, dirs, files in os.walk(root):
        depth = len(Path(current).relative_to(root).parts)
        dirs.sort()
        if depth >= 3:
            dirs[:] = []
        for name in sorted(dirs):
            relative = Path(current, name).relative_to(root).as_posix()
            if name == folder or any((Path(current, name) / language).is_dir() for language in LANGUAGES):
                wrapped.append(relative)
            if depth == 0:
                names.append(relative + "/")
        for name in sorted(files):
            relative = Path(current, name).relative_to(root).as_posix()
            if name.lower().endswith((".zip", ".tar", ".gz", ".tgz", ".7z", ".rar")):
                archives.append(relative)
            if depth == 0:
                names.append(relative)
        if len(wrapped) > limit or len(archives) > limit:
            break
    if wrapped:
        return (f"found the layout one level down, in {', '.join(map(repr, wrapped[:limit]))}: give that folder "
                f"(or zip {folder}/ itself, not a folder around it)")
    if archives:
        return (f"found an archive inside: {', '.join(map(repr, archives[:limit]))}; submit the inner archive "
                "itself, not an archive of it")
    if not names:
        return "the folder is empty"
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"found only {', '.join(map(repr, names[:limit]))}{more}"
