"""`humdial-eval agreement` end to end on hand-made run folders."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.humdial_eval.agreement import handcalc
from tests.humdial_eval.agreement.runfolders import judgment, t1_rows, write_run

J1 = [(1, 1, 3), (3, 3, 3), (5, 5, 5), (3, 1, 1), (5, 3, 3), (1, 1, 1), (3, 5, 5), (5, 5, 3)]
J2 = [(1, 3, 3), (3, 3, 1), (5, 5, 5), (1, 1, 1), (5, 3, 5), (3, 1, 1), (3, 3, 5), (5, 5, 5)]


def _load(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _record(data: dict, a: str, b: str, task: str, dimension: str, language: str = "all") -> dict:
    (found,) = [
        r for r in data["pairs"]
        if (r["source_a"], r["source_b"], r["task"], r["dimension"], r["language"]) == (a, b, task, dimension, language)
    ]
    return found


def test_two_judges_match_hand_computations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_run(tmp_path / "qwen", t1_rows(J1, judge="qwen"))
    write_run(tmp_path / "gpt", t1_rows(J2, judge="gpt"))
    out = tmp_path / "out"
    code = main(["agreement", str(tmp_path / "qwen"), str(tmp_path / "gpt"), "--out", str(out), "--bootstrap", "200"])
    assert code == 0, capsys.readouterr().err
    data = _load(out / "agreement.json")
    assert [s["name"] for s in data["sources"]] == ["qwen", "gpt"]
    assert data["scales"]["T1.Added_Value"] == {"values": [1, 3, 5], "step": 2, "origin": "rubric"}
    for d, dim in enumerate(("Accuracy_Completeness", "Depth_Granularity", "Added_Value")):
        a, b = [row[d] for row in J1], [row[d] for row in J2]
        record = _record(data, "qwen", "gpt", "T1", dim)
        assert record["n"] == 8
        assert record["exact"]["value"] == pytest.approx(sum(x == y for x, y in zip(a, b)) / 8)
        assert record["kappa_quadratic"]["value"] == pytest.approx(float(handcalc.weighted_kappa(a, b, [1, 3, 5])))
        assert record["alpha_ordinal"]["value"] == pytest.approx(float(handcalc.ordinal_alpha(list(map(list, zip(a, b))))))
        assert record["kendall_tau_b"]["value"] == pytest.approx(handcalc.kendall_tau_b(a, b))
        assert record["confusion"]["matrix"][0][0] == sum(x == y == 1 for x, y in zip(a, b))
        low, high = record["kappa_quadratic"]["ci"]
        assert low <= record["kappa_quadratic"]["value"] <= high
    pooled = _record(data, "qwen", "gpt", "T1", "all")
    flat_a = [v for row in J1 for v in row]
    flat_b = [v for row in J2 for v in row]
    assert pooled["n"] == 24 and pooled["n_items"] == 8
    assert pooled["kappa_quadratic"]["value"] == pytest.approx(float(handcalc.weighted_kappa(flat_a, flat_b, [1, 3, 5])))
    with (out / "agreement.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(data["pairs"]) == 4
    assert float(rows[0]["kappa_quadratic"]) == pytest.approx(_record(data, "qwen", "gpt", "T1", "Accuracy_Completeness")["kappa_quadratic"]["value"])
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## qwen vs gpt" in report and "figures/confusion_p1_t1.png" in report
    for figure in ("confusion_p1_t1.png", "bland_altman_p1_t1.png", "histogram_t1.png"):
        assert (out / "figures" / figure).stat().st_size > 1000
    assert "qwen vs gpt, T1: n=24" in capsys.readouterr().out


def test_degenerate_groups_are_explained_not_nan(tmp_path: Path) -> None:
    constant = [(3, 3, 3)] * 4
    write_run(tmp_path / "a", t1_rows(constant, judge="a") + [judgment("T2", "en", "en_t2_000", {"Clarity_Logic": 3}, judge="a")])
    write_run(tmp_path / "b", t1_rows(constant[:2], judge="b") + [judgment("T2", "en", "en_t2_999", {"Clarity_Logic": 5}, judge="b")])
    out = tmp_path / "out"
    assert main(["agreement", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out), "--no-figures"]) == 0
    data = _load(out / "agreement.json")
    record = _record(data, "a", "b", "T1", "Added_Value")
    assert record["n"] == 2 and record["exact"]["value"] == 1.0
    assert "only 2 paired" in record["kappa_quadratic"]["undefined"]
    no_overlap = _record(data, "a", "b", "T2", "Clarity_Logic")
    assert no_overlap["n"] == 0 and no_overlap["exact"]["undefined"] == "no items scored by both sources"
    with (out / "agreement.csv").open(encoding="utf-8") as handle:
        rows = {(r["task"], r["dimension"]): r for r in csv.DictReader(handle)}
    assert rows[("T2", "Clarity_Logic")]["undefined"] == "all statistics: no items scored by both sources"
    assert rows[("T2", "Clarity_Logic")]["kappa_quadratic"] == ""
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "nan" not in report.lower().replace("granularity", "")
    assert "no items scored by both sources" in report


def test_human_ratings_and_reliability(tmp_path: Path) -> None:
    write_run(tmp_path / "run", t1_rows(J1, judge="qwen"))
    raters = {"r1": J2, "r2": J1, "r3": J2}
    lines = ["language,task,dialogue_id,dimension,rater,score"]
    for rater, table in raters.items():
        for i, row in enumerate(table):
            lines.append(f"en,T1,en_t1_{i:03d},Added_Value,{rater},{row[2]}")
    lines.append("en,T1,en_t1_typo,Added_Value,r1,3")
    (tmp_path / "h.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["agreement", str(tmp_path / "run"), "--human", str(tmp_path / "h.csv"), "--out", str(out),
                 "--bootstrap", "100", "--no-figures"]) == 0
    data = _load(out / "agreement.json")
    record = _record(data, "run", "human-mean", "T1", "Added_Value")
    judge = [row[2] for row in J1]
    mean = [(a[2] + b[2] + c[2]) / 3 for a, b, c in zip(J2, J1, J2)]
    assert record["n"] == 8
    assert record["pearson_r"]["value"] == pytest.approx(handcalc.pearson(judge, mean))
    assert record["mean_difference"]["value"] == pytest.approx(sum(j - m for j, m in zip(judge, mean)) / 8)
    assert any("1 rated item(s) match no judged item, e.g. en T1 en_t1_typo" in n for n in data["notes"])
    (rel,) = [r for r in data["human_reliability"] if r["dimension"] == "Added_Value" and r["language"] == "all"]
    assert rel["raters"] == 3 and rel["items"] == 8
    units = [[a[2], b[2], c[2]] for a, b, c in zip(J2, J1, J2)]
    assert rel["alpha_ordinal"]["value"] == pytest.approx(float(handcalc.ordinal_alpha(units)))
    single, _ = handcalc.icc_absolute([[float(v) for v in u] for u in units])
    assert rel["icc_a1"]["value"] == pytest.approx(single)


def test_system_level_agreement_over_labelled_folders(tmp_path: Path) -> None:
    scores = {  # per system: (qwen's scores, gpt's scores) of six items; gpt ranks sysD below sysB
        "sysA": ([1, 1, 1, 1, 3, 3], [1, 1, 1, 3, 3, 3]),
        "sysB": ([1, 3, 3, 3, 3, 5], [1, 1, 3, 3, 3, 5]),
        "sysC": ([3, 3, 5, 5, 5, 5], [3, 5, 5, 5, 5, 5]),
        "sysD": ([3, 3, 3, 5, 5, 1], [1, 1, 3, 3, 3, 3]),
    }
    args = ["agreement"]
    for system, pair in scores.items():
        for judge, values in zip(("qwen", "gpt"), pair):
            write_run(tmp_path / f"{system}-{judge}", t1_rows([(v, v, v) for v in values], judge=judge), system=system)
            args.append(f"{judge}={tmp_path / f'{system}-{judge}'}")
    out = tmp_path / "out"
    assert main(args + ["--out", str(out), "--bootstrap", "0", "--no-figures"]) == 0
    data = _load(out / "agreement.json")
    (record,) = [r for r in data["system_level"] if r["task"] == "T1" and r["dimension"] == "all"]
    assert record["n_systems"] == 4
    means_a = [s["mean_a"] for s in record["systems"]]
    means_b = [s["mean_b"] for s in record["systems"]]
    assert record["spearman_rho"]["value"] == pytest.approx(handcalc.spearman(means_a, means_b))
    assert record["kendall_tau_b"]["value"] == pytest.approx(handcalc.kendall_tau_b(means_a, means_b))


def test_repeats_rule_scored_items_and_turn_mismatches(tmp_path: Path) -> None:
    rows = t1_rows(J1, judge="qwen", repeat=0) + t1_rows(J2, judge="qwen", repeat=1)
    rows.append(judgment("T1", "en", "en_t1_100", {"Added_Value": 1}, judge="qwen", flags=["language_rule"]))
    other = t1_rows(J2, judge="gpt") + [judgment("T1", "en", "en_t1_100", {"Added_Value": 1}, judge="gpt")]
    other[0]["turn_id"] = 9  # scored a different turn of en_t1_000
    write_run(tmp_path / "qwen", rows)
    write_run(tmp_path / "gpt", other)
    out = tmp_path / "out"
    base = ["agreement", str(tmp_path / "qwen"), str(tmp_path / "gpt"), "--bootstrap", "0", "--no-figures"]
    assert main(base + ["--out", str(out)]) == 0
    data = _load(out / "agreement.json")
    record = _record(data, "qwen", "gpt", "T1", "Added_Value")
    assert record["n"] == 7 and record["turn_mismatches"] == 1
    a = [row[2] for row in J1][1:]
    b = [row[2] for row in J2][1:]
    assert record["kappa_quadratic"]["value"] == pytest.approx(float(handcalc.weighted_kappa(a, b, [1, 3, 5])))
    (consistency,) = [r for r in data["self_consistency"] if r["dimension"] == "Added_Value"]
    assert consistency["items"] == 8
    assert consistency["all_repeats_equal"]["value"] == pytest.approx(sum(x[2] == y[2] for x, y in zip(J1, J2)) / 8)
    assert any("1 rule-scored item(s)" in note for note in data["notes"])
    assert main(base + ["--out", str(tmp_path / "out2"), "--include-rule-scored"]) == 0
    assert _record(_load(tmp_path / "out2" / "agreement.json"), "qwen", "gpt", "T1", "Added_Value")["n"] == 8


def test_folder_with_several_judges_and_hostile_names(tmp_path: Path) -> None:
    rows = t1_rows(J1, judge="<script>alert(1)</script>") + t1_rows(J2, judge="gpt|x")
    write_run(tmp_path / "both", rows, system="<b>sys</b>")
    out = tmp_path / "out"
    assert main(["agreement", str(tmp_path / "both"), "--out", str(out), "--bootstrap", "0"]) == 0
    data = _load(out / "agreement.json")
    assert {s["name"] for s in data["sources"]} == {"both:<script>alert(1)</script>", "both:gpt|x"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "gpt\\|x" in markdown


def test_invalid_inputs_exit_1_with_file_line_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_run(tmp_path / "good", t1_rows(J1))
    bad = write_run(tmp_path / "bad", t1_rows(J2))
    with (bad / "items.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"task": "T1", "language": "en", "dialogue_id": "x", "judge": "j", "status": "ok", '
                     '"scores": {"Added_Value": "high"}}\n')
    assert main(["agreement", str(good), str(bad), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "bad/items.jsonl:9" in err and "field scores.Added_Value" in err
    (tmp_path / "h.csv").write_text("language,task,dialogue_id,dimension,rater,score\nen,T1,en_t1_000,Added_Value,r1,4\n")
    assert main(["agreement", str(good), "--human", str(tmp_path / "h.csv"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "h.csv:2" in err and "field score" in err and "not on the scale" in err
    assert main(["agreement", str(tmp_path / "missing"), str(good), "--out", str(tmp_path / "o")]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_run(tmp_path / "good", t1_rows(J1))
    assert main(["agreement", str(good), "--out", str(tmp_path / "o")]) == 2
    assert "need at least two sources" in capsys.readouterr().err
    assert main(["agreement", str(good), str(good), "--out", str(tmp_path / "o"), "--confidence", "1.5"]) == 2
    assert main(["agreement", str(good), str(good)]) == 2  # --out missing
