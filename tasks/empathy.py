"""T3, empathy assessment: the spoken reply to an emotional user turn, judged on text and voice.

Which turn is evaluated is a rule with a name, recorded in every item. The published scoring code
(eval_task3.py ``find_target_turn``, lines 85-97 at commit 211cd64) takes the second turn whose raw
label, lowercased, is not the string "neutral" and skips a dialogue with fewer than two:
``published_second_raw`` does exactly that (the official protocol uses it). ``second_non_neutral``
(the default of the humdial protocol) counts on normalised labels ("中性", "calm" and a missing label
are neutral) and falls back to the last emotional turn; ``last_non_neutral`` follows the published task
description ("the turn where the last emotion is not neutral").
"""

from __future__ import annotations

from collections.abc import Callable

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.benchmark.emotions import is_neutral
from humdial_eval.benchmark.rubric import DENSE_1_TO_5, Dimension, Rubric
from humdial_eval.benchmark.task import Task

RUBRIC = Rubric(
    (
        Dimension(
            key="textual_empathy_insight",
            name="Textual empathy and insight (D1)",
            scale=DENSE_1_TO_5,
            description="Does the reply's content recognise the user's feeling and respond to it with understanding?",
            levels={
                5: "Names or clearly reflects the feeling, shows why it makes sense, and responds helpfully.",
                4: "Acknowledges the feeling specifically and responds appropriately, with little depth.",
                3: "Acknowledges the feeling in a generic way.",
                2: "Mostly ignores the feeling or answers only the facts.",
                1: "Dismissive, or at odds with what the user feels.",
            },
        ),
        Dimension(
            key="vocal_empathy_congruence",
            name="Vocal empathy congruence (D2)",
            scale=DENSE_1_TO_5,
            description="Does the voice of the reply (tone, pace, energy) suit the user's emotional state?",
            levels={
                5: "The voice clearly fits the moment (e.g. soft and calm for sadness, bright for joy).",
                4: "The voice mostly fits.",
                3: "Neutral delivery, neither fitting nor jarring.",
                2: "The voice partly clashes with the user's state.",
                1: "The voice clearly clashes (e.g. cheerful towards grief).",
            },
            needs_audio=True,
        ),
        Dimension(
            key="audio_quality_naturalness",
            name="Audio quality and naturalness (D3)",
            scale=DENSE_1_TO_5,
            description="Is the speech clean, intelligible and natural-sounding?",
            levels={
                5: "Clean, fluent and natural, like a person speaking.",
                4: "Clean and fluent with slight artificiality.",
                3: "Intelligible but clearly synthetic or with minor artefacts.",
                2: "Noticeable artefacts, glitches or unnatural rhythm.",
                1: "Hard to understand, broken or silent.",
            },
            needs_audio=True,
        ),
    )
)


def second_non_neutral(dialogue: Dialogue) -> Turn | None:
    """The second emotional turn; with fewer than two, falls back to ``last_non_neutral``."""
    emotional = [t for t in dialogue.turns if not is_neutral(t.emotion)]
    return emotional[1] if len(emotional) >= 2 else last_non_neutral(dialogue)


def published_second_raw(dialogue: Dialogue) -> Turn | None:
    """The second turn whose raw label, lowercased, is not "neutral" (an empty or missing label, "中性"
    and "calm" all count); None with fewer than two, so the dialogue is skipped."""
    count = 0
    for turn in dialogue.turns:
        if (turn.raw_emotion or "").lower() != "neutral":
            count += 1
            if count == 2:
                return turn
    return None


def last_non_neutral(dialogue: Dialogue) -> Turn | None:
    """The last emotional turn; a dialogue without one is judged on its final turn."""
    emotional = [t for t in dialogue.turns if not is_neutral(t.emotion)]
    if emotional:
        return emotional[-1]
    return dialogue.turns[-1] if dialogue.turns else None


TURN_RULES: dict[str, Callable[[Dialogue], Turn | None]] = {
    "second_non_neutral": second_non_neutral,
    "last_non_neutral": last_non_neutral,
    "published_second_raw": published_second_raw,
}
DEFAULT_TURN_RULE = "second_non_neutral"


class EmpathyTask(Task):
    id = "T3"
    name = "Empathy assessment"
    rubric = RUBRIC
    prompt_template = "prompts/T3.j2"  # LLM judge prompt (Jinja2), relative to this module

    def __init__(self, options: dict[str, str] | None = None) -> None:
        super().__init__(options)
        rule = self.options.get("t3_turn_rule", DEFAULT_TURN_RULE)
        if rule not in TURN_RULES:
            raise ValueError(f"unknown T3 turn rule {rule!r}; choose one of {', '.join(TURN_RULES)}")
        self.turn_rule = rule

    def evaluated_turn(self, gold: Dialogue) -> Turn | None:
        return TURN_RULES[self.turn_rule](gold)

    def item_meta(self) -> dict[str, str]:
        return {"t3_turn_rule": self.turn_rule}
