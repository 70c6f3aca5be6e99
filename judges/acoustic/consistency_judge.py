"""The ``asr-consistency`` judge: does the spoken reply say what ``response_text`` says?

Transcribes the response audio with the configured ASR model and reports ``wer`` (en) or ``cer``
(zh), plus ``error_rate`` (whichever applies, so languages can share a column) and ``reference_units``.
With no ASR model configured it measures nothing and says so in every item's rationale
(``meta.skipped``) instead of failing. It scores no rubric dimension.
"""

from __future__ import annotations

from typing import Any

from humdial_eval.benchmark.items import EvalItem
from humdial_eval.benchmark.judgment import Judgment
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.benchmark.task import Task
from humdial_eval.judges.acoustic.base import AcousticJudge, model_fingerprint, resolve_model
from humdial_eval.judges.acoustic.pool import Outcome
from humdial_eval.judges.acoustic.transcription import AsrSpec, error_rate

SKIP_NOTE = ("skipped: no ASR model configured (set HUMDIAL_ASR_DIR for the shipped profile, or model_dir / model "
             "in your own asr-consistency profile)")


class AsrConsistencyJudge(AcousticJudge):
    backend = "asr-consistency"
    known_settings = frozenset({"model_dir", "model", "transcriber"})

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        super().__init__(name, settings)
        if self.score_dimensions:
            raise ProfileError(f"judge {name!r}: asr-consistency scores no rubric dimension; drop score_dimensions")
        self.transcriber = settings.get("transcriber")
        if self.transcriber is not None and (not isinstance(self.transcriber, str) or ":" not in self.transcriber):
            raise ProfileError(f"judge {name!r}: transcriber must be an import path 'package.module:factory'")
        self.model = resolve_model(name, settings, "FunASR ASR", required=False)
        self._fingerprint = model_fingerprint(self.model) if self.model else None

    @property
    def available(self) -> bool:
        return bool(self.model or self.transcriber)

    def spec(self) -> AsrSpec:
        return AsrSpec(model=self.model, transcriber=self.transcriber, max_seconds=self.max_seconds)

    def settings_identity(self) -> dict[str, Any]:
        return {"model_fingerprint": self._fingerprint, "transcriber": self.transcriber}

    async def judge(self, item: EvalItem, task: Task) -> Judgment:
        if not self.available:
            return Judgment(judge=self.name, status="ok", rationale=SKIP_NOTE,
                            meta={"backend": self.backend, "skipped": SKIP_NOTE})
        return await super().judge(item, task)

    def interpret(self, item: EvalItem, task: Task, outcome: Outcome) -> Judgment:
        transcript = outcome.meta.get("transcript", "")
        meta = {"backend": self.backend, "transcript": transcript}
        try:
            metric, value, units = error_rate(item.response_text, transcript, item.language)
        except ValueError as exc:
            return Judgment(judge=self.name, status="ok", rationale=f"not compared: {exc}", meta=meta)
        measures = {metric: round(value, 6), "error_rate": round(value, 6), "reference_units": float(units)}
        return Judgment(judge=self.name, status="ok", measures=measures, meta=meta,
                        rationale=f"{metric.upper()} {value:.3f} over {units} reference units")
