"""``layout.is_inside`` gives the same answer whether folders are resolved once per load or every time."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import pytest

from humdial_eval.inputs import layout


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "sub"
    (root / "en" / "audio").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.wav").write_bytes(b"x")
    (root / "en" / "audio" / "a.wav").write_bytes(b"x")
    os.symlink(outside / "secret.wav", root / "en" / "audio" / "link.wav")  # a file link that leaves
    os.symlink(outside, root / "en" / "away")  # a folder link that leaves
    os.symlink(root / "en" / "audio" / "a.wav", root / "en" / "audio" / "inner.wav")  # a link that stays
    return root, outside


CASES = [("en/audio/a.wav", True), ("en/audio/link.wav", False), ("en/away/secret.wav", False),
         ("en/audio/inner.wav", True), ("en/audio/../audio/a.wav", True), ("en/../../elsewhere/secret.wav", False),
         ("en/audio/missing.wav", True), ("en/away/missing.wav", False), ("en/audio/..", True)]


@pytest.mark.parametrize(("relative", "inside"), CASES)
def test_same_verdict_with_and_without_resolving_once(tree: tuple[Path, Path], relative: str, inside: bool) -> None:
    root, _ = tree
    path = root / relative
    assert layout.is_inside(path, root) is inside
    with layout.resolving_once():
        assert layout.is_inside(path, root) is inside
        assert layout.is_inside(path, root) is inside  # the folder now comes from the memo


def test_a_link_made_after_a_load_is_seen(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    folder = root / "en" / "later"
    folder.mkdir()
    with layout.resolving_once():
        assert layout.is_inside(folder / "x.wav", root)
    folder.rmdir()
    os.symlink(outside, folder)
    with layout.resolving_once():  # a new load resolves the folder again
        assert not layout.is_inside(folder / "x.wav", root)


@pytest.mark.parametrize(("relative", "inside"), CASES)
def test_relative_paths_and_the_filesystem_root(tree: tuple[Path, Path], relative: str, inside: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = tree
    monkeypatch.chdir(root)
    for mode in (False, True):
        with layout.resolving_once() if mode else nullcontext():
            assert layout.is_inside(Path(relative), Path(".")) is inside
            assert layout.is_inside(Path(relative), root) is inside
            assert layout.is_inside(Path(relative), Path("/"))  # everything is under the filesystem's root
            assert layout.is_inside(Path("/"), Path("/"))
            assert not layout.is_inside(Path("/"), root)

