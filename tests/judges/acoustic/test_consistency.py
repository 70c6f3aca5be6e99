"""Text-speech consistency: WER (en) / CER (zh) with jiwer, a plugged-in transcriber, and a tiny Paraformer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.profiles import ProfileError, build_judges
from humdial_eval.judges.acoustic import AsrConsistencyJudge
from humdial_eval.judges.acoustic.transcription import error_rate, normalise_text
from humdial_eval.tasks.empathy import EmpathyTask
from tests.judges.acoustic.signals import tone, write_wav

SCRIPTED = "tests.judges.acoustic.scripted_asr:make_transcriber"


def run(judge: AsrConsistencyJudge, items: list[EvalItem]) -> list[Judgment]:
    async def go() -> list[Judgment]:
        try:
            return await asyncio.gather(*(judge.judge(i, EmpathyTask()) for i in items))
        finally:
            await judge.aclose()

    return asyncio.run(go())


def item(audio: Path | None, text: str, language: str = "en") -> EvalItem:
    return EvalItem("T3", language, f"d-{text[:5]}", 2, (), "Hi.", "sad", text, response_audio=audio)


def test_error_rates() -> None:
    assert error_rate("Hello, world! How are you?", "hello world how are you", "en") == ("wer", 0.0, 5)
    assert error_rate("Hello world how are you", "hello word how are you", "en")[1] == pytest.approx(0.2)
    assert error_rate("你好，世界", "你好世届", "zh") == ("cer", 0.25, 4)
    assert error_rate("Hello there", "", "en") == ("wer", 1.0, 2)
    with pytest.raises(ValueError, match="nothing to compare"):
        error_rate("!!!", "hello", "en")


def test_normalisation_strips_recogniser_tags() -> None:
    assert normalise_text("<|en|><|NEUTRAL|><|Speech|>Don't PANIC, it's fine.", "en") == "don't panic it's fine"
    assert normalise_text("<|zh|>你 好 ， 世界 ！", "zh") == "你好世界"


def test_plugged_in_transcriber_gives_known_rates(tmp_path: Path) -> None:
    judge = AsrConsistencyJudge("asr", {"transcriber": SCRIPTED, "workers": 0})
    one = write_wav(tmp_path / "one.wav", tone(200, 1.0))
    two = write_wav(tmp_path / "two.wav", tone(200, 2.0))
    three = write_wav(tmp_path / "three.wav", tone(200, 3.0))
    exact, deleted, chinese, nothing = run(judge, [
        item(one, "Hello world, how are you?"),
        item(one, "Hello there world how are you"),
        item(two, "你好，世界。", "zh"),
        item(three, "Anything at all"),
    ])
    assert exact.measures == {"wer": 0.0, "error_rate": 0.0, "reference_units": 5.0}
    assert deleted.measures["wer"] == pytest.approx(1 / 6, abs=1e-6)  # "there" is missing: one deletion over six words
    assert chinese.measures == {"cer": 0.25, "error_rate": 0.25, "reference_units": 4.0}
    assert nothing.measures["wer"] == 1.0
    assert exact.meta["transcript"] == "hello world how are you"


def test_tiny_paraformer_through_funasr(paraformer_dir: Path, tmp_path: Path) -> None:
    judge = AsrConsistencyJudge("asr", {"model_dir": str(paraformer_dir), "workers": 0})
    audio = write_wav(tmp_path / "a.wav", tone(200, 1.5))
    (result,) = run(judge, [item(audio, "hello world")])
    assert result.status == "ok", result.error
    transcript = result.meta["transcript"]
    assert isinstance(transcript, str)
    expected = error_rate("hello world", transcript, "en")[1]
    assert result.measures["wer"] == pytest.approx(expected, abs=1e-6)


def test_without_a_model_every_item_is_skipped_with_a_note(tmp_path: Path) -> None:
    judge = AsrConsistencyJudge("asr", {"workers": 0})
    (result,) = run(judge, [item(write_wav(tmp_path / "a.wav", tone(200, 1.0)), "hello")])
    assert result.status == "ok" and result.measures == {}
    assert "no ASR model configured" in result.rationale and result.meta["skipped"]


def test_shipped_profile_with_the_variable_unset_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUMDIAL_ASR_DIR", raising=False)
    (judge,) = build_judges("asr-consistency")
    assert not judge.available
    (result,) = run(judge, [item(Path("never-read.wav"), "hello")])
    assert result.status == "ok" and "HUMDIAL_ASR_DIR" in result.rationale


def test_corrupt_audio_fails_that_item(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"\x00" * 100)
    judge = AsrConsistencyJudge("asr", {"transcriber": SCRIPTED, "workers": 0})
    (result,) = run(judge, [item(bad, "hello")])
    assert result.status == "failed" and "bad.wav" in result.error


def test_settings_errors() -> None:
    with pytest.raises(ProfileError, match="import path"):
        AsrConsistencyJudge("asr", {"transcriber": "no_colon_here"})
    with pytest.raises(ProfileError, match="scores no rubric dimension"):
        AsrConsistencyJudge("asr", {"score_dimensions": True})
