"""T5, speech emotion generation (supplementary, not ranked).

The user's final turn asks the system to say something with a given emotion; the test set names it
in that turn's ``target_emotion`` field. The system's spoken reply (``HD-Track1-T5/{dialogue_id}_
{turn_id}_response.wav``) is run through an emotion recogniser, a judge whose judgments carry
``meta.recognised_emotion`` (the ``emotion2vec`` judge does), and the recognised emotion is compared
with the requested one: accuracy, macro-F1, confusion matrix, and the mean probability the recogniser
gave the requested emotion. A reply without usable audio counts as wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from humdial_eval.benchmark.dialogue import Dialogue
from humdial_eval.benchmark.emotions import UnknownEmotionError, normalise_emotion
from humdial_eval.inputs.issues import IssueLog
from humdial_eval.benchmark.items import ContextTurn, EvalItem
from humdial_eval.benchmark.results import FLAG_LANGUAGE_RULE, FLAG_MISSING_RESPONSE, ItemResult
from humdial_eval.benchmark.rubric import Rubric
from humdial_eval.benchmark.task import MissingResponse, Task
from humdial_eval.tasks.classification import classification_metrics

TARGET_FIELD = "target_emotion"
RECOGNISED = "recognised_emotion"
NO_RECOGNISER = ("no judge of the profile recognises emotion in audio (judgments with meta.recognised_emotion); "
                 "add the emotion2vec judge, e.g. --judge emotion2vec")


class GenerationTask(Task):
    id = "T5"
    name = "Speech emotion generation"
    rubric = Rubric(())
    ranked = False

    @property
    def needs_response_audio(self) -> bool:
        return True

    def build_item(self, gold: Dialogue, submitted: Dialogue | None) -> EvalItem | MissingResponse:
        target = self.evaluated_turn(gold)
        if target is None:
            return MissingResponse(turn_id=-1, reason="the dialogue has no turns")
        meta: dict[str, Any] = {"requested_emotion": requested_emotion(target.extra.get(TARGET_FIELD))}
        answered = submitted.turn(target.turn_id) if submitted else None
        if answered is None:
            return MissingResponse(target.turn_id, "the submission has no such turn", meta)
        if answered.response_audio is None:
            return MissingResponse(target.turn_id, "no response audio", meta)
        context = tuple(ContextTurn(t.turn_id, t.text, t.emotion) for t in gold.turns if t.turn_id < target.turn_id)
        return EvalItem(task=self.id, language=gold.language, dialogue_id=gold.dialogue_id, turn_id=target.turn_id,
                        context=context, question=target.text, question_emotion=target.emotion,
                        response_text=(answered.response_text or "").strip(), response_audio=answered.response_audio,
                        user_audio=target.user_audio, meta=meta)

    def check_dialogue(self, gold: Dialogue, submitted: Dialogue, issues: IssueLog) -> None:
        target = self.evaluated_turn(gold)
        if target is None:
            return
        raw = target.extra.get(TARGET_FIELD)
        if requested_emotion(raw) is None:
            problem = "is missing" if raw is None else f"{raw!r} is not one of the seven emotions"
            issues.add("missing_gold", f"[test set] {TARGET_FIELD} {problem}; T5 cannot score this dialogue",
                       file=gold.source, line=gold.line, dialogue_id=gold.dialogue_id, turn_id=target.turn_id,
                       field=TARGET_FIELD)

    def summarise(self, results: Sequence[ItemResult]) -> dict[str, Any] | None:
        recogniser = next((r.judge for r in results if RECOGNISED in r.meta), None)
        by_dialogue: dict[str, list[ItemResult]] = {}
        for result in results:
            by_dialogue.setdefault(result.dialogue_id, []).append(result)
        gold: list[str] = []
        predicted: list[str | None] = []
        target_probs: list[float] = []
        without_gold = 0
        for found in by_dialogue.values():
            requested = found[0].meta.get("requested_emotion")
            if requested is None:
                without_gold += 1
                continue
            chosen = next((r for r in found if r.judge == recogniser), None)
            recognised, prob = _recognised(chosen)
            gold.append(requested)
            predicted.append(recognised)
            distribution = chosen.meta.get("emotion_distribution", {}) if chosen and recognised else {}
            target_probs.append(float(distribution.get(requested, 0.0)))
        metrics = classification_metrics(gold, predicted)
        metrics["without_gold"] = without_gold
        metrics["recognised_by"] = recogniser
        if recogniser is None:
            metrics.update(accuracy=None, macro_f1=None, note=NO_RECOGNISER)
            return metrics
        metrics["mean_requested_prob"] = round(sum(target_probs) / len(target_probs), 4) if target_probs else None
        return metrics


def requested_emotion(raw: Any) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return normalise_emotion(raw)
    except UnknownEmotionError:
        return None


def _recognised(result: ItemResult | None) -> tuple[str | None, float]:
    if result is None or result.status != "ok":
        return None, 0.0
    if FLAG_MISSING_RESPONSE in result.flags or FLAG_LANGUAGE_RULE in result.flags:
        return None, 0.0
    label = result.meta.get(RECOGNISED)
    return (label, 1.0) if isinstance(label, str) else (None, 0.0)
