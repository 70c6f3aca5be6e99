"""The scoring process killed with SIGKILL at random points, again and again, then resumed; and one
store used by two scoring processes at once (one of them killed, in the last test).

The kill points are drawn from a seeded generator (after how many new verdicts, then a sub-latency
delay), so the test is repeatable; the assertions hold wherever the kill lands.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.faults.conftest import ITEMS, Scoring, check_exactly_once, same_summary, stored
from tests.faults.faulty import FaultPlan

SEED = 20261
KILLS = 3
CONCURRENCY = 2
LATENCY = 0.06


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def store_prompts(cache: Path) -> set[str]:
    if not cache.exists():
        return set()
    rows = stored(cache)
    assert all(status == "ok" for status, _ in rows)
    return {sha for _, sha in rows}


def test_killed_again_and_again_then_resumed(scoring: Scoring, serve: Callable[[FaultPlan], Any],
                                             undisturbed: dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(SEED)
    plan = FaultPlan(latency=LATENCY)
    server = serve(plan)
    profile, cache = scoring.profile(server.url, concurrency=CONCURRENCY), tmp_path / "store.sqlite"
    for kill in range(KILLS):
        kept = store_prompts(cache)
        before = Counter(plan.delivered)
        process = scoring.spawn(profile, cache, tmp_path / f"killed{kill}")
        target = plan.total_delivered() + rng.randint(1, 3)
        wait_for(lambda: plan.total_delivered() >= target or process.poll() is not None)
        time.sleep(rng.uniform(0.0, LATENCY))  # land anywhere: mid-request, mid-write, between items
        process.kill()
        process.wait()
        assert process.returncode == -9, "the run finished before it could be killed"
        asked = set(plan.delivered - before)
        assert asked and not asked & kept  # it asked only for what the store did not hold
        assert store_prompts(cache) <= set(plan.delivered)  # nothing stored that was not delivered
    kept, before = store_prompts(cache), Counter(plan.delivered)
    assert 0 < len(kept) < ITEMS
    summary = scoring.run(profile, cache, tmp_path / "resumed")
    assert not set(plan.delivered - before) & kept
    # A verdict that arrived as the process died is asked for again: at most the requests in flight.
    check_exactly_once(plan, cache, lost=KILLS * CONCURRENCY)
    same_summary(summary, undisturbed)


def test_two_processes_at_once_judge_each_item_once(scoring: Scoring, serve: Callable[[FaultPlan], Any],
                                                    undisturbed: dict[str, Any], tmp_path: Path) -> None:
    plan = FaultPlan(latency=LATENCY)
    server = serve(plan)
    profile, cache = scoring.profile(server.url), tmp_path / "store.sqlite"
    processes = [scoring.spawn(profile, cache, tmp_path / name) for name in ("a", "b")]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    check_exactly_once(plan, cache)
    for name in ("a", "b"):
        same_summary(scoring.read_summary(tmp_path / name), undisturbed)


def test_a_process_killed_while_another_shares_the_store(scoring: Scoring, serve: Callable[[FaultPlan], Any],
                                                         undisturbed: dict[str, Any], tmp_path: Path) -> None:
    """What the killed process had taken on is not left waiting: the survivor judges it."""
    plan = FaultPlan(latency=LATENCY)
    server = serve(plan)
    profile, cache = scoring.profile(server.url, concurrency=CONCURRENCY), tmp_path / "store.sqlite"
    doomed, survivor = (scoring.spawn(profile, cache, tmp_path / name) for name in ("doomed", "survivor"))
    wait_for(lambda: plan.total_delivered() >= 4 or doomed.poll() is not None)
    doomed.kill()
    _, doomed_err = doomed.communicate()
    assert doomed.returncode == -9, doomed_err.decode()
    _, err = survivor.communicate(timeout=60)
    assert survivor.returncode == 0, err.decode()
    check_exactly_once(plan, cache, lost=CONCURRENCY)
    same_summary(scoring.read_summary(tmp_path / "survivor"), undisturbed)
