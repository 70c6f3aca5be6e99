"""Retrying judge calls: exponential backoff with jitter, and the server's Retry-After when it gives one.

Backends translate their client's exceptions into :class:`CallError`, which says whether trying again
can help (rate limits, overload, server errors, timeouts, dropped connections) or cannot (a bad
request, a wrong key, an unknown model). One policy serves every backend, so they all behave alike.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
# Statuses after which no later request of this judge can succeed either: stop asking.
FATAL_STATUS = frozenset({401, 403, 404})


class CallError(Exception):
    """A failed request, classified. ``fatal`` means every later request would fail the same way."""

    def __init__(
        self, message: str, *, retryable: bool, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    @property
    def fatal(self) -> bool:
        return self.status in FATAL_STATUS


def classify_status(status: int) -> bool:
    """Whether a response with this HTTP status is worth retrying."""
    return status in RETRYABLE_STATUS or status >= 500


def retry_after_seconds(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date); None if absent."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    milliseconds = lowered.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Wait before retry number ``retry`` (0-based).

        A server's Retry-After is honoured (up to ``max_retry_after``) with a little jitter so that many
        waiting requests do not return at the same instant; otherwise "equal jitter": half the
        exponential step fixed, half random.
        """
        if retry_after is not None:
            return min(retry_after, self.max_retry_after) * (1 + 0.1 * rng.random())
        step = min(self.backoff_max, self.backoff_base * (2**retry))
        return step / 2 + rng.uniform(0, step / 2)


@dataclass
class Attempts:
    """What retrying cost: how many requests were sent and why the failed ones failed."""

    requests: int = 0
    errors: list[str] | None = None

    def note(self, error: CallError) -> None:
        self.errors = [*(self.errors or []), str(error)[:300]]


async def with_retries(
    send: Callable[[int], Awaitable[T]],
    policy: RetryPolicy,
    attempts: Attempts,
    *,
    rng: random.Random | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Call ``send(attempt_number)`` until it succeeds, a non-retryable error occurs or retries run out."""
    rng = rng or random.Random()
    retry = 0
    while True:
        attempts.requests += 1
        try:
            return await send(attempts.requests - 1)
        except CallError as error:
            attempts.note(error)
            if not error.retryable or retry >= policy.max_retries:
                raise
            await sleep(policy.delay(retry, error.retry_after, rng))
            retry += 1
