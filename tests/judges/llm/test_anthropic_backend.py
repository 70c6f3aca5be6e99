"""The Anthropic judge against a local server speaking the messages protocol, through the real client."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm.samples import sample_item
from tests.conftest import write_wav
from tests.judges.llm.fake_server import FakeJudgeServer, Scripted
from tests.judges.llm.helpers import judge_once, make_judge

Profile = Callable[..., Path]


@pytest.fixture
def claude(server: FakeJudgeServer, profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "sk-ant-test-key-0123456789")
    return profile(server, backend="anthropic", model="claude-test", base_url=server.root, audio=False,
                   api_key_env="TEST_ANTHROPIC_KEY")


def test_messages_protocol_with_key_header_and_no_unset_sampling(server: FakeJudgeServer, claude: Path) -> None:
    judgment = judge_once(make_judge(claude))
    assert judgment.status == "ok" and set(judgment.scores) == set(task_class("T1").rubric.keys())
    (call,) = server.calls
    assert call.path == "/v1/messages"
    # client versions differ in the header they use for the key
    assert "sk-ant-test-key-0123456789" in (call.headers.get("x-api-key", "") + call.headers.get("authorization", ""))
    assert call.body["model"] == "claude-test" and call.body["max_tokens"] == 2048
    assert not {"temperature", "top_p", "top_k", "seed"} & set(call.body)  # left to the model's defaults
    assert judgment.meta["served_model"] == "claude-test" and judgment.meta["seed_sent"] is False


def test_sampling_parameters_set_in_the_profile_are_sent(server: FakeJudgeServer, profile: Profile,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", "sk-ant-x")
    path = profile(server, backend="anthropic", model="c", base_url=server.root, audio=False, api_key_env="K",
                   temperature=0.2, top_k=10)
    judge_once(make_judge(path))
    assert (server.calls[0].body["temperature"], server.calls[0].body["top_k"]) == (0.2, 10)


def test_t3_is_judged_on_text_only(server: FakeJudgeServer, claude: Path, tmp_path: Path) -> None:
    item = dataclasses.replace(sample_item("T3"), response_audio=write_wav(tmp_path / "r.wav"))
    judgment = judge_once(make_judge(claude), "T3", item)
    assert list(judgment.scores) == ["textual_empathy_insight"] and server.calls[0].asked == ["textual_empathy_insight"]
    assert "audio" not in server.calls[0].prompt.lower().split("## what to rate")[1]


def test_overloaded_529_is_retried(server: FakeJudgeServer, claude: Path) -> None:
    server.enqueue(Scripted(status=529, body={"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}))
    judgment = judge_once(make_judge(claude))
    assert judgment.status == "ok" and judgment.meta["requests"] == 2 and "HTTP 529" in judgment.meta["request_errors"][0]


def test_a_fenced_answer_with_prose(server: FakeJudgeServer, claude: Path) -> None:
    server.enqueue(Scripted(content='Sure.\n```\n{"Accuracy_Completeness": 3, "Depth_Granularity": 3, '
                                    '"Added_Value": 5, "rationale": "ok"}\n```'))
    judgment = judge_once(make_judge(claude))
    assert judgment.scores == {"Accuracy_Completeness": 3, "Depth_Granularity": 3, "Added_Value": 5}
