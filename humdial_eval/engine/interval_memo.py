"""Bootstrap intervals remembered between runs of ``score``, so that a re-score with the same numbers
need not import ``scipy.stats`` (0.5-0.9 s of start-up) nor resample again.

An interval is a pure function of what goes into :func:`scipy.stats.bootstrap`: the data, the statistic,
the settings and the random generator's state. The key hashes all of them (the statistic by a tag and the
source of the module that defines it, the libraries by their versions); an entry holds the interval and
the generator's state after the call, which is restored on a hit, so that the intervals computed after it
draw exactly what they would have drawn. A missing, unreadable or foreign file is an empty memo: the
intervals are computed as always.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from humdial_eval.engine.json_memo import JsonMemo

MAX_ENTRIES = 4096  # a full two-language summary holds 27 intervals: the file stays small
SCHEMA = "humdial-eval/intervals/1"


def _versions() -> str:
    found = []
    for name in ("scipy", "numpy"):
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=?")
    return ";".join(found)


class IntervalMemo(JsonMemo):
    """A JSON file of ``key -> {"ci": [low, high] | null, "state": generator state}``."""

    schema = SCHEMA
    keep = MAX_ENTRIES

    def __init__(self, path: Path, code: bytes) -> None:
        super().__init__(path)
        self._salt = hashlib.sha256(SCHEMA.encode() + _versions().encode() + code).digest()

    def key(self, parts: Sequence[Any], rng: np.random.Generator) -> str:
        digest = hashlib.sha256(self._salt)
        digest.update(json.dumps(rng.bit_generator.state, sort_keys=True).encode())
        for part in parts:
            if isinstance(part, np.ndarray):
                digest.update(f"array {part.dtype.str} {part.shape}".encode())
                digest.update(np.ascontiguousarray(part).tobytes())
            else:
                digest.update(json.dumps(part, sort_keys=True).encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str, rng: np.random.Generator) -> tuple[bool, list[float] | None]:
        """(True, interval) on a hit, with ``rng`` moved to where the computation left it; else (False, None)."""
        entry = self._load().get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("state"), dict):
            return False, None
        ci = entry.get("ci")
        if ci is not None and not (isinstance(ci, list) and len(ci) == 2 and all(isinstance(v, float) for v in ci)):
            return False, None
        try:
            rng.bit_generator.state = entry["state"]
        except (TypeError, ValueError, KeyError):
            return False, None
        return True, ci

    def put(self, key: str, ci: list[float] | None, rng: np.random.Generator) -> None:
        entries = self._load()
        entries.pop(key, None)
        entries[key] = {"ci": ci, "state": rng.bit_generator.state}
        self._changed = True
