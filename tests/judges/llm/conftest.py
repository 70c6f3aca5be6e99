"""Fixtures for the LLM judge tests: a scripted local server and profiles pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.judges.llm.fake_server import FakeJudgeServer
from tests.judges.llm.helpers import FAST


@pytest.fixture
def server() -> Iterator[FakeJudgeServer]:
    running = FakeJudgeServer().start()
    yield running
    running.stop()


@pytest.fixture
def profile(tmp_path: Path) -> Callable[..., Path]:
    """Write a profile YAML for a judge of ``server`` (OpenAI protocol unless ``backend`` says otherwise)."""

    def make(server: FakeJudgeServer | list[FakeJudgeServer], name: str = "test-judge", **settings: Any) -> Path:
        data: dict[str, Any] = {"backend": "openai", "model": "test-omni", "audio": True, **FAST}
        data["base_url"] = [s.url for s in server] if isinstance(server, list) else server.url
        data.update(settings)
        data = {k: v for k, v in data.items() if v is not None}
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    return make
