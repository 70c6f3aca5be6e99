"""The LLM client layer shared by the judges and the models under test.

Transport (OpenAI-compatible and Anthropic SDK clients), retries with backoff, connection settings,
audio parts and reachability live here, in the core, so that ``models/`` and ``reference_model/`` reach
an LLM without importing the judges; ``judges/llm/`` keeps what is the judge's own (prompts, answer
parsing, the Judge class, the probe, its CLI). The SDKs are the ``llm`` extra, imported only when a
client is built.
"""
