"""A scored run over the shared test dataset (tests/conftest.py), for the rating-sheet tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Dataset
from tests.humdial_eval.agreement.runfolders import judgment, write_run

SYSTEM = "SecretSystem"
JUDGE = "SecretJudge"
ITEMS = [  # (task, language, dialogue_id, evaluated turn, scores)
    ("T1", "en", "en_t1_a", 3, {"Accuracy_Completeness": 5, "Depth_Granularity": 5, "Added_Value": 3}),
    ("T2", "en", "en_t2_a", 3, {"Information_Integration": 5, "Insight_RootCause": 5, "Clarity_Logic": 5}),
    ("T3", "en", "en_t3_a", 3, {"textual_empathy_insight": 4}),
    ("T1", "zh", "zh_t1_a", 3, {"Accuracy_Completeness": 3, "Depth_Granularity": 3, "Added_Value": 1}),
    ("T2", "zh", "zh_t2_a", 3, {"Information_Integration": 3, "Insight_RootCause": 1, "Clarity_Logic": 3}),
    ("T3", "zh", "zh_t3_a", 3, {"textual_empathy_insight": 2}),
]


def scored_run(folder: Path, dataset: Dataset, *, rule_scored: tuple[str, ...] = ("zh_t2_a",), **summary: object) -> Path:
    rows = [
        judgment(task, lang, did, scores, judge=JUDGE, turn_id=turn,
                 flags=["language_rule"] if did in rule_scored else [])
        for task, lang, did, turn, scores in ITEMS
    ]
    paths = {"submission": str(dataset.submission.parent), "testset": str(dataset.testset.parent)}
    return write_run(folder, rows, system=SYSTEM, options={"t3_turn_rule": "second_non_neutral"}, **{**paths, **summary})
