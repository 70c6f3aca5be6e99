"""The ``openai`` backend: OpenAI's chat-completions protocol, as spoken by OpenAI and by vLLM.

This is the official setup's backend: Qwen3-Omni served by vLLM on one or more replicas, with the
T3 response audio sent as an ``input_audio`` content part. ``top_k`` is not part of OpenAI's own API;
it travels in the request body for self-hosted servers (vLLM reads it there) and is refused for
api.openai.com, which rejects unknown fields.
"""

from __future__ import annotations

from typing import Any

from humdial_eval.engine.profiles import ProfileError
from humdial_eval.judges.llm.audio import AudioPayload
from humdial_eval.judges.llm.base import LLMJudge, Reply, Transport
from humdial_eval.judges.llm.sdk_transport import SdkTransport
from humdial_eval.judges.llm.settings import LLMSettings

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


def reply_from_json(data: Any) -> Reply:
    """A chat-completions body, read leniently: a body of the wrong shape is an answer without text
    (asked again as unparsable), never a crash."""
    body = data if isinstance(data, dict) else {}
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = message.get("content")
    if isinstance(content, list):  # some servers return content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    tokens = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    usage = {k: tokens[k] for k in ("prompt_tokens", "completion_tokens") if isinstance(tokens.get(k), int)}
    return Reply(
        text=content if isinstance(content, str) else None,
        served_model=body.get("model") if isinstance(body.get("model"), str) else None,
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
        usage=usage,
    )


class OpenAITransport(SdkTransport):
    def __init__(self, config: LLMSettings, api_key: str) -> None:
        import openai  # the llm extra; imported here so the core never needs it

        super().__init__(config, VENDOR, openai, openai.OpenAIError, lambda url: openai.AsyncOpenAI(
            api_key=api_key, base_url=url, timeout=config.request_timeout, max_retries=0,
            http_client=self.pooled_http_client()))

    async def send(self, prompt: str, audio: AudioPayload | None, seed: int | None, endpoint: int,
                   *, audio_last: bool = False) -> Reply:
        arguments = self.arguments(prompt, audio, seed, audio_last=audio_last)
        extra = arguments.pop("extra_body", None) or {}
        data = await self.post_json(self.client(endpoint), "/chat/completions", {**arguments, **extra})
        return reply_from_json(data)

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
        return chat_arguments(self.config, [{"role": "user", "content": content}], seed)


def chat_arguments(config: LLMSettings, messages: list[dict[str, Any]], seed: int | None) -> dict[str, Any]:
    """A chat-completions request from a profile's settings, shared by the judges and the models under test:
    the sampling fields the profile sets (the rest left to the server); ``top_k`` joins the profile's
    ``extra_body``, sent as fields of the request body beside the standard ones."""
    arguments: dict[str, Any] = {"model": config.model, "messages": messages, "max_completion_tokens": config.max_tokens}
    for key in ("temperature", "top_p"):
        value = getattr(config, key)
        if value is not None:
            arguments[key] = value
    if seed is not None:
        arguments["seed"] = seed
    extra = dict(config.extra_body)
    if config.top_k is not None:
        extra["top_k"] = config.top_k
    if extra:
        arguments["extra_body"] = extra
    return arguments
