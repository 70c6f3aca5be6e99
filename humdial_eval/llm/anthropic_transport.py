"""Anthropic's messages protocol (Claude), text only: the client of the ``anthropic`` backend.

Sampling parameters are
sent only when the profile sets them, in the request body: recent Claude models accept only some of
them, and the client no longer names them. Anthropic has no seed.
"""

from __future__ import annotations

from typing import Any

from humdial_eval.llm.audio import AudioPayload
from humdial_eval.llm.retry import CallError
from humdial_eval.llm.sdk_transport import SdkTransport
from humdial_eval.llm.settings import LLMSettings
from humdial_eval.llm.transport import Reply

VENDOR = "https://api.anthropic.com"


def reply_from_json(data: Any) -> Reply:
    """A messages body, read leniently: a body of the wrong shape (no ``content``) is an empty, unparsable
    answer, asked again, never a crash."""
    body = data if isinstance(data, dict) else {}
    blocks = body.get("content") if isinstance(body.get("content"), list) else []
    text = "".join(b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str))
    tokens = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    usage = {}
    if isinstance(tokens.get("input_tokens"), int) and isinstance(tokens.get("output_tokens"), int):
        usage = {"prompt_tokens": tokens["input_tokens"], "completion_tokens": tokens["output_tokens"]}
    return Reply(text=text, served_model=body.get("model") if isinstance(body.get("model"), str) else None,
                 finish_reason=body.get("stop_reason") if isinstance(body.get("stop_reason"), str) else None, usage=usage)


class AnthropicTransport(SdkTransport):
    def __init__(self, config: LLMSettings, api_key: str) -> None:
        import anthropic  # the llm extra; imported here so the core never needs it

        super().__init__(config, VENDOR, anthropic, anthropic.AnthropicError, lambda url: anthropic.AsyncAnthropic(
            api_key=api_key, base_url=url, timeout=config.request_timeout, max_retries=0,
            http_client=self.pooled_http_client()))

    async def send(self, prompt: str, audio: AudioPayload | None, seed: int | None, endpoint: int,
                   *, audio_last: bool = False) -> Reply:
        if audio is not None:
            raise CallError("the anthropic backend cannot send audio", retryable=False)
        arguments = self.arguments(prompt)
        extra = arguments.pop("extra_body", None) or {}
        data = await self.post_json(self.client(endpoint), "/v1/messages", {**arguments, **extra})
        return reply_from_json(data)

    def arguments(self, prompt: str) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "messages": [{"role": "user", "content": prompt}],
        }
        extra = dict(self.config.extra_body)
        for key in ("temperature", "top_p", "top_k"):
            value = getattr(self.config, key)
            if value is not None:
                extra[key] = value
        if extra:
            arguments["extra_body"] = extra
        return arguments
