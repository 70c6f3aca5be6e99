"""Helpers for the LLM judge tests: fast settings, building a judge from a profile, judging one item."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.profiles import build_judges
from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm.base import LLMJudge
from humdial_eval.judges.llm.samples import sample_item

# Short timeouts and backoffs keep the failure-path tests fast; the logic under test is the same.
FAST: dict[str, Any] = {
    "request_timeout": 1.0,
    "max_retries": 3,
    "backoff_base": 0.01,
    "backoff_max": 0.05,
    "parse_retries": 1,
    "concurrency": 4,
}


def make_judge(path: Path) -> LLMJudge:
    (judge,) = build_judges(str(path))
    assert isinstance(judge, LLMJudge)
    return judge


def judge_once(judge: LLMJudge, task_id: str = "T1", item: Any = None) -> Judgment:
    """Judge one item (the built-in sample unless given) and close the judge's clients."""
    task = task_class(task_id)()

    async def go() -> Judgment:
        try:
            return await judge.judge(item or sample_item(task_id), task)
        finally:
            await judge.aclose()

    return asyncio.run(go())
