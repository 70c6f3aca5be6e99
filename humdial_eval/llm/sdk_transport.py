"""What the two vendor SDK transports share: one client per base_url, and SDK errors as CallErrors.

The openai and anthropic packages have the same error hierarchy (timeout, connection, HTTP status,
a common base), so one mapping serves both and a retry decision never depends on which vendor it is.

The hot path, measured (docs/performance.md): a fast judge at concurrency 32 makes the client library
the largest CPU cost of a run. So each client's connection pool holds as many connections as the
judge has requests in flight (:meth:`SdkTransport.pooled_http_client`), and a request goes out through
the client's own ``post`` with the finished body (:meth:`SdkTransport.post_json`): the same client,
authentication, timeouts and errors, without the per-request walk of the body against the SDK's type
annotations (the T3 recording's base64 included) and without building a typed response object that
would be read once and dropped; the raw JSON is parsed once, here.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from humdial_eval.llm.transport import Transport
from humdial_eval.llm.bounded_http import ResponseRefused, bounded_client
from humdial_eval.llm.retry import CallError, classify_status, retry_after_seconds
from humdial_eval.llm.settings import LLMSettings

T = TypeVar("T")


class SdkTransport(Transport):
    def __init__(self, config: LLMSettings, vendor_url: str, sdk: Any, base_error: type[Exception],
                 make_client: Callable[[str], Any]) -> None:
        self.config = config
        self._sdk = sdk
        self._base_error = base_error
        self._http = _http_library(sdk)
        self._urls = list(config.base_urls) or [vendor_url]
        self._clients = [make_client(url) for url in self._urls]

    def pooled_http_client(self) -> Any:
        """An HTTP client of the SDK's own kind whose pool keeps ``concurrency`` connections open (the
        SDK's default pool keeps 100 and allows 1000, sized for no particular load) and which reads every
        reply under ``max_response_bytes``, decoded (:mod:`humdial_eval.llm.bounded_http`)."""
        size = max(1, self.config.concurrency)
        limits = self._http.Limits(max_connections=size, max_keepalive_connections=size)
        return bounded_client(self._sdk.DefaultAsyncHttpxClient, self.config.max_response_bytes, limits=limits)

    async def post_json(self, client: Any, path: str, body: dict[str, Any]) -> Any:
        """POST ``body`` through the SDK ``client`` and return the reply's JSON, parsed once."""

        async def request() -> Any:
            response = await client.post(path, body=body, cast_to=self._http.Response)
            return json.loads(response.content)

        return await self.call(request)

    def endpoint_names(self) -> list[str]:
        return self._urls

    def client(self, endpoint: int) -> Any:
        return self._clients[endpoint % len(self._clients)]

    async def call(self, make_request: Callable[[], Awaitable[T]]) -> T:
        """Make and await one SDK request, turning its failures into CallErrors that say whether to retry.

        ``request_timeout`` is a deadline for the whole request: the client's own timeout bounds each read,
        so a server sending one byte every few seconds would otherwise never time out."""
        sdk = self._sdk
        deadline = self.config.request_timeout
        try:
            async with asyncio.timeout(deadline):
                return await make_request()
        except TimeoutError as exc:
            raise CallError(f"no complete answer within {deadline:g} s (timeout of the whole request)", retryable=True) from exc
        except ResponseRefused as exc:
            raise CallError(str(exc), retryable=exc.retryable) from None
        except sdk.APITimeoutError as exc:
            raise CallError(f"no answer within {self.config.request_timeout:g} s (timeout)", retryable=True) from exc
        except sdk.APIConnectionError as exc:
            refused = _refusal(exc)
            if refused is not None:
                raise CallError(str(refused), retryable=refused.retryable) from None
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


def _refusal(error: BaseException) -> ResponseRefused | None:
    """The body refusal an SDK wrapped as a connection error, if that is what it was."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ResponseRefused):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _http_library(sdk: Any) -> Any:
    """The HTTP package the SDK is built on (httpx, or its successor in newer SDKs), for its
    ``Limits`` and ``Response`` classes: found from the SDK's client class, not assumed."""
    base = next((c for c in sdk.DefaultAsyncHttpxClient.__mro__ if c.__name__ == "AsyncClient"), None)
    return importlib.import_module((base or sdk.DefaultAsyncHttpxClient).__module__.split(".")[0])


def short(text: str, limit: int = 300) -> str:
    """One line of at most ``limit`` characters, without the SDK's "Error code: N - " prefix."""
    text = re.sub(r"^Error code: \d+ - ", "", " ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."
