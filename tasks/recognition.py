"""T4, emotion recognition from semantic and acoustic cues (supplementary, not ranked).

The system states the emotion of the user's final turn. Gold is that turn's ``emotion``; the test set
may also give ``text_emotion``, the emotion the words alone suggest, which splits the items into those
where text and voice *agree* (``aligned``) and those where they *conflict* (``conflict``; the voice
carries the gold). The answer is the submitted turn's ``predicted_emotion`` field; without one, the
emotion named in ``response_text`` when it names exactly one (any spelling the harness normalises,
English words or Chinese terms), which is weaker: negations ("not angry") are not understood.

Scoring is a comparison with gold, so no judge is needed; metrics per language and per split:
accuracy, macro-F1, confusion matrix (see :mod:`humdial_eval.tasks.classification`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from humdial_eval.benchmark.dialogue import Dialogue, Turn
from humdial_eval.benchmark.emotions import UnknownEmotionError, normalise_emotion
from humdial_eval.inputs.issues import IssueLog, Severity
from humdial_eval.benchmark.items import ContextTurn, EvalItem
from humdial_eval.benchmark.results import FLAG_LANGUAGE_RULE, FLAG_MISSING_RESPONSE, ItemResult
from humdial_eval.benchmark.rubric import Rubric
from humdial_eval.benchmark.task import MissingResponse, Task
from humdial_eval.tasks.classification import classification_metrics

PREDICTION_FIELD = "predicted_emotion"
TEXT_EMOTION_FIELD = "text_emotion"
_WORDS = re.compile(r"[A-Za-z]+")
_HAN_PAIRS = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


class RecognitionTask(Task):
    id = "T4"
    name = "Emotion recognition"
    rubric = Rubric(())
    ranked = False

    def build_item(self, gold: Dialogue, submitted: Dialogue | None) -> EvalItem | MissingResponse:
        target = self.evaluated_turn(gold)
        if target is None:
            return MissingResponse(turn_id=-1, reason="the dialogue has no turns")
        meta: dict[str, Any] = {"gold_emotion": target.emotion, "agreement": agreement(target),
                                "text_emotion": _label(target.extra.get(TEXT_EMOTION_FIELD))}
        answered = submitted.turn(target.turn_id) if submitted else None
        if answered is None:
            return MissingResponse(target.turn_id, "the submission has no such turn", {**meta, "predicted_emotion": None})
        predicted, source = prediction(answered)
        meta.update(predicted_emotion=predicted, prediction_source=source)
        context = tuple(ContextTurn(t.turn_id, t.text, t.emotion) for t in gold.turns if t.turn_id < target.turn_id)
        return EvalItem(task=self.id, language=gold.language, dialogue_id=gold.dialogue_id, turn_id=target.turn_id,
                        context=context, question=target.text, question_emotion=target.emotion,
                        response_text=(answered.response_text or "").strip(), user_audio=target.user_audio, meta=meta)

    def check_dialogue(self, gold: Dialogue, submitted: Dialogue, issues: IssueLog) -> None:
        target = self.evaluated_turn(gold)
        if target is None:
            return
        gold_where = {"file": gold.source, "line": gold.line, "dialogue_id": gold.dialogue_id, "turn_id": target.turn_id}
        if target.emotion is None:
            issues.add("missing_gold", "[test set] the evaluated turn has no emotion label; T4 cannot score it",
                       field="emotion", **gold_where)
        raw_text_emotion = target.extra.get(TEXT_EMOTION_FIELD)
        if raw_text_emotion is not None and _label(raw_text_emotion) is None:
            issues.add("invalid_emotion", f"[test set] {TEXT_EMOTION_FIELD} {raw_text_emotion!r} is not an emotion",
                       field=TEXT_EMOTION_FIELD, **gold_where)
        answered = submitted.turn(target.turn_id)
        if answered is None:
            return
        where = {"file": submitted.source, "line": submitted.line, "dialogue_id": gold.dialogue_id,
                 "turn_id": target.turn_id}
        raw = answered.extra.get(PREDICTION_FIELD)
        if raw is not None:
            if _label(raw) is None:
                issues.add("invalid_emotion", f"{PREDICTION_FIELD} {raw!r} is not one of the seven emotions "
                           "(or a known spelling of one); the item counts as unanswered", field=PREDICTION_FIELD,
                           **where)
            return
        named = mentioned_emotions(answered.response_text or "")
        if len(named) != 1:
            what = "names no emotion" if not named else f"names several ({', '.join(sorted(named))})"
            issues.add("no_prediction", f"no {PREDICTION_FIELD} field and response_text {what}; "
                       "the item counts as unanswered", field=PREDICTION_FIELD, severity=Severity.WARNING, **where)

    def summarise(self, results: Sequence[ItemResult]) -> dict[str, Any] | None:
        items = _one_per_dialogue(results)
        rows = []
        for result in items:
            gold = result.meta.get("gold_emotion")
            if gold is None:
                continue
            ruled = FLAG_LANGUAGE_RULE in result.flags or FLAG_MISSING_RESPONSE in result.flags
            predicted = None if ruled else result.meta.get("predicted_emotion")
            rows.append((gold, predicted, result.meta.get("agreement", "unlabelled")))
        metrics = classification_metrics([g for g, _, _ in rows], [p for _, p, _ in rows])
        metrics["splits"] = {
            split: {k: v for k, v in classification_metrics(
                [g for g, _, s in rows if s == split], [p for _, p, s in rows if s == split]).items() if k != "confusion"}
            for split in ("aligned", "conflict", "unlabelled") if any(s == split for _, _, s in rows)
        }
        metrics["without_gold"] = len(items) - len(rows)
        return metrics


def agreement(turn: Turn) -> str:
    """``aligned`` when the words suggest the gold emotion, ``conflict`` when another, else ``unlabelled``."""
    text_emotion = _label(turn.extra.get(TEXT_EMOTION_FIELD))
    if text_emotion is None or turn.emotion is None:
        return "unlabelled"
    return "aligned" if text_emotion == turn.emotion else "conflict"


def prediction(turn: Turn) -> tuple[str | None, str]:
    """(the stated emotion or None, where it came from)."""
    raw = turn.extra.get(PREDICTION_FIELD)
    if raw is not None:
        return _label(raw), PREDICTION_FIELD
    named = mentioned_emotions(turn.response_text or "")
    return (next(iter(named)), "response_text") if len(named) == 1 else (None, "response_text")


def mentioned_emotions(text: str) -> set[str]:
    """The benchmark emotions that ``text`` names: English words and two-character Chinese terms."""
    found: set[str] = set()
    for candidate in [*_WORDS.findall(text), *_HAN_PAIRS.findall(text)]:
        label = _label(candidate)
        if label is not None:
            found.add(label)
    return found


def _label(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return normalise_emotion(value)
    except UnknownEmotionError:
        return None


def _one_per_dialogue(results: Sequence[ItemResult]) -> list[ItemResult]:
    """Each judge repeats the item's record; the item counts once."""
    seen: dict[str, ItemResult] = {}
    for result in results:
        seen.setdefault(result.dialogue_id, result)
    return list(seen.values())
