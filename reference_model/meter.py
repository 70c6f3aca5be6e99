"""The text-speech emotion consistency measure used to evaluate a trained model.

Consistency of a reply = the emotion a *speech* classifier hears in the reply's waveform equals the
emotion a *text* classifier reads in the reply's text. Both classifiers are fitted on the training
data's ground truth (reply texts and the codec-resynthesised reply speech, each labelled with the
reply's emotion), never on model outputs, and neither is the critic the model trains against, so
the measure cannot be gamed by the consistency loss directly. The speech classifier sees prosody
statistics of the waveform that is actually submitted (pitch, loudness, spectrum, rhythm).
Alongside the agreement, ``chance`` is the agreement expected if voice and text were independent
(from how often each classifier says each emotion) and ``kappa`` is Cohen's kappa,
(agreement - chance) / (1 - chance).
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000


def voice_features(samples: np.ndarray) -> np.ndarray:
    """Prosody statistics of one waveform: mel band means/stds, loudness, pitch and rhythm."""
    import librosa

    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) < 2048:
        samples = np.pad(samples, (0, 2048 - len(samples)))
    mel = np.log(librosa.feature.melspectrogram(y=samples, sr=SAMPLE_RATE, n_fft=512, hop_length=160, n_mels=32) + 1e-6)
    rms = librosa.feature.rms(y=samples, frame_length=512, hop_length=160)[0]
    voiced = rms > 0.1 * (rms.max() or 1.0)
    f0 = librosa.yin(samples, fmin=60, fmax=600, sr=SAMPLE_RATE, frame_length=1024, hop_length=160)
    f0 = f0[: len(voiced)][voiced[: len(f0)]] if voiced.any() else f0
    log_f0 = np.log(np.maximum(f0, 1.0))
    # Syllable rate: rises of the loudness envelope through its median, per second.
    above = rms > np.median(rms)
    onsets = np.flatnonzero(above[1:] & ~above[:-1])
    seconds = len(samples) / SAMPLE_RATE
    stats = [
        rms.mean(), rms.std(), rms.max(), voiced.mean(), log_f0.mean(), log_f0.std(),
        np.percentile(log_f0, 90) - np.percentile(log_f0, 10), len(onsets) / seconds, seconds,
    ]
    return np.concatenate([mel.mean(axis=1), mel.std(axis=1), np.asarray(stats, dtype=np.float64)]).astype(np.float64)


@dataclass
class Consistency:
    agreement: float  # share of replies whose voice and text carry the same emotion
    chance: float  # the agreement expected if voice and text were independent
    n: int
    speech_labels: list[str]
    text_labels: list[str]

    def to_dict(self) -> dict[str, Any]:
        kappa = (self.agreement - self.chance) / (1 - self.chance) if self.chance < 1 else float("nan")
        return {
            "agreement": self.agreement, "chance": self.chance, "kappa": kappa, "n": self.n,
            "speech_distribution": dict(Counter(self.speech_labels)),
            "text_distribution": dict(Counter(self.text_labels)),
        }


class ConsistencyMeter:
    FILE = "meter.pkl"

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.text = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)), LogisticRegression(max_iter=2000)
        )
        self.speech = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.5))

    def fit(self, texts: Sequence[str], text_labels: Sequence[str], waves: Sequence[np.ndarray], wave_labels: Sequence[str]) -> None:
        self.text.fit(list(texts), list(text_labels))
        self.speech.fit(np.stack([voice_features(w) for w in waves]), list(wave_labels))

    def text_emotion(self, texts: Sequence[str]) -> list[str]:
        return [str(x) for x in self.text.predict(list(texts))]

    def speech_emotion(self, waves: Sequence[np.ndarray]) -> list[str]:
        return [str(x) for x in self.speech.predict(np.stack([voice_features(w) for w in waves]))]

    def measure(self, texts: Sequence[str], waves: Sequence[np.ndarray]) -> Consistency:
        if not texts:
            return Consistency(float("nan"), float("nan"), 0, [], [])
        text_labels = self.text_emotion(texts)
        speech_labels = self.speech_emotion(waves)
        n = len(texts)
        agreement = sum(a == b for a, b in zip(text_labels, speech_labels)) / n
        text_share, speech_share = Counter(text_labels), Counter(speech_labels)
        chance = sum(text_share[c] / n * speech_share[c] / n for c in text_share)
        return Consistency(agreement, chance, n, speech_labels, text_labels)

    def save(self, folder: Path) -> None:
        with open(folder / self.FILE, "wb") as handle:
            pickle.dump({"text": self.text, "speech": self.speech}, handle)

    @classmethod
    def load(cls, folder: Path) -> "ConsistencyMeter":
        meter = cls.__new__(cls)
        with open(folder / cls.FILE, "rb") as handle:  # our own file, written by save()
            parts = pickle.load(handle)
        meter.text, meter.speech = parts["text"], parts["speech"]
        return meter
