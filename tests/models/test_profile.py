"""Model profiles: shipped ones load by name, settings reach the request, several base_urls share the load."""

from __future__ import annotations

from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.models.openai_backend import OpenAIModel
from humdial_eval.models.profile import build_backend, load_model_profile, profile_dirs
from tests.models.audio_server import AudioModelServer
from tests.models.conftest import GoldSet, write_profile


def test_the_shipped_profiles_load_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    names = sorted(p.stem for folder in profile_dirs() for p in folder.glob("*.yaml"))
    assert {"openai-gpt-audio", "qwen-omni-vllm"} <= set(names)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ProfileError, match="OPENAI_API_KEY"):
        build_backend(load_model_profile("openai-gpt-audio"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-000000")
    hosted = build_backend(load_model_profile("openai-gpt-audio"))
    assert isinstance(hosted, OpenAIModel) and hosted.config.base_urls == () and hosted.output_audio
    local = build_backend(load_model_profile("qwen-omni-vllm"))
    assert local.config.base_urls == ("http://127.0.0.1:8000/v1",) and local.config.api_key_env is None
    assert local.system_prompt and local.input_mode == "audio"
    assert local.identity() != hosted.identity()


def test_an_unknown_backend_is_named(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("backend: telepathy\nmodel: x\n")
    with pytest.raises(ProfileError, match=r"no model backend named 'telepathy' \(installed: .*openai"):
        build_backend(load_model_profile(path))


def test_dialogues_rotate_over_several_base_urls(tmp_path: Path, goldset: GoldSet) -> None:
    first, second = AudioModelServer(goldset.labels).start(), AudioModelServer(goldset.labels).start()
    try:
        profile = write_profile(tmp_path / "m.yaml", [first.url, second.url], top_k=20, extra_body={"repetition_penalty": 1.05})
        assert main(["generate", "--model", str(profile), "--testset", str(goldset.path), "--out", str(tmp_path / "o"),
                     "--no-progress", "--concurrency", "1"]) == 0
        assert len(first.requests) + len(second.requests) == 19 and abs(len(first.requests) - len(second.requests)) <= 1
        body = first.requests[0].body
        assert body["top_k"] == 20 and body["repetition_penalty"] == 1.05 and body["model"] == "scripted-audio"
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize(("text", "expected"), [
    ("backend: openai\nmodel: m\nextra_body:\n  headers:\n    Authorization: Bearer abcdefghijklmnop\n", "would store a secret"),
    ("backend: openai\nmodel: m\nextra_body:\n  note: sk-abcdefghijklmnopqrstuvwx\n", "would store a secret"),
    ("backend: openai\nmodel: m\n1: x\n", "is not a string"),
    ("- backend\n", "a model profile must be a YAML mapping"),
])
def test_a_model_profile_is_read_by_the_judge_profiles_rules(tmp_path: Path, text: str, expected: str) -> None:
    """Nested and value-shaped secrets, non-string keys: refused as in judge profiles, the value never shown."""
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=expected) as caught:
        load_model_profile(path)
    assert "abcdefghijklmnop" not in str(caught.value) and str(path) in str(caught.value)


def test_a_model_profile_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ProfileError, match="FIFO"):
        load_model_profile(fifo)
