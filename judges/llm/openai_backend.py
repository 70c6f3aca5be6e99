"""The ``openai`` backend: OpenAI's chat-completions protocol, as spoken by OpenAI and by vLLM.

This is the official setup's backend: Qwen3-Omni served by vLLM on one or more replicas, with the
T3 response audio sent as an ``input_audio`` content part. ``top_k`` is not part of OpenAI's own API;
it travels in the request body for self-hosted servers (vLLM reads it there) and is refused for
api.openai.com, which rejects unknown fields.
"""

from __future__ import annotations

from typing import Any

from humdial_eval.profiles import ProfileError
from judges.llm.audio import AudioPayload
from judges.llm.base import LLMJudge, Reply, Transport
from judges.llm.sdk_transport import SdkTransport
from judges.llm.settings import LLMSettings

VENDOR = "https://api.openai.com/v1"


class OpenAIJudge(LLMJudge):
    backend = "openai"
    vendor_key_env = "OPENAI_API_KEY"
    vendor_url = VENDOR
    can_send_audio = True
    sends_seed = True

    def check_settings(self, config: LLMSettings) -> None:
        if config.top_k is not None and not config.base_urls:
            raise ProfileError(
                f"judge profile {self.name!r}: top_k is not accepted by the OpenAI API; remove it, or set base_url "
                "to a server that takes it (vLLM)"
            )

    def make_transport(self, api_key: str) -> Transport:
        return OpenAITransport(self.config, api_key)


class OpenAITransport(SdkTransport):
    def __init__(self, config: LLMSettings, api_key: str) -> None:
        import openai  # the llm extra; imported here so the core never needs it

        super().__init__(config, VENDOR, openai, openai.OpenAIError, lambda url: openai.AsyncOpenAI(
            api_key=api_key, base_url=url, timeout=config.request_timeout, max_retries=0))

    async def send(self, prompt: str, audio: AudioPayload | None, seed: int | None, endpoint: int,
                   *, audio_last: bool = False) -> Reply:
        client = self.client(endpoint)
        arguments = self.arguments(prompt, audio, seed, audio_last=audio_last)
        response = await self.call(lambda: client.chat.completions.create(**arguments))
        choice = response.choices[0] if response.choices else None
        usage: dict[str, int] = {}
        if response.usage is not None:
            usage = {"prompt_tokens": response.usage.prompt_tokens, "completion_tokens": response.usage.completion_tokens}
        return Reply(
            text=choice.message.content if choice is not None else None,
            served_model=response.model,
            finish_reason=choice.finish_reason if choice is not None else None,
            usage=usage,
        )

    def arguments(self, prompt: str, audio: AudioPayload | None, seed: int | None,
                  *, audio_last: bool = False) -> dict[str, Any]:
        """The request body: text alone as a plain string (the most widely accepted form), audio as a part,
        before the text or (``audio_last``) after it."""
        content: Any = prompt
        if audio is not None:
            parts = [
                {"type": "input_audio", "input_audio": {"data": audio.base64(), "format": audio.format}},
                {"type": "text", "text": prompt},
            ]
            content = parts[::-1] if audio_last else parts
        arguments: dict[str, Any] = {
            "model": self.config.model,
            "messages": [{"role": "user", "content": content}],
            "max_completion_tokens": self.config.max_tokens,
        }
        for key in ("temperature", "top_p"):
            value = getattr(self.config, key)
            if value is not None:
                arguments[key] = value
        if seed is not None:
            arguments["seed"] = seed
        extra = dict(self.config.extra_body)
        if self.config.top_k is not None:
            extra["top_k"] = self.config.top_k
        if extra:
            arguments["extra_body"] = extra
        return arguments
