"""Two checks of what the baseline says, reported by ``baseline evaluate``: whole spoken replies, and
T1 trajectory summaries that name the right emotions.

- Whole replies: the share of the written reply that its spoken reply covers. With a transcriber
  (an ASR model), the transcript is aligned with the written reply (jiwer; words for English,
  characters for Chinese) and the share of the reply's words or characters found in it is the
  coverage. Without one, the coverage is the number of units spoken against the number the reply's
  length needs at the training data's speaking rate (:mod:`humdial_eval.reference_model.speech_budget`),
  capped at 1. A reply is *cut* when it needed more units than the config's cap allows. The harness's
  own duration rule (:func:`humdial_eval.inputs.audio_check.plausible_duration`) is applied to every spoken
  reply too: a reply it would flag is scored as no audio.
- Trajectory: at the last turn of a T1 dialogue, the emotions the reply names, in order and with
  repeats merged, against the gold emotions of the earlier turns, merged the same way.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from humdial_eval.inputs.audio_check import plausible_duration
from humdial_eval.reference_model import speech_budget
from humdial_eval.reference_model.ieat import trajectory_path
from humdial_eval.reference_model.phrasebook import parse_emotions


@dataclass(frozen=True)
class SpokenReply:
    language: str
    text: str
    units: int
    seconds: float
    ended: bool  # the speech head chose the end (else the budget stopped it)
    capped: bool  # the reply needed more units than the cap: cut there
    audio: np.ndarray | None = None  # kept only when a transcriber will hear it


def whole_replies(replies: Sequence[SpokenReply], rate: speech_budget.SpeechRate | None,
                  transcripts: Sequence[str] | None = None) -> dict[str, Any]:
    """Coverage of the written replies by the spoken ones (by ASR when ``transcripts`` are given)."""
    if transcripts is not None:
        method = "asr"
        shares: list[float | None] = [asr_coverage(r.text, t, r.language) for r, t in zip(replies, transcripts)]
    else:
        method = "units"
        shares = [speech_budget.coverage(r.units, r.text, r.language, rate) for r in replies]
    known = [s for s in shares if s is not None]
    implausible = 0
    for reply in replies:
        bounds = plausible_duration(reply.text, reply.language)
        implausible += bounds is not None and not bounds[0] <= reply.seconds <= bounds[1]
    return {
        "n": len(replies), "method": method, "measured": len(known),
        "coverage_mean": statistics.fmean(known) if known else None,
        "coverage_min": min(known) if known else None,
        "below_0.8": sum(s < 0.8 for s in known),
        "cut": sum(r.capped for r in replies),
        "ended_by_model": sum(r.ended for r in replies),
        "duration_implausible": implausible,
        "seconds_max": max((r.seconds for r in replies), default=None),
        "speech_rate": rate.units_per if rate is not None else None,
    }


def asr_coverage(reference: str, transcript: str, language: str) -> float | None:
    """Share of the reference's words (en) or characters (zh) that the aligned transcript holds."""
    import jiwer

    from humdial_eval.judges.acoustic.transcription import normalise_text

    ref = normalise_text(reference, language)
    hyp = normalise_text(transcript, language)
    if not ref:
        return None
    if not hyp:
        return 0.0
    if language == "zh":
        out = jiwer.process_characters(ref, hyp)
    else:
        out = jiwer.process_words(ref, hyp)
    total = out.hits + out.substitutions + out.deletions
    return out.hits / total if total else None


def trajectory_accuracy(pairs: Sequence[tuple[Sequence[str | None], str]]) -> dict[str, Any]:
    """``(gold emotions of the earlier turns, final reply)`` per T1 dialogue.

    ``exact``: the reply names the gold path exactly; ``recall`` / ``precision``: the mean share of the
    gold path's emotions the reply names, and of the named emotions that are in the gold path."""
    exact, recall, precision = [], [], []
    for gold_emotions, reply in pairs:
        gold = trajectory_path(gold_emotions)
        said = trajectory_path(parse_emotions(reply))
        if not gold:
            continue
        exact.append(said == gold)
        recall.append(len(set(gold) & set(said)) / len(set(gold)))
        precision.append(len(set(gold) & set(said)) / len(set(said)) if said else 0.0)
    if not exact:
        return {"n": 0, "exact": None}
    return {"n": len(exact), "exact": sum(exact) / len(exact), "recall": statistics.fmean(recall),
            "precision": statistics.fmean(precision)}
