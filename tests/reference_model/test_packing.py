from __future__ import annotations

import numpy as np

from humdial_eval.reference_model import tokenizer as tk
from humdial_eval.reference_model.config import DataConfig
from humdial_eval.reference_model.packing import IGNORE, Packer, TurnView, collate
from humdial_eval.reference_model.tokenizer import CharTokenizer

TOK = CharTokenizer.train(["abcdefghijklmnopqrstuvwxyz .?!"])
FRAMES = {0: 8, 1: 12, 2: 4}


def packer(**data: object) -> Packer:
    return Packer(TOK, DataConfig(**data), speech_positions=lambda n: n // 4, feature_frames=FRAMES.__getitem__)


HISTORY = [TurnView("hi there", 0, "user is happy", "great"), TurnView("so sad", 1, "user is sad", "sorry")]
CURRENT = TurnView("what now", 2, "user is neutral", "okay")


def test_targets_are_predicted_from_the_previous_position_and_match_between_student_and_teacher() -> None:
    p = packer()
    student = p.pack("en", "T3", HISTORY, CURRENT, speech=True)
    teacher = p.pack("en", "T3", HISTORY, CURRENT, speech=False)
    expected = [TOK.special_id(tk.THINK), *TOK.encode("user is neutral"), TOK.special_id(tk.END_THINK),
                *TOK.encode("okay"), TOK.special_id(tk.EOT)]
    for seq in (student, teacher):
        assert [seq.labels[i] for i in seq.target_positions] == expected
        assert [seq.tokens[i + 1] for i in seq.target_positions] == expected
        assert sum(label != IGNORE for label in seq.labels) == len(expected)
    # Speech occupies frames // 4 placeholder positions per utterance; the teacher reads words instead.
    assert len(student.speech) == 2 + 3 + 1 and student.utterances == [0, 1, 2] and student.current_slot == 2
    assert teacher.speech == [] and teacher.current_slot is None
    assert TOK.decode(teacher.tokens).startswith("hi there")


def test_oldest_history_goes_first_when_the_budget_is_tight() -> None:
    full = packer().pack("en", "T1", HISTORY, CURRENT, speech=False)
    tight = packer(max_tokens=len(full) - 3).pack("en", "T1", HISTORY, CURRENT, speech=False)
    assert "hi there" not in TOK.decode(tight.tokens) and "so sad" in TOK.decode(tight.tokens)
    none = packer(max_history_turns=0).pack("en", "T1", HISTORY, CURRENT, speech=False)
    assert "so sad" not in TOK.decode(none.tokens)
    no_thinking = packer(history_thinking=False).pack("en", "T1", HISTORY, CURRENT, speech=False)
    assert "user is happy" not in TOK.decode(no_thinking.tokens) and "great" in TOK.decode(no_thinking.tokens)


def test_units_follow_speak_and_end_with_the_end_class() -> None:
    seq = packer().pack("en", "T3", [], CURRENT, speech=True, units=np.array([5, 6, 7]), reply_emotion="sad")
    speak = seq.tokens.index(TOK.special_id(tk.SPEAK))
    assert [p for p, _ in seq.units] == [speak + 1, speak + 2, speak + 3]
    assert seq.unit_labels[speak : speak + 4] == [5, 6, 7, -1]
    assert seq.unit_slots == [(speak, 0), (speak + 1, 1), (speak + 2, 2)]
    batch = collate([seq, packer().pack("en", "T3", [], CURRENT, speech=True)], lambda i: np.ones((FRAMES[i], 3)), 0, 99)
    assert batch.unit_labels[0, speak + 3] == 99 and batch.unit_counts.tolist() == [3, 0]
    assert batch.feats.shape == (2, 4, 3) and batch.reply_emotion.tolist() == [2, -1]


def test_a_prompt_without_targets_ends_at_the_assistant_token() -> None:
    seq = packer().pack("zh", "T2", HISTORY, CURRENT, speech=True, targets=False)
    assert seq.tokens[-1] == TOK.special_id(tk.ASSISTANT) and seq.target_positions == []
    assert seq.tokens[:3] == [TOK.special_id(tk.SYSTEM), TOK.special_id("<|lang:zh|>"), TOK.special_id("<|task:T2|>")]


def test_generation_keeps_room_for_the_answer_so_it_sees_no_more_history_than_training() -> None:
    """Without the reserve a generation prompt kept history a training sequence of the same turn had
    dropped for its targets, and prompt plus answer outgrew the lengths the model was trained on."""
    trained = packer().pack("en", "T1", HISTORY, CURRENT, speech=True)
    answer = len(trained.target_positions)
    limit = len(trained) - 2  # training now drops its oldest history turn
    kept_in_training = packer(max_tokens=limit).pack("en", "T1", HISTORY, CURRENT, speech=True).utterances
    assert len(kept_in_training) < len(trained.utterances)
    for reserve in (answer, answer + 5):
        prompt = packer(max_tokens=limit, answer_reserve=reserve).pack("en", "T1", HISTORY, CURRENT, speech=True,
                                                                        targets=False)
        assert len(prompt) + reserve <= limit and len(prompt.utterances) <= len(kept_in_training)
    unreserved = packer(max_tokens=limit, answer_reserve=0).pack("en", "T1", HISTORY, CURRENT, speech=True, targets=False)
    assert len(unreserved.utterances) == len(trained.utterances)  # what generation did before the reserve


def test_the_reserve_must_leave_room_for_the_prompt() -> None:
    import pytest

    from humdial_eval.reference_model.config import ConfigError, config_from_dict

    from tests.reference_model.conftest import tiny_dict

    def config(reserve: int) -> object:
        raw = tiny_dict()
        raw["data"] = {**raw["data"], "max_tokens": 384, "answer_reserve": reserve}
        return config_from_dict(raw)

    config(383)
    for bad in (-1, 384, 500):
        with pytest.raises(ConfigError, match="data.answer_reserve"):
            config(bad)
