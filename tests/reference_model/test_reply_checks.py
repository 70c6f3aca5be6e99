from __future__ import annotations

import pytest

from humdial_eval.reference_model import ieat
from humdial_eval.reference_model.phrasebook import parse_emotions
from humdial_eval.reference_model.reply_checks import SpokenReply, asr_coverage, trajectory_accuracy, whole_replies
from humdial_eval.reference_model.speech_budget import SpeechRate


def test_a_summary_names_its_emotions_in_order_in_both_languages() -> None:
    en = ieat.trajectory_reply("en", ["happy", "happy", "sad", "anger"])
    zh = ieat.trajectory_reply("zh", ["fear", "surprise", "fear"], pick=1)
    assert parse_emotions(en) == ["happy", "sad", "anger"]
    assert parse_emotions(zh) == ["fear", "surprise", "fear"]
    assert ieat.trajectory_path(["sad", None, "sad", "happy"]) == ["sad", "happy"]


def test_trajectory_accuracy_against_the_gold_path() -> None:
    pairs = [
        (["happy", "happy", "sad"], "Your feelings went from happy to sad."),  # exact
        (["neutral", "anger"], "Looking back, you went from neutral to disgusted."),  # half
        (["fear", "sad"], "I'm listening, please go on."),  # names nothing
    ]
    report = trajectory_accuracy(pairs)
    assert report["n"] == 3
    assert report["exact"] == pytest.approx(1 / 3)
    assert report["recall"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert report["precision"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert trajectory_accuracy([]) == {"n": 0, "exact": None}


def test_asr_coverage_is_the_share_of_the_written_reply_heard() -> None:
    assert asr_coverage("I am here for you", "I am here", "en") == pytest.approx(3 / 5)
    assert asr_coverage("I am here for you.", "i am HERE, for you", "en") == 1.0
    assert asr_coverage("我在这里陪着你", "我在这里", "zh") == pytest.approx(4 / 7)
    assert asr_coverage("Hello there", "", "en") == 0.0
    assert asr_coverage("...", "anything", "en") is None


def test_whole_replies_counts_cut_and_implausible_replies() -> None:
    rate = SpeechRate({"en": 10.0}, {"en": 5}, 0)
    replies = [
        SpokenReply("en", "one two three four", 40, 1.6, True, False),  # whole
        SpokenReply("en", "one two three four", 20, 0.2, False, True),  # cut at the cap, too short to be speech
    ]
    report = whole_replies(replies, rate)
    assert report["method"] == "units" and report["n"] == 2 and report["measured"] == 2
    assert report["coverage_min"] == pytest.approx(0.5) and report["coverage_mean"] == pytest.approx(0.75)
    assert (report["cut"], report["ended_by_model"], report["below_0.8"], report["duration_implausible"]) == (1, 1, 1, 1)
    by_asr = whole_replies(replies, rate, ["one two three four", "one"])
    assert by_asr["method"] == "asr" and by_asr["coverage_mean"] == pytest.approx((1 + 0.25) / 2)
