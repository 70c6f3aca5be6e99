"""``humdial-eval view``: export, the served page, and clear errors for what is not a run folder."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.humdial_eval.view.runs import REPO, sample_run


def test_export_embeds_audio_or_not_and_states_the_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = sample_run(tmp_path)
    capsys.readouterr()
    assert main(["view", str(run), "--export", str(tmp_path / "full.html")]) == 0
    said = capsys.readouterr().out
    assert re.search(r"full\.html \(\d+\.\d\d MiB, \d+ recording\(s\) embedded\)", said)
    assert main(["view", str(run), "--export", str(tmp_path / "small.html"), "--no-audio"]) == 0
    full, small = (tmp_path / "full.html").read_text(), (tmp_path / "small.html").read_text()
    assert "data:audio/wav;base64," in full and "data:audio/wav" not in small and "file:///" not in small
    assert len(small) < len(full)


@pytest.mark.parametrize("args, message", [
    (["missing-folder"], "not a folder"),
    (["."], "no items.jsonl"),
    (["RUN", "--no-audio"], "--no-audio applies to --export only"),
    (["RUN", "--export", "."], "is a folder"),
])
def test_mistakes_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                     args: list[str], message: str) -> None:
    run = sample_run(tmp_path)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["view", *[str(run) if a == "RUN" else a for a in args]])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_view_serves_on_localhost_and_prints_the_url(tmp_path: Path) -> None:
    run = sample_run(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "humdial_eval", "view", str(run), "--no-browser"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url, line
        with urllib.request.urlopen(url.group(0), timeout=10) as response:
            assert response.status == 200 and b'id="data"' in response.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
