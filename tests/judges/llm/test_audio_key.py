"""The T3 cache key reuses the hash validation took of the recording, and only while the file is unchanged."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile
import yaml

from humdial_eval.inputs import file_digest
from humdial_eval.inputs.audio_check import check_content
from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm.samples import sample_item
from tests.judges.llm.helpers import FAST, make_judge

REPLY = sample_item("T3").response_text


@pytest.fixture(autouse=True)
def fresh() -> None:
    file_digest.forget_all()


def judge_and_task(tmp_path: Path):  # type: ignore[no-untyped-def]
    profile = tmp_path / "judge.yaml"  # no request is made: keys only
    profile.write_text(yaml.safe_dump({"backend": "openai", "model": "m", "audio": True, "base_url": "http://127.0.0.1:9/v1",
                                       **FAST}), encoding="utf-8")
    return make_judge(profile), task_class("T3")()


def recording(path: Path, seconds: float = 6.0, amplitude: float = 0.3, fmt: str = "WAV") -> Path:
    t = np.arange(int(seconds * 16000)) / 16000
    soundfile.write(str(path), (amplitude * np.sin(2 * np.pi * 200 * t)).astype(np.float32), 16000, format=fmt)
    return path


def key_read_afresh(judge, task, item) -> str:  # type: ignore[no-untyped-def]
    file_digest.forget_all()
    return judge.cache_key(item, task)


def test_key_from_validation_equals_key_from_reading_the_file(tmp_path: Path) -> None:
    judge, task = judge_and_task(tmp_path)
    item = replace(sample_item("T3"), response_audio=recording(tmp_path / "r.wav"))
    fresh_key = key_read_afresh(judge, task, item)
    assert check_content(item.response_audio, REPLY, "en") == []  # type: ignore[arg-type]
    assert file_digest.known(item.response_audio) is not None  # type: ignore[arg-type]
    assert judge.cache_key(item, task) == fresh_key


def test_a_recording_changed_after_validation_gets_its_new_key(tmp_path: Path) -> None:
    judge, task = judge_and_task(tmp_path)
    path = recording(tmp_path / "r.wav")
    item = replace(sample_item("T3"), response_audio=path)
    check_content(path, REPLY, "en")
    before_change = judge.cache_key(item, task)
    stat = os.stat(path)
    recording(tmp_path / "other.wav", amplitude=0.2)
    path.write_bytes((tmp_path / "other.wav").read_bytes())  # same size, same inode
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after_change = judge.cache_key(item, task)
    assert after_change != before_change
    assert after_change == key_read_afresh(judge, task, item)


def test_a_recording_the_judge_refuses_keys_the_same_either_way(tmp_path: Path) -> None:
    """A FLAC (validation would refuse it; scoring goes on): the key says 'unsendable', with or without the record."""
    judge, task = judge_and_task(tmp_path)
    item = replace(sample_item("T3"), response_audio=recording(tmp_path / "r.flac", fmt="FLAC"))
    fresh_key = key_read_afresh(judge, task, item)
    check_content(item.response_audio, REPLY, "en")  # type: ignore[arg-type]
    assert file_digest.known(item.response_audio).wav.format == "FLAC"  # type: ignore[arg-type, union-attr]
    assert judge.cache_key(item, task) == fresh_key
    assert "unsendable" in judge.request(item, task)
