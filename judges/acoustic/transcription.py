"""Transcribing response audio and comparing the transcript with the response text (WER / CER).

The transcriber is a FunASR ASR model (Paraformer, SenseVoice, ...) loaded like emotion2vec, or any
object with ``transcribe(signals, language) -> list[str]`` named by an import path
(``package.module:factory``), so another recogniser can be plugged in. English is compared word by word
(WER), Chinese character by character (CER), both with jiwer after the same normalisation: tags such as
SenseVoice's ``<|en|>`` removed, case folded, punctuation and spacing dropped.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from humdial_eval.judges.acoustic.audio import SAMPLE_RATE, AudioError, load_audio
from humdial_eval.judges.acoustic.pool import Job, Outcome

_TAGS = re.compile(r"<\|[^|>]*\|>")


class Transcriber(Protocol):
    def transcribe(self, signals: Sequence[np.ndarray], language: str) -> list[str]: ...


@dataclass(frozen=True)
class AsrSpec:
    model: str | None
    transcriber: str | None  # "module:factory" returning a Transcriber
    max_seconds: float

    def build(self) -> "AsrAnalyser":
        return AsrAnalyser(self)


class FunasrTranscriber:
    def __init__(self, model: str) -> None:
        from humdial_eval.judges.acoustic.emotion2vec import load_automodel

        self.model = load_automodel(model)

    def transcribe(self, signals: Sequence[np.ndarray], language: str) -> list[str]:
        results = self.model.generate(input=list(signals), batch_size=len(signals), fs=SAMPLE_RATE)
        if len(results) != len(signals):
            raise RuntimeError(f"ASR returned {len(results)} results for {len(signals)} inputs")
        return [str(result.get("text", "")) for result in results]


def load_transcriber(spec: AsrSpec) -> Transcriber:
    if spec.transcriber:
        module_name, _, attribute = spec.transcriber.partition(":")
        factory: Any = getattr(importlib.import_module(module_name), attribute or "make_transcriber")
        return factory()
    if spec.model:
        return FunasrTranscriber(spec.model)
    raise ValueError("no ASR model configured")


class AsrAnalyser:
    def __init__(self, spec: AsrSpec) -> None:
        self.transcriber = load_transcriber(spec)
        self.max_seconds = spec.max_seconds

    def analyse(self, jobs: Sequence[Job]) -> list[Outcome]:
        outcomes = [Outcome() for _ in jobs]
        by_language: dict[str, list[tuple[int, np.ndarray]]] = {}
        for index, job in enumerate(jobs):
            try:
                by_language.setdefault(job.language, []).append(
                    (index, load_audio(job.audio, max_seconds=self.max_seconds).samples))
            except AudioError as exc:
                outcomes[index].error = f"audio unusable: {exc}"
        for language, entries in by_language.items():
            for (index, _), text in zip(entries, self._transcribe([s for _, s in entries], language)):
                if isinstance(text, BaseException):
                    outcomes[index].error = f"transcription failed: {type(text).__name__}: {text}"[:300]
                else:
                    outcomes[index].meta["transcript"] = text
        return outcomes

    def _transcribe(self, signals: list[np.ndarray], language: str) -> list[str | BaseException]:
        try:
            texts = self.transcriber.transcribe(signals, language)
            if len(texts) != len(signals):
                raise RuntimeError(f"{len(texts)} transcripts for {len(signals)} files")
            return list(texts)
        except Exception:  # isolate the file that broke the batch
            out: list[str | BaseException] = []
            for signal in signals:
                try:
                    out.append(self.transcriber.transcribe([signal], language)[0])
                except Exception as exc:
                    out.append(exc)
            return out


def normalise_text(text: str, language: str) -> str:
    """What is compared: words separated by single spaces (en), or characters with no spaces (zh)."""
    text = unicodedata.normalize("NFKC", _TAGS.sub(" ", text)).casefold()
    kept = "".join(ch if not unicodedata.category(ch).startswith(("P", "S")) or ch == "'" else " " for ch in text)
    if language == "zh":
        return re.sub(r"\s+", "", kept.replace("'", ""))
    words = [w.strip("'") for w in kept.split()]
    return " ".join(w for w in words if w)


def error_rate(reference: str, hypothesis: str, language: str) -> tuple[str, float, int]:
    """(``"cer"`` or ``"wer"``, the rate, the number of reference units). Raises ValueError on an empty reference."""
    import jiwer

    ref = normalise_text(reference, language)
    hyp = normalise_text(hypothesis, language)
    metric = "cer" if language == "zh" else "wer"
    units = len(ref) if metric == "cer" else len(ref.split())
    if units == 0:
        raise ValueError("the response text has nothing to compare once normalised")
    if not hyp:
        return metric, 1.0, units  # every reference unit deleted
    value = jiwer.cer(ref, hyp) if metric == "cer" else jiwer.wer(ref, hyp)
    return metric, float(value), units
