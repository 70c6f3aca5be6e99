"""On the bundled sample, whose replies were written as excellent / partial / poor, the offline judge
must rank them in that order for every task (means over dimensions and languages)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from humdial_eval.cli.main import main
from humdial_eval.benchmark.results import read_items

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


def test_items_are_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Rationales name emotions in the trajectory's order, so items.jsonl does not depend on PYTHONHASHSEED."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "6"):  # two seeds that ordered a set of emotions differently before
        out = tmp_path / f"out{seed}"
        subprocess.run([sys.executable, "-m", "humdial_eval.cli.main", "score", "examples/submission", "--testset",
                        "examples/testset", "--tasks", "T1", "--out", str(out), "--no-cache", "--bootstrap", "100"],
                       cwd=EXAMPLES.parent, env={**os.environ, "PYTHONHASHSEED": seed}, check=True, capture_output=True)
        outputs.append((out / "items.jsonl").read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
