"""A ready ``complete(prompt) -> str`` backend for IEAT causes: any OpenAI-compatible chat endpoint.

IEAT construction accepts any object with such a method (the LLM judges of the ``judges`` package
included); this one covers the common case of a vLLM server or the OpenAI API without further code.
Use it in a config as ``data.llm.factory: reference_model.completers:openai_compatible``.
"""

from __future__ import annotations

import os


class OpenAICompatibleCompleter:
    def __init__(self, model: str, base_url: str | None, api_key_env: str | None, temperature: float, max_tokens: int) -> None:
        from openai import AsyncOpenAI

        key = os.environ.get(api_key_env, "") if api_key_env else "unused"
        if api_key_env and not key:
            raise ValueError(f"data.llm.settings.api_key_env: the variable {api_key_env} is not set")
        self.client = AsyncOpenAI(base_url=base_url, api_key=key, max_retries=2, timeout=60.0)
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens

    async def complete(self, prompt: str) -> str:
        response = await self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": prompt}],
            temperature=self.temperature, max_tokens=self.max_tokens,
        )
        return response.choices[0].message.content or ""


def openai_compatible(
    model: str, base_url: str | None = None, api_key_env: str | None = None, temperature: float = 0.2, max_tokens: int = 64
) -> OpenAICompatibleCompleter:
    """``api_key_env`` names the variable that holds the key (configs never hold keys themselves)."""
    return OpenAICompatibleCompleter(model, base_url, api_key_env, temperature, max_tokens)
