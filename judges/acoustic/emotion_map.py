"""From emotion2vec's label set to the benchmark's seven emotions, and what an empathetic voice should carry.

emotion2vec / emotion2vec_plus classify 9 ways: angry, disgusted, fearful, happy, neutral, other, sad,
surprised, unknown (labels arrive bilingual, e.g. ``生气/angry``). Seven of them are the benchmark's
emotions under another spelling (angry -> anger, disgusted -> disgust, fearful -> fear, happy, neutral,
sad, surprised -> surprise), resolved through :func:`humdial_eval.benchmark.emotions.normalise_emotion`; ``other``
and ``unknown`` have no counterpart. Their probability is reported as ``unmapped_prob`` and the seven
mapped probabilities are renormalised to sum to one, so a distribution over the benchmark's labels is
always a distribution.

Which vocal emotion fits a reply to a user in a given state is a judgement call, so it is data: each
user emotion lists the reply emotions that *fit* (score high) and those that *clash* (score low); the
rest count as neither. The defaults follow the T3 vocal-congruence rubric (soft and calm for sadness,
bright for joy, calm rather than mirrored for anger and fear); a profile may replace any entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from humdial_eval.benchmark.emotions import EMOTIONS, UnknownEmotionError, normalise_emotion


def benchmark_label(model_label: str) -> str | None:
    """The benchmark emotion of one model label, or None for ``other`` / ``unknown`` / ``<unk>``."""
    try:
        return normalise_emotion(model_label)
    except UnknownEmotionError:
        return None


@dataclass(frozen=True)
class EmotionDistribution:
    """Probabilities over the seven benchmark emotions (summing to one), plus the mass that mapped nowhere."""

    probs: dict[str, float]
    unmapped: float
    model_top: str  # the model's own top label, before mapping

    @property
    def top(self) -> str:
        return max(EMOTIONS, key=lambda label: (self.probs[label], -EMOTIONS.index(label)))


def map_distribution(labels: Sequence[str], scores: Sequence[float]) -> EmotionDistribution:
    if len(labels) != len(scores) or not labels:
        raise ValueError(f"model returned {len(labels)} labels and {len(scores)} scores")
    mapped = {label: 0.0 for label in EMOTIONS}
    unmapped = 0.0
    for label, score in zip(labels, scores):
        target = benchmark_label(label)
        if target is None:
            unmapped += float(score)
        else:
            mapped[target] += float(score)
    total = sum(mapped.values())
    if total <= 0:
        probs = {label: 1.0 / len(EMOTIONS) for label in EMOTIONS}
    else:
        probs = {label: value / total for label, value in mapped.items()}
    model_top = labels[max(range(len(scores)), key=lambda i: scores[i])]
    return EmotionDistribution(probs=probs, unmapped=unmapped / max(total + unmapped, 1e-12), model_top=model_top)


DEFAULT_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "neutral": {"fit": ("neutral", "happy"), "clash": ("anger", "disgust", "fear")},
    "happy": {"fit": ("happy", "surprise"), "clash": ("sad", "anger", "disgust", "fear")},
    "sad": {"fit": ("sad", "neutral"), "clash": ("happy", "surprise", "anger", "disgust")},
    "anger": {"fit": ("neutral", "sad"), "clash": ("anger", "happy", "disgust", "surprise")},
    "fear": {"fit": ("neutral", "sad"), "clash": ("happy", "anger", "disgust", "fear")},
    "surprise": {"fit": ("surprise", "happy"), "clash": ("anger", "disgust")},
    "disgust": {"fit": ("neutral", "disgust"), "clash": ("happy", "surprise")},
}


class TargetsError(ValueError):
    """A malformed ``empathy_targets`` setting; the message names the entry."""


@dataclass(frozen=True)
class EmpathyTargets:
    """For each user emotion, the reply emotions that fit and those that clash."""

    fit: dict[str, tuple[str, ...]]
    clash: dict[str, tuple[str, ...]]

    @classmethod
    def from_settings(cls, overrides: Mapping[str, Any] | None) -> "EmpathyTargets":
        table = {user: dict(entry) for user, entry in DEFAULT_TARGETS.items()}
        for raw_user, entry in (overrides or {}).items():
            user = _label(raw_user, f"empathy_targets.{raw_user}")
            if not isinstance(entry, Mapping) or not set(entry) <= {"fit", "clash"}:
                raise TargetsError(f"empathy_targets.{raw_user} must be a mapping with 'fit' and/or 'clash' lists")
            for kind in ("fit", "clash"):
                if kind in entry:
                    values = entry[kind]
                    if not isinstance(values, list):
                        raise TargetsError(f"empathy_targets.{raw_user}.{kind} must be a list of emotions")
                    table[user][kind] = tuple(_label(v, f"empathy_targets.{raw_user}.{kind}") for v in values)
            overlap = set(table[user]["fit"]) & set(table[user]["clash"])
            if overlap:
                raise TargetsError(f"empathy_targets.{raw_user}: {', '.join(sorted(overlap))} both fits and clashes")
        return cls(fit={u: e["fit"] for u, e in table.items()}, clash={u: e["clash"] for u, e in table.items()})

    def as_dict(self) -> dict[str, dict[str, list[str]]]:
        return {user: {"fit": list(self.fit[user]), "clash": list(self.clash[user])} for user in EMOTIONS}

    def congruence(self, user_emotion: str, distribution: EmotionDistribution) -> tuple[float, float]:
        """(probability that the voice fits, probability that it clashes) for a user in ``user_emotion``."""
        fit = sum(distribution.probs[label] for label in self.fit[user_emotion])
        clash = sum(distribution.probs[label] for label in self.clash[user_emotion])
        return fit, clash


def congruence_score(fit: float, clash: float) -> float:
    """The D2 approximation on 1..5: all mass fitting -> 5, all clashing -> 1, neither -> 3."""
    neither = max(0.0, 1.0 - fit - clash)
    return 1.0 + 4.0 * (fit + 0.5 * neither)


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TargetsError(f"{where}: {value!r} is not an emotion label")
    try:
        return normalise_emotion(value)
    except UnknownEmotionError as exc:
        raise TargetsError(f"{where}: {exc}") from None
