"""Judge profiles: the shipped ones load, mistakes name the profile and field, keys stay in the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from humdial_eval.engine.profiles import ProfileError, build_judges
from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm import AnthropicJudge, OpenAIJudge

SHIPPED = Path(__file__).resolve().parents[3] / "judges" / "profiles"


def write(tmp_path: Path, **data: object) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_the_official_profile_matches_the_challenge_setup() -> None:
    (judge,) = build_judges("qwen3-omni-vllm")
    assert isinstance(judge, OpenAIJudge)
    config = judge.config
    assert (config.model, config.temperature, config.top_p, config.top_k) == ("Qwen3-Omni-30B-A3B-Instruct", 0.6, 0.95, 20)
    assert config.base_urls == ("http://127.0.0.1:8000/v1",) and config.api_key_env is None and config.audio
    assert judge.concurrency == config.concurrency == 16
    assert set(judge.dimensions(task_class("T3")())) == set(task_class("T3").rubric.keys())


def test_hosted_profiles_need_their_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ProfileError, match="OPENAI_API_KEY .*is not set"):
        build_judges("openai-gpt-audio")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    (openai_judge,) = build_judges("openai-gpt-audio")
    (claude,) = build_judges("claude")
    assert isinstance(claude, AnthropicJudge) and openai_judge.hears_audio
    t3 = task_class("T3")()
    assert claude.dimensions(t3) == ("textual_empathy_insight",)  # text-only: D2/D3 are not its to score
    assert "sk-test" not in str(openai_judge.identity()) and "sk-ant-test" not in str(claude.identity())


@pytest.mark.parametrize(
    "change, message",
    [
        ({"temprature": 0.5}, "unknown field 'temprature'"),
        ({"temperature": "hot"}, "field 'temperature' must be a number"),
        ({"temperature": 3}, "field 'temperature' must be a number from 0 to 2"),
        ({"concurrency": 0}, "field 'concurrency'"),
        ({"audio": "yes"}, "field 'audio' must be true or false"),
        ({"base_url": "ftp://x"}, "field 'base_url'"),
        ({"base_url": "http://user:pw@host/v1"}, "without credentials"),
        ({"base_url": "http://host/v1?api_key=abc"}, "without credentials or query"),
        ({"api_key_env": "sk-abc123"}, "variable name"),
        ({"model": ""}, "field 'model' is required"),
        ({"prompt_version": "humdial-v9"}, "prompt_version 'humdial-v9' is not available"),
    ],
)
def test_profile_mistakes_are_named(tmp_path: Path, change: dict[str, object], message: str) -> None:
    data = {"backend": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1", **change}
    with pytest.raises(ProfileError, match=message) as info:
        build_judges(write(tmp_path, **data))
    assert "judge profile 'p'" in str(info.value) or "p.yaml" in str(info.value) or "judge 'p'" in str(info.value)


def test_a_key_in_the_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="would store a secret"):
        build_judges(write(tmp_path, backend="openai", model="m", api_key="sk-123"))


def test_top_k_is_refused_for_the_openai_api_and_audio_for_anthropic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with pytest.raises(ProfileError, match="top_k is not accepted by the OpenAI API"):
        build_judges(write(tmp_path, backend="openai", model="m", top_k=20))
    with pytest.raises(ProfileError, match="cannot send audio"):
        build_judges(write(tmp_path, backend="anthropic", model="claude", base_url="http://127.0.0.1:9", audio=True))


def test_shipped_llm_profiles_name_only_variables() -> None:
    for path in SHIPPED.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if data.get("backend") in {"openai", "anthropic"}:
            assert "api_key" not in data and "key" not in data
            assert data.get("api_key_env") in (None, "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
