"""emotion2vec through FunASR: the 9-way emotion distribution and the utterance embedding of a recording.

The model is loaded with ``funasr.AutoModel`` from a local folder (``config.yaml``, ``tokens.txt``,
``model.pt``) or from a model id the user's FunASR installation can resolve, always with
``disable_update=True``. Inference takes a batch of 16 kHz float32 arrays, sorted by length and run
in padded passes of similar length (:mod:`humdial_eval.judges.acoustic.emotion2vec_batch`; at most
``max_batch_seconds`` of padded audio per pass) on an accelerator; on the CPU (and with
``max_batch_seconds: 0``) FunASR's own ``generate`` runs them one at a time, which measured faster there
(:func:`default_batch_seconds`).
One bad item must not sink its batch, so a failing batch is retried item by item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from humdial_eval.judges.acoustic.audio import SAMPLE_RATE, AudioError, load_audio
from humdial_eval.judges.acoustic.emotion2vec_batch import BatchLimits, check_batching, forward_batch, plan_batches
from humdial_eval.judges.acoustic.emotion_map import map_distribution
from humdial_eval.judges.acoustic.pool import Job, Outcome

MIN_SECONDS = 0.1


@dataclass(frozen=True)
class Emotion2vecSpec:
    model: str  # a local folder or a model id
    max_seconds: float
    user_similarity: bool = True
    device: str = "cpu"
    max_batch_seconds: float | None = None  # padded audio per pass; 0: FunASR's generate, one at a time; None: by device

    def build(self) -> "Emotion2vecAnalyser":
        return Emotion2vecAnalyser(self)


def load_automodel(model: str, device: str = "cpu") -> Any:
    """``funasr.AutoModel`` for ``model``, offline-friendly and silent (no hub update check, no bars).

    ``ncpu`` is this process's torch thread count (what the worker pool set for its share of the
    cores): FunASR 1.4 otherwise sets ``torch.set_num_threads(4)`` when it builds the model and again
    before every ``generate`` (``auto_model.py``, ``build_model`` and ``_reset_runtime_configs``),
    which on a 2-core machine oversubscribes the cores and made the transformer's matrix products
    hundreds of times slower.
    """
    import torch
    from funasr import AutoModel

    return AutoModel(
        model=model, disable_update=True, disable_pbar=True, disable_log=True, log_level="ERROR", device=device,
        ncpu=torch.get_num_threads(),
    )


def default_batch_seconds(device: str) -> float:
    """Padded audio per forward pass when the profile does not say: none on the CPU, where padded
    passes measured 1.7x the CPU time of one recording at a time (2026-12, base size, one thread:
    the larger activations fall out of the caches and the elementwise work and copies grow 2-3x, and
    each recording alone already makes matrix products large enough); 60 s on an accelerator, where
    one pass per recording leaves it idle between small kernels (not measured: no GPU was at hand)."""
    return 0.0 if device == "cpu" else 60.0


class Emotion2vecAnalyser:
    def __init__(self, spec: Emotion2vecSpec) -> None:
        self.spec = spec
        self.model = load_automodel(spec.model, spec.device)
        self.limits: BatchLimits | None = None
        seconds = default_batch_seconds(spec.device) if spec.max_batch_seconds is None else spec.max_batch_seconds
        if seconds > 0 and check_batching(self.model):
            self.limits = BatchLimits(max_batch_seconds=seconds)

    def analyse(self, jobs: Sequence[Job]) -> list[Outcome]:
        outcomes: list[Outcome] = [Outcome() for _ in jobs]
        signals: list[np.ndarray] = []
        owners: list[tuple[int, str]] = []  # (job index, "response" | "user")
        for index, job in enumerate(jobs):
            try:
                signals.append(_signal(job.audio, self.spec.max_seconds))
                owners.append((index, "response"))
            except AudioError as exc:
                outcomes[index].error = f"audio unusable: {exc}"
                continue
            if self.spec.user_similarity and job.user_audio is not None:
                try:
                    signals.append(_signal(job.user_audio, self.spec.max_seconds))
                    owners.append((index, "user"))
                except AudioError as exc:
                    outcomes[index].meta["user_audio_error"] = str(exc)
        results = self._infer(signals)
        embeddings: dict[tuple[int, str], np.ndarray] = {}
        for (index, role), result in zip(owners, results):
            if isinstance(result, str):
                if role == "response":
                    outcomes[index].error = f"emotion2vec failed on this file: {result}"
                else:
                    outcomes[index].meta["user_audio_error"] = f"emotion2vec failed on the user audio: {result}"
                continue
            labels, scores, embedding = result
            embeddings[(index, role)] = embedding
            if role == "response":
                distribution = map_distribution(labels, scores)
                outcomes[index].meta.update(
                    emotion_distribution={k: round(v, 6) for k, v in distribution.probs.items()},
                    unmapped_prob=round(distribution.unmapped, 6),
                    model_label=distribution.model_top,
                )
        for index, outcome in enumerate(outcomes):
            response, user = embeddings.get((index, "response")), embeddings.get((index, "user"))
            if outcome.error is None and response is not None and user is not None:
                outcome.measures["user_similarity"] = _cosine(response, user)
        return outcomes

    def _infer(self, signals: list[np.ndarray]) -> list[tuple[list[str], list[float], np.ndarray] | str]:
        if not signals:
            return []
        try:
            return [_parse(r) for r in self._generate(signals)]
        except Exception:  # isolate the item that broke the batch
            out: list[tuple[list[str], list[float], np.ndarray] | str] = []
            for signal in signals:
                try:
                    out.append(_parse(self._generate([signal])[0]))
                except Exception as exc:
                    out.append(f"{type(exc).__name__}: {exc}"[:300])
            return out

    def _generate(self, signals: list[np.ndarray]) -> list[dict[str, Any]]:
        if self.limits is not None:
            results: list[dict[str, Any]] = [{} for _ in signals]
            for group in plan_batches([len(s) for s in signals], self.limits):
                for index, result in zip(group, forward_batch(self.model, [signals[i] for i in group])):
                    results[index] = result
            return results
        results = self.model.generate(
            input=signals, granularity="utterance", extract_embedding=True, batch_size=len(signals), fs=SAMPLE_RATE
        )
        if len(results) != len(signals):
            raise RuntimeError(f"emotion2vec returned {len(results)} results for {len(signals)} inputs")
        return results


def _signal(path: Any, max_seconds: float) -> np.ndarray:
    audio = load_audio(path, max_seconds=max_seconds)
    if audio.duration_s < MIN_SECONDS:
        raise AudioError(f"{path.name}: {audio.duration_s:.3f} s is too short to analyse (minimum {MIN_SECONDS} s)")
    return audio.samples


def _parse(result: dict[str, Any]) -> tuple[list[str], list[float], np.ndarray]:
    labels = [str(label) for label in result.get("labels", [])]
    scores = [float(score) for score in result.get("scores", [])]
    if not labels or len(labels) != len(scores):
        raise RuntimeError("emotion2vec returned no label distribution (is this a fine-tuned emotion2vec model?)")
    if not all(np.isfinite(scores)):
        raise RuntimeError("emotion2vec returned non-finite scores")
    embedding = np.asarray(result.get("feats"), dtype=np.float64).reshape(-1)
    return labels, scores, embedding


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return round(float(np.dot(a, b) / norm), 6) if norm > 0 else 0.0
