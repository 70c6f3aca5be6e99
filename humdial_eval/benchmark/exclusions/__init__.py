"""Items the organisers left out of an evaluation: lists of dialogue ids and id prefixes, by name or file.

``score --exclude NAME|FILE|none``; the official protocol applies ``icassp2026`` unless told ``none``.
A list file holds one ``dialogue_id`` per line, a trailing ``*`` making it a prefix; ``#`` starts a
comment, and a ``# source: ...`` comment says where the list comes from (it is recorded in the summary).
Excluded items are neither judged nor counted as expected: they leave every mean and are listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humdial_eval.errors import UserError
from humdial_eval.inputs.inputfiles import InputFileError, read_regular_text

SHIPPED = Path(__file__).resolve().parent
NONE = "none"
MAX_LIST_BYTES = 1024 * 1024
_ENTRY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}\*?")


@dataclass(frozen=True)
class ExclusionList:
    """A named list of excluded dialogue ids (exact) and id prefixes, with where it comes from."""

    name: str
    source: str
    ids: frozenset[str]
    prefixes: tuple[str, ...]

    def excludes(self, dialogue_id: str) -> bool:
        return dialogue_id in self.ids or dialogue_id.startswith(self.prefixes)

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "ids": sorted(self.ids),
                "prefixes": sorted(f"{p}*" for p in self.prefixes)}


def shipped_lists() -> list[str]:
    return sorted(path.stem for path in SHIPPED.glob("*.txt"))


def load_exclusions(spec: str | Path | None, default: str | None = None) -> ExclusionList | None:
    """The list ``spec`` names (a shipped name, a file path, or ``none``); ``spec=None`` takes ``default``
    (the protocol's). A malformed file is a UserError naming its line."""
    chosen = default if spec is None else spec
    if chosen is None or str(chosen) == NONE:
        return None
    if isinstance(chosen, str) and chosen in shipped_lists():
        return read_list(SHIPPED / f"{chosen}.txt", chosen)
    path = Path(chosen)
    if not (path.exists() or path.is_symlink()):
        raise UserError(f"--exclude {chosen}: neither a shipped list ({', '.join(shipped_lists())}), 'none', nor a "
                        "file")
    return read_list(path, path.name)


def read_list(path: Path, name: str) -> ExclusionList:
    try:
        text = read_regular_text(path, max_bytes=MAX_LIST_BYTES)
    except InputFileError as exc:
        raise UserError(f"{path}: {exc.reason}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the exclusion list ({exc})") from None
    ids: set[str] = set()
    prefixes: list[str] = []
    sources: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            comment = line[1:].strip()
            if comment.lower().startswith("source:"):
                sources.append(comment[len("source:"):].strip())
            continue
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not _ENTRY.fullmatch(line):
            raise UserError(f"{path}:{number}: {line[:80]!r} is not a dialogue id (letters, digits, '_', '-', '.'), "
                            "with an optional trailing * for a prefix")
        if line.endswith("*"):
            prefixes.append(line[:-1])
        else:
            ids.add(line)
    if not ids and not prefixes:
        raise UserError(f"{path}: the exclusion list names no dialogue id")
    return ExclusionList(name=name, source="; ".join(sources) or str(path), ids=frozenset(ids),
                         prefixes=tuple(sorted(set(prefixes))))
