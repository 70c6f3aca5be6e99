"""The OpenAI-protocol judge against a real local server, through the real ``openai`` client."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm.samples import sample_item
from tests.conftest import write_wav
from tests.judges.llm.fake_server import Call, FakeJudgeServer, Scripted, judge_like
from tests.judges.llm.helpers import judge_once, make_judge

GOOD_T1 = '{"scores": {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 1}, "rationale": "fine"}'
Profile = Callable[..., Path]


def test_request_carries_model_sampling_seed_and_top_k(server: FakeJudgeServer, profile: Profile) -> None:
    judge = make_judge(profile(server, temperature=0.6, top_p=0.95, top_k=20, max_tokens=512, seed=7))
    judgment = judge_once(judge)
    assert judgment.status == "ok" and set(judgment.scores) == set(task_class("T1").rubric.keys())
    (call,) = server.calls
    assert call.path == "/v1/chat/completions"
    body = call.body
    assert (body["model"], body["temperature"], body["top_p"], body["top_k"], body["seed"]) == ("test-omni", 0.6, 0.95, 20, 7)
    assert body["max_completion_tokens"] == 512
    meta = judgment.meta
    assert meta["seed"] == 7 and meta["seed_sent"] and meta["model"] == "test-omni" and meta["prompt_version"] == "humdial-v2"
    assert meta["prompt_sha256"] == hashlib.sha256(call.prompt.encode()).hexdigest()
    assert meta["sampling"] == {"temperature": 0.6, "top_p": 0.95, "top_k": 20, "max_tokens": 512}


@pytest.mark.parametrize(
    "answer, expected, clamped",
    [
        ("```json\n" + GOOD_T1 + "\n```\nHope this helps!", {"Accuracy_Completeness": 5, "Depth_Granularity": 3, "Added_Value": 1}, {}),
        ('{"scores": {"Accuracy_Completeness": "4", "Depth_Granularity": 9, "Added_Value": 0}}',
         {"Accuracy_Completeness": 3, "Depth_Granularity": 5, "Added_Value": 1},
         {"Accuracy_Completeness": "4", "Depth_Granularity": 9, "Added_Value": 0}),
    ],
)
def test_fenced_and_off_scale_answers(server: FakeJudgeServer, profile: Profile, answer: str,
                                      expected: dict[str, int], clamped: dict[str, object]) -> None:
    server.enqueue(Scripted(content=answer))
    judgment = judge_once(make_judge(profile(server)))
    assert (judgment.status, judgment.scores, judgment.meta.get("clamped", {})) == ("ok", expected, clamped)


def test_a_truncated_answer_is_asked_again_with_a_new_seed(server: FakeJudgeServer, profile: Profile) -> None:
    server.enqueue(Scripted(content='{"scores": {"Accuracy_Completeness": 5, "Depth_Gran'), Scripted(content=GOOD_T1))
    judgment = judge_once(make_judge(profile(server, seed=3)))
    assert judgment.status == "ok" and judgment.meta["parse_attempts"] == 2
    assert [c.seed for c in server.calls] == [3, 3 + 100_003]


def test_an_answer_that_stays_unparsable_fails_with_the_raw_answer_kept(server: FakeJudgeServer, profile: Profile) -> None:
    server.enqueue(Scripted(content="I would rather not say."), Scripted(content='{"Accuracy_Completeness": 5'))
    judgment = judge_once(make_judge(profile(server, parse_retries=1)))
    assert judgment.status == "failed" and len(server.calls) == 2
    assert "unparsable answer after 2 attempt(s)" in (judgment.error or "") and "Depth_Granularity" in (judgment.error or "")
    assert judgment.raw == '{"Accuracy_Completeness": 5' and judgment.scores == {}


def test_429_honours_retry_after(server: FakeJudgeServer, profile: Profile) -> None:
    server.enqueue(Scripted(status=429, headers={"Retry-After": "0.4"}, body={"error": {"message": "slow down"}}))
    started = time.monotonic()
    judgment = judge_once(make_judge(profile(server, backoff_base=0.001, backoff_max=0.002)))
    waited = time.monotonic() - started
    assert judgment.status == "ok" and judgment.meta["requests"] == 2 and waited >= 0.4
    assert "HTTP 429" in judgment.meta["request_errors"][0]


def test_500s_are_retried_and_then_give_up(server: FakeJudgeServer, profile: Profile) -> None:
    server.enqueue(Scripted(status=500, body={"error": {"message": "boom"}}))
    assert judge_once(make_judge(profile(server))).meta["requests"] == 2
    server.calls.clear()
    server.enqueue(*[Scripted(status=503, body={"error": {"message": "down"}})] * 3)
    judgment = judge_once(make_judge(profile(server, max_retries=2)))
    assert judgment.status == "failed" and "HTTP 503" in (judgment.error or "") and len(server.calls) == 3


def test_a_hang_past_the_timeout_is_cut_and_retried(server: FakeJudgeServer, profile: Profile) -> None:
    server.enqueue(Scripted(delay=3.0, content=GOOD_T1))
    started = time.monotonic()
    judgment = judge_once(make_judge(profile(server, request_timeout=0.4)))
    assert judgment.status == "ok" and judgment.meta["requests"] == 2 and time.monotonic() - started < 2.5
    assert "timeout" in judgment.meta["request_errors"][0]


def test_a_bad_request_is_not_retried(server: FakeJudgeServer, profile: Profile) -> None:
    server.enqueue(Scripted(status=400, body={"error": {"message": "context too long"}}))
    judgment = judge_once(make_judge(profile(server)))
    assert judgment.status == "failed" and "HTTP 400" in (judgment.error or "") and len(server.calls) == 1


def test_a_rejected_key_stops_the_judge_and_never_leaks(server: FakeJudgeServer, profile: Profile,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-live-THIS-IS-SECRET-0123456789"
    monkeypatch.setenv("TEST_JUDGE_KEY", secret)
    server.enqueue(Scripted(status=401, body={"error": {"message": f"Incorrect API key provided: {secret}"}}))
    judge = make_judge(profile(server, api_key_env="TEST_JUDGE_KEY"))
    task = task_class("T1")()

    async def two() -> list:
        try:
            return [await judge.judge(sample_item("T1"), task) for _ in range(2)]
        finally:
            await judge.aclose()

    first, second = asyncio.run(two())
    assert server.calls[0].headers["authorization"] == f"Bearer {secret}"  # the key did reach the server
    assert len(server.calls) == 1  # ... but no second request after a 401
    assert first.status == second.status == "failed" and "not sent" in (second.error or "")
    for judgment in (first, second):
        assert secret not in json.dumps(judgment.to_dict()) and "[redacted]" in (judgment.error or "")


def test_replicas_take_turns_and_a_retry_moves_to_the_next(profile: Profile) -> None:
    first, second = FakeJudgeServer().start(), FakeJudgeServer().start()
    try:
        judge = make_judge(profile([first, second]))
        task = task_class("T1")()
        items = [dataclasses.replace(sample_item("T1"), dialogue_id=f"d{i}") for i in range(4)]

        async def all_items() -> list:
            try:
                return [await judge.judge(item, task) for item in items]
            finally:
                await judge.aclose()

        assert all(j.status == "ok" for j in asyncio.run(all_items()))
        assert (len(first.calls), len(second.calls)) == (2, 2)
        first.enqueue(Scripted(status=502, body={"error": {"message": "bad gateway"}}))
        judge = make_judge(profile([first, second]))
        judgment = judge_once(judge)
        assert judgment.status == "ok" and judgment.meta["endpoint"] == second.url
    finally:
        first.stop()
        second.stop()


def test_t3_audio_reaches_the_judge_and_is_recorded(server: FakeJudgeServer, profile: Profile, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "reply.wav", seconds=0.75)
    item = dataclasses.replace(sample_item("T3"), response_audio=wav)
    judgment = judge_once(make_judge(profile(server)), "T3", item)
    assert judgment.status == "ok" and set(judgment.scores) == set(task_class("T3").rubric.keys())
    (call,) = server.calls
    assert call.audio == wav.read_bytes()  # the submitted bytes, unchanged
    parts = call.body["messages"][0]["content"]
    assert [part["type"] for part in parts] == ["text", "input_audio"]  # humdial-v2: the recording after the text
    assert parts[1]["input_audio"]["format"] == "wav"
    audio = judgment.meta["audio"]
    assert audio["sha256"] == hashlib.sha256(wav.read_bytes()).hexdigest() and audio["seconds"] == 0.75
    assert audio["sent_as"].startswith("input_audio")


def test_the_humdial_v1_prompt_still_sends_the_recording_first(server: FakeJudgeServer, profile: Profile,
                                                                tmp_path: Path) -> None:
    item = dataclasses.replace(sample_item("T3"), response_audio=write_wav(tmp_path / "reply.wav"))
    v1, v2 = (make_judge(profile(server, name=v, prompt_version=v)) for v in ("humdial-v1", "humdial-v2"))
    judgment = judge_once(v1, "T3", item)
    (call,) = server.calls
    assert judgment.status == "ok" and [p["type"] for p in call.body["messages"][0]["content"]] == ["input_audio", "text"]
    task = task_class("T3")()
    assert "audio_position" not in v1.request(item, task) and v2.request(item, task)["audio_position"] == "last"
    assert v1.cache_key(item, task) != v2.cache_key(item, task)


def test_a_text_only_judge_sends_no_audio_and_asks_only_the_text_dimension(server: FakeJudgeServer, profile: Profile,
                                                                          tmp_path: Path) -> None:
    item = dataclasses.replace(sample_item("T3"), response_audio=write_wav(tmp_path / "reply.wav"))
    judgment = judge_once(make_judge(profile(server, audio=False)), "T3", item)
    (call,) = server.calls
    assert call.audio is None and isinstance(call.body["messages"][0]["content"], str)
    assert call.asked == ["textual_empathy_insight"] and list(judgment.scores) == ["textual_empathy_insight"]
    assert judgment.meta["audio"]["sent_as"].startswith("not sent: this judge is text-only")


def test_identity_separates_everything_that_changes_answers(server: FakeJudgeServer, profile: Profile) -> None:
    task, item = task_class("T1")(), sample_item("T1")
    base = make_judge(profile(server, temperature=0.6, seed=0))
    key = base.cache_key(item, task)
    for change in ({"temperature": 0.7}, {"seed": 1}, {"model": "other"}, {"top_p": 0.9}, {"max_tokens": 100}):
        assert make_judge(profile(server, **{"temperature": 0.6, "seed": 0, **change})).cache_key(item, task) != key
    assert base.for_repeat(1).cache_key(item, task) != key and base.for_repeat(1).seed() == 1
    moved = make_judge(profile(server, temperature=0.6, seed=0, base_url="http://127.0.0.1:9/v1"))
    assert moved.cache_key(item, task) == key  # where the model is served does not change its answers


@pytest.mark.parametrize("kind", ["ogg", "garbage", "empty"])
def test_audio_that_is_not_a_usable_wav_is_refused_not_mislabelled(server: FakeJudgeServer, profile: Profile,
                                                                   tmp_path: Path, kind: str) -> None:
    import numpy as np
    import soundfile

    path = tmp_path / "reply.wav"
    if kind == "ogg":
        soundfile.write(str(path), np.zeros(1600, dtype=np.float32), 16000, format="OGG", subtype="VORBIS")
    else:
        path.write_bytes(b"RIFF\x00\x00garbage" if kind == "garbage" else b"")
    item = dataclasses.replace(sample_item("T3"), response_audio=path)
    judge = make_judge(profile(server))
    assert judge.request(item, task_class("T3")())["unsendable"]  # the cache key can still be computed
    judgment = judge_once(judge, "T3", item)
    assert judgment.status == "failed" and "not sent" in judgment.meta["audio"]["sent_as"] and not server.calls
    assert ("OGG" in (judgment.error or "")) == (kind == "ogg")


def test_the_connection_pool_is_sized_to_the_concurrency_and_reused(profile: Profile) -> None:
    """At concurrency 3, even 24 slow requests sent at once travel over at most 3 kept-alive connections."""
    def slow(call: Call) -> Scripted:
        reply = judge_like(call)
        reply.delay = 0.02
        return reply

    server = FakeJudgeServer(responder=slow, keep_alive=True).start()
    try:
        judge = make_judge(profile(server, concurrency=8))
        judge.concurrency = 3  # as `score --concurrency 3` sets it: the pool follows
        task, item = task_class("T1")(), sample_item("T1")

        async def go() -> list[Any]:
            try:  # no semaphore here: the pool alone must hold the connections to the concurrency
                return await asyncio.gather(*(judge.for_repeat(k).judge(item, task) for k in range(24)))
            finally:
                await judge.aclose()

        judgments = asyncio.run(go())
    finally:
        server.stop()
    assert all(j.status == "ok" for j in judgments) and len(server.calls) == 24
    assert len({call.peer for call in server.calls}) <= 3
    assert judge.config.concurrency == 3


def test_a_reply_of_any_shape_is_read_without_a_crash() -> None:
    from humdial_eval.judges.llm.openai_backend import reply_from_json

    good = reply_from_json({"model": "m", "choices": [{"message": {"content": "x"}, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": 3, "completion_tokens": 1}})
    assert (good.text, good.served_model, good.finish_reason, good.usage) == ("x", "m", "stop", {"prompt_tokens": 3, "completion_tokens": 1})
    for body in [{"detail": "no"}, [], "text", None, {"choices": "x"}, {"choices": [None]}, {"choices": [{"message": 5}]}]:
        assert reply_from_json(body).text is None
