"""`humdial-eval human import`: filled sheets back to the long CSV, every problem located."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.humdial_eval.agreement import handcalc
from tests.humdial_eval.human.sheets import SYSTEM, scored_run


@pytest.fixture
def export(tmp_path: Path, dataset: Dataset) -> Path:
    out = tmp_path / "export"
    assert main(["human", "export", str(scored_run(tmp_path / "run", dataset)), "--out", str(out)]) == 0
    return out


def _template(export: Path) -> list[dict[str, str]]:
    with (export / "sheet" / "rating_template.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _fill(export: Path, rater: str, pick: int) -> list[dict[str, str]]:
    key = {e["item"]: e for e in json.loads((export / "key.json").read_text())["items"]}
    rows = _template(export)
    for i, row in enumerate(rows):
        scale = key[row["item"]]["dimensions"][row["dimension"]]
        row["rater"], row["score"] = rater, str(scale[(i + pick) % len(scale)])
    return rows


def test_import_then_agreement(tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [_write(tmp_path / f"{r}.csv", _fill(export, r, k)) for k, r in enumerate(("ann", "bo", "cy"))]
    rows = _fill(export, "dee", 0)
    rows[0]["score"] = ""
    files.append(_write(tmp_path / "dee.csv", rows))
    out = tmp_path / "ratings.csv"
    assert main(["human", "import", *map(str, files), "--key", str(export), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "dee.csv: 1 score(s) left empty" in printed and "rater 'dee' gave 14 of 15 scores" in printed
    with out.open(encoding="utf-8") as handle:
        ratings = list(csv.DictReader(handle))
    assert len(ratings) == 4 * 15 - 1
    assert {r["system"] for r in ratings} == {SYSTEM} and {r["turn_id"] for r in ratings} == {"3"}
    result = tmp_path / "agreement"
    assert main(["agreement", str(tmp_path / "run"), "--human", str(out), "--out", str(result),
                 "--bootstrap", "0", "--no-figures"]) == 0
    data = json.loads((result / "agreement.json").read_text())
    (rel,) = [r for r in data["human_reliability"] if (r["language"], r["dimension"]) == ("all", "Added_Value")]
    units = {}
    for r in ratings:
        if r["dimension"] == "Added_Value":
            units.setdefault(r["dialogue_id"], []).append(int(r["score"]))
    assert rel["raters"] == 4 and rel["items"] == len(units) == 2
    # two items only: alpha is reported as undefined with its reason, never as a number
    assert rel["alpha_ordinal"]["value"] is None and "only 2 unit(s)" in rel["alpha_ordinal"]["undefined"]
    pair = [r for r in data["pairs"] if (r["language"], r["task"], r["dimension"]) == ("all", "T1", "all")][0]
    judge = {"Accuracy_Completeness": [5, 3], "Depth_Granularity": [5, 3], "Added_Value": [3, 1]}
    means = {}
    for r in ratings:
        if r["task"] == "T1":
            means.setdefault((r["dimension"], r["language"]), []).append(int(r["score"]))
    pairs = [(judge[d][0 if lang == "en" else 1], sum(v) / len(v)) for (d, lang), v in means.items()]
    assert pair["n"] == 6
    assert pair["pearson_r"]["value"] == pytest.approx(handcalc.pearson(*map(list, zip(*pairs))))


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda r: r.update(item="item-999"), "item", "'item-999' is not in the export"),
        (lambda r: r.update(dialogue_id="en_t1_zz"), "dialogue_id", "does not match item"),
        (lambda r: r.update(turn_id="1"), "turn_id", "does not match the export (3)"),
        (lambda r: r.update(score="9"), "score", "not on the scale"),
        (lambda r: r.update(rater="mallory"), "rater", "is not one of ann, bo"),
        (lambda r: r.update(rater=""), "rater", "the rater column is empty on 1 row(s) (line 6)"),
    ],
)
def test_bad_rows_exit_1_naming_file_line_field(
    tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str], change, field: str, words: str
) -> None:
    rows = _fill(export, "ann", 0)
    change(rows[4])
    sheet = _write(tmp_path / "filled.csv", rows)
    out = tmp_path / "ratings.csv"
    code = main(["human", "import", str(sheet), "--key", str(export), "--raters", "ann,bo", "--out", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"filled.csv:6, field {field}:" in err and words in err
    assert not out.exists()


def test_conflicting_sheets_and_missing_key(tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _fill(export, "ann", 0)
    second = [dict(r) for r in first]
    second[2]["score"] = str(int(second[2]["score"]) % 5 + 1) if second[2]["task"] == "T3" else (
        "5" if second[2]["score"] != "5" else "1")
    files = [_write(tmp_path / "a.csv", first), _write(tmp_path / "b.csv", second)]
    assert main(["human", "import", *map(str, files), "--key", str(export), "--out", str(tmp_path / "o.csv")]) == 1
    assert "b.csv:4" in capsys.readouterr().err
    assert main(["human", "import", str(files[0]), "--key", str(tmp_path), "--out", str(tmp_path / "o.csv")]) == 1
    assert "cannot use the export key" in capsys.readouterr().err


def test_without_key_the_rubric_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text("language,task,dialogue_id,dimension,rater,score\nen,T1,en_t1_001,Added_Value,ann,3\n"
                     "en,T9,en_t9_001,Added_Value,ann,3\n", encoding="utf-8")
    assert main(["human", "import", str(sheet), "--out", str(tmp_path / "o.csv")]) == 1
    assert "s.csv:3, field dimension: no installed task plugin defines task 'T9'" in capsys.readouterr().err
    sheet.write_text("language,task,dialogue_id,dimension,rater,score\nen,T1,en_t1_001,Added_Value,ann,3\n")
    assert main(["human", "import", str(sheet), "--out", str(tmp_path / "o.csv")]) == 0
    assert (tmp_path / "o.csv").read_text().splitlines() == [
        "language,task,dialogue_id,dimension,rater,score", "en,T1,en_t1_001,Added_Value,ann,3"
    ]


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["human"]) == 2
    assert "choose an action" in capsys.readouterr().err
    assert main(["human", "import", "x.csv"]) == 2  # --out missing


def test_a_sheet_without_rater_names_is_one_error_and_rater_fills_it(tmp_path: Path, export: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rows = _fill(export, "", 0)  # every score given, the rater column left empty
    rows[2]["score"] = ""
    sheet = _write(tmp_path / "filled.csv", rows)
    out = tmp_path / "ratings.csv"
    assert main(["human", "import", str(sheet), "--key", str(export), "--out", str(out)]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "the rater column is empty on 14 row(s) (lines 2-16)" in err[0]
    assert "filled.csv:2, field rater:" in err[0] and "--rater NAME" in err[0] and not out.exists()
    named = _fill(export, "", 1)
    named[0]["rater"] = "bo"  # a row that names its rater keeps it
    other = _write(tmp_path / "other.csv", named)
    assert main(["human", "import", str(other), "--key", str(export), "--out", str(out), "--rater", "ann"]) == 0
    with out.open(encoding="utf-8") as handle:
        raters = [row["rater"] for row in csv.DictReader(handle)]
    assert raters.count("bo") == 1 and raters.count("ann") == 14 and len(raters) == 15
    assert main(["human", "import", str(sheet), "--key", str(export), "--out", str(out), "--rater", "ann",
                 "--overwrite"]) == 0
    assert main(["human", "import", str(sheet), "--out", str(tmp_path / "x.csv"), "--rater", " bad"]) == 2
    assert "--rater ' bad' must be 1-64 letters" in capsys.readouterr().err
