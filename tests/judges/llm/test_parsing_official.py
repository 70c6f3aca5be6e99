"""The published scripts' reading of a judge's answer (protocol "official"), rule by rule.

Each expectation is what eval_task{1,2,3}.py record for that answer (checked by running them:
tests/data/official); the harness's own parser reads several of these answers differently."""

from __future__ import annotations

import pytest

from humdial_eval.benchmark.protocol import OFFICIAL_T1_T2, OFFICIAL_T3
from humdial_eval.judges.llm.parsing import ParseError, parse_answer, parse_official
from humdial_eval.tasks.empathy import RUBRIC as T3
from humdial_eval.tasks.trajectory import RUBRIC as T1

T1_KEYS = list(T1.keys())
T3_KEYS = list(T3.keys())


def official_t1(text: str) -> list[int]:
    answer = parse_official(text, T1, T1_KEYS, OFFICIAL_T1_T2)
    return [answer.scores[k] for k in T1_KEYS]


def official_t3(text: str) -> list[int]:
    answer = parse_official(text, T3, T3_KEYS, OFFICIAL_T3)
    return [answer.scores[k] for k in T3_KEYS]


def scores(*values: str) -> str:
    return '{"scores": {' + ", ".join(f'"{k}": {v}' for k, v in zip(T3_KEYS, values)) + "}}"


def t1_scores(*values: str) -> str:
    return '{"scores": {' + ", ".join(f'"{k}": {v}' for k, v in zip(T1_KEYS, values)) + "}}"


def test_per_dimension_int_semantics_missing_or_non_integer_is_one_and_floats_truncate() -> None:
    assert official_t3(scores('"5"', '"4.5"', "3.6")) == [5, 1, 3]
    assert official_t3(scores("null", "true", '"x"')) == [1, 1, 1]
    assert official_t3('{"scores": {}}') == [1, 1, 1]
    assert official_t1(t1_scores("4.9", "2", "7")) == [3, 1, 5]  # int() then <=2 -> 1, <=4 -> 3, else 5
    # the harness's own parser rounds instead: 3.6 -> 4 on T3
    assert parse_answer(scores("5", "5", "3.6"), T3, T3_KEYS).scores[T3_KEYS[2]] == 4


def test_whole_answer_failures_drop_the_item() -> None:
    for text in ("I give it 5, 4 and 3.", "Here: " + scores("5", "5", "5"), '{"scores": {"a": "cut'):
        with pytest.raises(ParseError):
            official_t3(text)
    with pytest.raises(ParseError):
        official_t1('{"ratings": {}}')  # T1/T2 need a "scores" key ...
    assert official_t3('{"ratings": {}}') == [1, 1, 1]  # ... T3 defaults it to {}
    with pytest.raises(ParseError):
        official_t3('{"scores": null}')


def test_infinity_fails_a_t1_item_but_is_one_on_t3() -> None:
    with pytest.raises(ParseError, match="overflows"):
        official_t1(t1_scores("Infinity", "5", "5"))
    assert official_t3(scores("Infinity", "5", "5")) == [1, 5, 5]


def test_fences_and_the_closing_brace_repair() -> None:
    assert official_t3("Sure.\n```json\n" + scores("4", "3", "2") + "\n```\nbye") == [4, 3, 2]
    assert official_t3("```\njson\n" + scores("4", "3", "2") + "\n```") == [4, 3, 2]
    cut = official_t3('{"scores": {"%s": 5, "%s": 4, "%s": 3' % tuple(T3_KEYS))
    assert cut == [5, 4, 3]
    repaired = parse_official('{"scores": {"%s": 5, "%s": 4, "%s": 3' % tuple(T3_KEYS), T3, T3_KEYS, OFFICIAL_T3)
    assert repaired.repaired and not repaired.defaulted


def test_the_harness_parser_accepts_the_official_answer_shape() -> None:
    text = ('```json\n{"scores": {"%s": 5, "%s": 3, "%s": 1}, "justification": {"%s_reason": "named every emotion"},'
            ' "overall_comment": "ok"}\n```' % (*T1_KEYS, T1_KEYS[0]))
    parsed = parse_answer(text, T1, T1_KEYS)
    assert [parsed.scores[k] for k in T1_KEYS] == [5, 3, 1] and "named every emotion" in parsed.rationale


def test_official_settings_a_hosted_api_cannot_take_are_left_out_and_said(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from humdial_eval.benchmark.protocol import OFFICIAL
    from tests.judges.llm.helpers import make_judge

    path = tmp_path / "hosted.yaml"
    path.write_text(yaml.safe_dump({"backend": "openai", "model": "gpt-audio-mini", "api_key_env": "HOME"}))
    judge = make_judge(path)
    judge.use_protocol(OFFICIAL)
    assert judge.config.top_k is None and judge.config.temperature == 0.6 and judge.config.max_tokens == 16384
    assert judge.identity()["protocol_settings_not_sent"] == ["top_k"]
    assert judge.identity()["answer_parsing"] == "published-scripts" and judge.config.parse_retries == 0
