"""The ``anthropic`` judge backend: Claude through Anthropic's messages protocol, text only.

Claude cannot take the T3 response audio, so this judge does not score the audio dimensions (its
``dimensions()`` leaves them out and the results show them as not scored). Anthropic has no seed; the
seed is still part of the judge's identity so that repeats are kept apart, and ``seed_sent: false`` says
so in each judgment. The client is :mod:`humdial_eval.llm.anthropic_transport`.
"""

from __future__ import annotations

from humdial_eval.llm.anthropic_transport import VENDOR, AnthropicTransport
from humdial_eval.llm.transport import Transport
from humdial_eval.judges.llm.base import LLMJudge


class AnthropicJudge(LLMJudge):
    backend = "anthropic"
    vendor_key_env = "ANTHROPIC_API_KEY"
    vendor_url = VENDOR
    can_send_audio = False
    sends_seed = False

    def make_transport(self, api_key: str) -> Transport:
        return AnthropicTransport(self.config, api_key)
