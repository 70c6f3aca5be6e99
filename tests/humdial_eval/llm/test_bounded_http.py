"""Every reply is bounded in time (a deadline per request) and in size (decoded bytes), for judges and models alike."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from humdial_eval.llm.bounded_http import ResponseRefused, read_body
from humdial_eval.llm.openai_transport import OpenAITransport
from humdial_eval.llm.retry import CallError
from humdial_eval.llm.settings import parse_settings
from tests.humdial_eval.llm.hostile_server import HostileServer, gzip_of_zeros
from tests.judges.llm.helpers import FAST, judge_once, make_judge


@pytest.fixture
def hostile() -> Iterator[Any]:
    started: list[HostileServer] = []

    def start(mode: str, **options: Any) -> HostileServer:
        server = HostileServer(mode, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def transport(url: str, **settings: Any) -> OpenAITransport:
    config = parse_settings("t", "openai", {"model": "m", "base_url": url, **settings}, vendor_key_env="OPENAI_API_KEY")
    return OpenAITransport(config, "EMPTY")


def send_once(client: OpenAITransport) -> Any:
    async def go() -> Any:
        try:
            return await client.send("hello", None, 0, 0)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_server_that_drips_one_byte_at_a_time_fails_at_the_request_deadline(hostile: Any) -> None:
    server = hostile("drip", interval=0.3)  # each read returns well within the 1.5 s, the whole never does
    started = time.monotonic()
    with pytest.raises(CallError, match=r"no complete answer within 1.5 s \(timeout of the whole request\)") as error:
        send_once(transport(server.url, request_timeout=1.5))
    assert 1.4 < time.monotonic() - started < 4 and error.value.retryable


def test_a_gzip_bomb_is_refused_at_the_cap_on_decoded_bytes(hostile: Any) -> None:
    server = hostile("bomb", inflated=256 << 20)  # ~250 KB on the wire
    started = time.monotonic()
    with pytest.raises(CallError, match=r"exceeds the limit of 1048576 bytes once decompressed") as error:
        send_once(transport(server.url, max_response_bytes=1 << 20))
    assert time.monotonic() - started < 5 and not error.value.retryable


@pytest.mark.parametrize(("mode", "inflated", "message", "retryable"), [
    ("big", 4 << 20, "reply body exceeds the limit of 1048576 bytes; refused", False),
    ("brotli", 0, "content-encoding 'br', which is not accepted", False),
    ("cut", 512 << 10, "cut-off gzip stream", True),
])
def test_oversized_unbounded_or_cut_bodies_are_clear_errors(hostile: Any, mode: str, inflated: int, message: str,
                                                            retryable: bool) -> None:
    server = hostile(mode, inflated=inflated)
    with pytest.raises(CallError, match=message) as error:
        send_once(transport(server.url, max_response_bytes=1 << 20))
    assert error.value.retryable is retryable


def test_the_decoder_stays_within_the_cap_in_memory_too() -> None:
    bomb = gzip_of_zeros(64 << 20)

    async def chunks(data: bytes) -> Any:
        for start in range(0, len(data), 65536):
            yield data[start:start + 65536]

    tracemalloc.start()
    try:
        with pytest.raises(ResponseRefused, match="once decompressed"):
            asyncio.run(read_body(chunks(bomb), {"content-encoding": "gzip"}, 100_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # 64 MiB inflated by a decoder without a cap
    honest = gzip_of_zeros(50_000)
    assert asyncio.run(read_body(chunks(honest), {"content-encoding": "gzip"}, 100_000)) == b"\0" * 50_000
    assert asyncio.run(read_body(chunks(b"{}"), {}, 100_000)) == b"{}"


def test_a_judge_against_a_dripping_or_bloated_server_fails_the_item_within_seconds(hostile: Any, tmp_path: Path) -> None:
    for mode in ("drip", "bomb"):
        server = hostile(mode, interval=0.3, inflated=64 << 20)
        profile = tmp_path / f"{mode}.yaml"
        profile.write_text(yaml.safe_dump({"backend": "openai", "model": "m", "base_url": server.url, **FAST,
                                           "request_timeout": 1.0, "max_retries": 1, "max_response_bytes": 1 << 20}))
        started = time.monotonic()
        judgment = judge_once(make_judge(profile))
        assert judgment.status == "failed" and time.monotonic() - started < 6, mode
        assert ("timeout of the whole request" if mode == "drip" else "exceeds the limit") in (judgment.error or "")


def test_the_cap_is_a_checked_setting() -> None:
    with pytest.raises(Exception, match="max_response_bytes"):
        parse_settings("t", "openai", {"model": "m", "base_url": "http://127.0.0.1:9/v1", "max_response_bytes": 10},
                       vendor_key_env="OPENAI_API_KEY")


def test_a_judge_reads_at_most_8_mib_unless_its_profile_says_otherwise(tmp_path: Path) -> None:
    from humdial_eval.judges.llm.base import JUDGE_MAX_RESPONSE_BYTES

    profile = tmp_path / "judge.yaml"
    profile.write_text(yaml.safe_dump({"backend": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1"}))
    assert make_judge(profile).config.max_response_bytes == JUDGE_MAX_RESPONSE_BYTES == 8 << 20
    profile.write_text(yaml.safe_dump({"backend": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1",
                                       "max_response_bytes": 1 << 20}))
    assert make_judge(profile).config.max_response_bytes == 1 << 20


def test_a_redirect_is_not_followed_and_its_body_is_capped_too(hostile: Any) -> None:
    server = hostile("redirect", inflated=64 << 20)  # followed, the HTTP library would read this body uncapped
    with pytest.raises(CallError, match="exceeds the limit of 1048576 bytes once decompressed"):
        send_once(transport(server.url, max_response_bytes=1 << 20))
    assert server.requests == 1
