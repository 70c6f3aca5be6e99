"""T1, emotional trajectory detection: the final user turn asks how the user's feelings changed."""

from __future__ import annotations

from humdial_eval.benchmark.rubric import SPARSE_1_3_5, Dimension, Rubric
from humdial_eval.benchmark.task import Task

RUBRIC = Rubric(
    (
        Dimension(
            key="Accuracy_Completeness",
            name="Accuracy and completeness",
            scale=SPARSE_1_3_5,
            description="Does the summary name the emotions the user actually went through, all of them, in order?",
            levels={
                5: "Every emotion of the trajectory is named correctly and in the order it occurred.",
                3: "The broad arc is right, but one emotion is missing, misnamed or out of order, or one is invented.",
                1: "The emotions named do not match the trajectory, or most of it is missing.",
            },
        ),
        Dimension(
            key="Depth_Granularity",
            name="Depth and granularity",
            scale=SPARSE_1_3_5,
            description="Does the summary tie each emotional change to what happened in the conversation?",
            levels={
                5: "Each shift is linked to the concrete event or remark that triggered it.",
                3: "Some shifts are explained, others are only listed.",
                1: "Emotions are listed, if at all, with no link to what caused them.",
            },
        ),
        Dimension(
            key="Added_Value",
            name="Added value",
            scale=SPARSE_1_3_5,
            description="Does the reply go beyond restating, with a useful reflection or a supportive next step?",
            levels={
                5: "Offers a perceptive observation about the pattern and a fitting, supportive next step.",
                3: "Adds a generic comment or suggestion that only partly fits the user's situation.",
                1: "Adds nothing beyond the restated facts, or adds something unhelpful.",
            },
        ),
    )
)


class TrajectoryTask(Task):
    id = "T1"
    name = "Emotional trajectory detection"
    rubric = RUBRIC
    filters_history = True
    prompt_template = "prompts/T1.j2"  # LLM judge prompt (Jinja2), relative to this module
