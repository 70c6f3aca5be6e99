"""The hostile-input corpus (tests/data/hostile/): every case gets a clear error or a flagged, safe
result, no traceback reaches the user, and nothing is written outside the output folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

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

    common = COMMON if "testset" not in expect else ["--testset", str(case / expect["testset"]), *COMMON[2:]]
    code = main(["validate", str(submission_of(case)), *common, "--json"])
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
    code = main(["score", str(submission_of(case)), *common, "--out", str(out), "--bootstrap", "100", "--no-progress"])
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
    import humdial_eval.inputs.loading as loading

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


# Issue 12: inputs that cannot be committed to the corpus (special files, signals, timing).


def run_cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, so a regression that blocks fails the test instead of hanging it."""
    return subprocess.run([sys.executable, "-m", "humdial_eval.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parent.parent)


def make_special(path: Path, kind: str) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero: never ends
        except PermissionError:
            pytest.skip("creating a character device needs CAP_MKNOD")


@pytest.mark.parametrize("kind", ["fifo", "chardev"])
@pytest.mark.parametrize("where", ["submission_jsonl", "response_wav", "testset_jsonl"])
def test_special_files_are_refused_without_blocking(tmp_path: Path, kind: str, where: str) -> None:
    submission = copy_base(tmp_path)
    testset = tmp_path / "testset"
    shutil.copytree(TESTSET, testset)
    target = {
        "submission_jsonl": submission / "en" / "HD-Track1-T1.jsonl",
        "response_wav": submission / "en" / "HD-Track1-T3" / "h_t3_001_3_response.wav",
        "testset_jsonl": testset / "HD-Track1-Test" / "en" / "HD-Track1-T1.jsonl",
    }[where]
    make_special(target, kind)
    done = run_cli(["validate", str(submission), "--testset", str(testset), "--tasks", "T1,T3", "--languages", "en",
                    "--json"])
    check_no_traceback(done.stderr)
    if where == "testset_jsonl":
        assert done.returncode == 0, done.stderr  # the submission is fine; the test set's problem is reported apart
        issue = next(json.loads(line) for line in done.stdout.splitlines() if '"not_a_file"' in line)
        assert issue["scope"] == "testset"
    else:
        assert done.returncode == 1, done.stderr
        assert '"not_a_file"' in done.stdout
    assert "not a regular file" in done.stdout


def test_a_folder_named_like_a_jsonl_file_in_the_test_set(tmp_path: Path) -> None:
    testset = tmp_path / "testset"
    shutil.copytree(TESTSET, testset)
    jsonl = testset / "HD-Track1-Test" / "en" / "HD-Track1-T3.jsonl"
    jsonl.unlink()
    jsonl.mkdir()
    done = run_cli(["validate", str(copy_base(tmp_path)), "--testset", str(testset), "--tasks", "T1,T3",
                    "--languages", "en"])
    check_no_traceback(done.stderr)
    assert done.returncode == 0 and "[not_a_file]" in done.stdout and "is a directory" in done.stdout


@pytest.mark.parametrize("kind", ["fifo", "chardev"])
def test_special_file_as_profile_ratings_or_run_items(tmp_path: Path, kind: str) -> None:
    from humdial_eval.agreement.runs import read_run as read_agreement_run
    from humdial_eval.human.ratings import read_csv_text
    from humdial_eval.inputs.issues import IssueLog
    from humdial_eval.engine.profiles import ProfileError, load_profiles
    from humdial_eval import leaderboards
    from humdial_eval.leaderboards.definition import load_definition
    from humdial_eval.leaderboards.runs import read_items

    special = tmp_path / "special"
    make_special(special, kind)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    make_special(run_dir / "items.jsonl", kind)
    make_special(run_dir / "summary.json", kind)

    def calls() -> list[str]:
        codes: list[str] = []
        issues = IssueLog()
        assert read_csv_text(special, issues) is None
        read_agreement_run(run_dir, "run", issues)
        board = load_definition(Path(leaderboards.__file__).parent / "icassp2026_track1", IssueLog())
        assert board is not None
        read_items(run_dir / "items.jsonl", board, issues)
        codes.extend(i.code for i in issues.issues)
        try:
            load_profiles(str(special))
        except ProfileError as exc:
            codes.append("profile: " + str(exc))
        return codes

    codes = finishes_within(calls, 30)
    assert codes.count("not_a_file") >= 3, codes
    assert any(c.startswith("profile: ") and "not a regular file" in c for c in codes), codes


def finishes_within(function: Any, seconds: float) -> Any:
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(function()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s: it blocks or loops"
    return result[0]


def test_a_120_kb_repetitive_reply_is_judged_in_linear_time() -> None:
    """A hang guard, not a speed goal: before the fix, 400 KB took minutes (quadratic); now about a second."""
    from humdial_eval.judges.offline_rubric.text_features import find_emotions

    mentions = finishes_within(lambda: find_emotions("sad " * 100_000, "en"), 30)
    assert len(mentions) == 100_000


def test_the_judge_cap_holds_for_items_not_built_by_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import humdial_eval.judges.offline_rubric.dimensions as dimensions
    from humdial_eval.engine import registry
    from humdial_eval.benchmark.items import EvalItem
    from humdial_eval.judges.offline_rubric import OfflineRubricJudge
    from humdial_eval.judges.offline_rubric.text_features import MAX_ANALYSED_CHARS

    task = registry.task_class("T1")({})
    item = EvalItem(task="T1", language="en", dialogue_id="d", turn_id=3, context=(), question="How do I feel?",
                    question_emotion="sad", response_text="sad " * 30_000)
    seen: list[int] = []
    real = dimensions.SCORERS["Accuracy_Completeness"]
    monkeypatch.setitem(dimensions.SCORERS, "Accuracy_Completeness",
                        lambda i: (seen.append(len(i.response_text)), real(i))[1])
    judgment = finishes_within(lambda: asyncio.run(OfflineRubricJudge("offline", {}).judge(item, task)), 30)
    assert judgment.status == "ok" and seen == [MAX_ANALYSED_CHARS]


def test_sigterm_and_sighup_remove_the_extraction_folder(tmp_path: Path) -> None:
    archive = HOSTILE / "cases" / "zip_wrapper_folder" / "submission.zip"
    script = (
        "import signal, sys, time, tempfile\n"
        "from pathlib import Path\n"
        # a suite started under nohup hands SIGHUP down ignored, and an ignored signal is kept ignored
        "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
        "from humdial_eval.inputs.archive import extracted\n"
        f"tempfile.tempdir = {str(tmp_path)!r}\n"
        f"with extracted(Path({str(archive)!r})) as folder:\n"
        "    print(folder, flush=True)\n"
        "    time.sleep(60)\n"
    )
    for signum in (signal.SIGTERM, signal.SIGHUP):
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                 cwd=Path(__file__).resolve().parent.parent)
        assert child.stdout is not None
        folder = Path(child.stdout.readline().strip())
        assert folder.is_dir() and any(folder.rglob("*.wav"))
        child.send_signal(signum)
        assert child.wait(timeout=30) == 128 + signum
        assert not folder.exists(), f"signal {signum} left {folder}"


def test_a_later_run_removes_folders_of_dead_runs_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from humdial_eval.inputs import archive

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = archive._host()
        stale = tmp_path / f"humdial-submission-{dead.pid}@{host}-abc"
        live = tmp_path / f"humdial-submission-{alive.pid}@{host}-abc"
        other_host = tmp_path / f"humdial-submission-{dead.pid}@00000000-abc"
        other = tmp_path / "humdial-submission-notapid"
        for folder in (stale, live, other, other_host):
            (folder / "HD-Track1").mkdir(parents=True)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        with archive.extracted(HOSTILE / "cases" / "zip_wrapper_folder" / "submission.zip") as folder:
            assert folder.parent == tmp_path and f"-{os.getpid()}@{host}-" in folder.name
        assert not stale.exists() and live.exists() and other.exists() and other_host.exists()
        assert not folder.exists()
    finally:
        alive.kill()
        alive.wait()
