"""Reading a server's reply in bounded memory: a cap on the body's bytes, compressed or not.

A server (a judge, a model under test) is untrusted: a 500 KB gzip body can inflate to 512 MiB, and the
HTTP library decodes a whole body into memory before anyone can look at it. So the SDK clients are given
an HTTP client whose ``send`` reads every body itself: the raw bytes counted, gzip and deflate inflated
here with zlib's ``max_length`` so that no step produces more than the cap allows, other encodings
(br, zstd, unknown) refused rather than handed to a decoder that cannot be bounded. The reply the SDK
then sees is an ordinary, already-read response whose body is the decoded bytes.

The time side (a deadline per request, not per read) is the transport's: see
:meth:`humdial_eval.llm.sdk_transport.SdkTransport.call`.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

# The largest reply body accepted, decoded: a spoken reply at the audio cap (64 MiB of WAV) is ~86 MiB in
# base64 JSON; anything above is not an answer this harness can use.
DEFAULT_MAX_RESPONSE_BYTES = 96 * 1024 * 1024
# Encodings asked for and inflated here; zlib bounds both.
ACCEPT_ENCODING = "gzip, deflate"
_INFLATED = {"gzip": zlib.MAX_WBITS | 32, "x-gzip": zlib.MAX_WBITS | 32, "deflate": zlib.MAX_WBITS | 32}
_PLAIN = {"", "identity"}
_CLASSES: dict[type, type] = {}


class ResponseRefused(Exception):
    """A reply body that is not read whole: over the size cap, in an encoding that cannot be bounded, or a
    compressed stream cut short. ``retryable``: whether asking again could help."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def bounded_client(base: type, max_body_bytes: int, **options: Any) -> Any:
    """An instance of the SDK's HTTP client class ``base`` whose replies are read under ``max_body_bytes``."""
    cls = _CLASSES.get(base)
    if cls is None:
        cls = _CLASSES[base] = type(f"Bounded{base.__name__}", (_BoundedSend, base), {})
    return cls(max_body_bytes=max_body_bytes, **options)


class _BoundedSend:
    """Mixed in before the HTTP client class: every reply is read here, within the cap, and returned read."""

    def __init__(self, *args: Any, max_body_bytes: int, **options: Any) -> None:
        super().__init__(*args, **options)
        self.max_body_bytes = max_body_bytes

    async def send(self, request: Any, *, stream: bool = False, **options: Any) -> Any:
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        # Redirects are not followed: the HTTP library reads a redirect's body whole, with no cap, before following
        # it; an API does not redirect a POST; the 3xx is read here like any reply and reaches the caller as an HTTP error.
        options["follow_redirects"] = False
        response = await super().send(request, stream=True, **options)  # type: ignore[misc]
        try:
            body = await read_body(response.aiter_raw(), response.headers, self.max_body_bytes)
        finally:
            await response.aclose()
        dropped = {b"content-encoding", b"content-length", b"transfer-encoding"}
        headers = [(k, v) for k, v in response.headers.raw if k.lower() not in dropped]
        read = type(response)(response.status_code, headers=headers, content=body, request=request,
                              extensions=response.extensions)
        try:
            read.elapsed = response.elapsed
        except RuntimeError:  # not measured by this transport: leave it unset
            pass
        return read


async def read_body(chunks: AsyncIterator[bytes], headers: Any, limit: int) -> bytes:
    """The body from its raw ``chunks``, decoded per ``Content-Encoding``; :class:`ResponseRefused` past ``limit``."""
    encoding = str(headers.get("content-encoding", "")).strip().lower()
    if encoding not in _PLAIN and encoding not in _INFLATED:
        raise ResponseRefused(f"reply body in content-encoding {encoding[:40]!r}, which is not accepted (only {ACCEPT_ENCODING})")
    declared = headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise ResponseRefused(f"reply body of {int(declared)} bytes exceeds the limit of {limit} bytes; refused")
    inflater = zlib.decompressobj(_INFLATED[encoding]) if encoding in _INFLATED else None
    out = bytearray()
    raw = 0
    async for chunk in chunks:
        raw += len(chunk)
        if raw > limit:
            raise ResponseRefused(f"reply body exceeds the limit of {limit} bytes; refused")
        if inflater is None:
            out += chunk
        else:
            _inflate_into(out, inflater, chunk, limit)
        if len(out) > limit:
            raise ResponseRefused(f"reply body exceeds the limit of {limit} bytes; refused")
    if inflater is not None:
        out += inflater.flush()
        if len(out) > limit:
            raise ResponseRefused(f"reply body exceeds the limit of {limit} bytes once decompressed; refused")
        if not inflater.eof and raw:
            raise ResponseRefused(f"reply body is a cut-off {encoding} stream", retryable=True)
    return bytes(out)


def _inflate_into(out: bytearray, inflater: Any, data: bytes, limit: int) -> None:
    """Inflate ``data`` onto ``out`` never producing more than one byte past ``limit``."""
    try:
        while data and not inflater.eof:
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise ResponseRefused(f"reply body exceeds the limit of {limit} bytes once decompressed; refused")
            data = inflater.unconsumed_tail
    except zlib.error as exc:
        raise ResponseRefused(f"reply body is not valid compressed data ({exc})", retryable=True) from None

