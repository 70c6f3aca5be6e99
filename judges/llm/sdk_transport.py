"""What the two vendor SDK transports share: one client per base_url, and SDK errors as CallErrors.

The openai and anthropic packages have the same error hierarchy (timeout, connection, HTTP status,
a common base), so one mapping serves both and a retry decision never depends on which vendor it is.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from judges.llm.base import Transport
from judges.llm.retry import CallError, classify_status, retry_after_seconds
from judges.llm.settings import LLMSettings

T = TypeVar("T")


class SdkTransport(Transport):
    def __init__(self, config: LLMSettings, vendor_url: str, sdk: Any, base_error: type[Exception],
                 make_client: Callable[[str], Any]) -> None:
        self.config = config
        self._sdk = sdk
        self._base_error = base_error
        self._urls = list(config.base_urls) or [vendor_url]
        self._clients = [make_client(url) for url in self._urls]

    def endpoint_names(self) -> list[str]:
        return self._urls

    def client(self, endpoint: int) -> Any:
        return self._clients[endpoint % len(self._clients)]

    async def call(self, make_request: Callable[[], Awaitable[T]]) -> T:
        """Make and await one SDK request, turning its failures into CallErrors that say whether to retry."""
        sdk = self._sdk
        try:
            return await make_request()
        except sdk.APITimeoutError as exc:
            raise CallError(f"no answer within {self.config.request_timeout:g} s (timeout)", retryable=True) from exc
        except sdk.APIConnectionError as exc:
            raise CallError(f"connection failed: {exc}", retryable=True) from exc
        except sdk.APIStatusError as exc:
            status = exc.status_code
            raise CallError(
                f"HTTP {status}: {short(exc.message)}",
                retryable=classify_status(status),
                status=status,
                retry_after=retry_after_seconds(dict(exc.response.headers)),
            ) from exc
        except self._base_error as exc:  # malformed responses and the like
            raise CallError(f"{type(exc).__name__}: {short(str(exc))}", retryable=True) from exc
        except ValueError as exc:  # a 200 whose body is not JSON: a proxy's error page, a cut-off reply
            raise CallError(f"unreadable response body ({type(exc).__name__}: {short(str(exc))})", retryable=True) from exc

    async def aclose(self) -> None:
        for client in self._clients:
            await client.close()


def short(text: str, limit: int = 300) -> str:
    """One line of at most ``limit`` characters, without the SDK's "Error code: N - " prefix."""
    text = re.sub(r"^Error code: \d+ - ", "", " ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."
