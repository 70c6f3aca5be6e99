"""Synthetic voices whose prosody carries the emotion: a pure-numpy one and one through espeak-ng.

The numpy voice needs nothing outside numpy, so tests and CI can make speech anywhere: each syllable
is a harmonic tone shaped by two vowel formants, and the emotion sets pitch level and movement,
speaking rate, loudness, breathiness, brightness and tremor (the cues listeners use for vocal
emotion). It carries no words a model could learn to recognise, only the voice. The espeak-ng voice
speaks the actual text with the same emotion-to-prosody mapping applied through its pitch, speed
and amplitude options, for data where the words matter.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Prosody:
    """Emotion-dependent settings; numbers are multipliers or amounts relative to a calm voice."""

    pitch: float  # multiplier of the speaker's base f0
    pitch_range: float  # semitones a syllable's pitch moves
    rate: float  # syllables per second, relative
    energy: float  # loudness, 0..1
    slope: float  # semitones the pitch rises (+) or falls (-) over the utterance
    jitter: float  # irregularity of f0
    breath: float  # share of noise in the signal
    brightness: float  # 0 dull .. 1 bright (strength of upper harmonics)
    tremolo: float  # depth of a 6 Hz loudness tremor


PROSODY: dict[str, Prosody] = {
    "neutral": Prosody(1.00, 1.0, 1.00, 0.50, -2.0, 0.00, 0.05, 0.50, 0.00),
    "happy": Prosody(1.25, 4.0, 1.15, 0.75, 2.0, 0.00, 0.03, 0.75, 0.00),
    "sad": Prosody(0.82, 0.7, 0.72, 0.30, -4.0, 0.00, 0.35, 0.25, 0.00),
    "anger": Prosody(1.10, 2.5, 1.25, 1.00, -1.0, 0.01, 0.10, 1.00, 0.00),
    "fear": Prosody(1.35, 1.5, 1.35, 0.45, 1.0, 0.04, 0.20, 0.50, 0.35),
    "surprise": Prosody(1.30, 5.0, 1.00, 0.80, 6.0, 0.00, 0.05, 0.70, 0.00),
    "disgust": Prosody(0.90, 2.0, 0.85, 0.55, -3.0, 0.02, 0.15, 0.40, 0.00),
}

# (F1, F2) of five vowels; a syllable's vowel is picked from its text, so the same word sounds the same.
_VOWELS = ((730.0, 1090.0), (530.0, 1840.0), (270.0, 2290.0), (570.0, 840.0), (300.0, 870.0))


@dataclass(frozen=True)
class Speaker:
    """A synthetic voice. ``gender`` and ``age`` are the labels stage 1 learns to hear; ``senior`` voices
    get a shakier, breathier phonation and ``young`` ones a slightly quicker delivery."""

    base_f0: float  # Hz
    formant_shift: float  # vocal tract scale (about 0.85 for deep voices, 1.15 for small ones)
    gender: str = "unknown"  # female | male
    age: str = "unknown"  # young | adult | senior
    name: str = "custom"

    @classmethod
    def draw(cls, rng: np.random.Generator) -> "Speaker":
        """One voice of :data:`VOICES`, uniformly."""
        return VOICES[int(rng.integers(len(VOICES)))]


GENDERS = ("female", "male")
AGES = ("young", "adult", "senior")
# (f0 range in Hz, formant shift range) per gender and age; real voices overlap much more than this.
_VOICE_RANGES = {
    ("female", "young"): ((225.0, 255.0), (1.10, 1.16)), ("female", "adult"): ((195.0, 220.0), (1.05, 1.10)),
    ("female", "senior"): ((170.0, 190.0), (1.02, 1.07)), ("male", "young"): ((130.0, 150.0), (0.93, 0.98)),
    ("male", "adult"): ((108.0, 125.0), (0.88, 0.93)), ("male", "senior"): ((92.0, 105.0), (0.85, 0.90)),
}


def _voice_bank(per_group: int = 4) -> tuple[Speaker, ...]:
    """``per_group`` voices per (gender, age), spread evenly over the group's ranges: 24 by default."""
    bank = []
    for (gender, age), ((f_lo, f_hi), (s_lo, s_hi)) in _VOICE_RANGES.items():
        for i in range(per_group):
            at = i / max(per_group - 1, 1)
            shift = s_lo + (s_hi - s_lo) * ((i * 2) % per_group) / max(per_group - 1, 1)
            bank.append(Speaker(f_lo + (f_hi - f_lo) * at, shift, gender, age, f"{gender[0]}_{age}_{i}"))
    return tuple(bank)


VOICES: tuple[Speaker, ...] = _voice_bank()
ASSISTANT = Speaker(base_f0=190.0, formant_shift=1.0, gender="female", age="adult", name="assistant")

# The delivery settings are kept smaller than the emotions' own differences (PROSODY): at the first
# version's sizes (rate x0.75..1.35, +-4 semitones, energy x0.45..1.7, seniors given fear's tremolo and
# sad's breathiness) the style drowned the emotion cues and the tiny model stopped hearing emotion.
RATE_LEVELS = {"slow": 0.87, "normal": 1.0, "fast": 1.15}  # multiplier of the syllable rate
ENERGY_LEVELS = {"soft": 0.6, "normal": 1.0, "loud": 1.4}  # multiplier of the peak amplitude
PITCH_LEVELS = {"low": -2.0, "mid": 0.0, "high": 2.0}  # semitones added to the speaker's pitch


@dataclass(frozen=True)
class Style:
    """How one utterance is delivered, on top of the emotion: the speaking-rate, energy and pitch settings."""

    rate: str = "normal"
    energy: str = "normal"
    pitch: str = "mid"

    @classmethod
    def draw(cls, rng: np.random.Generator) -> "Style":
        return cls(
            str(rng.choice(list(RATE_LEVELS))), str(rng.choice(list(ENERGY_LEVELS))), str(rng.choice(list(PITCH_LEVELS)))
        )


PLAIN = Style()


class Voice(Protocol):
    name: str

    def synthesize(
        self, text: str, language: str, emotion: str, speaker: Speaker, rng: np.random.Generator, style: Style = PLAIN
    ) -> np.ndarray:
        """Float32 mono samples at 16 kHz."""
        ...


class NumpyVoice:
    """Harmonic tones with emotion-dependent prosody (see the module docstring)."""

    name = "numpy"

    def __init__(self, *, max_syllables: int | None = 12, variation: float = 0.12, syllable_seconds: float = 0.17) -> None:
        self.max_syllables = max_syllables
        self.variation = variation
        self.syllable_seconds = syllable_seconds

    def synthesize(
        self, text: str, language: str, emotion: str, speaker: Speaker, rng: np.random.Generator, style: Style = PLAIN
    ) -> np.ndarray:
        p = _apply(_vary(PROSODY[emotion], self.variation, rng), style, speaker)
        syllables = syllabify(text, language)[: self.max_syllables] or ["a"]  # None: every syllable
        pieces = [np.zeros(int(rng.uniform(0.08, 0.16) * SAMPLE_RATE), dtype=np.float64)]
        n = len(syllables)
        for index, syllable in enumerate(syllables):
            position = index / max(n - 1, 1)
            seconds = self.syllable_seconds / p.rate * rng.uniform(0.8, 1.2)
            pieces.append(self._syllable(syllable, seconds, position, p, speaker, rng))
            pieces.append(np.zeros(int(rng.uniform(0.02, 0.05) / p.rate * SAMPLE_RATE)))
        pieces.append(np.zeros(int(rng.uniform(0.08, 0.16) * SAMPLE_RATE)))
        signal = np.concatenate(pieces)
        peak = float(np.max(np.abs(signal))) or 1.0
        # scaled so that the loudest emotion at the loudest setting stays below full scale (no clipped level)
        level = (0.1 + 0.5 * p.energy) * ENERGY_LEVELS[style.energy]
        return (signal / peak * min(level, 0.98)).astype(np.float32)

    def _syllable(
        self, syllable: str, seconds: float, position: float, p: Prosody, speaker: Speaker, rng: np.random.Generator
    ) -> np.ndarray:
        n = max(int(seconds * SAMPLE_RATE), 64)
        t = np.arange(n) / SAMPLE_RATE
        start = p.slope * position + rng.uniform(-p.pitch_range, p.pitch_range) / 2
        end = start + rng.uniform(-p.pitch_range, p.pitch_range)
        semitones = np.linspace(start, end, n)
        if p.jitter:
            wobble = np.interp(np.arange(n), np.linspace(0, n, max(n // 400, 2)), rng.normal(0, 1, max(n // 400, 2)))
            semitones = semitones + 12 * p.jitter * wobble
        f0 = speaker.base_f0 * p.pitch * 2.0 ** (semitones / 12.0)
        phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
        f1, f2 = _VOWELS[zlib.crc32(syllable.encode("utf-8")) % len(_VOWELS)]
        f1, f2 = f1 * speaker.formant_shift, f2 * speaker.formant_shift
        signal = np.zeros(n)
        tilt = 0.55 + 0.4 * p.brightness
        mean_f0 = float(np.mean(f0))
        for h in range(1, int(min(7000.0 / mean_f0, 40)) + 1):
            freq = h * mean_f0
            formant = np.exp(-((freq - f1) / 160.0) ** 2) + 0.7 * np.exp(-((freq - f2) / 220.0) ** 2) + 0.05
            signal += tilt ** (h - 1) * formant * np.sin(h * phase)
        signal /= np.max(np.abs(signal)) or 1.0
        if p.breath:
            signal = (1 - p.breath) * signal + p.breath * rng.normal(0, 0.5, n)
        envelope = np.sin(np.pi * np.clip(t / seconds, 0, 1)) ** 0.6
        if p.tremolo:
            envelope = envelope * (1 - p.tremolo * (0.5 + 0.5 * np.sin(2 * np.pi * 6.0 * t)))
        return signal * envelope


def _apply(p: Prosody, style: Style, speaker: Speaker) -> Prosody:
    """The utterance's style and the speaker's age on top of the emotion's prosody."""
    rate = p.rate * RATE_LEVELS[style.rate] * (1.08 if speaker.age == "young" else 1.0)
    pitch = p.pitch * 2.0 ** (PITCH_LEVELS[style.pitch] / 12.0)
    if speaker.age == "senior":  # slower and a little rougher, but not with fear's tremor or sadness's breath
        return replace(p, rate=rate * 0.92, pitch=pitch, jitter=p.jitter + 0.01, breath=min(p.breath + 0.04, 0.9))
    return replace(p, rate=rate, pitch=pitch)


def _vary(p: Prosody, amount: float, rng: np.random.Generator) -> Prosody:
    """Every utterance differs a little, so emotion is a tendency to learn, not a lookup."""

    def jitter(value: float) -> float:
        return value * float(rng.uniform(1 - amount, 1 + amount))

    return Prosody(
        pitch=jitter(p.pitch), pitch_range=jitter(p.pitch_range), rate=jitter(p.rate),
        energy=min(jitter(p.energy), 1.0), slope=jitter(p.slope), jitter=jitter(p.jitter),
        breath=min(jitter(p.breath), 0.9), brightness=min(jitter(p.brightness), 1.0), tremolo=jitter(p.tremolo),
    )


_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z']+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+", re.IGNORECASE)


def syllabify(text: str, language: str) -> list[str]:
    """Rough syllables: one per Han character; vowel groups of each English word."""
    if language == "zh" or _CJK.search(text):
        return _CJK.findall(text) or [w.lower() for w in _WORD.findall(text)]
    out: list[str] = []
    for word in _WORD.findall(text):
        groups = _VOWEL_GROUP.findall(word.lower()) or [word.lower()]
        out.extend(f"{word.lower()}:{i}:{g}" for i, g in enumerate(groups))
    return out


class EspeakVoice:
    """espeak-ng speaking the text; Mandarin goes through pinyin with tone digits (pypinyin)."""

    name = "espeak"

    def __init__(self, executable: str = "espeak-ng") -> None:
        found = shutil.which(executable)
        if found is None:
            raise RuntimeError(f"{executable} not found on PATH; install espeak-ng or use the numpy voice")
        self.executable = found

    def synthesize(
        self, text: str, language: str, emotion: str, speaker: Speaker, rng: np.random.Generator, style: Style = PLAIN
    ) -> np.ndarray:
        import librosa

        p = _apply(_vary(PROSODY[emotion], 0.08, rng), style, speaker)
        pitch = int(np.clip(50 * p.pitch * speaker.base_f0 / 160.0, 0, 99))
        speed = int(np.clip(165 * p.rate, 80, 450))
        amplitude = int(np.clip((40 + 140 * p.energy) * ENERGY_LEVELS[style.energy], 10, 200))
        voice, spoken = ("en", text) if language == "en" else ("cmn-latn-pinyin", to_pinyin(text))
        command = [self.executable, "-v", voice, "-p", str(pitch), "-s", str(speed), "-a", str(amplitude), "--stdout"]
        result = subprocess.run(command, input=spoken.encode("utf-8"), capture_output=True, timeout=60, check=False)
        if result.returncode != 0 or len(result.stdout) <= 44:
            raise RuntimeError(f"espeak-ng failed on {text!r}: {result.stderr.decode(errors='replace').strip()}")
        samples, rate = _read_wav_bytes(result.stdout)
        return librosa.resample(samples, orig_sr=rate, target_sr=SAMPLE_RATE).astype(np.float32)


def to_pinyin(text: str) -> str:
    """Hanzi -> pinyin syllables with tone digits, the input espeak-ng's Mandarin voice reads correctly."""
    from pypinyin import Style, lazy_pinyin

    text = text.translate(str.maketrans("，。！？；：、", ",.!?;:,"))
    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


def _read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    import io

    import soundfile

    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return samples, int(rate)


def make_voice(name: str, *, whole_text: bool = False) -> Voice:
    """``whole_text``: speak every syllable (reply speech targets, which must say the whole reply); the
    numpy voice otherwise stops after 12 syllables, enough for a user turn's prosody."""
    if name == "numpy":
        return NumpyVoice(max_syllables=None) if whole_text else NumpyVoice()
    if name == "espeak":
        return EspeakVoice()
    raise ValueError(f"unknown voice {name!r}; choose numpy or espeak")
