"""Reading scores out of a judge's answer, however untidy, without ever inventing one.

Judges wrap JSON in code fences, add prose around it, think aloud first (``<think>``), stop mid-object
when they hit the token limit, write scores as ``"4"`` or ``"4/5"``, or step off the scale. What can
be read unambiguously is read; out-of-scale numbers are mapped with the rubric's own clamp rule and
reported; a requested dimension that cannot be found makes the whole answer a :class:`ParseError`
(a partial answer is a judge that did not follow the format, and is retried).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from humdial_eval.benchmark.rubric import Rubric

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)(```|$)", re.DOTALL)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_RATIONALE_KEYS = ("rationale", "reason", "reasoning", "explanation", "justification", "comment", "analysis")
_SCORE_KEYS = ("score", "rating", "value", "points")
MAX_RATIONALE = 4000
_CUT_RATIONALE = re.compile(r'"(rationale|reason|reasoning|explanation|justification)"\s*:\s*"((?:[^"\\]|\\.)*)', re.IGNORECASE)


class ParseError(ValueError):
    """The answer does not give every requested dimension a readable score."""

    def __init__(self, message: str, found: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.found = found or {}


@dataclass
class ParsedAnswer:
    scores: dict[str, int]
    rationale: str
    clamped: dict[str, Any] = field(default_factory=dict)  # dimension -> the judge's off-scale value
    salvaged: bool = False  # read from an incomplete (e.g. truncated) JSON object


def parse_answer(text: str | None, rubric: Rubric, wanted: Sequence[str]) -> ParsedAnswer:
    """The scores of ``wanted`` dimensions in ``text``, on the rubric's scales."""
    if not text or not text.strip():
        raise ParseError("the judge's answer is empty")
    body = _THINK.sub("", text).strip()
    if not body:
        raise ParseError("the answer holds only reasoning (<think>) and no verdict; it may have been cut off")
    best: dict[str, Any] = {}
    best_object: dict[str, Any] | None = None
    for candidate in _json_objects(body):
        values = _dimension_values(candidate, wanted)
        if len(values) > len(best):
            best, best_object = values, candidate
        if len(best) == len(wanted):
            break
    salvaged = False
    if len(best) < len(wanted):
        loose = _loose_values(body, wanted)
        if len(loose) > len(best):
            best, salvaged = {**loose, **best}, True
    scores: dict[str, int] = {}
    clamped: dict[str, Any] = {}
    unreadable: list[str] = []
    for key in wanted:
        if key not in best:
            continue
        number = _as_number(best[key])
        if number is None:
            unreadable.append(f"{key}={best[key]!r}")
            continue
        scale = rubric.dimension(key).scale
        scores[key] = scale.clamp(number)
        if number not in scale.values:
            clamped[key] = best[key]
    missing = [key for key in wanted if key not in scores]
    if missing:
        detail = f"; unreadable: {', '.join(unreadable)}" if unreadable else ""
        raise ParseError(f"no score for {', '.join(missing)}{detail}", found=scores)
    return ParsedAnswer(scores=scores, rationale=_rationale(best_object, body), clamped=clamped, salvaged=salvaged)


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object in the text: fenced blocks first, then any ``{...}`` that decodes."""
    found: list[dict[str, Any]] = []
    sources = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for source in sources:
        start = source.find("{")
        while start != -1:
            try:
                value, end = decoder.raw_decode(source, start)
            except ValueError:
                start = source.find("{", start + 1)
                continue
            if isinstance(value, dict):
                found.append(value)
            start = source.find("{", end)
    return found


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _dimension_values(obj: dict[str, Any], wanted: Sequence[str]) -> dict[str, Any]:
    """Values of the wanted dimensions in an object, at top level or under a ``scores``-like key."""
    wanted_by_norm = {_norm(k): k for k in wanted}
    values: dict[str, Any] = {}
    layers = [obj] + [v for k, v in obj.items() if isinstance(v, dict) and _norm(k) in {"scores", "score", "ratings", "dimensions"}]
    for layer in layers:
        for key, value in layer.items():
            target = wanted_by_norm.get(_norm(str(key)))
            if target is None or target in values:
                continue
            if isinstance(value, dict):
                inner = next((value[k] for k in value if _norm(str(k)) in _SCORE_KEYS), None)
                if inner is None:
                    continue
                value = inner
            values[target] = value
    return values


def _loose_values(text: str, wanted: Sequence[str]) -> dict[str, Any]:
    """``"Key": 5`` style pairs anywhere in the text: the way to read a JSON object cut off mid-way."""
    values: dict[str, Any] = {}
    for key in wanted:
        name = r"[\s_-]*".join(re.escape(part) for part in re.split(r"[\s_-]+", key))
        pattern = re.compile(
            rf"[\"']?{name}[\"']?\s*[:=]\s*(?:\{{[^{{}}]*?[\"']?(?:score|rating)[\"']?\s*:\s*)?[\"']?(-?\d+(?:\.\d+)?)",
            re.IGNORECASE,
        )
        match = pattern.search(text)
        if match:
            values[key] = match.group(1)
    return values


def _as_number(value: Any) -> float | None:
    """A number from an int, a float or a string such as ``"4"``, ``"4/5"`` or ``"score: 3"``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER.search(value)
        if not match:
            return None
        number = float(match.group(0))
    else:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _rationale(obj: dict[str, Any] | None, body: str) -> str:
    if obj is not None:
        for key, value in obj.items():
            if _norm(str(key)) in _RATIONALE_KEYS and isinstance(value, str):
                return value.strip()[:MAX_RATIONALE]
        reasons = []
        for key, value in obj.items():
            if isinstance(value, dict):
                inner = next((v for k, v in value.items() if _norm(str(k)) in _RATIONALE_KEYS and isinstance(v, str)), None)
                if inner:
                    reasons.append(f"{key}: {inner.strip()}")
        if reasons:
            return " | ".join(reasons)[:MAX_RATIONALE]
    cut = _CUT_RATIONALE.search(body)  # a rationale string the token limit cut off
    if cut:
        return cut.group(2).replace('\\"', '"').strip()[:MAX_RATIONALE]
    return body.strip()[:MAX_RATIONALE]


# -- the published scripts' reading of an answer (protocol "official") ---------------------------------
# Facts from ASLP-lab/Hum-Dial Emotional_Intelligence/eval_task{1,2,3}.py (commit 211cd64), written anew:
# the answer is stripped; a "```json" anywhere selects the text after it up to the next "```" (or the
# end); otherwise a text that starts and ends with "```" loses them and a leading "json"; json.loads
# reads the rest; if that fails, missing "}" (and, in T1/T2, "]") are appended once and it is read
# again; anything else that goes wrong fails the item. Each dimension is then Python's int() of its
# value; a value int() refuses becomes 1 (T1/T2: only ValueError/TypeError; int(inf) fails the item).


@dataclass
class OfficialAnswer:
    scores: dict[str, int]
    rationale: str
    defaulted: list[str] = field(default_factory=list)  # dimensions int() refused: scored 1
    repaired: bool = False  # read after appending missing closing braces


def parse_official(text: str | None, rubric: Rubric, wanted: Sequence[str], rule: Any) -> OfficialAnswer:
    """The scores the published script for this task would record, or ParseError where it drops the item.

    ``rule`` is a :class:`humdial_eval.benchmark.protocol.OfficialAnswerRule` (which script's variant)."""
    body = (text or "").strip()
    if "```json" in body:
        start = body.find("```json") + len("```json")
        end = body.find("```", start)
        body = body[start : end if end != -1 else len(body)].strip()
    elif body.startswith("```") and body.endswith("```"):
        body = body[3:-3].strip()
        if body.startswith("json"):
            body = body[4:].strip()
    repaired = False
    try:
        value = json.loads(body)
    except json.JSONDecodeError as first:
        fixed = body + "}" * max(0, body.count("{") - body.count("}"))
        if rule.repair_brackets:
            fixed += "]" * max(0, body.count("[") - body.count("]"))
        try:
            value = json.loads(fixed)
        except (ValueError, RecursionError):
            raise ParseError(f"not JSON (published parsing, after brace repair): {first}") from None
        repaired = True
    except RecursionError:
        raise ParseError("not JSON (nested too deeply)") from None
    if rule.scores_required:
        if not isinstance(value, dict) or "scores" not in value:
            raise ParseError("the answer has no 'scores' object (the published T1/T2 scripts drop the item)")
        block = value["scores"]
    else:
        if not isinstance(value, dict):
            raise ParseError("the answer is not a JSON object (the published T3 script drops the item)")
        block = value.get("scores", {})
    if not isinstance(block, dict):
        raise ParseError(f"'scores' is {type(block).__name__}, not an object (the published script drops the item)")
    scores: dict[str, int] = {}
    defaulted: list[str] = []
    for key in wanted:
        try:
            number = int(block.get(key))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            number = None
        except OverflowError:
            if rule.overflow_fails_item:
                raise ParseError(f"{key}: int() of {block.get(key)!r} overflows (the published script drops the item)") from None
            number = None
        if number is None:
            defaulted.append(key)
            number = rubric.dimension(key).scale.minimum
        scores[key] = rubric.dimension(key).scale.clamp(number)
    rationale = _rationale(value, json.dumps(value, ensure_ascii=False)[:MAX_RATIONALE])
    return OfficialAnswer(scores=scores, rationale=rationale, defaulted=defaulted, repaired=repaired)
