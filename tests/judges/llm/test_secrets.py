"""Credentials never sit in a profile, at any depth, and are never echoed by an error (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from humdial_eval.cli.main import main
from humdial_eval.engine.credentials import find_secret, redact
from humdial_eval.engine.profiles import ProfileError, build_judges
from humdial_eval.judges.llm.settings import parse_settings
from tests.conftest import Dataset

KEY = "sk-proj-Zq81hGv2LmN4pR7sT0uW3xY6"
PASSWORD = "hunter2-very-secret"


def profile(tmp_path: Path, **extra: Any) -> Path:
    data = {"backend": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1", **extra}
    path = tmp_path / "judge.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, where", [
    ({"extra_body": {"api_key": "plain-text-key"}}, "extra_body.api_key"),
    ({"extra_body": {"headers": {"Authorization": "Bearer abcdefgh12345678"}}}, "extra_body.headers.Authorization"),
    ({"extra_body": {"options": [{"X-Api-Key": "abc123"}]}}, "extra_body.options[0].X-Api-Key"),
    ({"extra_body": {"metadata": {"note": KEY}}}, "extra_body.metadata.note"),
    ({"extra_body": {"client_secret": 12345678}}, "extra_body.client_secret"),
    ({"token": "t"}, "token"),
])
def test_a_secret_at_any_depth_is_refused_without_its_value(tmp_path: Path, extra: dict[str, Any], where: str) -> None:
    with pytest.raises(ProfileError) as caught:
        build_judges(str(profile(tmp_path, **extra)))
    message = str(caught.value)
    assert repr(where) in message and "would store a secret" in message
    for secret in ("plain-text-key", "abcdefgh12345678", "abc123", KEY, "12345678"):
        assert secret not in message


def test_settings_built_in_code_are_checked_too() -> None:
    with pytest.raises(ProfileError, match="extra_body.headers.authorization"):
        parse_settings("p", "openai", {"model": "m", "extra_body": {"headers": {"authorization": "x"}}},
                       vendor_key_env="OPENAI_API_KEY")


def test_harmless_look_alikes_are_accepted(tmp_path: Path) -> None:
    schema = {"guided_json": {"type": "object", "properties": {"token": {"type": "string"}, "key": {"type": "string"}}}}
    (judge,) = build_judges(str(profile(tmp_path, extra_body=schema, max_tokens=64)))
    assert judge.identity()["extra_body"] == schema
    assert find_secret({"api_key_env": "OPENAI_API_KEY", "top_k": 20, "model": "sk-mini"}) is None


@pytest.mark.parametrize("url", [f"http://admin:{PASSWORD}@127.0.0.1:8000/v1",
                                 f"https://127.0.0.1/v1?api_key={PASSWORD}"])
def test_a_refused_base_url_is_not_echoed_with_its_password(tmp_path: Path, url: str) -> None:
    with pytest.raises(ProfileError) as caught:
        build_judges(str(profile(tmp_path, base_url=url)))
    assert PASSWORD not in str(caught.value) and "credentials" in str(caught.value)
    with pytest.raises(ProfileError) as caught:
        parse_settings("p", "openai", {"model": "m", "base_url": [url]}, vendor_key_env="OPENAI_API_KEY")
    assert PASSWORD not in str(caught.value) and "base_url" in str(caught.value)


def test_a_yaml_error_does_not_quote_a_key(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(f"backend: openai\nmodel: [m\napi_key: {KEY}\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        build_judges(str(path))
    assert KEY not in str(caught.value)


def test_score_refuses_a_secret_profile_with_one_line_and_writes_nothing(
        dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = profile(tmp_path, extra_body={"headers": {"Authorization": f"Bearer {KEY}"}})
    out = tmp_path / "out"
    assert main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(out),
                 "--judge", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert KEY not in err and len(err.strip().splitlines()) == 1 and "extra_body.headers.Authorization" in err
    assert not out.exists()


def test_redact_scrubs_identities_written_to_outputs() -> None:
    identity = {"model": "m", "extra_body": {"headers": {"Authorization": "Bearer abcdefgh12345678"},
                                             "note": f"use {KEY}", "url": f"http://u:{PASSWORD}@h/v1"}}
    text = json.dumps(redact(identity))
    assert KEY not in text and PASSWORD not in text and "abcdefgh12345678" not in text and '"model": "m"' in text
