"""The judgment store: every judgment is written the moment it arrives, so a killed run loses nothing.

SQLite in WAL mode; the key is a hash of the judge's identity (backend, model, prompt version,
sampling parameters) and the request as sent, so two runs that differ in any of them never share a
judgment. Only successful judgments are reused: a failed one is tried again on the next run.

Several scoring processes may use one store at once. Before asking a judge, a process *claims* the
key; another process that needs the same judgment meanwhile waits for it instead of asking too. A
claim lapses when its process is gone (same host: its pid no longer runs, e.g. after kill -9) or
after ``CLAIM_LEASE_S`` (a process on another host, which cannot be looked at), so a crash never
leaves work stranded.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from humdial_eval.benchmark.judgment import Judgment

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgments (
    key TEXT PRIMARY KEY,
    judge TEXT NOT NULL,
    task TEXT NOT NULL,
    language TEXT NOT NULL,
    dialogue_id TEXT NOT NULL,
    turn_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    record TEXT NOT NULL
)
"""
_CLAIMS_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    since REAL NOT NULL
)
"""
# A claim older than this is void even if its process seems alive (another host; a reused pid).
CLAIM_LEASE_S = 900.0
# How long a process waits for another one's write lock (SQLite's busy timeout, and the setup's retries).
LOCK_WAIT_S = 60.0
CLAIMED, BUSY, DONE = "claimed", "busy", "done"
GET_CHUNK = 500  # keys per lookup query: under SQLite's smallest limit on bound parameters (999)


@dataclass(frozen=True)
class StoreStats:
    """``judgments`` and ``by_judge`` count reusable (ok) judgments; failed ones are counted apart."""

    judgments: int
    by_judge: dict[str, int]
    path: Path
    failed: int = 0
    by_task: dict[str, int] = field(default_factory=dict)
    failed_by_judge: dict[str, int] = field(default_factory=dict)


class StoreError(Exception):
    """The store file cannot be used (not SQLite, not writable, not a file); the message names it and what to do."""


# What a user can do about a store that cannot be opened, said in every such error.
STORE_ADVICE = "pass --cache PATH to use another store, or --no-cache to judge without one"


class JudgmentStore:
    def __init__(self, path: Path, *, check_writable: bool = True) -> None:
        """Open (or create) the store; a file that cannot serve raises :class:`StoreError` here, before any
        judging. ``check_writable=False`` for read-only uses (``cache stats``)."""
        self.path = path
        if path.exists() and not path.is_file():
            raise StoreError(f"judgment store {path} is not a regular file; {STORE_ADVICE}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of judgment store {path} ({exc.strerror or exc}); "
                             f"{STORE_ADVICE}") from None
        try:
            self._db = sqlite3.connect(str(path), timeout=LOCK_WAIT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(_explain(path, exc)) from None
        deadline = time.monotonic() + LOCK_WAIT_S
        for attempt in itertools.count():
            try:
                self._set_up(check_writable)
                break
            except sqlite3.OperationalError as exc:
                # Two processes creating one store at once: switching a new file to WAL answers "locked" at
                # once, without SQLite's busy wait. The other process finishes within milliseconds.
                if _is_lock(exc) and time.monotonic() < deadline:
                    time.sleep(min(0.5, 0.01 * 2 ** attempt) * (0.5 + random.random()))
                    continue
                self._db.close()
                raise StoreError(_explain(path, exc)) from None
            except sqlite3.Error as exc:
                self._db.close()
                raise StoreError(_explain(path, exc)) from None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    def _set_up(self, check_writable: bool) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.execute(_CLAIMS_SCHEMA)
        if check_writable:  # a read-only folder or file shows only on the first write: find out now
            with self._transaction():
                self._db.execute("DELETE FROM claims WHERE 0")

    def get(self, key: str) -> Judgment | None:
        with self._errors():
            return self._get(key)

    def _get(self, key: str) -> Judgment | None:
        row = self._db.execute("SELECT record FROM judgments WHERE key = ? AND status = 'ok'", (key,)).fetchone()
        return Judgment.from_dict(json.loads(row[0])) if row else None

    def get_many(self, keys: Iterable[str]) -> dict[str, Judgment]:
        """The stored successful judgments of ``keys`` (keys without one are left out): one query per chunk of
        keys, where ``get`` would make one per key (a re-score of the full-size set looks up 826)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Judgment] = {}
        with self._errors():
            for start in range(0, len(wanted), GET_CHUNK):
                chunk = wanted[start:start + GET_CHUNK]
                rows = self._db.execute(
                    f"SELECT key, record FROM judgments WHERE status = 'ok' AND key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, record in rows:
                    found[key] = Judgment.from_dict(json.loads(record))
        return found

    def claim(self, key: str) -> str:
        """Take ``key`` before asking a judge for it: ``claimed`` (ask), ``done`` (a judgment is stored:
        read it), or ``busy`` (a live process is asking: wait, then try again)."""
        now = time.time()
        with self._errors(), self._transaction():
            if self._db.execute("SELECT 1 FROM judgments WHERE key = ? AND status = 'ok'", (key,)).fetchone():
                return DONE
            row = self._db.execute("SELECT owner, since FROM claims WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] != self.owner and _claim_stands(row[0], row[1], now):
                return BUSY
            self._db.execute("INSERT OR REPLACE INTO claims (key, owner, since) VALUES (?, ?, ?)", (key, self.owner, now))
            return CLAIMED

    def put(self, key: str, coords: tuple[str, str, str, int], judgment: Judgment) -> None:
        """Keep the first successful judgment for a key; a failure never overwrites a success.
        Releases this process's claim on the key in the same transaction."""
        task, language, dialogue_id, turn_id = coords
        record = json.dumps(judgment.to_dict(), ensure_ascii=False, sort_keys=True)
        with self._errors(), self._transaction():
            self._db.execute(
                """INSERT INTO judgments (key, judge, task, language, dialogue_id, turn_id, status, created, record)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(key) DO UPDATE SET status = excluded.status, record = excluded.record,
                       created = excluded.created
                   WHERE judgments.status != 'ok'""",
                (key, judgment.judge, task, language, dialogue_id, turn_id, judgment.status, time.time(), record),
            )
            self._db.execute("DELETE FROM claims WHERE key = ? AND owner = ?", (key, self.owner))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A store that fails mid-run (disk full, file removed, made read-only) is a StoreError naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(_explain(self.path, exc)) from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, taking the write lock at once (other processes wait up to the timeout)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def stats(self) -> StoreStats:
        with self._errors():
            return self._stats()

    def _stats(self) -> StoreStats:
        def grouped(column: str, status: str) -> dict[str, int]:
            rows = self._db.execute(
                f"SELECT {column}, COUNT(*) FROM judgments WHERE status = ? GROUP BY {column} ORDER BY {column}", (status,)
            ).fetchall()
            return {str(name): count for name, count in rows}

        by_judge = grouped("judge", "ok")
        failed_by_judge = grouped("judge", "failed")
        return StoreStats(
            judgments=sum(by_judge.values()),
            by_judge=by_judge,
            path=self.path,
            failed=sum(failed_by_judge.values()),
            by_task=grouped("task", "ok"),
            failed_by_judge=failed_by_judge,
        )

    def clear(self, judge: str | None = None, *, failed_only: bool = False) -> int:
        """Delete judgments (all, one judge's, and/or only the failed ones); returns how many."""
        where, params = [], []
        if judge is not None:
            where.append("judge = ?")
            params.append(judge)
        if failed_only:
            where.append("status = 'failed'")
        sql = "DELETE FROM judgments" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self._errors():
            cursor = self._db.execute(sql, params)
        return cursor.rowcount

    def close(self) -> None:
        """Give up the claims still held (a run interrupted mid-judgment), then close."""
        try:
            self._db.execute("DELETE FROM claims WHERE owner = ?", (self.owner,))
        except sqlite3.Error:
            pass  # closing must not fail; a claim left behind lapses with this process
        self._db.close()

    def __enter__(self) -> "JudgmentStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _explain(path: Path, exc: sqlite3.Error) -> str:
    """One line on why ``path`` cannot serve as a store, without SQLite's jargon where it can be avoided."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("readonly" in text or "unable to open" in text):
        folder = path.parent
        why = "is read-only" if "readonly" in text else "cannot be opened for writing"
        return (f"judgment store {path} {why} (check the permissions of the file and of {folder}, "
                f"where SQLite also writes {path.name}-wal); {STORE_ADVICE}")
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return f"{path} is not a judgment store (not an SQLite database: {text}); {STORE_ADVICE}"
    return f"judgment store {path} cannot be used ({type(exc).__name__}: {text}); {STORE_ADVICE}"


def _is_lock(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _claim_stands(owner: str, since: float, now: float) -> bool:
    """A claim holds while its process runs (checked on this host) and for ``CLAIM_LEASE_S`` at most."""
    if now - since > CLAIM_LEASE_S:
        return False
    host, _, rest = owner.partition(":")
    if host != socket.gethostname():
        return True  # another machine's process cannot be looked at: the lease decides
    try:
        pid = int(rest.split(":", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return False  # a store of this very process that was not closed (an earlier, aborted run)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process that its parent has not reaped yet still answers ``kill(pid, 0)``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
