"""A journal whose reply audio went missing or was emptied is a clear error naming the file (exit 1), not exit 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.models.audio_server import AudioModelServer
from tests.models.conftest import GoldSet, write_profile


@pytest.mark.parametrize("damage", ["missing", "empty", "not audio"])
def test_damaged_journal_audio_is_a_clear_error(tmp_path: Path, goldset: GoldSet, server: AudioModelServer,
                                                damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    command = ["generate", "--model", str(profile), "--testset", str(goldset.path), "--out", str(tmp_path / "out"),
               "--no-progress", "--tasks", "T3", "--languages", "en"]
    assert main(command) == 0
    journal = tmp_path / "out" / "generation" / "journal.jsonl"
    spoken = next(json.loads(line)["audio"] for line in journal.read_text().splitlines()[1:] if json.loads(line).get("audio"))
    audio = journal.parent / spoken
    if damage == "missing":
        audio.unlink()
    else:
        audio.write_bytes(b"" if damage == "empty" else b"RIFF....WAVEjunk")
    capsys.readouterr()
    assert main(command) == 1
    err = capsys.readouterr().err
    assert str(audio.name) in err and ("is missing" if damage == "missing" else "cannot be read") in err
    assert "internal error" not in err
