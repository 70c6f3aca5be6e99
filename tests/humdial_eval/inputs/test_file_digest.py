"""A file's hash is worked out once per run, and never outlives a change to the file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from humdial_eval.inputs import file_digest
from humdial_eval.inputs.audio_check import check_content
from humdial_eval.inputs.inputfiles import InputFileError
from humdial_eval.benchmark.judgment import file_sha256


@pytest.fixture(autouse=True)
def fresh() -> None:
    file_digest.forget_all()


def test_the_hash_is_the_file_contents_hash(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 3_000_000)
    assert file_sha256(path) == hashlib.sha256(b"x" * 3_000_000).hexdigest()
    assert file_digest.known(path) is not None


def test_a_file_rewritten_in_place_with_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"first version")
    first = file_sha256(path)
    before = os.stat(path)
    with path.open("r+b") as handle:  # same size, same inode
        handle.write(b"other version")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # modification time set back; ctime cannot be
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert file_sha256(path) == hashlib.sha256(b"other version").hexdigest() != first


def test_a_file_replaced_by_another_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"one")
    file_sha256(path)
    other = tmp_path / "b.bin"
    other.write_bytes(b"two")
    os.replace(other, path)
    assert file_sha256(path) == hashlib.sha256(b"two").hexdigest()


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError):
        file_sha256(fifo)


def test_the_audio_check_records_the_hash_and_header_of_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "r.wav"
    soundfile.write(str(path), (0.3 * np.sin(np.arange(48000) / 9)).astype(np.float32), 16000, subtype="PCM_16")
    assert check_content(path, "I am so sorry to hear that, it must be hard.", "en") == []
    known = file_digest.known(path)
    assert known is not None and known.wav is not None
    assert known.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (known.wav.format, known.wav.frames, known.wav.sample_rate, known.wav.channels) == ("WAV", 48000, 16000, 1)
    path.write_bytes(path.read_bytes()[:-2000])  # changed: the record no longer applies
    assert file_digest.known(path) is None
