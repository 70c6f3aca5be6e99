"""Untrusted audio: every unusable file is one clear AudioError naming it; usable ones become mono 16 kHz."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from humdial_eval.judges.acoustic.audio import SAMPLE_RATE, AudioError, load_audio
from tests.judges.acoustic.signals import tone, write_wav


def test_stereo_44k_is_downmixed_and_resampled(tmp_path: Path) -> None:
    left = tone(440, 1.0, 0.5, rate=44_100)
    path = write_wav(tmp_path / "stereo.wav", np.stack([left, left * 0.0], axis=1), rate=44_100)
    audio = load_audio(path)
    assert audio.channels == 2 and audio.source_rate == 44_100
    assert audio.samples.dtype == np.float32
    assert audio.duration_s == pytest.approx(1.0, abs=0.01)
    assert np.max(np.abs(audio.samples)) == pytest.approx(0.25, abs=0.02)  # mean of the two channels


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", r"empty \(0 bytes\)"),
        (b"this is not audio at all" * 10, "not a readable audio file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a readable audio file"),  # truncated header
    ],
)
def test_broken_files_fail_with_their_name(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "reply_response.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=expected) as error:
        load_audio(path)
    assert "reply_response.wav" in str(error.value)


def test_nan_samples_are_refused(tmp_path: Path) -> None:
    signal = tone(200, 0.5)
    signal[100] = np.nan
    path = write_wav(tmp_path / "nan.wav", signal, subtype="FLOAT")
    with pytest.raises(AudioError, match="not finite"):
        load_audio(path)


def test_file_without_samples(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "none.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(AudioError, match="no samples"):
        load_audio(path)


def test_too_long_is_refused(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", tone(200, 3.0))
    with pytest.raises(AudioError, match="exceeds the limit of 2 s"):
        load_audio(path, max_seconds=2)


def test_header_claiming_eight_hours_reads_only_what_is_there(tmp_path: Path) -> None:
    """A header that announces 8 hours of 16 kHz audio over 1000 real samples: no 8-hour allocation."""
    frames = 8 * 3600 * SAMPLE_RATE
    data_bytes = frames * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
    header += b"data" + struct.pack("<I", data_bytes)
    path = tmp_path / "eight_hours.wav"
    path.write_bytes(header + b"\x00\x01" * 1000)
    assert len(load_audio(path).samples) == 1000


def test_eight_real_hours_are_refused_by_size(tmp_path: Path) -> None:
    """8 hours of 16-bit 16 kHz audio is ~920 MB; the byte limit refuses it before decoding (scaled down here)."""
    path = write_wav(tmp_path / "long.wav", tone(200, 2.0))
    with pytest.raises(AudioError, match="bytes exceeds the limit of 1000"):
        load_audio(path, max_bytes=1000)


def test_low_sample_rate_is_refused(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "low.wav", tone(200, 0.5, rate=4000), rate=4000)
    with pytest.raises(AudioError, match="below 8000 Hz"):
        load_audio(path)
