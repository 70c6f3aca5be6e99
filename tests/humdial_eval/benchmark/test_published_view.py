"""The published scripts' view of a submitted line (protocol ``official``), rule by rule.

Expectations are what eval_task1.py (T1/T2) and eval_task3.py build from the line, read in their code
(ASLP-lab/Hum-Dial commit 211cd64; lines named in humdial_eval/benchmark/published_view.py). The cases that the
scripts could be run on without stopping are also in tests/data/official, checked against their outputs;
the lines that stop a script (a whole file unscored) are checked here against the code only."""

from __future__ import annotations

from typing import Any

import pytest

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.protocol import HUMDIAL, OFFICIAL
from humdial_eval.benchmark.task import MissingResponse, Skipped
from humdial_eval.tasks.empathy import EmpathyTask
from humdial_eval.tasks.reasoning import ReasoningTask
from humdial_eval.tasks.trajectory import TrajectoryTask

GOLD = Dialogue("d", "en", "T1", tuple(Turn(i, f"gold text {i}", "sad", raw_emotion="sad") for i in (1, 2, 3)))


def line(*turns: Any) -> Dialogue:
    """A submitted dialogue as the loader keeps it: the raw turns, plus whatever turns it could parse."""
    return Dialogue("d", "en", "T1", (), raw_turns=tuple(turns))


def item(task: Any, *turns: Any) -> EvalItem:
    built = task(OFFICIAL).build_item(GOLD, line(*turns))
    assert isinstance(built, EvalItem), built
    return built


def test_t1_t2_cut_every_reply_after_its_last_assistant_marker_strip_it_and_keep_special_tokens() -> None:
    for task in (TrajectoryTask, ReasoningTask):
        built = item(task,
                     {"turn_id": 1, "text": "a", "emotion": "sad", "response_text": "x assistant\ny assistant\n <|im_end|>B "},
                     {"turn_id": 2, "text": "b", "emotion": "happy", "response_text": "<|im_start|>think\nassistant\nC<|endoftext|>"})
        assert built.context[0].response_text == "<|im_end|>B"
        assert built.response_text == "C<|endoftext|>"
    long = "w" * 30_000
    assert item(TrajectoryTask, {"text": "a", "emotion": "sad", "response_text": long}).response_text == long


def test_t1_t2_take_turns_in_file_order_and_input_text_before_text() -> None:
    built = item(TrajectoryTask,
                 {"turn_id": 3, "text": "", "input_text": "first in file", "emotion": "sad", "response_text": "r3"},
                 {"turn_id": 1, "text": "t", "input_emotion": "", "emotion": "Anger", "response_text": "r1"},
                 {"turn_id": 2, "text": "last", "input_text": "", "emotion": "fear", "response_text": "r2"})
    assert [(t.turn_id, t.user_text, t.raw_emotion) for t in built.context] == [(3, "first in file", "sad"),
                                                                                 (1, "t", "Anger")]
    assert (built.turn_id, built.question, built.response_text) == (2, "last", "r2")
    assert built.context[1].emotion == "anger"  # normalised, for templates that show the harness's label


def test_t1_t2_history_needs_a_truthy_text_and_label_and_the_question_defaults_to_n_a() -> None:
    built = item(ReasoningTask,
                 {"turn_id": 1, "text": "no label", "response_text": "r"},
                 {"turn_id": 2, "text": "x", "emotion": 0, "input_emotion": 7, "response_text": "r"},
                 {"turn_id": 3, "emotion": "sad", "response_text": "r"})
    assert [(t.turn_id, t.raw_emotion) for t in built.context] == [(2, "7")]  # printed as the f-string does
    assert built.question == "N/A" and built.meta["question_in_history"] is False


@pytest.mark.parametrize("bad", [
    {"turn_id": 1, "text": "a", "emotion": "sad"},  # no response_text: KeyError
    {"turn_id": 1, "text": "a", "emotion": "sad", "response_text": None},  # 'in' on None
    {"turn_id": 1, "text": "a", "emotion": "sad", "response_text": ["assistant\n"]},  # .split on a list
    "not an object",
])
def test_a_t1_t2_turn_the_script_cannot_read_scores_the_minimum_with_the_script_line(bad: Any) -> None:
    ok = {"turn_id": 2, "text": "b", "emotion": "sad", "response_text": "fine"}
    built = TrajectoryTask(OFFICIAL).build_item(GOLD, line(bad, ok))
    assert isinstance(built, MissingResponse) and "eval_task1.py line" in built.reason


def test_t3_picks_the_second_raw_non_neutral_turn_in_file_order_and_keeps_every_turn_up_to_it() -> None:
    built = item(EmpathyTask,
                 {"turn_id": 5, "emotion": "NEUTRAL", "text": "n", "response_text": "r5"},
                 {"turn_id": 4, "emotion": "sad", "text": "s", "response_text": "a assistant\n r4 "},
                 {"turn_id": 1, "text": "no label", "input_text": "in", "response_text": "r1"})
    assert (built.turn_id, built.question, built.question_raw_emotion) == (1, "in", "")
    assert [(t.turn_id, t.response_text) for t in built.context] == [(5, "r5"), (4, " r4 ")]  # cut, not stripped
    assert built.response_text == "r1"


def test_t3_judges_a_missing_reply_as_empty_and_prints_a_null_label_as_none() -> None:
    built = item(EmpathyTask,
                 {"turn_id": 1, "emotion": None, "input_emotion": "", "text": "a", "response_text": "r"},
                 {"turn_id": 2, "emotion": "sad", "text": "b"})
    assert built.response_text == "" and built.context[0].raw_emotion == "None"
    listed = item(EmpathyTask, {"emotion": "sad", "text": "a", "response_text": "r"},
                  {"emotion": "sad", "text": "b", "response_text": ["x"]})
    assert listed.response_text == "['x']"


@pytest.mark.parametrize("turns", [
    ({"emotion": 5, "response_text": "r"}, {"emotion": "sad", "response_text": "r"}),  # .lower() on an int
    ({"emotion": "sad", "response_text": None}, {"emotion": "sad", "response_text": "r"}),  # 'in' on None
    ({"emotion": "sad", "response_text": "r"}, {"emotion": "sad", "response_text": {"assistant\n": 1}}),
    (["a list"], {"emotion": "sad", "response_text": "r"}),
])
def test_a_t3_line_the_script_cannot_read_scores_the_minimum(turns: tuple[Any, ...]) -> None:
    built = EmpathyTask(OFFICIAL).build_item(GOLD, line(*turns))
    assert isinstance(built, MissingResponse) and "eval_task3.py line" in built.reason


def test_t3_with_fewer_than_two_raw_non_neutral_labels_is_skipped() -> None:
    built = EmpathyTask(OFFICIAL).build_item(GOLD, line({"emotion": "neutral", "response_text": "r"},
                                                        {"emotion": "sad", "response_text": "r"}))
    assert isinstance(built, Skipped)


def test_a_turn_id_the_loader_refuses_still_counts_and_names_the_item_by_its_position() -> None:
    built = item(TrajectoryTask, {"turn_id": 1, "text": "a", "emotion": "sad", "response_text": "r"},
                 {"turn_id": "x", "text": "b", "emotion": "sad", "response_text": "r"},
                 {"turn_id": 3.0, "text": "c", "emotion": "sad", "response_text": "last"})
    assert (built.turn_id, built.response_text, [t.turn_id for t in built.context]) == (3, "last", [1, 2])


def test_humdial_keeps_the_loaded_dialogue() -> None:
    submitted = Dialogue("d", "en", "T1", tuple(Turn(i, "", response_text=f"loaded {i}") for i in (1, 2, 3)),
                         raw_turns=({"text": "a", "emotion": "sad", "response_text": "raw"},))
    built = TrajectoryTask(HUMDIAL).build_item(GOLD, submitted)
    assert isinstance(built, EvalItem) and built.response_text == "loaded 3" and built.question == "gold text 3"


def test_a_line_with_no_turns_is_skipped_by_t3_and_stops_t1() -> None:
    empty = Dialogue("d", "en", "T3", ())
    assert isinstance(EmpathyTask(OFFICIAL).build_item(GOLD, empty), Skipped)  # eval_task3.py 120-122
    stopped = TrajectoryTask(OFFICIAL).build_item(GOLD, empty)  # turns[-1]: IndexError, eval_task1.py 118
    assert isinstance(stopped, MissingResponse) and "eval_task1.py line 118" in stopped.reason
    assert isinstance(EmpathyTask(HUMDIAL).build_item(GOLD, empty), MissingResponse)
