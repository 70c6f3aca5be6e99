"""`generate` onto a full disk: a clear error (exit 1), and once there is room again the same command resumes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.models.audio_server import AudioModelServer
from tests.models.conftest import GoldSet, write_profile
from tests.tiny_disk import tiny_disk


def test_a_full_disk_stops_generate_with_a_clear_error_and_a_rerun_resumes(
    tmp_path: Path, goldset: GoldSet, server: AudioModelServer, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = write_profile(tmp_path / "model.yaml", server.url)
    command = ["generate", "--model", str(profile), "--testset", str(goldset.path), "--no-progress",
               "--tasks", "T1,T3", "--languages", "en"]
    with tiny_disk(tmp_path / "disk", "16k") as disk:
        code = main([*command, "--out", str(disk / "out")])
        err = capsys.readouterr().err
        assert code == 1 and "no space left on the device" in err and "internal error" not in err, err
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        assert main([*command, "--out", str(disk / "out")]) == 0
        capsys.readouterr()
        assert main(["validate", str(disk / "out"), "--testset", str(goldset.path), "--tasks", "T1,T3",
                     "--languages", "en"]) == 0
