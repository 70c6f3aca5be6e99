"""The ``prosody`` judge: timing, pitch, energy, rate and signal quality of the response audio.

Needs no weights beyond silero-vad's bundled model. Reports the measures of
:mod:`humdial_eval.judges.acoustic.prosody` (never emotions). ``score_dimensions: true`` scores
``audio_quality_naturalness`` (D3) with the transparent rule of :mod:`humdial_eval.judges.acoustic.quality`:
an approximation, off by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.acoustic.audio import AudioError, load_audio
from humdial_eval.judges.acoustic.base import AcousticJudge
from humdial_eval.judges.acoustic.pool import Job, Outcome
from humdial_eval.judges.acoustic.prosody import ProsodySettings, measure_all
from humdial_eval.judges.acoustic.quality import QualityRule, quality_score
from humdial_eval.judges.acoustic.speech_activity import speech_segments

QUALITY_DIMENSION = "audio_quality_naturalness"


@dataclass(frozen=True)
class ProsodySpec:
    settings: ProsodySettings
    max_seconds: float

    def build(self) -> "ProsodyAnalyser":
        return ProsodyAnalyser(self)


class ProsodyAnalyser:
    def __init__(self, spec: ProsodySpec) -> None:
        self.spec = spec
        speech_segments(__import__("numpy").zeros(1600, dtype="float32"))  # load the VAD model once, up front

    def analyse(self, jobs: Sequence[Job]) -> list[Outcome]:
        outcomes = []
        for job in jobs:
            try:
                audio = load_audio(job.audio, max_seconds=self.spec.max_seconds)
            except AudioError as exc:
                outcomes.append(Outcome(error=f"audio unusable: {exc}"))
                continue
            speech = speech_segments(audio.samples)
            outcomes.append(Outcome(measures=measure_all(audio, speech, self.spec.settings),
                                    meta={"speech_segments": [[round(s, 3), round(e, 3)] for s, e in speech]}))
        return outcomes


class ProsodyJudge(AcousticJudge):
    backend = "prosody"
    approximates = QUALITY_DIMENSION
    known_settings = frozenset({"min_pause_s", "silence_db", "fmin_hz", "fmax_hz", "quality"})

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        super().__init__(name, settings)
        try:
            self.measure_settings = ProsodySettings(**{k: float(settings[k]) for k in
                                                       ("min_pause_s", "silence_db", "fmin_hz", "fmax_hz") if k in settings})
            quality = settings.get("quality") or {}
            if not isinstance(quality, dict):
                raise TypeError("quality must be a mapping of rule thresholds")
            if "rate_range_sps" in quality:
                quality = {**quality, "rate_range_sps": tuple(quality["rate_range_sps"])}
            self.rule = QualityRule(**quality)
        except (TypeError, ValueError) as exc:
            raise ProfileError(f"judge {name!r}: {exc}") from None

    def spec(self) -> ProsodySpec:
        return ProsodySpec(settings=self.measure_settings, max_seconds=self.max_seconds)

    def settings_identity(self) -> dict[str, Any]:
        return {"measures": asdict(self.measure_settings), "quality": asdict(self.rule)}

    def interpret(self, item: EvalItem, task: Task, outcome: Outcome) -> Judgment:
        measures = dict(outcome.measures)
        rationale = (f"{measures['duration_s']:.1f} s, speech {measures['speech_ratio']:.0%}, "
                     f"{int(measures['pause_count'])} pause(s), SNR ~{measures['snr_db']:.0f} dB")
        scores: dict[str, int] = {}
        if QUALITY_DIMENSION in self.dimensions(task):
            score, reasons = quality_score(measures, self.rule)
            scores[QUALITY_DIMENSION] = task.rubric.dimension(QUALITY_DIMENSION).scale.clamp(score)
            rationale += f"; D3 approximation {score:g}" + (f" ({'; '.join(reasons)})" if reasons else "")
        return Judgment(judge=self.name, status="ok", scores=scores, rationale=rationale, measures=measures,
                        meta={"backend": self.backend, **outcome.meta})
