"""The organisers' exclusions (`score --exclude`): excluded items are recorded, never judged, in no mean and not
expected; the official protocol applies the ICASSP 2026 list unless told `--exclude none`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from humdial_eval.benchmark.exclusions import load_exclusions
from humdial_eval.cli.main import main
from humdial_eval.errors import UserError
from tests.conftest import DIALOGUES, build_dataset, read_jsonl

# Ids as the organisers' list names them: one exact id, and one under an excluded prefix.
RENAMED = {("en", "T2"): "task2_4_en_0002_0014", ("zh", "T2"): "task2_3_zh_0015_0007"}


@pytest.fixture
def challenge_ids(tmp_path: Path):  # type: ignore[no-untyped-def]
    dialogues = copy.deepcopy(DIALOGUES)
    for (language, task), new_id in RENAMED.items():
        dialogues[language][task][0]["dialogue_id"] = new_id
    return build_dataset(tmp_path / "data", dialogues)


def score(dataset, out: Path, *extra: str) -> dict:  # type: ignore[no-untyped-def]
    code = main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out), "--no-cache",
                 "--bootstrap", "200", "--no-progress", *extra])
    assert code == 0
    return json.loads((out / "summary.json").read_text())


def test_the_official_protocol_leaves_the_organisers_exclusions_out(challenge_ids, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    summary = score(challenge_ids, tmp_path / "official", "--protocol", "official", "--no-language-rule")
    assert summary["counts"]["excluded_by_organisers"] == 2
    assert summary["exclusions"]["name"] == "icassp2026" and "general_description.md" in summary["exclusions"]["source"]
    assert sorted(summary["exclusions"]["excluded_items"]) == ["en/T2/task2_4_en_0002_0014", "zh/T2/task2_3_zh_0015_0007"]
    items = read_jsonl(tmp_path / "official" / "items.jsonl")
    excluded = [i for i in items if i["dialogue_id"] in RENAMED.values()]
    assert [i["status"] for i in excluded] == ["excluded", "excluded"] and all(not i["scores"] for i in excluded)
    kept = score(challenge_ids, tmp_path / "kept", "--protocol", "official", "--no-language-rule", "--exclude", "none")
    assert kept["counts"]["excluded_by_organisers"] == 0 and kept["exclusions"] is None
    for language in ("zh", "en"):
        with_list, without = summary["languages"][language]["T2"], kept["languages"][language]["T2"]
        assert with_list["Information_Integration_n_expected"] == without["Information_Integration_n_expected"] - 1


def test_an_exclusion_file_of_ids_and_prefixes(dataset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "excluded.txt"
    listing.write_text("# source: a test\nen_t1_a\nzh_t3*   # every zh T3 dialogue\n", encoding="utf-8")
    summary = score(dataset, tmp_path / "out", "--exclude", str(listing))
    assert summary["counts"]["excluded_by_organisers"] == 2
    assert summary["exclusions"]["source"] == "a test"
    assert "T1" not in summary["languages"]["en"] or summary["languages"]["en"]["T1"]["Accuracy_Completeness_n"] == 0
    plain = score(dataset, tmp_path / "plain")
    assert plain["exclusions"] is None and plain["counts"]["excluded_by_organisers"] == 0


@pytest.mark.parametrize(("text", "message"), [
    ("good_id\nbad id with spaces\n", "excluded.txt:2"),
    ("# only a comment\n", "names no dialogue id"),
    ("../../etc/passwd\n", "excluded.txt:1"),
])
def test_a_malformed_list_names_its_line(tmp_path: Path, text: str, message: str) -> None:
    listing = tmp_path / "excluded.txt"
    listing.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_exclusions(listing)
    with pytest.raises(UserError, match="neither a shipped list"):
        load_exclusions("icassp2027")


def test_the_shipped_list_matches_the_announcement() -> None:
    shipped = load_exclusions("icassp2026")
    assert shipped is not None
    assert shipped.excludes("task2_4_en_0002_0014") and not shipped.excludes("task2_4_en_0002_0015")
    assert shipped.excludes("task2_5_zh_0015_0001") and not shipped.excludes("task2_5_en_0015_0001")
    assert load_exclusions(None) is None and load_exclusions(None, "icassp2026") == shipped
    assert load_exclusions("none", "icassp2026") is None
