"""Fixtures of the generation tests: a test set whose every user turn has its own audio, and a model server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_dataset, write_wav
from tests.models.audio_server import AudioModelServer


@dataclass
class GoldSet:
    path: Path
    labels: dict[str, str]  # sha256 of a user WAV -> "dialogue_id:turn_id"
    dialogues: dict[str, list[str]]  # dialogue_id -> its turn labels, in order


def build_goldset(root: Path) -> GoldSet:
    """The shared bilingual test set, with a distinct tone per user turn so a server can tell turns apart."""
    testset = build_dataset(root).testset
    labels: dict[str, str] = {}
    dialogues: dict[str, list[str]] = {}
    index = 0
    for jsonl in sorted(testset.glob("*/HD-Track1-T*.jsonl")):
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for turn in record["turns"]:
                index += 1
                wav = write_wav(jsonl.parent / turn["split_audio_file"], seconds=0.2 + 0.01 * index)
                label = f"{record['dialogue_id']}:{turn['turn_id']}"
                labels[hashlib.sha256(wav.read_bytes()).hexdigest()] = label
                dialogues.setdefault(record["dialogue_id"], []).append(label)
    return GoldSet(testset, labels, dialogues)


def label_testset(root: Path) -> dict[str, str]:
    """Hash -> "dialogue_id:turn_id" for every user WAV of a test set whose recordings are all distinct."""
    labels: dict[str, str] = {}
    for jsonl in sorted(root.rglob("HD-Track1-T*.jsonl")):
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for turn in record["turns"]:
                digest = hashlib.sha256((jsonl.parent / turn["split_audio_file"]).read_bytes()).hexdigest()
                assert digest not in labels, "two turns share a recording"
                labels[digest] = f"{record['dialogue_id']}:{turn['turn_id']}"
    return labels


@pytest.fixture
def goldset(tmp_path: Path) -> GoldSet:
    return build_goldset(tmp_path / "gold")


@pytest.fixture
def server(goldset: GoldSet) -> Iterator[AudioModelServer]:
    running = AudioModelServer(goldset.labels).start()
    yield running
    running.stop()


def write_profile(path: Path, url: str, **fields: object) -> Path:
    settings = {
        "backend": "openai", "model": "scripted-audio", "base_url": url, "input": "audio", "output_audio": True,
        "voice": "alloy", "temperature": 0.7, "concurrency": 4, "request_timeout": 5, "max_retries": 3,
        "backoff_base": 0.01, "backoff_max": 0.05, **fields,
    }
    path.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items()), encoding="utf-8")
    return path
