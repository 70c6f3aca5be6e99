from __future__ import annotations

import pytest

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.tasks.empathy import EmpathyTask, last_non_neutral, second_non_neutral


def dialogue(*emotions: str | None) -> Dialogue:
    turns = tuple(Turn(turn_id=i, text=f"turn {i}", emotion=e) for i, e in enumerate(emotions, start=1))
    return Dialogue("d1", "en", "T3", turns)


def test_second_non_neutral_picks_the_second_emotional_turn() -> None:
    d = dialogue("neutral", "sad", "neutral", "anger", "happy")
    assert second_non_neutral(d).turn_id == 4  # type: ignore[union-attr]


def test_last_non_neutral_picks_the_last_emotional_turn() -> None:
    d = dialogue("neutral", "sad", "neutral", "anger", "happy", "neutral")
    assert last_non_neutral(d).turn_id == 5  # type: ignore[union-attr]


def test_rules_differ_on_the_same_dialogue() -> None:
    d = dialogue("fear", "sad", "neutral", "happy")
    assert second_non_neutral(d).turn_id == 2  # type: ignore[union-attr]
    assert last_non_neutral(d).turn_id == 4  # type: ignore[union-attr]


def test_with_one_emotional_turn_second_rule_falls_back_to_it() -> None:
    d = dialogue("neutral", "disgust", "neutral")
    assert second_non_neutral(d).turn_id == 2  # type: ignore[union-attr]


def test_all_neutral_dialogue_is_judged_on_its_final_turn() -> None:
    d = dialogue("neutral", "neutral", "neutral")
    assert last_non_neutral(d).turn_id == 3  # type: ignore[union-attr]
    assert second_non_neutral(d).turn_id == 3  # type: ignore[union-attr]


def test_task_default_rule_is_second_non_neutral_and_is_recorded() -> None:
    task = EmpathyTask()
    assert task.turn_rule == "second_non_neutral"
    assert task.item_meta() == {"t3_turn_rule": "second_non_neutral"}
    assert EmpathyTask({"t3_turn_rule": "last_non_neutral"}).item_meta() == {"t3_turn_rule": "last_non_neutral"}


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown T3 turn rule"):
        EmpathyTask({"t3_turn_rule": "first"})


def test_build_item_carries_context_with_gold_emotions() -> None:
    gold = dialogue("neutral", "sad", "fear")
    answered = Dialogue(
        "d1", "en", "T3", tuple(Turn(turn_id=t.turn_id, text=t.text, response_text=f"reply {t.turn_id}") for t in gold.turns)
    )
    item = EmpathyTask().build_item(gold, answered)
    assert item.turn_id == 3  # type: ignore[union-attr]
    assert [(c.turn_id, c.emotion, c.response_text) for c in item.context] == [  # type: ignore[union-attr]
        (1, "neutral", "reply 1"),
        (2, "sad", "reply 2"),
    ]
    assert item.question_emotion == "fear"  # type: ignore[union-attr]
    assert item.response_text == "reply 3"  # type: ignore[union-attr]
