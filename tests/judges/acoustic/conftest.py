"""Fixtures of the acoustic tests: tiny FunASR models built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.judges.acoustic.tiny_models import build_emotion2vec, build_paraformer


@pytest.fixture(scope="session")
def emotion2vec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_emotion2vec(tmp_path_factory.mktemp("e2v") / "tiny-emotion2vec")


@pytest.fixture(scope="session")
def happy_emotion2vec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_emotion2vec(tmp_path_factory.mktemp("e2v-happy") / "tiny-emotion2vec-happy", favour="happy")


@pytest.fixture(scope="session")
def paraformer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_paraformer(tmp_path_factory.mktemp("asr") / "tiny-paraformer")
