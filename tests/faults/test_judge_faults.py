"""A misbehaving judge server: rate limits, server errors, hangs, dropped connections, garbage.

After each scenario every item is in the store exactly once, every verdict the server delivered is
one of them (none asked twice, none lost), and the summary is identical to an undisturbed run's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import ITEMS, Scoring, check_exactly_once, same_summary, stored
from tests.faults.faulty import FaultPlan

SCENARIOS: dict[str, tuple[str, ...]] = {
    "rate_limited": ("429",),
    "server_errors": ("500", "503"),
    "hangs": ("hang",),
    "dropped_connections": ("drop",),
    "garbage": ("html", "cut", "wrong_json", "unparsable"),
    "everything_at_once": ("429", "500", "503", "hang", "drop", "html", "cut", "wrong_json", "unparsable"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_faulty_judge_changes_nothing(name: str, scoring: Scoring, serve: Callable[[FaultPlan], Any],
                                      undisturbed: dict[str, Any], tmp_path: Path) -> None:
    kinds = SCENARIOS[name]
    mixed = len(kinds) > 4  # every item disturbed, up to 3 times, so that each kind occurs
    plan = FaultPlan(kinds=kinds, seed=sum(map(ord, name)), share=1.0 if mixed else 0.7, most=3 if mixed else 2)
    server = serve(plan)
    summary = scoring.run(scoring.profile(server.url), tmp_path / "store.sqlite", tmp_path / "out")
    assert set(plan.injected) == set(kinds), f"the plan must exercise every fault kind: {plan.injected}"
    check_exactly_once(plan, tmp_path / "store.sqlite")
    same_summary(summary, undisturbed)


def test_an_outage_fails_items_that_the_next_run_judges_once(scoring: Scoring, serve: Callable[[FaultPlan], Any],
                                                             undisturbed: dict[str, Any], tmp_path: Path) -> None:
    """Retries run out: every judgment fails (counted, not scored), and a run after the outage asks
    for exactly those items once each, then scores as if nothing had happened."""
    plan = FaultPlan(down=True)
    server = serve(plan)
    profile, cache = scoring.profile(server.url, max_retries=1), tmp_path / "store.sqlite"
    from humdial_eval.cli.main import main

    assert main(scoring.args(profile, cache, tmp_path / "down")) == 1  # every judgment failed
    assert [status for status, _ in stored(cache)] == ["failed"] * ITEMS
    assert plan.injected["outage"] == ITEMS * 2 and not plan.delivered  # 1 try + 1 retry each, nothing judged
    plan.down = False
    summary = scoring.run(profile, cache, tmp_path / "up")
    check_exactly_once(plan, cache)
    same_summary(summary, undisturbed)
