"""T2, emotional reasoning: the final user turn asks why the user feels the way they do."""

from __future__ import annotations

from humdial_eval.benchmark.rubric import SPARSE_1_3_5, Dimension, Rubric
from humdial_eval.benchmark.task import Task

RUBRIC = Rubric(
    (
        Dimension(
            key="Information_Integration",
            name="Information integration",
            scale=SPARSE_1_3_5,
            description="Does the explanation draw on what the user said across the whole conversation?",
            levels={
                5: "Connects details from several earlier turns into one account.",
                3: "Uses some of the history but leaves out relevant earlier turns.",
                1: "Ignores the history or answers only the last message.",
            },
        ),
        Dimension(
            key="Insight_RootCause",
            name="Insight into root causes",
            scale=SPARSE_1_3_5,
            description="Does it identify the underlying cause of the feeling, not just the surface trigger?",
            levels={
                5: "Names a plausible underlying cause (a need, fear or value at stake) behind the events.",
                3: "Stays with the immediate trigger, or names a cause only vaguely.",
                1: "Gives no cause, or a cause the conversation does not support.",
            },
        ),
        Dimension(
            key="Clarity_Logic",
            name="Clarity and logic",
            scale=SPARSE_1_3_5,
            description="Is the explanation coherent and easy to follow?",
            levels={
                5: "Clear, well-ordered reasoning from events to feelings, with no contradictions.",
                3: "Understandable but loosely organised, repetitive or partly unclear.",
                1: "Confused, contradictory or too short to follow.",
            },
        ),
    )
)


class ReasoningTask(Task):
    id = "T2"
    name = "Emotional reasoning"
    rubric = RUBRIC
    filters_history = True
    prompt_template = "prompts/T2.j2"  # LLM judge prompt (Jinja2), relative to this module
