"""The checks a reply's audio passes before it is saved as a response."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import soundfile

from humdial_eval.models.reply_audio import ReplyAudioError, decode
from tests.models.audio_server import wav_bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _wav(samples: np.ndarray, rate: int, subtype: str = "FLOAT") -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def test_speech_of_any_usual_rate_and_layout_is_accepted() -> None:
    stereo = decode(_b64(wav_bytes(0.4, channels=2, rate=48000)))
    assert (stereo.sample_rate, stereo.channels, stereo.samples.shape) == (48000, 2, (19200, 2))
    mono = decode(_b64(wav_bytes(0.4, rate=24000)))
    assert mono.samples.ndim == 1 and abs(mono.seconds - 0.4) < 1e-6


@pytest.mark.parametrize(("data", "reason"), [
    ("%%%not base64", "not valid base64"),
    (_b64(b""), "empty"),
    (_b64(b"RIFF\x10\x00\x00\x00WAVEjunk"), "not a readable audio file"),
    (_b64(_wav(np.zeros(16000, dtype=np.float32), 16000)), "pure silence"),
    (_b64(_wav(np.full(16000, np.nan, dtype=np.float32), 16000)), "NaN"),
    (_b64(_wav(np.full(10, 0.1, dtype=np.float32), 16000)), "holds no speech"),
    (_b64(_wav(np.full(4000, 0.1, dtype=np.float32), 4000)), "implausible sample rate"),
])
def test_what_is_not_speech_is_refused_with_the_reason(data: str, reason: str) -> None:
    with pytest.raises(ReplyAudioError, match=reason):
        decode(data)
