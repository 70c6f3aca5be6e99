"""A generation killed with SIGKILL resumes and asks again at most the turns that were in flight."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from humdial_eval.cli.main import main
from humdial_eval.models.journal import Journal, JournalError, TurnRecord
from tests.models.audio_server import AudioModelServer, Fault
from tests.models.conftest import GoldSet, write_profile

REPO = Path(__file__).resolve().parents[2]


def _journal_turns(path: Path) -> list[dict]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass  # the line the kill cut off
    return entries


def test_sigkill_mid_run_then_resume_asks_at_most_the_in_flight_turns(
    tmp_path: Path, goldset: GoldSet, server: AudioModelServer
) -> None:
    concurrency = 2
    server.fault = lambda label, attempt: Fault(delay=0.15)
    profile = write_profile(tmp_path / "model.yaml", server.url, concurrency=concurrency)
    out = tmp_path / "out"
    journal = out / "generation" / "journal.jsonl"
    command = [sys.executable, "-m", "humdial_eval.cli.main", "generate", "--model", str(profile),
               "--testset", str(goldset.path), "--out", str(out), "--no-progress"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_journal_turns(journal)) < 7 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    finished = {f"{e['dialogue_id']}:{e['turn_id']}" for e in _journal_turns(journal)}
    assert 7 <= len(finished) < 19
    asked_before = dict(server.asked)

    server.fault = None
    assert main(command[3:]) == 0
    assert main(["validate", str(out), "--testset", str(goldset.path)]) == 0
    every_turn = {label for labels in goldset.dialogues.values() for label in labels}
    assert set(server.asked) == every_turn
    asked_twice = {label for label, count in server.asked.items() if count > 1}
    assert all(server.asked[label] == 1 for label in finished)  # no finished turn asked again
    assert asked_twice <= set(asked_before) - finished  # only turns that were in flight at the kill
    assert len(asked_twice) <= concurrency
    assert max(server.asked.values()) <= 2


def test_a_journal_keeps_whole_lines_and_drops_the_one_the_kill_cut(tmp_path: Path) -> None:
    identity = {"backend": "openai", "model": "m"}
    journal = Journal(tmp_path, identity)
    journal.record(TurnRecord("en", "T3", "d1", 1, "ok", text="hello"), audio=np.full(800, 0.1), sample_rate=8000)
    journal.record(TurnRecord("en", "T3", "d1", 2, "failed", error="HTTP 500"))
    with journal.path.open("a") as handle:
        handle.write('{"language": "en", "task": "T3", "dialogue_id": "d1", "turn_')
    journal.close()
    again = Journal(tmp_path, identity)
    assert sorted(again.records) == [("en", "T3", "d1", 1), ("en", "T3", "d1", 2)]
    assert again.records[("en", "T3", "d1", 2)].error == "HTTP 500"
    audio = again.audio(again.records[("en", "T3", "d1", 1)])
    assert audio is not None and len(audio) == 1600  # written at 16 kHz
    again.record(TurnRecord("en", "T3", "d1", 3, "ok", text="bye"))
    with pytest.raises(JournalError, match="another run is generating"):
        Journal(tmp_path, identity)  # `again` still holds the folder
    again.close()
    third = Journal(tmp_path, identity)
    assert len(third.records) == 3  # the cut line is gone, the line after it readable
    third.close()
    with pytest.raises(JournalError, match="other model settings"):
        Journal(tmp_path, {"backend": "openai", "model": "other"})
    lines = journal.path.read_text().splitlines()
    journal.path.write_text("\n".join([lines[0], "garbage", *lines[1:]]) + "\n")
    with pytest.raises(JournalError, match=r"journal.jsonl:2: damaged"):
        Journal(tmp_path, identity)


def test_forgetting_failed_turns_also_forgets_the_later_turns_of_their_dialogue(tmp_path: Path) -> None:
    journal = Journal(tmp_path, {"x": 1})
    for turn, status in ((1, "ok"), (2, "failed"), (3, "ok")):
        journal.record(TurnRecord("zh", "T1", "d", turn, status))
    journal.record(TurnRecord("zh", "T1", "e", 1, "ok"))
    assert journal.forget_failed() == 2
    journal.close()
    assert sorted(Journal(tmp_path, {"x": 1}).records) == [("zh", "T1", "d", 1), ("zh", "T1", "e", 1)]
