"""Where each number comes from, and whether two tables' numbers are alike enough to rank together.

Every dimension a run scores has a source: its kind (``llm``, ``human``, ``acoustic``, ``offline``,
``rule``) and its identity (the judge, its model and prompt version, the protocol; or the panel's size).
A leaderboard declares the sources of its own rows; a row joining it with other sources is marked and the
difference explained, because a human panel's vocal-empathy mean and an acoustic scorer's are not the same
measurement, however alike the numbers look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

KINDS = ("llm", "human", "acoustic", "offline", "rule", "other")
KIND_WORDS = {"llm": "an LLM judge", "human": "human raters", "acoustic": "an acoustic scorer",
              "offline": "the offline rubric judge", "rule": "a rule", "other": "another scorer"}
_PUBLISHED_JUDGE = {"kind": "llm", "model": "Qwen3-Omni-30B-A3B-Instruct", "protocol": "official"}
# The sources of the published ICASSP 2026 Track 1 final (HumDial-Challenge, content/track1/results.md: the table of
# evaluation methods and the "Human Evaluation Team" paragraph). leaderboards/icassp2026_track1/leaderboard.yaml
# declares the same for its table.
PUBLISHED_FINAL_SOURCES: dict[str, dict[str, Any]] = {
    **{f"T1.{d}": _PUBLISHED_JUDGE for d in ("Accuracy_Completeness", "Depth_Granularity", "Added_Value")},
    **{f"T2.{d}": _PUBLISHED_JUDGE for d in ("Information_Integration", "Insight_RootCause", "Clarity_Logic")},
    "T3.textual_empathy_insight": _PUBLISHED_JUDGE,
    "T3.vocal_empathy_congruence": {"kind": "human", "raters": 20},
    "T3.audio_quality_naturalness": {"kind": "human", "raters": 20},
}
# The identity fields whose difference makes two numbers of the same kind unlike.
COMPARED_FIELDS = ("model", "prompt_version", "protocol")


def dimension_sources(primary_judges: Mapping[str, str], judges: Sequence[Any], protocol: str) -> dict[str, dict[str, Any]]:
    """Per dimension (``"T3.vocal_empathy_congruence"``), the kind and identity of the judge whose scores count."""
    by_name = {judge.name: judge for judge in judges}
    sources: dict[str, dict[str, Any]] = {}
    for component, name in sorted(primary_judges.items()):
        judge = by_name.get(name)
        kind = getattr(judge, "source_kind", "other") if judge is not None else "other"
        identity = judge.identity() if judge is not None else {}
        entry: dict[str, Any] = {"kind": kind if kind in KINDS else "other", "judge": name}
        if kind == "human":
            entry["raters"] = identity.get("raters")
        else:
            for field in ("model", "prompt_version"):
                if isinstance(identity.get(field), str):
                    entry[field] = identity[field]
            entry["protocol"] = protocol
        sources[component] = entry
    return sources


def differences(sources: Mapping[str, Mapping[str, Any]], reference: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What makes ``sources`` unlike ``reference``, one phrase per kind of difference, naming the dimensions it
    concerns (empty: alike). A dimension the reference declares and ``sources`` lacks is a difference; a field
    the reference leaves out is not compared."""
    grouped: dict[str, list[str]] = {}
    for component, wanted in reference.items():
        have = sources.get(component)
        if have is None:
            phrase = f"not scored here; reference: {_describe(wanted)}"
        elif have.get("kind") != wanted.get("kind"):
            phrase = f"{_describe(have)} here; reference: {_describe(wanted)}"
        else:
            unlike = [f"{field} {have.get(field)!r} here, {wanted[field]!r} in the reference" for field in COMPARED_FIELDS
                      if field in wanted and _comparable(field, have.get(field)) != _comparable(field, wanted[field])]
            if not unlike:
                continue
            phrase = ", ".join(unlike)
        grouped.setdefault(phrase, []).append(component)
    return [f"{_components(components)}: {phrase}" for phrase, components in grouped.items()]


def by_kind(sources: Mapping[str, Mapping[str, Any]]) -> str:
    """``T1 (a, b, c), T3 (d): llm; T3 (e, f): human``: a board's declared sources in one line."""
    grouped: dict[str, list[str]] = {}
    for component, source in sources.items():
        grouped.setdefault(str(source.get("kind")), []).append(component)
    return "; ".join(f"{_components(components)}: {kind}" for kind, components in grouped.items())


def describe_identity(source: Mapping[str, Any]) -> str:
    """A source's identity in a few words: the panel's size, or the model, prompts and protocol."""
    if source.get("kind") == "human":
        return f"{source.get('raters')} raters"
    parts = [str(source[field]) if field == "model" else f"{field.replace('_', ' ')} {source[field]}"
             for field in ("model", "prompt_version", "protocol") if source.get(field)]
    return ", ".join(parts)


def _components(components: list[str]) -> str:
    """``T1.a, T1.b, T3.c`` as ``T1 (a, b), T3 (c)``."""
    by_task: dict[str, list[str]] = {}
    for component in components:
        task, _, dimension = component.partition(".")
        by_task.setdefault(task, []).append(dimension)
    return ", ".join(f"{task} ({', '.join(dims)})" for task, dims in by_task.items())


def _comparable(field: str, value: Any) -> Any:
    """A model is compared by its name without the hub organisation ("Qwen/X" and "X" are one model)."""
    return value.rsplit("/", 1)[-1] if field == "model" and isinstance(value, str) else value


def _describe(source: Mapping[str, Any]) -> str:
    words = KIND_WORDS.get(str(source.get("kind")), str(source.get("kind")))
    detail = source.get("model") or (f"{source['raters']} raters" if source.get("raters") else None)
    return f"{words} ({detail})" if detail else words
