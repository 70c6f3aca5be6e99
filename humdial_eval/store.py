"""The judgment store: every judgment is written the moment it arrives, so a killed run loses nothing.

SQLite in WAL mode; the key is a hash of the judge's identity (backend, model, prompt version,
sampling parameters) and the request as sent, so two runs that differ in any of them never share a
judgment. Only successful judgments are reused: a failed one is tried again on the next run.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from humdial_eval.judgment import Judgment

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


@dataclass(frozen=True)
class StoreStats:
    """``judgments`` and ``by_judge`` count reusable (ok) judgments; failed ones are counted apart."""

    judgments: int
    by_judge: dict[str, int]
    path: Path
    failed: int = 0
    by_task: dict[str, int] = field(default_factory=dict)
    failed_by_judge: dict[str, int] = field(default_factory=dict)


class JudgmentStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get(self, key: str) -> Judgment | None:
        row = self._db.execute("SELECT record FROM judgments WHERE key = ? AND status = 'ok'", (key,)).fetchone()
        return Judgment.from_dict(json.loads(row[0])) if row else None

    def put(self, key: str, coords: tuple[str, str, str, int], judgment: Judgment) -> None:
        """Keep the first successful judgment for a key; a failure never overwrites a success."""
        task, language, dialogue_id, turn_id = coords
        record = json.dumps(judgment.to_dict(), ensure_ascii=False, sort_keys=True)
        self._db.execute(
            """INSERT INTO judgments (key, judge, task, language, dialogue_id, turn_id, status, created, record)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET status = excluded.status, record = excluded.record,
                   created = excluded.created
               WHERE judgments.status != 'ok'""",
            (key, judgment.judge, task, language, dialogue_id, turn_id, judgment.status, time.time(), record),
        )

    def stats(self) -> StoreStats:
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
        cursor = self._db.execute(sql, params)
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "JudgmentStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
