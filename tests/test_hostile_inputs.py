"""The hostile-input corpus (tests/data/hostile/): every case gets a clear error or a flagged, safe
result, no traceback reaches the user, and nothing is written outside the output folder."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from pathlib import Path

import pytest

from humdial_eval.cli.main import main

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
TESTSET = HOSTILE / "testset"
CASES = sorted(p.name for p in (HOSTILE / "cases").iterdir() if p.is_dir())
COMMON = ["--testset", str(TESTSET), "--tasks", "T1,T3", "--languages", "en"]


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


def submission_of(case: Path) -> Path:
    return case / "submission.zip" if (case / "submission.zip").exists() else case / "HD-Track1"


def check_no_traceback(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    case = HOSTILE / "cases" / name
    expect = json.loads((case / "expect.json").read_text())
    before = tree_digest(HOSTILE)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    code = main(["validate", str(submission_of(case)), *COMMON, "--json"])
    captured = capsys.readouterr()
    check_no_traceback(captured.err)
    assert code == expect["validate_exit"]
    if expect.get("message"):
        assert expect["message"] in captured.err
    reported = {json.loads(line)["code"] for line in captured.out.splitlines() if line.strip()}
    assert set(expect["codes"]) <= reported, reported
    if not expect["codes"] and not expect.get("message"):
        assert not [c for c in reported if c != "extra_dialogue"], reported

    out = work / "out"
    code = main(["score", str(submission_of(case)), *COMMON, "--out", str(out), "--bootstrap", "100", "--no-progress"])
    captured = capsys.readouterr()
    check_no_traceback(captured.err)
    if expect.get("message"):  # refused archives: nothing is scored
        assert code == 1 and not out.exists()
    else:
        assert code == 0
        items = [json.loads(line) for line in (out / "items.jsonl").read_text().splitlines()]
        assert {i["status"] for i in items} == {"ok"}
        flags = {f for i in items for f in i["flags"]}
        assert set(expect["flags"]) <= flags
        report = (out / "report.md").read_text()
        assert "<script" not in report
    assert tree_digest(HOSTILE) == before, "the corpus must not be modified"
    assert sorted(p.name for p in work.iterdir()) == (["out"] if out.exists() else [])
    assert not (tmp_path / "escaped.txt").exists()


def copy_base(tmp_path: Path) -> Path:
    target = tmp_path / "team" / "HD-Track1"
    shutil.copytree(HOSTILE / "cases" / "html_in_texts" / "HD-Track1", target)
    return target


def test_symlink_out_of_the_submission_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    submission = copy_base(tmp_path)
    wav = submission / "en" / "HD-Track1-T3" / "h_t3_001_3_response.wav"
    secret = tmp_path / "secret.wav"
    shutil.copy(wav, secret)
    wav.unlink()
    wav.symlink_to(secret)
    assert main(["validate", str(submission), *COMMON, "--json"]) == 1
    captured = capsys.readouterr()
    assert "path_outside" in captured.out
    check_no_traceback(captured.err)


def test_gigantic_line_is_reported_not_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import humdial_eval.loading as loading

    monkeypatch.setattr(loading, "MAX_LINE_BYTES", 64 * 1024)
    submission = copy_base(tmp_path)
    path = submission / "en" / "HD-Track1-T1.jsonl"
    path.write_text('{"dialogue_id": "h_t1_001", "turns": [{"turn_id": 1, "response_text": "' + "a" * 300_000 + '"}]}\n')
    assert main(["validate", str(submission), *COMMON, "--json"]) == 1
    captured = capsys.readouterr()
    assert "line_too_long" in captured.out
    check_no_traceback(captured.err)


def test_eight_hour_wav_is_refused_without_being_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    submission = copy_base(tmp_path)
    wav = submission / "en" / "HD-Track1-T3" / "h_t3_001_3_response.wav"
    frames = 8 * 3600 * 16000
    header = b"RIFF" + struct.pack("<I", 36 + 2 * frames) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    header += b"data" + struct.pack("<I", 2 * frames)
    with wav.open("wb") as handle:  # a sparse file: 8 hours of silence that take no disk space
        handle.write(header)
        handle.truncate(len(header) + 2 * frames)
    assert main(["validate", str(submission), *COMMON, "--json"]) == 1
    captured = capsys.readouterr()
    assert "audio_too_large" in captured.out
    check_no_traceback(captured.err)
