"""The official formula and the aggregation rules, on hand-computed numbers."""

from __future__ import annotations

from typing import Any

import pytest

from humdial_eval.benchmark.formula import OFFICIAL_WEIGHTS, weighted_final
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judge, Judgment
from humdial_eval.benchmark.results import ItemResult
from humdial_eval.outputs.scoring import BootstrapSettings, summarise
from humdial_eval.benchmark.task import Task
from humdial_eval.tasks.empathy import EmpathyTask
from humdial_eval.tasks.reasoning import ReasoningTask
from humdial_eval.tasks.trajectory import TrajectoryTask

TASKS: list[Task] = [TrajectoryTask(), ReasoningTask(), EmpathyTask()]
FAST = BootstrapSettings(resamples=200)


class AllDimensions(Judge):
    def __init__(self, name: str = "j", skip: tuple[str, ...] = ()) -> None:
        super().__init__(name, {})
        self.skip = skip

    def dimensions(self, task: Task) -> tuple[str, ...]:
        return tuple(k for k in task.rubric.keys() if k not in self.skip)

    def identity(self) -> dict[str, Any]:
        return {"backend": "test"}

    async def judge(self, item: EvalItem, task: Task) -> Judgment:  # pragma: no cover - not called here
        raise AssertionError


def result(task: str, language: str, dialogue: str, scores: dict[str, int], judge: str = "j", status: str = "ok") -> ItemResult:
    return ItemResult(task, language, dialogue, 1, judge, status, scores)


def two_items(task: str, language: str, per_dimension: dict[str, tuple[int, int]]) -> list[ItemResult]:
    """Two dialogues whose scores average to the given means."""
    first = {k: v[0] for k, v in per_dimension.items()}
    second = {k: v[1] for k, v in per_dimension.items()}
    return [result(task, language, f"{task}-{language}-1", first), result(task, language, f"{task}-{language}-2", second)]


def full_results() -> list[ItemResult]:
    # en: T1 means 4, 3, 5 (avg 4); T2 means 5, 5, 2 (avg 4); T3 D1 3, D2 2, D3 4.
    # final en = 0.2*4 + 0.2*4 + 0.1*3 + 0.25*2 + 0.25*4 = 3.4
    # zh: T1 all 3 (avg 3); T2 all 1 (avg 1); T3 D1 5, D2 1, D3 3.
    # final zh = 0.6 + 0.2 + 0.5 + 0.25 + 0.75 = 2.3 ; overall = (3.4 + 2.3) / 2 = 2.85
    return [
        *two_items("T1", "en", {"Accuracy_Completeness": (5, 3), "Depth_Granularity": (3, 3), "Added_Value": (5, 5)}),
        *two_items("T2", "en", {"Information_Integration": (5, 5), "Insight_RootCause": (5, 5), "Clarity_Logic": (1, 3)}),
        *two_items("T3", "en", {"textual_empathy_insight": (2, 4), "vocal_empathy_congruence": (1, 3), "audio_quality_naturalness": (4, 4)}),
        *two_items("T1", "zh", {"Accuracy_Completeness": (3, 3), "Depth_Granularity": (3, 3), "Added_Value": (3, 3)}),
        *two_items("T2", "zh", {"Information_Integration": (1, 1), "Insight_RootCause": (1, 1), "Clarity_Logic": (1, 1)}),
        *two_items("T3", "zh", {"textual_empathy_insight": (5, 5), "vocal_empathy_congruence": (1, 1), "audio_quality_naturalness": (2, 4)}),
    ]


def test_official_formula_on_hand_computed_numbers() -> None:
    summary = summarise(full_results(), TASKS, [AllDimensions()], ["zh", "en"], FAST)
    en, zh = summary["languages"]["en"], summary["languages"]["zh"]
    assert en["T1"]["avg"] == pytest.approx(4.0)
    assert en["T2"]["avg"] == pytest.approx(4.0)
    assert en["T3"]["vocal_empathy_congruence"] == pytest.approx(2.0)
    assert en["final"] == pytest.approx(3.4)
    assert zh["final"] == pytest.approx(2.3)
    assert summary["final"] == pytest.approx(2.85)
    assert en["final_missing"] == [] and summary["final_partial"] == summary["final"]


def test_weights_sum_to_one_and_weighted_final_names_missing_parts() -> None:
    assert sum(OFFICIAL_WEIGHTS.values()) == pytest.approx(1.0)
    value, missing = weighted_final({("T1", "avg"): 5.0})
    assert value is None
    assert missing == ["T2", "T3.textual_empathy_insight", "T3.vocal_empathy_congruence", "T3.audio_quality_naturalness"]


def test_confidence_intervals_bracket_the_means() -> None:
    summary = summarise(full_results(), TASKS, [AllDimensions()], ["zh", "en"], FAST)
    en = summary["languages"]["en"]
    low, high = en["T1"]["Accuracy_Completeness_ci"]
    assert low <= en["T1"]["Accuracy_Completeness"] <= high and (low, high) == (3.0, 5.0)
    assert en["T1"]["Depth_Granularity_ci"] == [3.0, 3.0]  # constant scores: a zero-width interval
    low, high = summary["final_ci"]
    assert low <= summary["final"] <= high


def test_failed_judgments_are_excluded_and_counted() -> None:
    results = full_results()
    results.append(result("T1", "en", "T1-en-3", {}, status="failed"))
    summary = summarise(results, TASKS, [AllDimensions()], ["zh", "en"], FAST)
    assert summary["languages"]["en"]["T1"]["Accuracy_Completeness_n"] == 2
    assert summary["languages"]["en"]["T1"]["avg"] == pytest.approx(4.0)
    assert summary["counts"]["failed"] == 1


def test_unscored_dimension_leaves_the_final_missing_with_a_labelled_partial() -> None:
    judge = AllDimensions(skip=("vocal_empathy_congruence", "audio_quality_naturalness"))
    results = [r for r in full_results()]
    for r in results:
        r.scores.pop("vocal_empathy_congruence", None)
        r.scores.pop("audio_quality_naturalness", None)
    summary = summarise(results, TASKS, [judge], ["zh", "en"], FAST)
    en = summary["languages"]["en"]
    assert en["T3"]["vocal_empathy_congruence"] is None and en["T3"]["avg"] is None
    assert en["final"] is None and summary["final"] is None and summary["final_ci"] is None
    assert en["final_missing"] == ["T3.vocal_empathy_congruence", "T3.audio_quality_naturalness"]
    # partial en: weights 0.2, 0.2, 0.1 renormalised to 0.4, 0.4, 0.2 -> 0.4*4 + 0.4*4 + 0.2*3 = 3.8
    assert en["final_partial"] == pytest.approx(3.8)
    assert en["final_partial_weights"] == {"T1": 0.4, "T2": 0.4, "T3.textual_empathy_insight": 0.2}


def test_first_judge_in_the_profile_owns_a_dimension() -> None:
    results = full_results()
    # A second judge gives every en T1 item a 1 on Accuracy_Completeness; it must not count.
    results += [result("T1", "en", f"T1-en-{i}", {"Accuracy_Completeness": 1}, judge="second") for i in (1, 2)]
    summary = summarise(results, TASKS, [AllDimensions("j"), AllDimensions("second")], ["zh", "en"], FAST)
    assert summary["languages"]["en"]["T1"]["Accuracy_Completeness"] == pytest.approx(4.0)
    assert summary["primary_judges"]["T1.Accuracy_Completeness"] == "j"
