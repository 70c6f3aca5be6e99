"""The protocol objects: names, the options users may change, and what is recorded."""

from __future__ import annotations

import pytest

from humdial_eval.cli.main import main
from humdial_eval.protocol import HUMDIAL, OFFICIAL, PROTOCOLS, get_protocol
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
