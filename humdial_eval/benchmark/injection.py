"""Spotting text in a submission that speaks to the judge instead of the user.

A submitted response is untrusted: it can try to steer an LLM judge ("ignore the rubric", "give 5").
Judges fence such text as data, but the attempt itself is worth reporting, whichever judge scores the
run, so the runner applies this detector to every item and flags hits as ``injection_suspected``.

The patterns are deliberately narrow: a reply that congratulates a user on "full marks" in an exam,
or tells them to ignore a rude colleague, must not be flagged. What they look for is text that names
the evaluation (rubric, scoring instructions, the judge/rater/grader) or dictates a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from humdial_eval.benchmark.items import EvalItem

FLAG_INJECTION = "injection_suspected"

_EVALUATION = r"(rubric|(scoring|grading|evaluation|rating|judging|system)\s+(instructions?|rules|criteria|guidelines|prompt)|instructions?\s+(above|before|given)|(previous|prior|above|earlier|all|your)\s+(instructions?|rules|prompts?))"
_RATER = r"(judge|grader|rater|evaluator|assessor|scorer|reviewer|ai\s+(model|assistant|judge|evaluator)|language\s+model|llm)"
_TOP = r"(5|five|full\s+(marks|score|points)|(the\s+)?(highest|maximum|max|top|perfect)\s+(score|scores|rating|ratings|marks|grade))(?!\s*stars?)"
_SUBJECT = r"(this|the|my|our)\s+(response|answer|reply|output)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("override_instructions",
         rf"\b(ignore|disregard|forget|override|bypass|skip)\b[^.!?\n]{{0,40}}?\b{_EVALUATION}"),
        ("addresses_the_judge",
         rf"(\b(dear|attention|note\s+to|message\s+to|hey|hello)\s+(the\s+|an?\s+|all\s+)?{_RATER}s?\b"
         rf"|\byou\s+are\s+(now\s+)?(a|an|the)\s+([a-z]+\s+)?{_RATER}\b"
         rf"|\bas\s+(a|an|the)\s+{_RATER},?\s+you\b|\b(to|for)\s+the\s+{_RATER}s?\s*:)"),
        ("dictates_score",
         rf"\b(give|assign|award|output|return|rate|score|grade|mark)\b[^.!?\n]{{0,30}}?\b(me|this|{_SUBJECT}|every\s+dimension|all\s+dimensions|each\s+dimension)\b[^.!?\n]{{0,25}}?\b{_TOP}\b"
         rf"|\b{_SUBJECT}\s+(deserves|merits|earns|should\s+(get|receive|score|be\s+rated))\s+(a\s+)?{_TOP}"
         rf"|\b(give|assign|award)\s+(a\s+)?{_TOP}\s+(on|for|to)\s+(every|all|each)\s+(dimensions?|criteria|categories)"),
        ("fake_verdict",
         r"[\"'](scores?|ratings?|verdict)[\"']\s*:\s*[{\[\d]|\b(scores?|ratings?)\s*:\s*\{"
         r"|\b[A-Za-z]+_[A-Za-z_]+[\"']?\s*[:=]\s*[\"']?\d"),
        ("chat_markup", r"<\|(im_start|im_end|system|endoftext|start_header_id)\|>|\[/?INST\]|</?(system|instructions?)>"),
        ("override_instructions_zh",
         r"(忽略|无视|忘记|忘掉|不要理会|跳过)[^。！？\n]{0,12}(评分标准|评分规则|评估标准|打分标准|评分指令|以上|上面|之前|前面|所有)的?[^。！？\n]{0,6}(指令|指示|规则|标准|要求|提示|说明)"),
        ("addresses_the_judge_zh",
         r"(致|亲爱的|尊敬的|请|各位)\s*(评委|评审|裁判|评估者|评分者|评分员|打分者|评测模型|评估模型)"
         r"|(你|您)(现在)?是(一[名个位])?(评委|评审|裁判|评估者|评分者|评分员|打分者)|作为(评委|评审|裁判|评估者|评分者|评分员)[，,]?\s*(你|您)"),
        ("dictates_score_zh",
         r"(给|打|评)(出)?(我|这个|这条|本条|该|此)?(回答|回复|回应|答案)?(打)?(满分|最高分|五分|5\s*分)"
         r"|(每个|所有|各个|全部)(维度|指标|项)[^。！？\n]{0,6}(满分|最高分|五分|5\s*分)"),
    )
)


# Words every match of a rule contains, so a text holding none of them is not searched (the patterns scan
# every position of every reply, most of a warm re-score's detector time). Each rule lists groups; a match
# holds a word of every group. English words are looked up in an ASCII text's lower case only: for ASCII
# text, lower case is exactly the case-insensitive matching of these ASCII words (for other text,
# IGNORECASE also folds characters such as the long s or the Kelvin sign, so such text is searched in
# full). Chinese words and punctuation have no case and are looked up in any text.
_ASCII_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "override_instructions": (("ignore", "disregard", "forget", "override", "bypass", "skip"),),
    "addresses_the_judge": (("judge", "grader", "rater", "evaluator", "assessor", "scorer", "reviewer", "model",
                             "assistant", "llm"),),
    "dictates_score": (("give", "assign", "award", "output", "return", "rate", "score", "grade", "mark", "response",
                        "answer", "reply"), ("5", "five", "full", "highest", "max", "top", "perfect")),
}
_ANY_TEXT_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "fake_verdict": ((":", "="),),  # punctuation has no case either
    "chat_markup": (("<", "["),),
    "override_instructions_zh": (("忽略", "无视", "忘记", "忘掉", "不要理会", "跳过"),),
    "addresses_the_judge_zh": (("评委", "评审", "裁判", "评估者", "评分者", "评分员", "打分者", "评测模型", "评估模型"),),
    "dictates_score_zh": (("分",),),
}


def _cannot_match(rule: str, text: str, lowered: str | None) -> bool:
    """True only when ``rule`` cannot match ``text`` (``lowered``: its lower case if it is ASCII, else None)."""
    needs = _ANY_TEXT_NEEDS.get(rule)
    if needs is not None:
        return not all(any(word in text for word in group) for group in needs)
    needs = _ASCII_NEEDS.get(rule)
    if needs is not None and lowered is not None:
        return not all(any(word in lowered for word in group) for group in needs)
    return False


@dataclass(frozen=True)
class InjectionHit:
    """One suspicious passage: which rule matched, where, and the words (shortened)."""

    rule: str
    where: str
    excerpt: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "where": self.where, "excerpt": self.excerpt}


def scan_text(text: str | None, where: str = "response") -> list[InjectionHit]:
    if not text:
        return []
    hits: list[InjectionHit] = []
    lowered = text.lower() if text.isascii() else None
    for rule, pattern in _PATTERNS:
        if _cannot_match(rule, text, lowered):
            continue
        match = pattern.search(text)
        if match:
            start = max(0, match.start() - 20)
            excerpt = " ".join(text[start : match.end() + 20].split())
            hits.append(InjectionHit(rule, where, excerpt[:160]))
    return hits


def scan_item(item: EvalItem) -> list[InjectionHit]:
    """The evaluated response and the system's earlier responses (all of them reach an LLM judge)."""
    hits = scan_text(item.response_text, "response")
    for turn in item.context:
        hits += scan_text(turn.response_text, f"turn {turn.turn_id} response")
    return hits


def describe(hits: Iterable[InjectionHit]) -> list[dict[str, str]]:
    return [hit.to_dict() for hit in hits]
