"""The language identifier reads py3langid's model from a decompressed copy in the user cache: the same
verdicts as the library's own loading, and the library's loading when no copy can be kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from humdial_eval.benchmark import language

TEXTS = ["I am so sorry to hear that, it sounds like a really hard week.",
         "听起来你这周真的很辛苦，我很理解你的感受。", "Bonjour tout le monde", "ok!!", "嗯嗯 yes I see 我明白"]


def _verdicts() -> list[str | None]:
    language._identifier.cache_clear()
    try:
        return [language.detect_language(text) for text in TEXTS]
    finally:
        language._identifier.cache_clear()


def _librarys_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_cached_model", lambda compressed: None)
    monkeypatch.setattr(language, "_restricted_model", lambda compressed: None)


def test_cached_copy_gives_the_librarys_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _librarys_own(monkeypatch)
    expected = _verdicts()
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _verdicts() == expected  # makes the copies
    copies = list((tmp_path / "humdial-eval").glob("py3langid-*.npz"))
    assert len(copies) == 1 and not list((tmp_path / "humdial-eval").glob(".py3langid-*"))
    assert len(list((tmp_path / "humdial-eval").glob("py3langid-*-zh-en"))) == 1
    assert _verdicts() == expected  # reads them
    assert expected[:2] == ["en", "zh"] and expected[3] is None


def test_restricted_copy_gives_the_librarys_probabilities_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The zh+en copy holds what py3langid's set_languages keeps: the same scores, bit for bit."""
    _librarys_own(monkeypatch)
    language._identifier.cache_clear()
    library = language._identifier()
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language._identifier.cache_clear()
    language._identifier()  # makes the copy
    language._identifier.cache_clear()
    restricted = language._identifier()
    language._identifier.cache_clear()
    assert isinstance(restricted.tk_nextmove, memoryview)  # read from the copy, mapped
    for text in [*TEXTS, "", "a" * 3000, "日本語のテキストです", "привет мир"]:
        assert np.array_equal(restricted._decide(text), library._decide(text))
        assert restricted.classify(text) == library.classify(text)


def test_restricted_copy_follows_the_model_it_was_made_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Named after the compressed model's size and time: a changed model gets a copy of its own."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = tmp_path / "model.npz.xz"
    shutil.copyfile(MODEL_DIR / MODEL_FILE, model)
    assert language._restricted_model(model) is not None
    os.utime(model, ns=(0, 10**18))
    assert language._restricted_model(model) is not None
    folders = sorted((tmp_path / "cache" / "humdial-eval").glob("py3langid-*-zh-en"))
    assert len(folders) == 2 and any(f"-{10**18}-" in folder.name for folder in folders)


def test_a_damaged_restricted_copy_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _verdicts()
    folder = next((tmp_path / "humdial-eval").glob("py3langid-*-zh-en"))
    table = folder / "nextmove.npy"
    table.write_bytes(table.read_bytes()[:1000])
    assert _verdicts()[:2] == ["en", "zh"]  # the whole model, while the copy is gone
    assert not folder.exists()
    assert _verdicts()[:2] == ["en", "zh"] and (folder / "nextmove.npy").stat().st_size > 1000


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
    shutil.rmtree(next((tmp_path / "humdial-eval").glob("py3langid-*-zh-en")))  # the whole model is read again
    assert _verdicts()[:2] == ["en", "zh"]
    assert not copy.exists()  # dropped, to be made again
    assert _verdicts()[:2] == ["en", "zh"]
    assert list((tmp_path / "humdial-eval").glob("py3langid-*-zh-en/nextmove.npy"))  # made again, from the library


def test_copies_of_older_models_are_pruned_when_a_new_one_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each reinstall of py3langid is a model file with a new time, so a new copy: the newest other one stays
    (two environments used in turn), older ones go."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = tmp_path / "cache" / "humdial-eval"
    model = tmp_path / "model.npz.xz"
    shutil.copyfile(MODEL_DIR / MODEL_FILE, model)
    for step, when in enumerate((10**18, 2 * 10**18, 3 * 10**18)):
        os.utime(model, ns=(0, when))
        assert language._restricted_model(model) is not None
        for made in (*cache.glob(f"py3langid-*-{when}.npz"), *cache.glob(f"py3langid-*-{when}-zh-en")):
            os.utime(made, ns=(step * 10**9, step * 10**9))  # made in this order
    for pattern in ("py3langid-*.npz", "py3langid-*-zh-en"):
        names = sorted(p.name for p in cache.glob(pattern))
        assert len(names) == 2 and not any(f"-{10**18}." in name or f"-{10**18}-" in name for name in names), names
    assert language._restricted_model(model) is not None  # the newest is still read
