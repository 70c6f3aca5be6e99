"""LLM judges: the official Qwen3-Omni setup over an OpenAI-compatible API (vLLM), OpenAI, Anthropic.

Backends are registered as ``humdial_eval.judges`` entry points (``openai``, ``anthropic``); the
profiles in ``judges/profiles/`` configure them. See docs/llm-judges.md.
"""

from __future__ import annotations

from humdial_eval.judges.llm.anthropic_backend import AnthropicJudge
from humdial_eval.judges.llm.base import LLMJudge
from humdial_eval.judges.llm.openai_backend import OpenAIJudge

__all__ = ["AnthropicJudge", "LLMJudge", "OpenAIJudge"]
