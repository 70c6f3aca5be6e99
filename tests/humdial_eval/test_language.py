"""The language identifier reads py3langid's model from a decompressed copy in the user cache: the same
verdicts as the library's own loading, and the library's loading when no copy can be kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval import language

TEXTS = ["I am so sorry to hear that, it sounds like a really hard week.",
         "听起来你这周真的很辛苦，我很理解你的感受。", "Bonjour tout le monde", "ok!!", "嗯嗯 yes I see 我明白"]


def _verdicts() -> list[str | None]:
    language._identifier.cache_clear()
    try:
        return [language.detect_language(text) for text in TEXTS]
    finally:
        language._identifier.cache_clear()


def test_cached_copy_gives_the_librarys_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_cached_model", lambda compressed: None)  # py3langid's own loading
    expected = _verdicts()
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _verdicts() == expected  # makes the copy
    copies = list((tmp_path / "humdial-eval").glob("py3langid-*.npz"))
    assert len(copies) == 1 and not list((tmp_path / "humdial-eval").glob(".py3langid-*"))
    assert _verdicts() == expected  # reads it
    assert expected[:2] == ["en", "zh"] and expected[3] is None


def test_no_writable_cache_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder should be
    assert _verdicts()[:2] == ["en", "zh"]


def test_a_damaged_copy_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _verdicts()
    copy = next((tmp_path / "humdial-eval").glob("py3langid-*.npz"))
    copy.write_bytes(copy.read_bytes()[:1000])
    assert _verdicts()[:2] == ["en", "zh"]
    assert not copy.exists()  # dropped, to be made again
    assert _verdicts()[:2] == ["en", "zh"] and copy.stat().st_size > 1000
