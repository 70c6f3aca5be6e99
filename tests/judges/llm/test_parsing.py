"""Reading scores from untidy judge answers: fences, prose, thinking, truncation, strings, off-scale."""

from __future__ import annotations

import pytest

from humdial_eval.judges.llm.parsing import ParseError, parse_answer
from humdial_eval.tasks.empathy import RUBRIC as T3
from humdial_eval.tasks.trajectory import RUBRIC as T1

T1_KEYS = list(T1.keys())
T3_KEYS = list(T3.keys())


def test_plain_json() -> None:
    answer = '{"scores": {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 1}, "rationale": "ok"}'
    parsed = parse_answer(answer, T1, T1_KEYS)
    assert parsed.scores == {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 1}
    assert parsed.rationale == "ok" and not parsed.clamped and not parsed.salvaged


def test_fenced_json_with_prose_and_thinking_around_it() -> None:
    answer = (
        "<think>The user went from happy to sad; {\"Accuracy_Completeness\": 1} would be too harsh.</think>\n"
        "Here is my assessment:\n```json\n"
        '{"scores": {"Accuracy_Completeness": 3, "Depth_Granularity": 5, "Added_Value": 3}, "rationale": "fine"}\n'
        "```\nLet me know if you need more detail."
    )
    assert parse_answer(answer, T1, T1_KEYS).scores == {"Accuracy_Completeness": 3, "Depth_Granularity": 5, "Added_Value": 3}


def test_top_level_keys_nested_score_objects_and_loose_key_spelling() -> None:
    answer = ('{"accuracy completeness": {"score": "5", "reason": "all there"}, '
              '"Depth-Granularity": {"rating": 3}, "ADDED_VALUE": "1/5"}')
    parsed = parse_answer(answer, T1, T1_KEYS)
    assert parsed.scores == {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 1}
    assert "all there" in parsed.rationale


@pytest.mark.parametrize("raw, expected", [("4", 3), ("score: 5", 5), (2, 1), (4.9, 3), (0, 1), (10, 5), (-3, 1)])
def test_scores_as_strings_and_off_scale_values_follow_the_sparse_clamp(raw: object, expected: int) -> None:
    answer = {"Accuracy_Completeness": raw, "Depth_Granularity": 3, "Added_Value": 5}
    import json

    parsed = parse_answer(json.dumps({"scores": answer}), T1, T1_KEYS)
    assert parsed.scores["Accuracy_Completeness"] == expected
    on_scale = raw in (1, 3, 5) or raw in ("score: 5",)
    assert ("Accuracy_Completeness" in parsed.clamped) == (not on_scale)


def test_dense_scale_rounds_and_clamps() -> None:
    answer = '{"textual_empathy_insight": 4.5, "vocal_empathy_congruence": 7, "audio_quality_naturalness": "2"}'
    parsed = parse_answer(answer, T3, T3_KEYS)
    assert parsed.scores == {"textual_empathy_insight": 5, "vocal_empathy_congruence": 5, "audio_quality_naturalness": 2}
    assert set(parsed.clamped) == {"textual_empathy_insight", "vocal_empathy_congruence"}


def test_truncated_json_keeps_its_scores_and_the_rationale_so_far() -> None:
    answer = ('{"scores": {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 3}, '
              '"rationale": "The reply names both emotions and ties each to its tri')
    parsed = parse_answer(answer, T1, T1_KEYS)
    assert parsed.scores == {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 3}
    assert parsed.rationale == "The reply names both emotions and ties each to its tri"


def test_scores_cut_off_mid_object_are_salvaged_from_the_text() -> None:
    answer = '{"Accuracy_Completeness": 5, "Depth_Granularity": "3", "Added_Value": 1, "rationale": "Good but'
    parsed = parse_answer(answer, T1, T1_KEYS)
    assert parsed.salvaged and parsed.scores == {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 1}


def test_truncated_json_missing_a_score_is_an_error_naming_it() -> None:
    with pytest.raises(ParseError, match="Added_Value") as info:
        parse_answer('{"scores": {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_V', T1, T1_KEYS)
    assert info.value.found == {"Accuracy_Completeness": 5, "Depth_Granularity": 3}


@pytest.mark.parametrize("answer", ["", "   ", "I cannot rate this.", "<think>long reasoning cut off", '{"scores": {}}',
                                    '{"Accuracy_Completeness": "excellent", "Depth_Granularity": 3, "Added_Value": 3}',
                                    '{"Accuracy_Completeness": true, "Depth_Granularity": 3, "Added_Value": 3}'])
def test_answers_without_readable_scores_fail(answer: str) -> None:
    with pytest.raises(ParseError):
        parse_answer(answer, T1, T1_KEYS)


def test_only_the_wanted_dimensions_are_read() -> None:
    answer = '{"textual_empathy_insight": 4, "vocal_empathy_congruence": 2}'
    assert parse_answer(answer, T3, ["textual_empathy_insight"]).scores == {"textual_empathy_insight": 4}


def test_the_most_complete_of_several_objects_wins() -> None:
    answer = ('Example format: {"Accuracy_Completeness": 1}. My verdict: '
              '{"Accuracy_Completeness": 5, "Depth_Granularity": 5, "Added_Value": 3}')
    assert parse_answer(answer, T1, T1_KEYS).scores["Accuracy_Completeness"] == 5


def test_an_integer_past_float_range_is_the_top_or_bottom_of_the_scale_not_an_exception() -> None:
    for rubric in (T1, T3):
        keys = list(rubric.keys())
        values = [str(10**400), str(-(10**400)), "3"]
        text = '{"scores": {' + ", ".join(f'"{k}": {v}' for k, v in zip(keys, values)) + "}}"
        assert [parse_answer(text, rubric, keys).scores[k] for k in keys] == [5, 1, 3]
