"""Runner options added for LLM judges: repeats, --on-failure, a judge that cannot even build its cache key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.engine.registry import task_class
from humdial_eval.engine.runner import run_judging
from humdial_eval.outputs.scoring import BootstrapSettings, summarise
from humdial_eval.engine.store import JudgmentStore
from humdial_eval.benchmark.task import Task
from humdial_eval.inputs.validation import open_inputs
from tests.conftest import Dataset


class Scripted(Judge):
    """Scores every text dimension ``3 + repeat`` (clamped by the runner), or fails, or breaks."""

    def __init__(self, mode: str = "ok") -> None:
        super().__init__("scripted", {})
        self.mode = mode
        self.calls: list[int] = []  # shared with the per-repeat copies

    def dimensions(self, task: Task) -> tuple[str, ...]:
        return tuple(d.key for d in task.rubric.dimensions if not d.needs_audio)

    def identity(self) -> dict[str, Any]:
        return {"backend": "scripted", "mode": self.mode}

    def request(self, item: EvalItem, task: Task) -> dict[str, Any]:
        if self.mode == "unhashable":
            raise OSError("file vanished")
        return super().request(item, task)

    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        self.calls.append(self.repeat)
        if self.mode == "fail":
            return Judgment(judge=self.name, status="failed", error="no verdict", raw="garbage")
        return Judgment(judge=self.name, status="ok", scores={k: 1 + 2 * self.repeat for k in self.dimensions(task)})


def run(dataset: Dataset, judge: Scripted, store: JudgmentStore | None = None, **options: Any) -> list[Any]:
    tasks = [task_class(t)() for t in ("T1", "T2", "T3")]
    with open_inputs(dataset.submission.parent, dataset.testset.parent, tasks, ["en", "zh"]) as inputs:
        return run_judging(inputs, tasks, [judge], store, **options)


def test_repeats_make_one_line_per_repeat_including_rule_scored_items(dataset: Dataset) -> None:
    dataset.rewrite("en", "T1", lambda records: records[0]["turns"][-1].update(response_text="你好，我很高兴认识你，今天天气很好。"))
    judge = Scripted()
    results = run(dataset, judge, repeats=3)
    assert len(results) == 18 and len(judge.calls) == 15  # the wrong-language item is scored by rule, 3 times
    assert sorted(r.meta["repeat"] for r in results if r.dialogue_id == "en_t1_a") == [0, 1, 2]
    judged = [r for r in results if r.dialogue_id == "en_t2_a"]
    assert sorted(r.scores["Clarity_Logic"] for r in judged) == [1, 3, 5]
    tasks = [task_class(t)() for t in ("T1", "T2", "T3")]
    summary = summarise(results, tasks, [judge], ["en", "zh"], BootstrapSettings(resamples=100), "median")
    assert summary["languages"]["en"]["T2"]["Clarity_Logic"] == 3.0


def test_failures_are_excluded_or_scored_the_minimum(dataset: Dataset) -> None:
    excluded = run(dataset, Scripted("fail"))
    assert all(r.status == "failed" and r.scores == {} and r.meta["raw_answer"] == "garbage" for r in excluded)
    scored = run(dataset, Scripted("fail"), on_failure="min")
    assert all(r.status == "failed" and "failed_scored_min" in r.flags for r in scored)
    assert all(set(r.scores.values()) == {1} and r.scores for r in scored)


def test_a_judge_that_cannot_build_its_cache_key_fails_its_items_not_the_run(dataset: Dataset, tmp_path: Path) -> None:
    with JudgmentStore(tmp_path / "s.sqlite") as store:
        results = run(dataset, Scripted("unhashable"), store)
        assert store.stats().judgments == 0 and store.stats().failed == 0  # nothing stored under no key
    assert len(results) == 6 and all(r.status == "failed" and "file vanished" in (r.error or "") for r in results)
