"""The ``emotion2vec`` judge: which emotion the response voice carries, and whether it fits the user.

Measures per item: ``p_<emotion>`` for the seven benchmark emotions, ``top_prob``, ``unmapped_prob``
(emotion2vec's ``other`` / ``unknown``), ``user_similarity`` (cosine of the response's and the user
turn's emotion2vec embeddings: how much the reply's voice mirrors the user's, descriptive, neither good
nor bad) and, on tasks with the vocal-congruence dimension (T3), ``congruence`` (probability of an
emotion that fits the user's state), ``clash`` (probability of one that clashes) and ``congruent``
(1 when the top emotion fits). ``meta.recognised_emotion`` is the top emotion; T5 reads it.

``score_dimensions: true`` scores ``vocal_empathy_congruence`` (D2) as 1 + 4 (fit + neither / 2): an
approximation of the human raters, off by default.
"""

from __future__ import annotations

from typing import Any, ClassVar

from humdial_eval.benchmark.emotions import EMOTIONS
from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.acoustic.base import AcousticJudge, _boolean, model_fingerprint, resolve_model
from humdial_eval.judges.acoustic.emotion2vec import Emotion2vecSpec
from humdial_eval.judges.acoustic.emotion_map import EmotionDistribution, EmpathyTargets, TargetsError, congruence_score
from humdial_eval.judges.acoustic.pool import Outcome

CONGRUENCE_DIMENSION = "vocal_empathy_congruence"


class Emotion2vecJudge(AcousticJudge):
    backend = "emotion2vec"
    approximates = CONGRUENCE_DIMENSION
    known_settings = frozenset({"model_dir", "model", "user_similarity", "empathy_targets", "device",
                                "max_batch_seconds"})

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        super().__init__(name, settings)
        self.model = resolve_model(name, settings, "emotion2vec")
        self.user_similarity = _boolean(settings, "user_similarity", True, name)
        self.device = str(settings.get("device", "cpu"))
        self.max_batch_seconds = _seconds(settings, "max_batch_seconds", name)
        try:
            self.targets = EmpathyTargets.from_settings(settings.get("empathy_targets"))
        except TargetsError as exc:
            raise ProfileError(f"judge {name!r}: {exc}") from None
        self._fingerprint = model_fingerprint(self.model or "")

    @property
    def uses_user_audio(self) -> bool:  # type: ignore[override]
        return self.user_similarity

    def spec(self) -> Emotion2vecSpec:
        return Emotion2vecSpec(model=str(self.model), max_seconds=self.max_seconds,
                               user_similarity=self.user_similarity, device=self.device,
                               max_batch_seconds=self.max_batch_seconds)

    def settings_identity(self) -> dict[str, Any]:
        return {"model": _display_model(self.model), "model_fingerprint": self._fingerprint,
                "user_similarity": self.user_similarity, "empathy_targets": self.targets.as_dict()}

    def interpret(self, item: EvalItem, task: Task, outcome: Outcome) -> Judgment:
        probs = outcome.meta["emotion_distribution"]
        distribution = EmotionDistribution(probs=probs, unmapped=outcome.meta["unmapped_prob"],
                                           model_top=outcome.meta["model_label"])
        top = distribution.top
        measures: dict[str, float] = {f"p_{label}": round(probs[label], 6) for label in EMOTIONS}
        measures["top_prob"] = round(probs[top], 6)
        measures["unmapped_prob"] = round(distribution.unmapped, 6)
        measures.update(outcome.measures)
        meta = {"backend": self.backend, "recognised_emotion": top, **outcome.meta}
        rationale = f"voice: {top} ({probs[top]:.2f}; model label {distribution.model_top})"
        scores: dict[str, int] = {}
        if CONGRUENCE_DIMENSION in task.rubric.keys():
            user = item.question_emotion or "neutral"
            fit, clash = self.targets.congruence(user, distribution)
            measures.update(congruence=round(fit, 6), clash=round(clash, 6),
                            congruent=1.0 if top in self.targets.fit[user] else 0.0)
            meta["user_emotion"] = user
            rationale += f"; user {user}: fits {fit:.2f}, clashes {clash:.2f}"
            if CONGRUENCE_DIMENSION in self.dimensions(task):
                score = congruence_score(fit, clash)
                scores[CONGRUENCE_DIMENSION] = task.rubric.dimension(CONGRUENCE_DIMENSION).scale.clamp(score)
                rationale += f"; D2 approximation {score:.2f}"
        return Judgment(judge=self.name, status="ok", scores=scores, rationale=rationale, measures=measures, meta=meta)


def _seconds(settings: dict[str, Any], key: str, name: str) -> float | None:
    value = settings.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ProfileError(f"judge {name!r}: {key} must be a number of seconds, 0 or more (got {value!r})")
    return float(value)


def _display_model(model: str | None) -> str:
    """The model's folder name or id: identity without the host's paths."""
    if model is None:
        return ""
    return model.rstrip("/").rsplit("/", 1)[-1] if model.startswith("/") else model
