"""Item building under each protocol's task options: T3 turn selection, T1/T2 history, empty replies."""

from __future__ import annotations

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.benchmark.protocol import HUMDIAL, OFFICIAL
from humdial_eval.benchmark.task import MissingResponse, Skipped
from humdial_eval.tasks.empathy import EmpathyTask
from humdial_eval.tasks.reasoning import ReasoningTask
from humdial_eval.tasks.trajectory import TrajectoryTask


def dialogue(task: str, *labels: str | None, reply: str = "A reply.") -> tuple[Dialogue, Dialogue]:
    """Gold and submitted dialogues whose turns carry ``labels`` as raw labels (normalised where known)."""
    normalised = {"neutral": "neutral", "中性": "neutral", "calm": "neutral", "sad": "sad", "happy": "happy", "": None}
    gold = tuple(Turn(i, f"text {i}", normalised.get(label or "", label), raw_emotion=label or None)
                 for i, label in enumerate(labels, start=1))
    submitted = tuple(Turn(i, f"text {i}", response_text=reply) for i in range(1, len(labels) + 1))
    return Dialogue("d", "en", task, gold), Dialogue("d", "en", task, submitted)


def test_official_t3_counts_raw_labels_so_zhongxing_calm_and_empty_are_emotional() -> None:
    official = EmpathyTask(OFFICIAL.task_options())
    humdial = EmpathyTask(HUMDIAL.task_options())
    for label in ("中性", "calm", ""):
        gold, submitted = dialogue("T3", "sad", label, "happy")
        assert official.build_item(gold, submitted).turn_id == 2  # type: ignore[union-attr]
        assert humdial.build_item(gold, submitted).turn_id == 3  # type: ignore[union-attr]
    gold, submitted = dialogue("T3", "Neutral", "NEUTRAL", "sad", "happy")
    assert official.build_item(gold, submitted).turn_id == 4  # type: ignore[union-attr]  # lowercased first


def test_official_t3_skips_a_dialogue_with_one_emotional_turn_where_humdial_falls_back() -> None:
    gold, submitted = dialogue("T3", "neutral", "sad", "neutral")
    skipped = EmpathyTask(OFFICIAL.task_options()).build_item(gold, submitted)
    assert isinstance(skipped, Skipped) and skipped.meta == {"t3_turn_rule": "published_second_raw"}
    assert EmpathyTask(HUMDIAL.task_options()).build_item(gold, submitted).turn_id == 2  # type: ignore[union-attr]


def test_official_t1_t2_history_keeps_only_turns_with_text_and_label_t3_keeps_all() -> None:
    for task in (TrajectoryTask, ReasoningTask):
        gold, submitted = dialogue(task.id, "sad", None, "happy", "neutral")
        official = task(OFFICIAL.task_options()).build_item(gold, submitted)
        humdial = task(HUMDIAL.task_options()).build_item(gold, submitted)
        assert [t.turn_id for t in official.context] == [1, 3]  # type: ignore[union-attr]
        assert [t.turn_id for t in humdial.context] == [1, 2, 3]  # type: ignore[union-attr]
    gold, submitted = dialogue("T3", None, "sad", "happy")
    item = EmpathyTask(OFFICIAL.task_options()).build_item(gold, submitted)
    assert [t.turn_id for t in item.context] == [1]  # type: ignore[union-attr]


def test_an_empty_reply_goes_to_the_judge_under_official_and_scores_by_rule_under_humdial() -> None:
    gold, submitted = dialogue("T1", "sad", "happy", "neutral", reply="  ")
    official = TrajectoryTask(OFFICIAL.task_options()).build_item(gold, submitted)
    assert not isinstance(official, MissingResponse) and official.response_text == ""
    assert isinstance(TrajectoryTask(HUMDIAL.task_options()).build_item(gold, submitted), MissingResponse)
