"""The offline rubric judge, dimension by dimension, on replies written to hit each rule."""

from __future__ import annotations

import asyncio

import pytest

from humdial_eval.benchmark.items import ContextTurn, EvalItem
from humdial_eval.judges.offline_rubric import OfflineRubricJudge
from humdial_eval.judges.offline_rubric import dimensions as dims
from humdial_eval.judges.offline_rubric.text_features import emotion_sequence, find_emotions
from humdial_eval.tasks.empathy import EmpathyTask
from humdial_eval.tasks.reasoning import ReasoningTask
from humdial_eval.tasks.trajectory import TrajectoryTask

EN_HISTORY = (
    ContextTurn(1, "I got the job offer at the design studio!", "happy"),
    ContextTurn(2, "But the salary is much lower than they promised on the phone.", "anger"),
    ContextTurn(3, "Now I worry I cannot pay the rent on my flat.", "fear"),
)
ZH_HISTORY = (
    ContextTurn(1, "我拿到了设计工作室的录用通知！", "happy"),
    ContextTurn(2, "可是工资比电话里说的低了很多。", "anger"),
    ContextTurn(3, "我担心付不起房租了。", "fear"),
)


def t1(response: str, language: str = "en") -> EvalItem:
    history = EN_HISTORY if language == "en" else ZH_HISTORY
    return EvalItem("T1", language, "d", 4, history, "How did my feelings change?", "neutral", response)


def t2(response: str, language: str = "en") -> EvalItem:
    history = EN_HISTORY if language == "en" else ZH_HISTORY
    return EvalItem("T2", language, "d", 4, history, "Why do I feel this way?", "fear", response)


def t3(response: str, language: str = "en", question: str = "My dog died this morning and I cannot stop crying.") -> EvalItem:
    return EvalItem("T3", language, "d", 2, (ContextTurn(1, "Hi.", "neutral"),), question, "sad", response)


class TestEmotionLexicon:
    def test_order_of_mentions_and_collapse(self) -> None:
        assert emotion_sequence("You were thrilled, then furious, furious again, and finally scared.", "en") == [
            "happy", "anger", "fear",
        ]

    def test_negated_emotions_do_not_count(self) -> None:
        assert [m.emotion for m in find_emotions("You were not angry, you weren't sad, you were happy.", "en")] == ["happy"]
        assert [m.emotion for m in find_emotions("你并不生气，只是很开心。", "zh")] == ["happy"]

    def test_chinese_synonyms(self) -> None:
        assert emotion_sequence("你先是很兴奋，后来很恼火，最后有些焦虑。", "zh") == ["happy", "anger", "fear"]


class TestAccuracyCompleteness:
    def test_all_emotions_in_order_scores_5(self) -> None:
        score, reason = dims.accuracy_completeness(t1("You were delighted, then angry about the pay, and now anxious."))
        assert score == 5, reason

    def test_a_recap_that_names_emotions_again_is_not_an_order_error(self) -> None:
        text = "First happy, then angry, then afraid. So: happy to angry to afraid."
        assert dims.accuracy_completeness(t1(text))[0] == 5

    def test_one_omission_scores_3(self) -> None:
        score, reason = dims.accuracy_completeness(t1("You were happy at first and now you are worried."))
        assert score == 3 and "omitted ['anger']" in reason

    def test_one_invented_emotion_scores_3(self) -> None:
        text = "You were happy, then angry, then sad, and now worried."
        score, reason = dims.accuracy_completeness(t1(text))
        assert score == 3 and "invented ['sad']" in reason

    def test_one_order_deviation_scores_3(self) -> None:
        score, reason = dims.accuracy_completeness(t1("You were angry, then happy, and now worried."))
        assert score == 3 and "out of order 1" in reason

    def test_two_errors_score_1(self) -> None:
        assert dims.accuracy_completeness(t1("You seem sad."))[0] == 1

    def test_no_emotion_named_scores_1(self) -> None:
        assert dims.accuracy_completeness(t1("Let's talk about your rent options."))[0] == 1

    def test_chinese(self) -> None:
        assert dims.accuracy_completeness(t1("你先是很开心，后来因为工资生气，现在又很担心。", "zh"))[0] == 5
        assert dims.accuracy_completeness(t1("你先是很开心，现在很担心。", "zh"))[0] == 3


class TestDepthGranularity:
    def test_each_emotion_tied_to_its_trigger_scores_5(self) -> None:
        text = (
            "You were happy about the job offer. You became angry because the salary was lower. "
            "Now you are worried about the rent."
        )
        assert dims.depth_granularity(t1(text))[0] == 5

    def test_bare_list_scores_1(self) -> None:
        assert dims.depth_granularity(t1("Happy. Angry. Worried."))[0] == 1

    def test_partly_explained_scores_3(self) -> None:
        assert dims.depth_granularity(t1("You were happy about the job offer. Angry. Worried."))[0] == 3


class TestAddedValue:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("You were happy, then angry, then worried.", 1),
            ("It makes sense that the pay cut shook you.", 3),
            ("You could ask the studio to honour the salary they promised.", 3),
            ("You were happy, then angry, now worried. It makes sense that the lower salary shook you. "
             "You could ask them to honour the promise.", 5),
            ("You were happy, then angry, now worried. It makes sense to feel so. You could read a good book.", 3),
            ("You seem sad. It makes sense that the lower salary shook you. You could ask about the salary.", 3),
        ],
    )
    def test_reflection_and_suggestion(self, text: str, expected: int) -> None:
        assert dims.added_value(t1(text))[0] == expected


class TestInformationIntegration:
    def test_drawing_on_all_earlier_turns_scores_5(self) -> None:
        text = "The job offer felt great, but the salary cut and the rent on your flat now weigh on you."
        score, reason = dims.information_integration(t2(text))
        assert score == 5, reason

    def test_one_of_three_turns_scores_3(self) -> None:
        assert dims.information_integration(t2("The rent on your flat is the problem."))[0] == 3

    def test_ignoring_history_scores_1(self) -> None:
        assert dims.information_integration(t2("Feelings come and go; try some breathing exercises."))[0] == 1

    def test_chinese_uses_character_bigrams(self) -> None:
        text = "录用通知让你高兴，但工资低了很多，又担心房租，所以你很不安。"
        assert dims.information_integration(t2(text, "zh"))[0] == 5


class TestInsightRootCause:
    def test_cause_and_underlying_need_scores_5(self) -> None:
        text = "You feel this way because the promise was broken; deep down it is about security and trust."
        assert dims.insight_root_cause(t2(text))[0] == 5

    def test_surface_cause_only_scores_3(self) -> None:
        assert dims.insight_root_cause(t2("You feel this way because the salary was lower."))[0] == 3

    def test_no_cause_scores_1(self) -> None:
        assert dims.insight_root_cause(t2("That is tough. Hang in there."))[0] == 1


class TestClarityLogic:
    def test_clear_explanation_scores_5(self) -> None:
        text = (
            "First, the offer made you hopeful. Then the lower salary broke a promise, "
            "so now the rent feels like a threat, which is why you are anxious."
        )
        assert dims.clarity_logic(t2(text))[0] == 5

    def test_too_short_scores_1(self) -> None:
        assert dims.clarity_logic(t2("Because money."))[0] == 1

    def test_repetition_costs_a_level(self) -> None:
        sentence = "You are anxious because of the rent and the salary and the job offer and everything."
        score, reason = dims.clarity_logic(t2(" ".join([sentence] * 4)))
        assert score == 3 and "repetitive" in reason


class TestTextualEmpathy:
    def test_all_four_elements_score_5(self) -> None:
        text = "I'm so sorry your dog died; of course you are sad and crying. I'm here with you."
        score, reason = dims.textual_empathy_insight(t3(text))
        assert score == 5, reason

    def test_generic_reply_scores_1(self) -> None:
        assert dims.textual_empathy_insight(t3("OK. What else is new?"))[0] == 1

    def test_dismissive_phrase_costs_a_point(self) -> None:
        with_dismissal = dims.textual_empathy_insight(t3("You are sad about your dog, but it's no big deal."))[0]
        without = dims.textual_empathy_insight(t3("You are sad about your dog."))[0]
        assert without - with_dismissal == 1

    def test_chinese(self) -> None:
        text = "狗狗走了，你一定很难过，想哭就哭吧，我在这里陪着你。"
        item = t3(text, "zh", question="我的狗今天早上走了，我一直在哭。")
        assert dims.textual_empathy_insight(item)[0] >= 4


def test_judge_scores_text_dimensions_and_leaves_audio_ones_unscored() -> None:
    judge = OfflineRubricJudge("offline-rubric", {})
    task = EmpathyTask()
    assert judge.dimensions(task) == ("textual_empathy_insight",)
    judgment = asyncio.run(judge.judge(t3("I'm so sorry, of course you are sad."), task))
    assert set(judgment.scores) == {"textual_empathy_insight"}
    assert judge.dimensions(TrajectoryTask()) == TrajectoryTask.rubric.keys()
    assert judge.dimensions(ReasoningTask()) == ReasoningTask.rubric.keys()


def test_judge_is_deterministic() -> None:
    judge = OfflineRubricJudge("offline-rubric", {})
    item = t1("You were happy, then angry, then worried about the rent.")
    first = asyncio.run(judge.judge(item, TrajectoryTask()))
    second = asyncio.run(judge.judge(item, TrajectoryTask()))
    assert first == second
