"""The generation journal: every finished turn, appended and flushed to disk the moment it is known.

A run killed at any instant (SIGKILL included) loses at most the turns in flight: on restart the
journal says which turns are answered (or failed for good), and only the others are asked. One JSON
object per line; the reply audio is written (atomically) before the line that refers to it, so a line
never points to a missing file. A line cut off by the kill is the last one and is dropped on reading.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from humdial_eval.inputs.submission_writer import write_wav

JOURNAL_NAME = "journal.jsonl"
SCHEMA = "humdial-eval/generation-journal/1"
OK = "ok"
FAILED = "failed"


class JournalError(ValueError):
    """A journal that cannot be resumed (damaged, or written for another profile); the message says why."""


@dataclass(frozen=True)
class TurnRecord:
    """What happened to one user turn. ``audio`` is relative to the journal's folder."""

    language: str
    task: str
    dialogue_id: str
    turn_id: int
    status: str
    text: str = ""
    audio: str | None = None
    error: str | None = None
    requests: int = 0
    sent: str | None = None

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.language, self.task, self.dialogue_id, self.turn_id)


class Journal:
    """Append-only record of a generation run in ``folder`` (``journal.jsonl`` + ``audio/``)."""

    def __init__(self, folder: Path, identity: dict[str, Any]) -> None:
        self.folder = folder
        self.path = folder / JOURNAL_NAME
        self.identity = identity
        self.records: dict[tuple[str, str, str, int], TurnRecord] = {}
        self._index: dict[tuple[str, str, str], list[TurnRecord]] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self._lock: Any = _exclusive(folder / "journal.lock")
        try:
            if self.path.exists():
                self._load()
            else:
                self._append({"schema": SCHEMA, "identity": identity})
        except BaseException:
            self.close()
            raise

    # -- reading -----------------------------------------------------------------------------------
    def _load(self) -> None:
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        complete = raw.endswith(b"\n")
        good_bytes = 0
        for number, line in enumerate(lines, start=1):
            is_last = number == len(lines) or (number == len(lines) - 1 and complete)
            if not line.strip():
                good_bytes += len(line) + 1
                continue
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
                if number > 1 or "schema" not in entry:
                    record = _record(entry)
            except (ValueError, TypeError, KeyError) as exc:
                if is_last:  # the line the kill cut off: the turn was in flight, ask it again
                    break
                raise JournalError(f"{self.path}:{number}: damaged journal line ({exc}); remove the line or the file") from None
            if number == 1:
                self._check_header(entry)
            else:
                self.records[record.key] = record
            good_bytes += len(line) + 1
        if good_bytes < len(raw):
            with self.path.open("r+b") as handle:
                handle.truncate(min(good_bytes, len(raw)))
        if self.path.stat().st_size == 0:  # killed while writing the header
            self._append({"schema": SCHEMA, "identity": self.identity})

    def _check_header(self, entry: dict[str, Any]) -> None:
        if entry.get("schema") != SCHEMA:
            raise JournalError(f"{self.path}:1: not a generation journal (schema {entry.get('schema')!r})")
        if entry.get("identity") != self.identity:
            raise JournalError(
                f"{self.path}: this output folder was generated with other model settings "
                f"({_difference(entry.get('identity') or {}, self.identity)}); use another --out, or --fresh to start over"
            )

    # -- writing -----------------------------------------------------------------------------------
    def record(self, record: TurnRecord, audio: np.ndarray | None = None, sample_rate: int = 16000) -> TurnRecord:
        """Persist one finished turn (its audio first, as 16 kHz mono PCM_16), then its journal line."""
        if audio is not None:
            relative = Path("audio") / record.language / record.task / f"{record.dialogue_id}_{record.turn_id}.wav"
            target = self.folder / relative
            partial = target.with_name(target.name + ".partial.wav")
            write_wav(partial, audio, sample_rate)
            os.replace(partial, target)
            record = TurnRecord(**{**asdict(record), "audio": relative.as_posix()})
        self._append(asdict(record))
        self.records[record.key] = record
        if self._index is not None:
            turns = [r for r in self._index.get(record.key[:3], []) if r.turn_id != record.turn_id]
            self._index[record.key[:3]] = sorted([*turns, record], key=lambda r: r.turn_id)
        return record

    def forget_failed(self) -> int:
        """Drop failed turns and every later turn of their dialogues, so that a run asks them again.

        Later turns go too: they were answered with a history that lacked the failed reply.
        """
        first_failure: dict[tuple[str, str, str], int] = {}
        for (language, task, dialogue_id, turn_id), record in self.records.items():
            if record.status == FAILED:
                key = (language, task, dialogue_id)
                first_failure[key] = min(turn_id, first_failure.get(key, turn_id))
        dropped = [k for k in self.records if k[:3] in first_failure and k[3] >= first_failure[k[:3]]]
        if not dropped:
            return 0
        for key in dropped:
            del self.records[key]
        self._index = None
        header = {"schema": SCHEMA, "identity": self.identity}
        partial = self.path.with_suffix(".jsonl.partial")
        partial.write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in [header, *map(asdict, self.records.values())]),
            encoding="utf-8",
        )
        os.replace(partial, self.path)
        return len(dropped)

    def close(self) -> None:
        """Release the folder for another run (also released when the process ends)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def audio(self, record: TurnRecord) -> np.ndarray | None:
        if record.audio is None:
            return None
        samples, _ = soundfile.read(str(self.folder / record.audio), dtype="float32")
        return samples

    def dialogue(self, language: str, task: str, dialogue_id: str) -> Iterator[TurnRecord]:
        """The recorded turns of one dialogue, in turn order."""
        if self._index is None:  # built once, then kept up to date, so a full test set is no quadratic scan
            self._index = {}
            for key, record in self.records.items():
                self._index.setdefault(key[:3], []).append(record)
            for turns in self._index.values():
                turns.sort(key=lambda r: r.turn_id)
        yield from self._index.get((language, task, dialogue_id), [])

    def _append(self, entry: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def _exclusive(path: Path) -> Any:
    """Two runs appending to one journal would ask every turn twice: the second is refused. The OS drops
    the lock when the process ends, however it ends, so a killed run never leaves a stale lock."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise JournalError(f"another run is generating into {path.parent.parent} right now; wait for it or use another --out") from None
    return handle


def _record(entry: dict[str, Any]) -> TurnRecord:
    record = TurnRecord(**{k: entry[k] for k in TurnRecord.__dataclass_fields__ if k in entry})
    if record.status not in {OK, FAILED} or not isinstance(record.turn_id, int):
        raise ValueError(f"bad status or turn_id in {entry}")
    return record


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(f"{k}: {old.get(k)!r} then, {new.get(k)!r} now" for k in keys[:3]) or "unknown difference"
