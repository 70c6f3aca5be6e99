"""What the audio encoder listens to: log-mel frames (librosa), or emotion2vec frame features (FunASR).

Features are computed once per utterance during data preparation and stored, so training never
decodes audio. Log-mels are not normalised per utterance on purpose: loudness is an emotion cue.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Protocol

import numpy as np

from humdial_eval.reference_model.config import FeatureConfig

SAMPLE_RATE = 16000


class FeatureExtractor(Protocol):
    dim: int

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        """[frames, dim] float32 features of 16 kHz mono samples."""
        ...


def load_audio(path: Path, max_seconds: float | None = None) -> np.ndarray:
    """16 kHz mono float32 samples of a sound file, cut to ``max_seconds``."""
    import soundfile  # here, not at the top: training from prepared features needs no audio library

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    samples = samples.mean(axis=1)
    if rate != SAMPLE_RATE:
        import librosa

        samples = librosa.resample(samples, orig_sr=rate, target_sr=SAMPLE_RATE)
    if max_seconds is not None:
        samples = samples[: int(max_seconds * SAMPLE_RATE)]
    return np.ascontiguousarray(samples, dtype=np.float32)


class LogMel:
    """Log power mel spectrogram, scaled to roughly unit range by a fixed affine map."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self.dim = config.n_mels

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        import librosa

        if len(samples) < self.config.n_fft:
            samples = np.pad(samples, (0, self.config.n_fft - len(samples)))
        mel = librosa.feature.melspectrogram(
            y=samples, sr=SAMPLE_RATE, n_fft=self.config.n_fft, hop_length=self.config.hop_length,
            n_mels=self.config.n_mels, power=2.0,
        )
        return ((np.log(mel + 1e-6) + 6.0) / 6.0).T.astype(np.float32)


class Emotion2vecFrames:
    """Frame-level emotion2vec embeddings from a local FunASR model folder (never a hub id)."""

    def __init__(self, config: FeatureConfig) -> None:
        folder = Path(config.emotion2vec_dir)
        if not (folder / "config.yaml").is_file():
            raise FileNotFoundError(f"{folder}: not an emotion2vec model folder (config.yaml missing)")
        with contextlib.redirect_stdout(io.StringIO()):  # funasr prints a notice on import
            from funasr import AutoModel

            import torch

            # ncpu: FunASR 1.4 otherwise sets torch to 4 threads on load and before every generate
            # (funasr/auto/auto_model.py, build_model and _reset_runtime_configs), overriding train.num_threads
            self._model = AutoModel(model=str(folder), disable_update=True, log_level="ERROR", ncpu=torch.get_num_threads())
        self.dim = int(self(np.zeros(SAMPLE_RATE, dtype=np.float32)).shape[1])

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        with contextlib.redirect_stdout(io.StringIO()):
            result = self._model.generate(samples, granularity="frame", extract_embedding=True, disable_pbar=True)
        feats = np.asarray(result[0]["feats"], dtype=np.float32)
        return feats if feats.ndim == 2 else feats[None, :]


def make_extractor(config: FeatureConfig) -> FeatureExtractor:
    if config.kind == "emotion2vec":
        return Emotion2vecFrames(config)
    return LogMel(config)
