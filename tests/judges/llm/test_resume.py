"""A scoring run killed with SIGKILL mid-way resumes with no judgment repeated and none lost."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.judges.llm.fake_server import Call, FakeJudgeServer, Scripted, judge_like

REPO = Path(__file__).resolve().parents[3]
REPEATS = 4  # 6 items x 4 repeats = 24 judgments
CONCURRENCY = 2


def slow(call: Call) -> Scripted:
    reply = judge_like(call)
    reply.delay = 0.12
    return reply


def fingerprint(prompt_sha256: str, seed: object) -> str:
    return f"{prompt_sha256}|{seed}"


def sent(call: Call) -> str:
    return fingerprint(hashlib.sha256(call.prompt.encode()).hexdigest(), call.seed)


def stored(cache: Path) -> tuple[int, set[str]]:
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT status, record FROM judgments").fetchall()
    assert all(status == "ok" for status, _ in rows)
    metas = [json.loads(record)["meta"] for _, record in rows]
    return len(rows), {fingerprint(m["prompt_sha256"], m["seed"]) for m in metas}


def settled_call_count(server: FakeJudgeServer, quiet: float = 0.5, limit: float = 10.0) -> int:
    """The server's call count once it stops growing: a request the killed process sent just before its death
    can still be read by the server's thread a moment later (a loaded machine), and belongs to the killed run."""
    count, changed, deadline = len(server.calls), time.monotonic(), time.monotonic() + limit
    while time.monotonic() - changed < quiet and time.monotonic() < deadline:
        time.sleep(0.05)
        if len(server.calls) != count:
            count, changed = len(server.calls), time.monotonic()
    return count


def test_a_killed_run_resumes_with_exactly_the_missing_calls(dataset: Dataset, tmp_path: Path,
                                                              profile: Callable[..., Path]) -> None:
    server = FakeJudgeServer(responder=slow).start()
    try:
        judge, cache = profile(server, concurrency=CONCURRENCY), tmp_path / "store.sqlite"
        args = ["score", str(dataset.submission), "--testset", str(dataset.testset), "--judge", str(judge),
                "--cache", str(cache), "--repeat", str(REPEATS), "--bootstrap", "100", "--no-progress"]
        process = subprocess.Popen([sys.executable, "-m", "humdial_eval.cli.main", *args, "--out", str(tmp_path / "a")],
                                   cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(server.calls) < 9 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        process.kill()  # SIGKILL: no handler, no cleanup
        process.wait()
        assert process.returncode == -9, process.stderr.read() if process.stderr else ""
        killed_calls = settled_call_count(server)

        kept, kept_fingerprints = stored(cache)
        total = 6 * REPEATS
        assert 1 <= kept < total  # killed mid-run
        # Written as they arrive: at most the requests in flight at the kill are lost.
        assert killed_calls - kept <= CONCURRENCY

        assert main([*args, "--out", str(tmp_path / "b")]) == 0
        resumed = server.calls[killed_calls:]
        assert len(resumed) == total - kept  # exactly the missing calls ...
        resumed_fingerprints = {sent(call) for call in resumed}
        assert len(resumed_fingerprints) == len(resumed)  # ... each once ...
        assert not resumed_fingerprints & kept_fingerprints  # ... none of them already judged

        final, final_fingerprints = stored(cache)
        assert final == total and final_fingerprints == kept_fingerprints | resumed_fingerprints
        lines = [json.loads(line) for line in (tmp_path / "b" / "items.jsonl").read_text().splitlines()]
        assert len(lines) == total and all(line["status"] == "ok" for line in lines)
        assert sum("cached" in line["flags"] for line in lines) == kept
    finally:
        server.stop()
