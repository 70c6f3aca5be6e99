"""A deterministic judge that answers both harnesses' prompts from markers in the replies.

A reply under evaluation carries a marker ``[[judge:KIND]]``; the judge answers with the canned answer
of the *last* marker in the prompt (the evaluated reply comes after the history in both the published
scripts' prompts and ours), or ``default`` when there is none (an empty reply). Which task is asked
is read from the dimension keys the prompt names. The same function stands in for vLLM when the
published scripts run (see README.md) and answers the local HTTP judge in the test.
"""

from __future__ import annotations

import json
import re

MARKER = re.compile(r"\[\[judge:([a-z0-9_]+)\]\]")
TASK_KEYS = {
    "T1": ("Accuracy_Completeness", "Depth_Granularity", "Added_Value"),
    "T2": ("Information_Integration", "Insight_RootCause", "Clarity_Logic"),
    "T3": ("textual_empathy_insight", "vocal_empathy_congruence", "audio_quality_naturalness"),
}


def task_of(prompt: str) -> str:
    for task, keys in TASK_KEYS.items():
        if keys[0] in prompt:
            return task
    raise ValueError("the prompt names no known dimension")


def _official_shape(scores: dict[str, object]) -> str:
    reasons = {f"{key}_reason": "scripted" for key in scores}
    return json.dumps({"scores": scores, "justification": reasons, "overall_comment": "scripted"})


def answer(prompt: str) -> str:
    """The canned answer for the evaluated reply's marker."""
    a, b, c = TASK_KEYS[task_of(prompt)]
    found = MARKER.findall(prompt)
    kind = found[-1] if found else "default"
    answers = {
        "default": _official_shape({a: 2, b: 3, c: 4}),
        "int": _official_shape({a: 5, b: 4, c: 2}),
        "string": _official_shape({a: "5", b: "4.5", c: " 3 "}),
        "decimal": _official_shape({a: 3.6, b: 4.9, c: 1.5}),
        "missing": _official_shape({a: 5, c: 4}),
        "null": _official_shape({a: None, b: 5, c: 3}),
        "bool": _official_shape({a: True, b: 5, c: 4}),
        "offscale": _official_shape({a: 7, b: -2, c: 0}),
        "prose": f"The reply is warm and specific. I would give {a} 5, {b} 4 and {c} 3.",
        "prose_json": "My evaluation:\n" + _official_shape({a: 5, b: 5, c: 5}),
        "fenced_prose": "Here it is.\n```json\n" + _official_shape({a: 3, b: 5, c: 4}) + "\n```\nDone.",
        "cut_string": '```json\n{"scores": {"%s": 5, "%s": 3, "%s": 5}, "justification": {"%s_reason": "The reply nam'
        % (a, b, c, a),
        "cut_clean": '{"scores": {"%s": 5, "%s": 5, "%s": 3' % (a, b, c),
        "no_scores": json.dumps({"ratings": {a: 5, b: 5, c: 5}}),
        "infinity": '{"scores": {"%s": Infinity, "%s": 5, "%s": 3}}' % (a, b, c),
        "scores_null": json.dumps({"scores": None}),
        # integers past float range: int() takes them whole (5 on top, 1 below)
        "bigint": _official_shape({a: 10**400, b: -(10**400), c: 3}),
        # an integer of more digits than Python's int/str limit (4300): json.loads raises a plain ValueError
        "hugeint": '{"scores": {"%s": %s, "%s": 5, "%s": 3}}' % (a, "9" * 5000, b, c),
        # int() reads other scripts' digits and underscores: "٣" -> 3, "５" -> 5, "4_0" -> 40
        "unicode_digits": _official_shape({a: "٣", b: "５", c: "4_0"}),
    }
    return answers[kind]
