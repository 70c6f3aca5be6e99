"""Bias diagnostics: response length from the recorded submission (folder or zip), languages,
score distributions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.conftest import write_jsonl
from tests.humdial_eval.agreement import handcalc
from tests.humdial_eval.agreement.runfolders import t1_rows, write_run

EN = ["Short reply here.", "A much longer reply with many more words in it than the others have.",
      "Medium length reply, some words.", "Tiny.", "A fairly long reply that has quite a lot of words."]
ZH = ["你好。", "我理解你现在很难过，这件事确实让人心里不好受。", "别想太多。", "你一定很生气吧，换作是我也会。"]
EN_SCORES = [(1, 1, 3), (5, 5, 5), (3, 3, 3), (1, 1, 1), (5, 3, 5)]
ZH_SCORES = [(1, 1, 1), (5, 5, 3), (1, 3, 1), (3, 3, 5)]


def _submission(root: Path) -> Path:
    for language, texts in (("en", EN), ("zh", ZH)):
        records = [
            {"dialogue_id": f"{language}_t1_{i:03d}",
             "turns": [{"turn_id": 3, "text": "", "response_text": ("   " if i == 0 and language == "en" else "") + text}]}
            for i, text in enumerate(texts)
        ]
        write_jsonl(root / "HD-Track1" / language / "HD-Track1-T1.jsonl", records)
    return root


def _runs(tmp_path: Path, submission: str | None) -> list[str]:
    extra = {} if submission is None else {"submission": submission}
    rows = t1_rows(EN_SCORES, language="en", judge="j1") + t1_rows(ZH_SCORES, language="zh", judge="j1")
    other = t1_rows([(3, 3, 3)] * 5, language="en", judge="j2") + t1_rows([(3, 3, 3)] * 4, language="zh", judge="j2")
    write_run(tmp_path / "j1", rows, **extra)
    write_run(tmp_path / "j2", other, **extra)
    return [str(tmp_path / "j1"), str(tmp_path / "j2")]


def _analyse(tmp_path: Path, submission: str | None) -> dict:
    out = tmp_path / "out"
    assert main(["agreement", *_runs(tmp_path, submission), "--out", str(out), "--bootstrap", "0", "--no-figures"]) == 0
    return json.loads((out / "agreement.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("as_zip", [False, True])
def test_length_correlation_per_language(tmp_path: Path, as_zip: bool) -> None:
    folder = _submission(tmp_path / "team")
    recorded = str(folder)
    if as_zip:
        recorded = shutil.make_archive(str(tmp_path / "team"), "zip", folder)
    data = _analyse(tmp_path, recorded)
    records = {(r["source"], r["language"], r["dimension"]): r for r in data["diagnostics"]["response_length"]}
    en = records[("j1", "en", "Added_Value")]
    words = [len(t.split()) for t in EN]
    assert en["n"] == 5 and en["length_unit"] == "words" and en["mean_length"] == pytest.approx(sum(words) / 5)
    assert en["spearman_rho"]["value"] == pytest.approx(handcalc.spearman([s[2] for s in EN_SCORES], words))
    zh = records[("j1", "zh", "Accuracy_Completeness")]
    chars = [len(t) for t in ZH]
    assert zh["length_unit"] == "characters"
    assert zh["spearman_rho"]["value"] == pytest.approx(handcalc.spearman([s[0] for s in ZH_SCORES], chars))
    constant = records[("j2", "en", "Added_Value")]
    assert constant["spearman_rho"]["value"] is None and "j2 gave every item the same score" in constant["spearman_rho"]["undefined"]


def test_language_means_and_distribution(tmp_path: Path) -> None:
    data = _analyse(tmp_path, None)
    assert any("records no 'submission' path" in note for note in data["notes"])
    assert data["diagnostics"]["response_length"] == []
    means = next(r for r in data["diagnostics"]["language_means"] if (r["source"], r["dimension"]) == ("j1", "Added_Value"))
    en = sum(s[2] for s in EN_SCORES) / 5
    zh = sum(s[2] for s in ZH_SCORES) / 4
    assert means["languages"]["en"]["mean"]["value"] == pytest.approx(en)
    assert means["difference"] == {"between": "en - zh", "value": pytest.approx(en - zh)}
    dist = next(r for r in data["diagnostics"]["score_distribution"] if (r["source"], r["dimension"]) == ("j1", "Depth_Granularity"))
    values = [s[1] for s in EN_SCORES + ZH_SCORES]
    assert dist["counts"] == {str(v): values.count(v) for v in (1, 3, 5)} and dist["n"] == 9


def test_missing_submission_folder_is_a_note(tmp_path: Path) -> None:
    data = _analyse(tmp_path, str(tmp_path / "gone"))
    assert any("cannot be found" in note for note in data["notes"])
