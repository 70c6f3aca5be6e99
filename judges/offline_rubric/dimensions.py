"""One scoring function per rubric dimension: the offline judge's whole logic, dimension by dimension.

Each function returns ``(score, reason)``. These are transparent approximations of what the official
LLM judge assesses, built from word lists (``lexicon``) and overlap with the conversation; the README
documents each one. They never look at audio.
"""

from __future__ import annotations

from collections.abc import Callable

from humdial_eval.benchmark.items import EvalItem
from humdial_eval.judges.offline_rubric import lexicon as lx
from humdial_eval.judges.offline_rubric.text_features import (
    collapse,
    content_units,
    emotion_sequence,
    find_emotions,
    has_marker,
    length,
    sentences,
)

Scored = tuple[int, str]

# Bounds for T2 clarity: shorter than MIN cannot carry an explanation; longer than MAX stops being clear.
_MIN_LENGTH = {"en": 15, "zh": 25}
_MAX_LENGTH = {"en": 250, "zh": 500}


def accuracy_completeness(item: EvalItem) -> Scored:
    """T1: compare the emotions the reply names, in order, with the gold trajectory.

    Neutral is optional on both sides (a summary need not say "you were calm at first"). Errors are
    counted the way the rubric describes them: each omitted emotion, each emotion that never occurred,
    and each step of the trajectory the reply does not follow in order count once.
    0 errors -> 5, 1 -> 3, more -> 1.
    """
    language = item.language
    gold = collapse([e for e in item.gold_trajectory() if e != "neutral"])
    named = [e for e in emotion_sequence(item.response_text, language) if e != "neutral"]
    if not gold:
        extra = sorted(set(named))
        score = 5 if not extra else (3 if len(extra) == 1 else 1)
        return score, f"gold trajectory is all neutral; emotions named anyway: {extra or 'none'}"
    omitted = [e for e in dict.fromkeys(gold) if e not in named]
    invented = [e for e in dict.fromkeys(named) if e not in gold]
    # Steps of the gold sequence the reply does not trace in order, omissions aside; naming an
    # emotion again later (a recap) is not a deviation.
    traced = _lcs(gold, collapse([e for e in named if e in gold]))
    out_of_order = len(gold) - traced - sum(1 for e in gold if e in omitted)
    errors = len(omitted) + len(invented) + out_of_order
    score = 5 if errors == 0 else 3 if errors == 1 else 1
    reason = (
        f"gold {' -> '.join(gold)}; named {' -> '.join(named) or 'none'}; "
        f"omitted {omitted or 'none'}, invented {invented or 'none'}, out of order {out_of_order}"
    )
    return score, reason


def depth_granularity(item: EvalItem) -> Scored:
    """T1: the share of gold emotions the reply ties to what triggered them.

    An emotion counts as explained when a sentence naming it shares content with the user turn where it
    occurred, or carries a causal connective. Share >= 2/3 -> 5, >= 1/3 -> 3, else 1.
    """
    language = item.language
    turns = [(t.emotion, t.user_text) for t in item.context] + [(item.question_emotion, item.question)]
    gold = [e for e in dict.fromkeys(e for e, _ in turns) if e and e != "neutral"]
    if not gold:
        return 3, "no non-neutral emotion to explain"
    explained: list[str] = []
    for sentence in sentences(item.response_text):
        named_here = {m.emotion for m in find_emotions(sentence, language)}
        for emotion in [e for e in gold if e in named_here and e not in explained]:  # trajectory order, not hash order
            sources = set().union(*(content_units(text, language) for e, text in turns if e == emotion))
            if content_units(sentence, language) & sources or has_marker(sentence, lx.CAUSAL_MARKERS[language], language):
                explained.append(emotion)
    share = len(explained) / len(gold)
    score = 5 if share >= 2 / 3 else 3 if share >= 1 / 3 else 1
    return score, f"{len(explained)} of {len(gold)} emotions tied to their trigger ({', '.join(explained) or 'none'})"


def added_value(item: EvalItem) -> Scored:
    """T1: a reflection on the pattern and a supportive suggestion that fit this user's situation.

    Both, fitting -> 5; any of them otherwise -> 3; neither -> 1. They fit when the reply reads the
    feelings right (names at least one emotion of the trajectory and invents none) and one of them is
    tied to what the user said (shares content with the user's turns): that separates "the pay cut
    broke a promise, you could ask them to honour it" from "read a good book".
    """
    language = item.language
    said = set().union(*(content_units(t.user_text, language) for t in item.context), content_units(item.question, language))
    gold = {e for e in item.gold_trajectory() if e != "neutral"}
    named = {e for e in emotion_sequence(item.response_text, language) if e != "neutral"}
    reads_right = bool(named & gold) and not (named - gold)
    found: list[str] = []
    tied = False
    for markers, kind in ((lx.REFLECTION_MARKERS, "reflection"), (lx.SUGGESTION_MARKERS, "suggestion")):
        for sentence in sentences(item.response_text):
            marker = has_marker(sentence, markers[language], language)
            if marker:
                tied = tied or bool(content_units(sentence, language) & said)
                found.append(f"{kind} ({marker!r})")
                break
    fits = reads_right and tied
    score = 5 if len(found) == 2 and fits else 3 if found else 1
    fit_note = "fits the situation" if fits else "does not fit: " + ("feelings misread" if not reads_right else "generic")
    return score, f"found: {', '.join(found) or 'neither reflection nor suggestion'}" + (f"; {fit_note}" if found else "")


def information_integration(item: EvalItem) -> Scored:
    """T2: the share of earlier user turns whose content the reply draws on (>= 2/3 -> 5, >= 1/3 -> 3)."""
    language = item.language
    if not item.context:
        return 3, "no earlier turns to draw on"
    reply = content_units(item.response_text, language)
    question = content_units(item.question, language)
    used = [
        turn.turn_id
        for turn in item.context
        if len((content_units(turn.user_text, language) - question) & reply) >= (2 if language == "zh" else 1)
    ]
    share = len(used) / len(item.context)
    score = 5 if share >= 2 / 3 else 3 if share >= 1 / 3 else 1
    return score, f"draws on {len(used)} of {len(item.context)} earlier user turns (turns {used or 'none'})"


def insight_root_cause(item: EvalItem) -> Scored:
    """T2: a causal explanation (3) that reaches a need, fear or value behind the trigger (5)."""
    language = item.language
    causal = has_marker(item.response_text, lx.CAUSAL_MARKERS[language], language)
    root = has_marker(item.response_text, lx.ROOT_CAUSE_MARKERS[language], language)
    if causal and root:
        return 5, f"explains a cause ({causal!r}) and names what lies beneath it ({root!r})"
    if causal or root:
        return 3, f"partial explanation (cause marker {causal!r}, underlying-need marker {root!r})"
    return 1, "no causal explanation found"


def clarity_logic(item: EvalItem) -> Scored:
    """T2: a reply long enough to explain, not rambling, not repetitive, with logical connectives.

    Too short -> 1. Otherwise start from 5 and step down one level per problem found.
    """
    language = item.language
    size = length(item.response_text, language)
    if size < _MIN_LENGTH[language]:
        return 1, f"too short to explain ({size} {'characters' if language == 'zh' else 'words'})"
    parts = sentences(item.response_text)
    problems: list[str] = []
    if size > _MAX_LENGTH[language]:
        problems.append("overlong")
    if parts and len({p.lower() for p in parts}) / len(parts) < 0.7:
        problems.append("repetitive")
    if not has_marker(item.response_text, lx.CONNECTIVES[language], language):
        problems.append("no logical connectives")
    score = 5 if not problems else 3 if len(problems) == 1 else 1
    return score, f"problems: {', '.join(problems) or 'none'}"


def textual_empathy_insight(item: EvalItem) -> Scored:
    """T3 D1 (1..5): one point each for naming the user's feeling, validating it, being specific to what
    they said, and offering support or a next step; a dismissive phrase takes one point away."""
    language = item.language
    text = item.response_text
    points: list[str] = []
    named = {m.emotion for m in find_emotions(text, language)}
    if item.question_emotion and item.question_emotion in named:
        points.append("names the feeling")
    if has_marker(text, lx.VALIDATION_MARKERS[language], language):
        points.append("validates it")
    if len(content_units(item.question, language) & content_units(text, language)) >= (2 if language == "zh" else 1):
        points.append("specific to what the user said")
    if has_marker(text, lx.SUPPORT_MARKERS[language] + lx.SUGGESTION_MARKERS[language], language):
        points.append("offers support")
    score = 1 + len(points)
    dismissive = has_marker(text, lx.DISMISSIVE_MARKERS[language], language)
    if dismissive:
        score = max(1, score - 1)
        points.append(f"dismissive ({dismissive!r}, -1)")
    return score, "; ".join(points) or "no empathic element found"


def _lcs(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence: how much of the order the reply got right."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


SCORERS: dict[str, Callable[[EvalItem], Scored]] = {
    "Accuracy_Completeness": accuracy_completeness,
    "Depth_Granularity": depth_granularity,
    "Added_Value": added_value,
    "Information_Integration": information_integration,
    "Insight_RootCause": insight_root_cause,
    "Clarity_Logic": clarity_logic,
    "textual_empathy_insight": textual_empathy_insight,
}
