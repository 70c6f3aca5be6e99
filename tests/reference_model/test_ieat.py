from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from humdial_eval.benchmark.dialogue import Dialogue, DialogueFile, TestSet, Turn
from humdial_eval.benchmark.emotions import EMOTIONS, normalise_emotion
from humdial_eval.reference_model import phrasebook as pb
from humdial_eval.reference_model.ieat import LLMCauseWriter, TemplateCauseWriter, build_ieat, cause_prompt, main_clause


def dialogue(task: str, turns: list[tuple[str, str]], language: str = "en", dialogue_id: str = "d1") -> Dialogue:
    return Dialogue(dialogue_id, language, task, tuple(Turn(i + 1, text, emotion) for i, (text, emotion) in enumerate(turns)))


def collection_of(*dialogues: Dialogue) -> TestSet:
    collection = TestSet(root=Path("."))
    for d in dialogues:
        file = collection.files.setdefault((d.language, d.task), DialogueFile(d.language, d.task, Path("x.jsonl")))
        file.dialogues[d.dialogue_id] = d
    return collection


def test_every_emotion_word_reads_back_as_its_label() -> None:
    for words in pb.EMOTION_WORDS.values():
        assert sorted(words) == sorted(EMOTIONS)
        for label, word in words.items():
            assert normalise_emotion(word) == label
            assert pb.parse_emotion(pb.THINKING["en"].format(emotion=word, cues="; slow, soft, low-pitched; a man", cause="x")) == label
    assert set(pb.REPLY_EMOTION) == set(EMOTIONS)
    assert set(pb.REPLY_EMOTION.values()) == set(pb.REPLY_EMOTIONS)


def test_parse_emotion_takes_the_first_named_emotion_and_none_when_absent() -> None:
    assert pb.parse_emotion("User is afraid. Cause: they are happy to be home.") == "fear"
    assert pb.parse_emotion("用户很难过。原因：用户的老狗去世了。") == "sad"
    assert pb.parse_emotion("User is thinking about lunch.") is None


def test_thinking_holds_emotion_and_cause_and_the_change_from_the_previous_turn() -> None:
    d = dialogue("T3", [("Guess what, I got the job.", "happy"), ("I feel so low, my dog passed away last night.", "sad")])
    (built,) = build_ieat(collection_of(d), TemplateCauseWriter())
    first, second = built.turns
    assert first.thinking == "User is happy. Cause: they got the job."
    assert second.thinking.startswith("User is sad. Cause: their dog passed away last night.")
    assert second.thinking.endswith("(before: happy)")
    assert (first.reply_emotion, second.reply_emotion) == ("happy", "sad")
    happy = [v.format(cause="you got the job") for v in pb.REPLIES["en"]["happy"]]
    sad = [v.format(cause="your dog passed away last night") for v in pb.REPLIES["en"]["sad"]]
    assert first.reply in happy and second.reply in sad


def test_replies_vary_between_situations_and_speak_of_the_cause() -> None:
    dialogues = [dialogue("T3", [(f"I feel so low, my plant number {i} died.", "sad")], dialogue_id=f"d{i}") for i in range(12)]
    replies = [d.turns[0].reply for d in build_ieat(collection_of(*dialogues), TemplateCauseWriter())]
    assert len({r.split(",")[0].split(":")[0] for r in replies}) >= 2  # more than one phrasing
    assert all("your plant number" in r for r in replies)


def test_template_artefacts_are_gone() -> None:
    t1 = dialogue("T1", [("Guess what, I got the job offer I was hoping for.", "happy"),
                         ("Looking back at our chat, how have my feelings changed?", "neutral")])
    (built,) = build_ieat(collection_of(t1), TemplateCauseWriter())
    assert "they were hoping" in built.turns[0].thinking and "they was" not in built.turns[0].thinking
    assert "Cause: they want to look back on how their feelings changed" in built.turns[1].thinking
    assert "how have" not in built.turns[1].thinking


def test_recorded_attributes_go_into_thinking_and_the_teacher_cue_says_how_the_user_sounds() -> None:
    turn = Turn(1, "Sadly, my old dog died last night.", "sad", extra={
        "speaking_rate": "slow", "energy": "soft", "pitch_level": "low", "gender": "male", "age_range": "senior",
        "speaker": "m_senior_0"})
    d = Dialogue("d1", "en", "T3", (turn,))
    (with_attrs,) = build_ieat(collection_of(d), TemplateCauseWriter())
    assert with_attrs.turns[0].thinking == "User is sad; slow, soft, low-pitched; an older man. Cause: their old dog died last night."
    assert with_attrs.turns[0].cue == "sad; slow, soft, low-pitched; an older man"  # the teacher also hears the emotion
    assert pb.parse_emotion(with_attrs.turns[0].thinking) == "sad"
    (without,) = build_ieat(collection_of(d), TemplateCauseWriter(), attributes=False)
    assert without.turns[0].thinking == "User is sad. Cause: their old dog died last night." and without.turns[0].cue == "sad"
    (no_cue,) = build_ieat(collection_of(d), TemplateCauseWriter(), teacher_cue=False)
    assert no_cue.turns[0].cue == "" and no_cue.turns[0].thinking == with_attrs.turns[0].thinking


def test_t1_ends_with_the_trajectory_and_t2_with_the_earlier_cause() -> None:
    t1 = dialogue("T1", [("Wow, I won a raffle.", "surprise"), ("Ugh, the toilet was filthy.", "disgust"),
                         ("Gross, the toilet was filthy.", "disgust"), ("How have my feelings changed?", "neutral")])
    t2 = dialogue("T2", [("I'm furious, a colleague took credit for my work.", "anger"),
                         ("By the way, the meeting moved.", "neutral"), ("Why do I feel this way?", "anger")], dialogue_id="d2")
    built = {d.task: d for d in build_ieat(collection_of(t1, t2), TemplateCauseWriter())}
    assert built["T1"].turns[-1].reply in ("Your feelings went from surprised to disgusted.",
                                           "Looking back, you went from surprised to disgusted.")
    assert built["T1"].turns[-1].reply_emotion == "neutral"
    assert built["T2"].turns[-1].cause == "a colleague took credit for my work"
    assert built["T2"].turns[-1].reply in ("I think you feel angry because a colleague took credit for your work.",
                                           "You seem angry, mostly because a colleague took credit for your work.")


def test_chinese_turns_are_written_in_chinese() -> None:
    d = dialogue("T3", [("我好害怕，我明天要做一个医学检查。", "fear")], language="zh")
    (built,) = build_ieat(collection_of(d), TemplateCauseWriter())
    assert built.turns[0].thinking == "用户很害怕。原因：用户明天要做一个医学检查。"
    assert built.turns[0].reply in [v.format(cause="你明天要做一个医学检查") for v in pb.REPLIES["zh"]["fear"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm upset because the bus left without me.", "the bus left without me"),
        ("Wow, my parents showed up at my door!", "my parents showed up at my door"),
        ("我很生气，因为同事抢了我的功劳。", "同事抢了我的功劳"),
        ("word " * 40, ("word " * 40)[:80].rsplit(" ", 1)[0]),
    ],
)
def test_main_clause(text: str, expected: str) -> None:
    assert main_clause(text) == expected


class SyncBackend:
    def __init__(self) -> None:
        self.prompts: list[str] = []

    def complete(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return '"Their boss yelled at them."\nextra line ignored'


class AsyncBackend:
    def __init__(self) -> None:
        self.active = 0
        self.peak = 0

    async def complete(self, prompt: str) -> str:
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(0.01)
        self.active -= 1
        if "Turn 2" in prompt:
            raise ConnectionError("the server went away")
        return "" if "Turn 3" in prompt else "a cause from the model"


def test_llm_causes_use_the_backend_and_the_thinking_shows_them() -> None:
    d = dialogue("T3", [("I'm furious, the boss yelled.", "anger")])
    backend = SyncBackend()
    (built,) = build_ieat(collection_of(d), LLMCauseWriter(backend))
    assert built.turns[0].cause == "Their boss yelled at them"
    assert built.turns[0].thinking == "User is angry. Cause: Their boss yelled at them."
    assert "In turn 1 the user feels anger" in backend.prompts[0] and "Turn 1 [anger]" in backend.prompts[0]


def test_llm_failures_fall_back_to_the_template_and_calls_are_bounded() -> None:
    d = dialogue("T3", [("Wow, I won.", "surprise"), ("Ugh, my soup had hair in it.", "disgust"), ("Okay, fine.", "neutral")])
    backend = AsyncBackend()
    writer = LLMCauseWriter(backend, concurrency=2)
    causes = writer.write_causes([(d, 0), (d, 1), (d, 2)] * 2)
    assert causes[0] == "a cause from the model"
    assert causes[1] == "my soup had hair in it" and causes[2] == "Okay"
    assert writer.fallbacks == 4
    assert backend.peak <= 2


def test_a_backend_without_complete_is_refused() -> None:
    with pytest.raises(TypeError, match="complete"):
        LLMCauseWriter(object())


def test_cause_prompt_names_the_language() -> None:
    d = dialogue("T3", [("我好害怕。", "fear")], language="zh")
    assert "in Chinese" in cause_prompt(d, 0)
