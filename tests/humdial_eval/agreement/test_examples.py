"""The shipped examples: score the sample submission offline, then compare the judge with the
shipped human ratings; the pooled numbers are recomputed here straight from the two files."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.humdial_eval.agreement import handcalc

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def test_agreement_on_the_examples(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["score", str(EXAMPLES / "submission"), "--testset", str(EXAMPLES / "testset"), "--out", str(run),
                 "--no-cache", "--no-progress"]) == 0
    out = tmp_path / "agreement"
    ratings_csv = EXAMPLES / "human_ratings.csv"
    assert main(["agreement", str(run), "--human", str(ratings_csv), "--out", str(out), "--bootstrap", "200"]) == 0
    data = json.loads((out / "agreement.json").read_text(encoding="utf-8"))

    judge: dict[tuple[str, str, str], int] = {}
    for line in (run / "items.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["status"] == "ok" and not row["flags"]:
            for dim, score in row["scores"].items():
                judge[(row["dialogue_id"], row["task"], dim)] = score
    by_rater: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    with ratings_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_rater[(row["dialogue_id"], row["task"], row["dimension"])].append(int(row["score"]))
    assert {len(v) for v in by_rater.values()} == {3}  # three raters rated every unit

    for task in ("T1", "T2", "T3"):
        shared = sorted(k for k in judge if k in by_rater and k[1] == task)
        record = next(r for r in data["pairs"] if (r["language"], r["task"], r["dimension"]) == ("all", task, "all"))
        assert record["n"] == len(shared) > 0
        x = [judge[k] for k in shared]
        y = [sum(by_rater[k]) / 3 for k in shared]
        assert record["pearson_r"]["value"] == pytest.approx(handcalc.pearson(x, y))
        assert record["mean_difference"]["value"] == pytest.approx(sum(a - b for a, b in zip(x, y)) / len(x))
    # the offline judge scores no audio dimension: those are human-only, with reliability but no pair
    assert not [r for r in data["pairs"] if r["dimension"] == "vocal_empathy_congruence"]
    rel = next(r for r in data["human_reliability"]
               if (r["language"], r["dimension"]) == ("all", "vocal_empathy_congruence"))
    units = [v for k, v in by_rater.items() if k[2] == "vocal_empathy_congruence"]
    assert rel["alpha_ordinal"]["value"] == pytest.approx(float(handcalc.ordinal_alpha(units)))
    assert any(r["length_unit"] == "characters" for r in data["diagnostics"]["response_length"])
    assert (out / "report.html").is_file() and (out / "figures" / "histogram_t3.png").is_file()
