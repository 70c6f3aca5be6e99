"""Discrete speech units of the reply and the way back from units to a waveform.

Units are the nearest centroids of a k-means codebook over log-mel frames of reply speech (25 frames
a second by default). The speech head predicts them; :class:`GriffinLimVocoder` turns them back into
sound by looking up each centroid's mel frame and inverting it with Griffin-Lim (librosa), which
needs no trained weights. That is enough to carry the prosody a listener hears as emotion (pitch
region, loudness, rhythm), though not natural-sounding speech: a real system plugs a codec or neural
vocoder in through ``units.vocoder: module:factory`` (see :func:`load_vocoder`).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

import numpy as np

from humdial_eval.reference_model.config import UnitConfig

SAMPLE_RATE = 16000


class UnitCodec:
    FILE = "codebook.npy"

    def __init__(self, config: UnitConfig, centroids: np.ndarray | None = None) -> None:
        import librosa

        self.config = config
        self.centroids = centroids
        self.filterbank = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=config.n_fft, n_mels=config.n_mels)

    def mel(self, samples: np.ndarray) -> np.ndarray:
        """[frames, n_mels] natural-log power mel at the unit frame rate."""
        import librosa

        if len(samples) < self.config.n_fft:
            samples = np.pad(samples, (0, self.config.n_fft - len(samples)))
        power = np.abs(librosa.stft(samples, n_fft=self.config.n_fft, hop_length=self.config.hop_length)) ** 2
        return np.log(self.filterbank @ power + 1e-6).T.astype(np.float32)

    def fit(self, mels: list[np.ndarray], seed: int = 0) -> None:
        from sklearn.cluster import MiniBatchKMeans

        frames = np.concatenate(mels, axis=0)
        if len(frames) < self.config.codebook_size:
            raise ValueError(f"{len(frames)} mel frames cannot fit a codebook of {self.config.codebook_size} units")
        kmeans = MiniBatchKMeans(
            n_clusters=self.config.codebook_size, random_state=seed, n_init=3, batch_size=2048, max_iter=50
        )
        kmeans.fit(frames)
        self.centroids = kmeans.cluster_centers_.astype(np.float32)

    def encode(self, samples: np.ndarray) -> np.ndarray:
        return self.encode_mel(self.mel(samples))

    def encode_mel(self, mel: np.ndarray) -> np.ndarray:
        centroids = self._require()
        distances = ((mel[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)
        return distances.argmin(axis=1).astype(np.int64)

    def decode_mel(self, units: np.ndarray) -> np.ndarray:
        return self._require()[np.asarray(units, dtype=np.int64)]

    def save(self, folder: Path) -> None:
        np.save(folder / self.FILE, self._require())

    @classmethod
    def load(cls, folder: Path, config: UnitConfig) -> "UnitCodec":
        centroids = np.load(folder / cls.FILE)
        if centroids.shape != (config.codebook_size, config.n_mels):
            raise ValueError(f"{folder / cls.FILE}: shape {centroids.shape} does not match the units config")
        return cls(config, centroids.astype(np.float32))

    def _require(self) -> np.ndarray:
        if self.centroids is None:
            raise RuntimeError("the unit codebook has not been fitted")
        return self.centroids


class Vocoder(Protocol):
    def __call__(self, units: np.ndarray) -> tuple[np.ndarray, int]:
        """(float32 mono samples, sample rate) for a sequence of unit ids."""
        ...


class GriffinLimVocoder:
    def __init__(self, codec: UnitCodec) -> None:
        self.codec = codec
        # A pseudo-inverse of the mel filterbank: much faster than librosa's per-call NNLS, and the
        # clipped result is as good a magnitude estimate for Griffin-Lim to start from.
        self._inverse = np.linalg.pinv(codec.filterbank)

    def __call__(self, units: np.ndarray) -> tuple[np.ndarray, int]:
        import librosa

        config = self.codec.config
        if len(units) == 0:
            return np.zeros(0, dtype=np.float32), SAMPLE_RATE
        power = np.exp(self.codec.decode_mel(units)).T
        magnitude = np.sqrt(np.maximum(self._inverse @ power, 0.0))
        samples = librosa.griffinlim(
            magnitude, n_iter=config.griffin_lim_iters, hop_length=config.hop_length, n_fft=config.n_fft,
            random_state=0,
        )
        peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
        if peak > 0.99:
            samples = samples / peak * 0.99
        return samples.astype(np.float32), SAMPLE_RATE


def load_vocoder(codec: UnitCodec) -> Vocoder:
    """``griffinlim``, or ``module:factory`` where ``factory(codec)`` returns a :class:`Vocoder`."""
    spec = codec.config.vocoder
    if spec == "griffinlim":
        return GriffinLimVocoder(codec)
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"units.vocoder {spec!r}: expected griffinlim or module:factory")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(codec)
