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

import json
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


class MeterError(ValueError):
    """A consistency meter file that cannot be used; the message names the file."""


class ConsistencyMeter:
    FILE = "meter.json"
    LEGACY_FILE = "meter.pkl"  # written by earlier versions as a pickle: never loaded (a pickle can run code)
    MAX_BYTES = 64 * 1024 * 1024

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
        """The fitted numbers only, as JSON: a meter is read back from a checkpoint, which may come from anyone."""
        vectorizer, text_model = self.text.steps[0][1], self.text.steps[1][1]
        scaler, speech_model = self.speech.steps[0][1], self.speech.steps[1][1]
        data = {
            "format": 1,
            "text": {"vocabulary": {k: int(v) for k, v in vectorizer.vocabulary_.items()},
                     "idf": vectorizer.idf_.tolist(), "classifier": _linear(text_model)},
            "speech": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(), "classifier": _linear(speech_model)},
        }
        (folder / self.FILE).write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "ConsistencyMeter":
        path = folder / cls.FILE
        if not path.is_file():
            if (folder / cls.LEGACY_FILE).exists():
                raise MeterError(f"{folder / cls.LEGACY_FILE}: a pickled meter from an earlier version; it is not loaded, "
                                 "because unpickling a file can run code. Re-train the checkpoint (or pass --no-consistency)")
            raise MeterError(f"{path}: missing; the checkpoint has no consistency meter (pass --no-consistency)")
        try:
            with open(path, "rb") as handle:
                raw = handle.read(cls.MAX_BYTES + 1)
            if len(raw) > cls.MAX_BYTES:
                raise MeterError(f"{path}: larger than {cls.MAX_BYTES} bytes; refused")
            return cls._from_dict(json.loads(raw.decode("utf-8")))
        except MeterError:
            raise
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise MeterError(f"{path}: not a consistency meter written by this version ({type(exc).__name__}: {exc})"[:400]) from exc

    @classmethod
    def _from_dict(cls, data: Any) -> "ConsistencyMeter":
        if not isinstance(data, dict) or data.get("format") != 1:
            raise ValueError("unknown format")
        meter = cls()
        vectorizer, text_model = meter.text.steps[0][1], meter.text.steps[1][1]
        scaler, speech_model = meter.speech.steps[0][1], meter.speech.steps[1][1]
        vocabulary = data["text"]["vocabulary"]
        if not isinstance(vocabulary, dict) or not all(isinstance(k, str) and type(v) is int for k, v in vocabulary.items()):
            raise ValueError("text.vocabulary must map strings to integers")
        if sorted(vocabulary.values()) != list(range(len(vocabulary))):
            raise ValueError("text.vocabulary must number its entries 0..n-1")
        vectorizer.set_params(vocabulary=vocabulary)
        vectorizer.idf_ = _floats(data["text"]["idf"], (len(vocabulary),), "text.idf")
        _set_linear(text_model, data["text"]["classifier"], len(vocabulary), "text.classifier")
        mean = _floats(data["speech"]["mean"], None, "speech.mean")
        scaler.mean_ = mean
        scaler.scale_ = _floats(data["speech"]["scale"], mean.shape, "speech.scale")
        scaler.var_ = scaler.scale_**2
        scaler.n_features_in_ = len(mean)
        _set_linear(speech_model, data["speech"]["classifier"], len(mean), "speech.classifier")
        return meter


def _linear(model: Any) -> dict[str, Any]:
    return {"classes": [str(c) for c in model.classes_], "coef": model.coef_.tolist(), "intercept": model.intercept_.tolist()}


def _set_linear(model: Any, data: Any, features: int, where: str) -> None:
    classes = data["classes"]
    if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"{where}.classes must list at least two labels")
    rows = 1 if len(classes) == 2 else len(classes)
    model.classes_ = np.asarray(classes)
    model.coef_ = _floats(data["coef"], (rows, features), f"{where}.coef")
    model.intercept_ = _floats(data["intercept"], (rows,), f"{where}.intercept")
    model.n_features_in_ = features


def _floats(value: Any, shape: tuple[int, ...] | None, where: str) -> np.ndarray:
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list of numbers")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where} must hold numbers only") from exc
    if (shape is not None and array.shape != shape) or (shape is None and array.ndim != 1) or not np.isfinite(array).all():
        raise ValueError(f"{where}: expected {shape or 'a flat list'} of finite numbers, got shape {array.shape}")
    return array
