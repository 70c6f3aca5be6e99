"""`humdial-eval human export`: blind, shuffled sheets with the rubric, audio under neutral names."""

from __future__ import annotations

import csv
import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.humdial_eval.human.sheets import JUDGE, SYSTEM, scored_run


def _export(run: Path, out: Path, *extra: str) -> int:
    return main(["human", "export", str(run), "--out", str(out), *extra])


def test_sheet_is_blind_complete_and_escaped(tmp_path: Path, dataset: Dataset) -> None:
    records = dataset.records("en", "T3")
    records[0]["turns"][2]["response_text"] = "I hear you <script>alert('x')</script> & I'm here."
    dataset.rewrite("en", "T3", lambda rows: rows.__setitem__(0, records[0]))
    run = scored_run(tmp_path / "run", dataset)
    out = tmp_path / "export"
    assert _export(run, out) == 0
    sheet = out / "sheet"
    page = (sheet / "rating_sheet.html").read_text(encoding="utf-8")
    for secret in (SYSTEM, JUDGE, str(run), str(dataset.submission)):
        for path in sheet.rglob("*"):
            assert secret not in path.name
            if path.suffix in (".html", ".csv"):
                assert secret not in path.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    # the rubric comes from the task plugins' Dimension.levels
    assert "Every emotion of the trajectory is named correctly" in page
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    assert key["system"] == SYSTEM
    items = {e["dialogue_id"]: e for e in key["items"]}
    assert set(items) == {"en_t1_a", "en_t2_a", "en_t3_a", "zh_t1_a", "zh_t3_a"}  # zh_t2_a is rule-scored
    assert items["en_t3_a"]["dimensions"]["vocal_empathy_congruence"] == [1, 2, 3, 4, 5]
    t3 = items["en_t3_a"]["item"]
    assert (sheet / "audio" / f"{t3}_response.wav").read_bytes() == dataset.response_wav("en", "en_t3_a", 3).read_bytes()
    assert f'src="audio/{t3}_user.wav"' in page
    assert not list((sheet / "audio").glob(f"{items['en_t1_a']['item']}*"))  # text tasks need no audio
    with (sheet / "rating_template.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 5
    assert {(r["item"], r["dialogue_id"], r["turn_id"]) for r in rows} == {
        (e["item"], d, str(e["turn_id"])) for d, e in items.items()
    }
    assert all(r["rater"] == "" and r["score"] == "" for r in rows)


def test_seed_decides_the_order(tmp_path: Path, dataset: Dataset) -> None:
    run = scored_run(tmp_path / "run", dataset)

    def order(out: Path) -> list[str]:
        return [e["dialogue_id"] for e in json.loads((out / "key.json").read_text())["items"]]

    assert _export(run, tmp_path / "a", "--seed", "1") == 0
    assert _export(run, tmp_path / "b", "--seed", "1") == 0
    orders = {tuple(order(tmp_path / "a"))}
    assert order(tmp_path / "a") == order(tmp_path / "b")
    for seed in range(2, 8):
        assert _export(run, tmp_path / f"s{seed}", "--seed", str(seed)) == 0
        orders.add(tuple(order(tmp_path / f"s{seed}")))
    assert len(orders) > 1


def test_filters_and_rule_scored_items(tmp_path: Path, dataset: Dataset) -> None:
    run = scored_run(tmp_path / "run", dataset)
    out = tmp_path / "x"
    assert _export(run, out, "--tasks", "T2,T3", "--dimensions", "Clarity_Logic,audio_quality_naturalness",
                   "--include-rule-scored") == 0
    key = json.loads((out / "key.json").read_text())
    assert sorted((e["dialogue_id"], tuple(e["dimensions"])) for e in key["items"]) == [
        ("en_t2_a", ("Clarity_Logic",)), ("en_t3_a", ("audio_quality_naturalness",)),
        ("zh_t2_a", ("Clarity_Logic",)), ("zh_t3_a", ("audio_quality_naturalness",)),
    ]


def test_run_without_recorded_paths_is_refused(tmp_path: Path, dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    run = scored_run(tmp_path / "run", dataset)
    summary = json.loads((run / "summary.json").read_text())
    del summary["submission"]
    (run / "summary.json").write_text(json.dumps(summary))
    assert _export(run, tmp_path / "x") == 1
    err = capsys.readouterr().err
    assert "summary.json" in err and "field submission" in err and "the sheets need the run's texts" in err


def test_filled_html_form_downloads_a_csv_that_imports(tmp_path: Path, dataset: Dataset) -> None:
    """Fill the form in a headless browser, capture the CSV its button builds, and import it."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no chromium to run the form's script")
    run = scored_run(tmp_path / "run", dataset)
    out = tmp_path / "export"
    assert _export(run, out) == 0
    page = (out / "sheet" / "rating_sheet.html").read_text(encoding="utf-8")
    driver = """<pre id="captured"></pre><script>
(function () {
  var Original = window.Blob;
  window.Blob = function (parts, options) {
    document.getElementById("captured").textContent = parts.join("");
    return new Original(parts, options);
  };
  HTMLAnchorElement.prototype.click = function () {};
  document.getElementById("rater").value = "tester_1";
  document.querySelectorAll("fieldset[data-dimension]").forEach(function (f, i) {
    if (i % 4 !== 3) {
      var radios = f.querySelectorAll("input[type=radio]");
      radios[i % radios.length].click();
    }
  });
  document.getElementById("download").click();
})();
</script></body>"""
    filled = out / "sheet" / "driven.html"
    filled.write_text(page.replace("</body>", driver), encoding="utf-8")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", filled.as_uri()],
        capture_output=True, text=True, timeout=60,
    ).stdout
    captured = html.unescape(dom.split('<pre id="captured">', 1)[1].split("</pre>", 1)[0])
    assert captured.startswith("item,language,task,dialogue_id,turn_id,dimension,rater,score")
    sheet_csv = tmp_path / "filled.csv"
    sheet_csv.write_text(captured, encoding="utf-8")
    ratings = tmp_path / "ratings.csv"
    assert main(["human", "import", str(sheet_csv), "--key", str(out), "--out", str(ratings)]) == 0
    with ratings.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 15 - 15 // 4  # every fourth fieldset was left unrated
    assert {r["rater"] for r in rows} == {"tester_1"} and {r["system"] for r in rows} == {SYSTEM}


def test_a_run_folder_is_read_through_its_scores_and_its_inputs_are_protected(
        tmp_path: Path, dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    scored_run(run / "scores", dataset)  # the layout `humdial-eval run` writes
    assert _export(run, tmp_path / "export") == 0
    assert (tmp_path / "export" / "sheet" / "rating_sheet.html").is_file()
    capsys.readouterr()
    inside = dataset.submission / "sheets"  # the submission the run's summary names
    assert _export(run, inside) == 1
    assert "inside the run's submission" in capsys.readouterr().err and not inside.exists()
