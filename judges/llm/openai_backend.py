"""The ``openai`` judge backend: OpenAI's chat-completions protocol, as spoken by OpenAI and by vLLM.

This is the official setup's backend. The client itself (shared with the models under test) is
:mod:`humdial_eval.llm.openai_transport`; what is the judge's own is here: which settings the vendor's
endpoint refuses.
"""

from __future__ import annotations

from humdial_eval.llm.openai_transport import VENDOR, OpenAITransport
from humdial_eval.llm.settings import LLMSettings
from humdial_eval.llm.transport import Transport
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.judges.llm.base import LLMJudge


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
