"""The protocol objects: names, the options users may change, and what is recorded."""

from __future__ import annotations

import pytest

from humdial_eval.cli.main import main
from humdial_eval.benchmark.protocol import HUMDIAL, OFFICIAL, PROTOCOLS, get_protocol
from tests.conftest import Dataset


def test_the_official_protocol_fixes_the_t3_turn_rule_humdial_lets_it_be_chosen(
    dataset: Dataset, tmp_path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(ValueError, match="fixes the T3 turn rule"):
        get_protocol("official", t3_turn_rule="last_non_neutral")
    assert get_protocol("official", t3_turn_rule="published_second_raw") == OFFICIAL
    assert get_protocol("humdial", t3_turn_rule="published_second_raw").t3_turn_rule == "published_second_raw"
    code = main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(tmp_path / "o"),
                 "--protocol", "official", "--t3-turn-rule", "last_non_neutral", "--no-progress"])
    assert code == 1 and "fixes the T3 turn rule" in capsys.readouterr().err


def test_no_language_rule_and_records() -> None:
    assert get_protocol("official", language_rule=False).language_rule is False
    assert OFFICIAL.language_rule and HUMDIAL.language_rule and HUMDIAL.integrity and not OFFICIAL.integrity
    record = OFFICIAL.record()
    assert record["name"] == "official" and record["official_answers"] == ["T1", "T2", "T3"]
    assert record["llm_settings"]["max_tokens"] == 16384 and set(PROTOCOLS) == {"official", "humdial"}
    with pytest.raises(ValueError, match="unknown protocol"):
        get_protocol("strict")


def test_a_dialogue_missing_from_the_submission_scores_the_minimum_under_both_protocols(
    dataset: Dataset, tmp_path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    """The published scripts score whatever the submitted file holds, so a dropped dialogue would leave their
    mean; both protocols score every dialogue of the test set instead (documented in docs/protocols.md)."""
    import json

    dataset.rewrite("en", "T1", lambda records: records.clear())
    for protocol in ("official", "humdial"):
        out = tmp_path / protocol
        main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out), "--protocol",
              protocol, "--no-progress", "--no-cache", "--bootstrap", "100"])
        items = [json.loads(line) for line in (out / "items.jsonl").read_text().splitlines()]
        (dropped,) = [i for i in items if i["dialogue_id"] == "en_t1_a"]
        assert "missing_response" in dropped["flags"] and set(dropped["scores"].values()) == {1}
