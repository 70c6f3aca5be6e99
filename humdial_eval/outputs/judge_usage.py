"""What the judges' servers reported about a run: the tokens they counted and the model that answered.

Both come from each judgment's ``meta`` (``usage``, ``served_model``), which an LLM judge fills from
the server's answer; a server's answer is untrusted, so only non-negative integers are counted and
model names are kept as short strings. A profile naming one model while the server answers as
another must be visible in the summary and report, not only in each item's meta.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from humdial_eval.benchmark.results import FLAG_CACHED, ItemResult

TOKEN_FIELDS = ("prompt_tokens", "completion_tokens")
MAX_MODEL_NAME = 200
MAX_MODELS_LISTED = 10


def usage_totals(results: Sequence[ItemResult], *, cached: bool | None = None) -> dict[str, dict[str, int]]:
    """Per judge that reported any usage: the answers and their tokens. The summary counts every judgment
    of the run (``cached=None``) whenever it was made, so a resumed or re-scored run's summary is the same
    as an undisturbed one's; ``cached=False`` counts only the answers this run received (the console's
    line), ``cached=True`` only those reused from the store."""
    totals: dict[str, dict[str, int]] = {}
    for result in results:
        usage = result.meta.get("usage")
        if not isinstance(usage, dict) or not usage:
            continue
        if cached is not None and (FLAG_CACHED in result.flags) != cached:
            continue
        entry = totals.setdefault(result.judge, {"answers": 0, "prompt_tokens": 0, "completion_tokens": 0})
        entry["answers"] += 1
        for name in TOKEN_FIELDS:
            value = usage.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                entry[name] += value
    return totals


def served_models(results: Sequence[ItemResult]) -> dict[str, list[str]]:
    """Per judge, the model names its server answered as (sorted; at most ten)."""
    seen: dict[str, set[str]] = {}
    for result in results:
        name = result.meta.get("served_model")
        if isinstance(name, str) and name:
            seen.setdefault(result.judge, set()).add(name[:MAX_MODEL_NAME])
    return {judge: sorted(names)[:MAX_MODELS_LISTED] for judge, names in seen.items()}


def model_mismatches(judges: Sequence[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """(judge, the profile's model, the served models) where a served name is not the profile's model; a name
    that extends it (``gpt-4o-audio-preview-2024-12-17`` for ``gpt-4o-audio-preview``) is the same model."""
    found: list[tuple[str, str, list[str]]] = []
    for judge in judges:
        wanted = judge.get("identity", {}).get("model")
        served = judge.get("served_models") or []
        if not isinstance(wanted, str) or not served:
            continue
        other = [name for name in served if not name.startswith(wanted)]
        if other:
            found.append((judge["name"], wanted, other))
    return found
