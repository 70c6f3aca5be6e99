"""On the bundled sample, whose replies were written as excellent / partial / poor, the offline judge
must rank them in that order for every task (means over dimensions and languages)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from humdial_eval.cli.main import main
from humdial_eval.results import read_items

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_offline_judge_ranks_the_sample_replies_by_their_intended_quality(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["score", str(EXAMPLES / "submission"), "--testset", str(EXAMPLES / "testset"), "--out", str(out),
                 "--bootstrap", "100", "--no-progress"])
    assert code == 0
    grades = json.loads((EXAMPLES / "response_quality.json").read_text())
    means: dict[tuple[str, str], list[float]] = defaultdict(list)
    for result in read_items(out / "items.jsonl"):
        if result.task not in {"T1", "T2", "T3"}:
            continue
        grade = grades[result.language][result.task][result.dialogue_id][str(result.turn_id)]
        means[(result.task, grade)].append(sum(result.scores.values()) / len(result.scores))
        if grade == "wrong_language":
            assert result.flags == ["language_rule"]
    for task in ("T1", "T2", "T3"):
        average = {grade: sum(v) / len(v) for (t, grade), v in means.items() if t == task}
        assert average["excellent"] > average["partial"] >= average["poor"], (task, average)
