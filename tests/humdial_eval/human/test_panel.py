"""`score --human-ratings`: the panel is the source of the dimensions it rates, as in the challenge's final."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.conftest import Dataset, read_jsonl

D2, D3 = "vocal_empathy_congruence", "audio_quality_naturalness"
WEIGHTS = {"T1": 0.2, "T2": 0.2, "D1": 0.1, D2: 0.25, D3: 0.25}


def t3_items(dataset: Dataset) -> list[tuple[str, str, int]]:
    """(language, dialogue_id, evaluated turn) of every T3 item, read from a plain run's items.jsonl."""
    return [(i["language"], i["dialogue_id"], i["turn_id"]) for i in read_jsonl(dataset.submission.parent / "plain" / "items.jsonl")
            if i["task"] == "T3"]


def write_ratings(path: Path, rows: list[dict[str, object]]) -> Path:
    columns = ["language", "task", "dialogue_id", "dimension", "rater", "score", "turn_id", "system"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[c for c in columns if any(c in r for r in rows)])
        writer.writeheader()
        writer.writerows(rows)
    return path


def score(dataset: Dataset, out: Path, *extra: str) -> int:
    return main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out), "--no-cache",
                 "--bootstrap", "200", "--no-progress", *extra])


@pytest.fixture
def plain(dataset: Dataset) -> Path:
    out = dataset.submission.parent / "plain"
    assert score(dataset, out) == 0
    return out


def test_panel_means_replace_the_missing_d2_d3_and_complete_the_final(dataset: Dataset, plain: Path,
                                                                      tmp_path: Path) -> None:
    rng = random.Random(7)
    rows, by_item = [], {}
    for language, dialogue_id, turn_id in t3_items(dataset):
        for dimension in (D2, D3):
            scores = [rng.randint(1, 5) for _ in range(3)]
            by_item[(language, dialogue_id, dimension)] = scores
            rows += [{"language": language, "task": "T3", "dialogue_id": dialogue_id, "dimension": dimension,
                      "rater": f"r{k}", "score": s, "turn_id": turn_id} for k, s in enumerate(scores)]
    ratings = write_ratings(tmp_path / "ratings.csv", rows)
    assert score(dataset, tmp_path / "out", "--human-ratings", str(ratings)) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    plain_summary = json.loads((plain / "summary.json").read_text())
    assert plain_summary["final"] is None  # the offline judge does not listen: no D2/D3, no final
    finals = []
    for language in ("zh", "en"):
        entry = summary["languages"][language]
        hand = {}
        for dimension in (D2, D3):
            item_means = [sum(v) / len(v) for (lang, _, dim), v in by_item.items() if lang == language and dim == dimension]
            hand[dimension] = sum(item_means) / len(item_means)
            assert entry["T3"][dimension] == pytest.approx(hand[dimension], abs=1e-4)
            assert entry["T3"][f"{dimension}_n"] == len(item_means) == entry["T3"][f"{dimension}_n_expected"]
        # the other dimensions keep their judge: the same numbers as the run without ratings
        assert entry["T1"] == plain_summary["languages"][language]["T1"]
        assert entry["T3"]["textual_empathy_insight"] == plain_summary["languages"][language]["T3"]["textual_empathy_insight"]
        final = (WEIGHTS["T1"] * entry["T1"]["avg"] + WEIGHTS["T2"] * entry["T2"]["avg"]
                 + WEIGHTS["D1"] * entry["T3"]["textual_empathy_insight"] + 0.25 * hand[D2] + 0.25 * hand[D3])
        assert entry["final"] == pytest.approx(final, abs=2e-4)
        finals.append(final)
    assert summary["final"] == pytest.approx(sum(finals) / 2, abs=2e-4)
    assert summary["sources"][f"T3.{D2}"] == {"kind": "human", "judge": "human-panel", "raters": 3}
    assert summary["sources"]["T1.Accuracy_Completeness"]["kind"] == "offline"
    assert summary["human_panel"]["raters"] == 3 and summary["primary_judges"][f"T3.{D3}"] == "human-panel"
    panel_items = [i for i in read_jsonl(tmp_path / "out" / "items.jsonl") if i["judge"] == "human-panel"]
    assert len(panel_items) == len(t3_items(dataset)) and all(i["meta"]["raters"] == {D2: 3, D3: 3} for i in panel_items)
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| T3.vocal_empathy_congruence | human | human-panel | 3 raters |" in report


def test_unrated_items_are_expected_and_other_systems_rows_are_left_out(dataset: Dataset, plain: Path,
                                                                        tmp_path: Path) -> None:
    items = t3_items(dataset)
    rated, unrated = items[1:], items[0]
    rows = [{"language": lang, "task": "T3", "dialogue_id": d, "dimension": D2, "rater": "a", "score": 4, "system": "team"}
            for lang, d, _ in rated]
    rows += [{"language": lang, "task": "T3", "dialogue_id": d, "dimension": D2, "rater": "a", "score": 1, "system": "rival"}
             for lang, d, _ in items]
    ratings = write_ratings(tmp_path / "ratings.csv", rows)
    assert score(dataset, tmp_path / "out", "--human-ratings", str(ratings)) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    for language in {lang for lang, _, _ in rated}:
        assert summary["languages"][language]["T3"][D2] == 4.0  # the rival's 1s are not this system's
    entry = summary["languages"][unrated[0]]["T3"]
    assert entry[f"{D2}_n"] == entry[f"{D2}_n_expected"] - 1
    assert summary["unscored_expected"] == {f"{unrated[0]}.T3.{D2}": 1}
    assert main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(tmp_path / "o2"),
                 "--no-cache", "--human-ratings", str(ratings), "--system-name", "nobody", "--no-progress"]) == 1


@pytest.mark.parametrize("change", ["turn", "unknown"])
def test_ratings_that_do_not_fit_the_run_are_refused_with_their_line(dataset: Dataset, plain: Path, tmp_path: Path,
                                                                     change: str, capsys: pytest.CaptureFixture[str]) -> None:
    language, dialogue_id, turn_id = t3_items(dataset)[0]
    row = {"language": language, "task": "T3", "dialogue_id": dialogue_id, "dimension": D2, "rater": "a", "score": 3,
           "turn_id": turn_id + 1 if change == "turn" else turn_id}
    if change == "unknown":
        row["dialogue_id"] = "not_in_the_test_set"
    ratings = write_ratings(tmp_path / "ratings.csv", [row])
    capsys.readouterr()
    assert score(dataset, tmp_path / "out", "--human-ratings", str(ratings)) == 1
    err = capsys.readouterr().err
    assert "ratings.csv:2" in err and ("evaluated turn" in err if change == "turn" else "not an item of this run" in err)
    assert not (tmp_path / "out").exists()
