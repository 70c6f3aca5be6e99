"""Claims in the judgment store: one judgment asked for once, across processes and within a run."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.engine import store as store_module
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.engine.registry import task_class
from humdial_eval.engine.runner import run_judging
from humdial_eval.engine.store import BUSY, CLAIMED, DONE, JudgmentStore
from humdial_eval.benchmark.task import Task
from humdial_eval.inputs.validation import open_inputs
from tests.conftest import Dataset

COORDS = ("T1", "en", "d1", 3)


def ok(judge: str = "j") -> Judgment:
    return Judgment(judge=judge, status="ok", scores={"Added_Value": 3})


def claim_rows(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT key, owner FROM claims").fetchall()


def test_a_claim_makes_another_store_wait_until_the_judgment_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with JudgmentStore(path) as first, JudgmentStore(path) as second:
        second.owner = f"{second.owner.split(':')[0]}:{os.getppid()}:other"  # a live process, not this one
        assert second.claim("k") == CLAIMED
        assert first.claim("k") == BUSY
        second.put("k", COORDS, ok())
        assert claim_rows(path) == []  # released with the put
        assert first.claim("k") == DONE and first.get("k") is not None


def test_a_failed_judgment_releases_the_claim_for_a_retry(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with JudgmentStore(path) as first, JudgmentStore(path) as second:
        second.owner = f"{second.owner.split(':')[0]}:{os.getppid()}:other"
        assert second.claim("k") == CLAIMED
        second.put("k", COORDS, Judgment(judge="j", status="failed", error="timeout"))
        assert first.claim("k") == CLAIMED  # failures are retried, not reused


def test_the_claim_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with JudgmentStore(path) as store:
        with sqlite3.connect(path) as db:
            db.execute("INSERT INTO claims VALUES ('k', ?, ?)", (f"{store.owner.split(':')[0]}:{gone.pid}:dead", time.time()))
        assert store.claim("k") == CLAIMED
        assert claim_rows(path) == [("k", store.owner)]


def test_an_unreaped_killed_process_holds_no_claim(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        zombie.kill()
        deadline = time.monotonic() + 5
        while not store_module._zombie(zombie.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        with JudgmentStore(path) as store:
            with sqlite3.connect(path) as db:
                db.execute("INSERT INTO claims VALUES ('k', ?, ?)", (f"{store.owner.split(':')[0]}:{zombie.pid}:z", time.time()))
            assert store.claim("k") == CLAIMED
    finally:
        zombie.wait()


def test_a_claim_lapses_after_the_lease_and_on_another_host_only_then(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with JudgmentStore(path) as store:
        with sqlite3.connect(path) as db:
            db.execute("INSERT INTO claims VALUES ('fresh', 'elsewhere:1:x', ?)", (time.time(),))
            db.execute("INSERT INTO claims VALUES ('old', 'elsewhere:1:x', ?)", (time.time() - store_module.CLAIM_LEASE_S - 1,))
        assert store.claim("fresh") == BUSY
        assert store.claim("old") == CLAIMED


def test_closing_gives_up_the_claims_still_held(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with JudgmentStore(path) as store:
        assert store.claim("a") == CLAIMED and store.claim("b") == CLAIMED
        store.put("a", COORDS, ok())
    assert claim_rows(path) == []


class Counting(Judge):
    """Scores the text dimensions 3; every item of the run renders the same request."""

    def __init__(self) -> None:
        super().__init__("counting", {})
        self.calls = 0

    def dimensions(self, task: Task) -> tuple[str, ...]:
        return tuple(d.key for d in task.rubric.dimensions if not d.needs_audio)

    def identity(self) -> dict[str, Any]:
        return {"backend": "counting"}

    def request(self, item: EvalItem, task: Task) -> dict[str, Any]:
        return {"task": task.id}  # identical for every item of a task

    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        self.calls += 1
        await asyncio.sleep(0.02)
        return Judgment(judge=self.name, status="ok", scores={k: 3 for k in self.dimensions(task)})


@pytest.mark.parametrize("with_store", [True, False])
def test_identical_requests_of_one_run_are_asked_once(dataset: Dataset, tmp_path: Path, with_store: bool) -> None:
    tasks = [task_class(t)() for t in ("T1", "T2")]
    judge = Counting()
    judge.concurrency = 4
    store = JudgmentStore(tmp_path / "s.sqlite") if with_store else None
    try:
        with open_inputs(dataset.submission.parent, dataset.testset.parent, tasks, ["en", "zh"]) as inputs:
            results = run_judging(inputs, tasks, [judge], store)
    finally:
        if store is not None:
            store.close()
    assert len(results) == 4 and all(r.status == "ok" for r in results)
    if with_store:  # one request per task; the other language's item reads it from the store
        assert judge.calls == 2 and sum("cached" in r.flags for r in results) == 2
    else:  # without a store there is nothing to share: each item is asked
        assert judge.calls == 4


def _open_and_close(path: str) -> str:
    try:
        JudgmentStore(Path(path)).close()
    except Exception as exc:  # the message is what the test reports
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_processes_creating_one_store_at_once_all_open_it(tmp_path: Path) -> None:
    """Switching a new file to WAL answers "database is locked" at once, without SQLite's busy wait, to the
    second of two processes creating the store together (the way two `score` runs sharing a fresh --cache
    start); the store retries instead of failing. Before the retry about one open in twenty-five failed."""
    import multiprocessing

    paths = [str(tmp_path / f"s{round_}.sqlite") for round_ in range(25) for _ in range(4)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = pool.map(_open_and_close, paths, chunksize=1)
    assert [outcome for outcome in outcomes if outcome != "ok"] == []
