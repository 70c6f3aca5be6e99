"""Outside audio of any container is checked for its declared length and size before decoding, and decoded in
bounded memory, with the caps a WAV has: for a model's spoken answer, a submitted reply and an LLM judge's payload."""

from __future__ import annotations

import base64
import io
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile

from humdial_eval.inputs.audio_decode import MAX_DECODED_SAMPLES, DecodeRefused, decode
from humdial_eval.judges.acoustic.audio import AudioError, load_audio
from humdial_eval.llm.audio import AudioError as PayloadError
from humdial_eval.llm.audio import from_bytes
from humdial_eval.models.reply_audio import ReplyAudioError
from humdial_eval.models.reply_audio import decode as decode_reply


def flac(seconds: float = 0.5, rate: int = 16000, channels: int = 1, claimed_frames: int | None = None) -> bytes:
    """A small FLAC of a tone; ``claimed_frames`` rewrites the total its STREAMINFO header declares (36 bits)."""
    t = np.arange(int(seconds * rate)) / rate
    tone = np.repeat((0.3 * np.sin(2 * np.pi * 220 * t))[:, None], channels, axis=1).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, tone, rate, format="FLAC", subtype="PCM_16")
    data = bytearray(buffer.getvalue())
    if claimed_frames is not None:
        assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # the first block is STREAMINFO
        field = int.from_bytes(data[18:26], "big")
        field = field & ~((1 << 36) - 1) | claimed_frames
        data[18:26] = field.to_bytes(8, "big")
    return bytes(data)


def test_a_flac_header_claiming_2_to_the_36_frames_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = flac(claimed_frames=(1 << 36) - 1)
    assert len(bomb) < 20_000
    tracemalloc.start()
    try:
        with pytest.raises(DecodeRefused, match="exceeds the limit"):
            decode(bomb)
        with pytest.raises(ReplyAudioError, match="reply audio: .* exceeds the limit"):
            decode_reply(base64.b64encode(bomb))
        path = tmp_path / "reply_response.wav"
        path.write_bytes(bomb)
        with pytest.raises(AudioError, match="reply_response.wav: .* exceeds the limit"):
            load_audio(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_more_samples_than_a_wav_at_the_size_cap_are_refused_though_short_enough() -> None:
    frames = MAX_DECODED_SAMPLES // 2 + 1  # stereo: one frame past the cap, ~87 s at 192 kHz
    honest_sized = flac(rate=192000, channels=2, claimed_frames=frames)
    with pytest.raises(DecodeRefused, match=f"samples exceed the limit of {MAX_DECODED_SAMPLES}"):
        decode(honest_sized)


def test_a_header_understating_its_length_decodes_no_more_than_it_declares() -> None:
    data, rate, container = decode(flac(seconds=2.0, claimed_frames=8000))
    assert (data.shape, rate, container) == ((8000, 1), 16000, "FLAC")


def test_ordinary_audio_of_any_container_decodes() -> None:
    data, rate, container = decode(flac(seconds=0.5, rate=48000, channels=2))
    assert data.shape == (24000, 2) and rate == 48000 and container == "FLAC"
    buffer = io.BytesIO()
    soundfile.write(buffer, np.full((8000, 1), 0.1, dtype=np.float32), 16000, format="OGG", subtype="VORBIS")
    assert decode(buffer.getvalue())[0].shape[0] == 8000
    assert decode_reply(base64.b64encode(flac(seconds=0.5))).seconds == pytest.approx(0.5)


def test_an_llm_judge_is_not_sent_audio_outside_the_caps() -> None:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.full(1600, 0.1, dtype=np.float32), 4000, format="WAV", subtype="PCM_16")
    with pytest.raises(PayloadError, match="implausible sample rate of 4000 Hz"):
        from_bytes(buffer.getvalue())
