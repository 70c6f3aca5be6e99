"""Fixtures of the fault tests: one small bilingual data set (18 dialogues, T3 audio), its undisturbed
summary, and helpers to score it, read the store and check that every item was judged exactly once.

Timeouts and backoffs are tiny (profile settings), so that a scenario with dozens of faults runs in
a second or two; the retry logic under test is the same as with production settings.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from humdial_eval.cli.main import main
from tests.conftest import DIALOGUES, Dataset, build_dataset
from tests.faults.faulty import FaultPlan, start
from tests.judges.llm.fake_server import FakeJudgeServer

REPO = Path(__file__).resolve().parents[2]
COPIES = 3  # 6 dialogues x 3 = 18 items, one judgment each
ITEMS = 6 * COPIES
SETTINGS: dict[str, Any] = {
    "request_timeout": 0.5, "max_retries": 4, "backoff_base": 0.01, "backoff_max": 0.03, "max_retry_after": 1.0,
    "parse_retries": 2, "concurrency": 4,
}


def copied_dialogues(copies: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each sample dialogue ``copies`` times, with its own id and first turn, so every item asks anew."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for language, tasks in DIALOGUES.items():
        for task, dialogues in tasks.items():
            for dialogue in dialogues:
                for number in range(copies):
                    clone = copy.deepcopy(dialogue)
                    clone["dialogue_id"] = f"{dialogue['dialogue_id']}{number}"
                    text, emotion, response = clone["turns"][0]
                    clone["turns"][0] = (f"{text} ({number})", emotion, response)
                    out.setdefault(language, {}).setdefault(task, []).append(clone)
    return out


@dataclass
class Scoring:
    """Runs ``humdial-eval score`` on the shared data set against a server, in or out of process."""

    dataset: Dataset
    root: Path

    def profile(self, url: str, **settings: Any) -> Path:
        data = {"backend": "openai", "model": "fault-omni", "base_url": url, "audio": True, **SETTINGS, **settings}
        path = self.root / "judge.yaml"  # the judge is named after its file: the same in every run
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    def args(self, profile: Path, cache: Path, out: Path) -> list[str]:
        return ["score", str(self.dataset.submission), "--testset", str(self.dataset.testset), "--judge", str(profile),
                "--cache", str(cache), "--out", str(out), "--bootstrap", "200", "--no-progress"]

    def run(self, profile: Path, cache: Path, out: Path) -> dict[str, Any]:
        """Score in this process; returns summary.json."""
        assert main(self.args(profile, cache, out)) == 0
        return self.read_summary(out)

    def read_summary(self, out: Path) -> dict[str, Any]:
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))

    def spawn(self, profile: Path, cache: Path, out: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "humdial_eval.cli.main", *self.args(profile, cache, out)],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stored(cache: Path) -> list[tuple[str, str]]:
    """(status, prompt sha256) of every row of the store."""
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT status, record FROM judgments").fetchall()
    return [(status, json.loads(record)["meta"].get("prompt_sha256", "")) for status, record in rows]


def check_exactly_once(plan: FaultPlan, cache: Path, lost: int = 0) -> None:
    """Every item in the store once, ok; every verdict the server delivered is one of them, and each
    was delivered once (``lost``: how many deliveries a killed process may have taken with it)."""
    rows = stored(cache)
    assert len(rows) == ITEMS, f"{len(rows)} rows in the store for {ITEMS} items"
    assert all(status == "ok" for status, _ in rows)
    prompts = [sha for _, sha in rows]
    assert len(set(prompts)) == ITEMS  # no item twice
    assert set(plan.delivered) == set(prompts)  # every verdict sent is stored, none stored unsent
    assert sum(plan.delivered.values()) - ITEMS <= lost
    if not lost:
        assert all(count == 1 for count in plan.delivered.values()), plan.delivered


def same_summary(disturbed: dict[str, Any], undisturbed: dict[str, Any]) -> None:
    assert disturbed["counts"]["ok"] == ITEMS and disturbed["final"] is not None
    assert disturbed == undisturbed


@pytest.fixture(scope="session")
def fault_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="session")
def fault_dataset(fault_root: Path) -> Dataset:
    return build_dataset(fault_root / "data", copied_dialogues(COPIES))


@pytest.fixture(scope="session")
def undisturbed(fault_dataset: Dataset, fault_root: Path) -> dict[str, Any]:
    """The summary of a run against a server that never fails."""
    plan = FaultPlan()
    server = start(plan)
    try:
        scoring = Scoring(fault_dataset, fault_root)
        summary = scoring.run(scoring.profile(server.url), fault_root / "healthy.sqlite", fault_root / "healthy")
    finally:
        server.stop()
    check_exactly_once(plan, fault_root / "healthy.sqlite")
    return summary


@pytest.fixture
def scoring(fault_dataset: Dataset, tmp_path: Path) -> Scoring:
    return Scoring(fault_dataset, tmp_path)


@pytest.fixture
def serve() -> Iterator[Callable[[FaultPlan], FakeJudgeServer]]:
    """Start a server on a plan; stopped at the end of the test."""
    servers: list[FakeJudgeServer] = []

    def make(plan: FaultPlan) -> FakeJudgeServer:
        servers.append(start(plan))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()
