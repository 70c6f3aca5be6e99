from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.reference_model import speech_budget as sb


def test_the_rate_is_the_median_over_whole_replies_per_language() -> None:
    rate = sb.measure([
        ("one two three four", "en", 40, False),  # 10 units a word
        ("one two", "en", 30, False),  # 15
        ("one two three", "en", 18, False),  # 6
        ("one two three four five six", "en", 20, True),  # cut at the cap: not measured
        ("你好吗", "zh", 15, False),  # 5 units a character
    ])
    assert rate.units_per == {"en": 10.0, "zh": 5.0}
    assert rate.replies == {"en": 3, "zh": 1} and rate.cut == 1


def test_the_budget_follows_the_reply_length_within_the_cap() -> None:
    rate = sb.SpeechRate({"en": 10.0, "zh": 5.0}, {"en": 3, "zh": 1}, 0)
    short = sb.budget("one two three", "en", rate, cap=250, floor=10)
    long = sb.budget(" ".join(["word"] * 12), "en", rate, cap=250, floor=10)
    assert (short.expected, short.min_units, short.max_units, short.capped) == (30, 24, 55, False)
    assert (long.expected, long.min_units, long.max_units, long.capped) == (120, 96, 190, False)
    capped = sb.budget(" ".join(["word"] * 30), "en", rate, cap=250)
    assert capped.expected == 300 and capped.max_units == 250 and capped.min_units == 240 and capped.capped
    zh = sb.budget("我今天很开心", "zh", rate, cap=250)
    assert zh.expected == 30
    # no measured rate (an older checkpoint, or a language not trained on): only the floor and the cap
    assert sb.budget("one two three", "en", None, cap=64, floor=10) == sb.Budget(0, 10, 64, False)
    assert sb.budget("你好", "zh", sb.SpeechRate({"en": 10.0}, {}, 0), cap=64) == sb.Budget(0, 0, 64, False)


def test_coverage_by_unit_count() -> None:
    rate = sb.SpeechRate({"en": 10.0}, {"en": 1}, 0)
    assert sb.coverage(15, "one two three", "en", rate) == pytest.approx(0.5)
    assert sb.coverage(45, "one two three", "en", rate) == 1.0
    assert sb.coverage(15, "", "en", rate) is None
    assert sb.coverage(15, "one two", "en", None) is None


def test_speech_rate_files_round_trip_and_bad_ones_name_the_file(tmp_path: Path) -> None:
    rate = sb.SpeechRate({"en": 7.5, "zh": 5.25}, {"en": 10, "zh": 12}, 2)
    sb.save(tmp_path, rate)
    assert sb.load(tmp_path) == rate
    assert sb.load(tmp_path / "absent") is None
    for content in ('{"units_per": {"en": -1}}', '{"units_per": {"en": "NaN"}}', "[1]", "\x80"):
        (tmp_path / sb.FILE).write_text(content, encoding="latin-1")
        with pytest.raises(sb.SpeechRateError, match="speech_rate.json"):
            sb.load(tmp_path)
