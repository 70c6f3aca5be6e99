"""The retry policy on its own: Retry-After parsing, backoff bounds, what is retried and what is not."""

from __future__ import annotations

import asyncio
import random
from email.utils import formatdate

import pytest

from humdial_eval.llm.retry import Attempts, CallError, RetryPolicy, classify_status, retry_after_seconds, with_retries


def test_retry_after_in_seconds_milliseconds_and_http_dates() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": formatdate(1000.0 + 30, usegmt=True)}, now=1000.0) == 30.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


def test_backoff_grows_with_jitter_within_bounds_and_retry_after_wins() -> None:
    policy = RetryPolicy(max_retries=5, backoff_base=1.0, backoff_max=8.0, max_retry_after=60)
    rng = random.Random(1)
    for retry, step in enumerate([1, 2, 4, 8, 8]):
        delays = {policy.delay(retry, None, rng) for _ in range(50)}
        assert all(step / 2 <= d <= step for d in delays) and len(delays) > 1
    assert 5.0 <= policy.delay(0, 5.0, rng) <= 5.5
    assert policy.delay(0, 3600.0, rng) <= 66  # a server asking for an hour is capped


@pytest.mark.parametrize("status, retried", [(429, True), (500, True), (503, True), (529, True), (408, True),
                                              (400, False), (401, False), (404, False), (422, False)])
def test_which_statuses_are_retried(status: int, retried: bool) -> None:
    assert classify_status(status) is retried


def run(outcomes: list[object], policy: RetryPolicy) -> tuple[object, Attempts, list[float]]:
    """Feed ``outcomes`` (CallErrors to raise, or values to return) through with_retries, recording sleeps."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def send(_: int) -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, CallError):
            raise outcome
        return outcome

    attempts = Attempts()

    async def go() -> object:
        return await with_retries(send, policy, attempts, rng=random.Random(0), sleep=sleep)

    try:
        result: object = asyncio.run(go())
    except CallError as error:
        result = error
    return result, attempts, slept


def test_retryable_errors_are_retried_until_success() -> None:
    busy = CallError("HTTP 429", retryable=True, status=429, retry_after=2.0)
    result, attempts, slept = run([busy, CallError("HTTP 500", retryable=True, status=500), "answer"], RetryPolicy())
    assert result == "answer" and attempts.requests == 3 and len(attempts.errors or []) == 2
    assert 2.0 <= slept[0] <= 2.2  # the server's Retry-After, not the (shorter) backoff


def test_retries_run_out() -> None:
    errors = [CallError("HTTP 503", retryable=True, status=503) for _ in range(4)]
    result, attempts, slept = run(errors, RetryPolicy(max_retries=2))
    assert isinstance(result, CallError) and attempts.requests == 3 and len(slept) == 2


def test_a_bad_request_is_not_retried_and_a_wrong_key_is_fatal() -> None:
    result, attempts, slept = run([CallError("HTTP 401", retryable=False, status=401), "never"], RetryPolicy())
    assert isinstance(result, CallError) and result.fatal and attempts.requests == 1 and slept == []
    assert not CallError("HTTP 400", retryable=False, status=400).fatal
