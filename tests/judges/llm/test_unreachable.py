"""A judge server that is not there: `score` says so within seconds, in one line naming the URL (issue 12)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import yaml

from humdial_eval.cli.main import main
from humdial_eval.llm.reachability import REFUSALS_BEFORE_DOWN, Reachability, cannot_connect
from tests.conftest import Dataset
from tests.judges.llm.conftest import FakeJudgeServer


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_profile(tmp_path: Path, urls: list[str], **extra: object) -> Path:
    # Production retry settings: the point is that they are not spent on a server that is not there.
    data = {"backend": "openai", "model": "m", "audio": True, "base_url": urls, **extra}
    path = tmp_path / "judge.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run_score(dataset: Dataset, tmp_path: Path, profile: Path, *extra: str) -> int:
    return main(["score", str(dataset.submission), "--testset", str(dataset.testset), "--out", str(tmp_path / "out"),
                 "--judge", str(profile), "--no-progress", "--bootstrap", "100", *extra])


@pytest.mark.parametrize("replicas", [1, 2])
def test_refused_everywhere_stops_within_seconds_naming_the_urls(dataset: Dataset, tmp_path: Path, replicas: int,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    urls = [f"http://127.0.0.1:{closed_port()}/v1" for _ in range(replicas)]
    started = time.monotonic()
    assert run_score(dataset, tmp_path, write_profile(tmp_path, urls), "--concurrency", "1") == 1
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    plan, *lines = [line for line in err.splitlines() if line.strip()]
    assert plan.startswith("judging: judge: 6 request(s) to send")  # what it was about to send, then why not
    assert len(lines) == 1, err
    assert all(url in lines[0] for url in urls) and "connection refused" in lines[0]
    assert "Traceback" not in err and "internal error" not in err
    assert elapsed < 15, f"took {elapsed:.1f} s"
    assert not (tmp_path / "out").exists()


def test_a_refusing_replica_beside_a_working_one_does_not_stop_the_run(dataset: Dataset, tmp_path: Path,
                                                                       server: FakeJudgeServer) -> None:
    urls = [f"http://127.0.0.1:{closed_port()}/v1", server.url]
    profile = write_profile(tmp_path, urls, backoff_base=0.01, backoff_max=0.02)
    assert run_score(dataset, tmp_path, profile, "--concurrency", "1", "--no-cache") == 0
    assert (tmp_path / "out" / "summary.json").is_file()


def test_only_connection_failures_count_and_an_answer_resets() -> None:
    class ConnectError(Exception):
        pass

    refused = ConnectError("[Errno 111] Connection refused")
    try:
        try:
            raise refused
        except ConnectError as inner:
            raise RuntimeError("Connection error.") from inner
    except RuntimeError as outer:
        assert cannot_connect(outer) == "connection refused"
    assert cannot_connect(TimeoutError("read timed out")) is None
    assert cannot_connect(ConnectionResetError()) is None  # a server that dropped us is there
    never_there = Reachability(["http://a/v1", "http://b/v1"])
    for _ in range(REFUSALS_BEFORE_DOWN):
        never_there.refused(0, "connection refused")
    for _ in range(REFUSALS_BEFORE_DOWN - 1):
        never_there.refused(1, "connection refused")
    assert not never_there.all_down()
    never_there.refused(1, "host name not found")
    assert never_there.all_down() and "http://b/v1 (host name not found)" in never_there.message()


def test_a_server_that_answered_once_and_went_away_is_an_outage_not_a_stop() -> None:
    """A restart mid-run refuses connections for a while: that is retried with backoff, never a stop."""
    reach = Reachability(["http://a/v1"])
    reach.answered(0)
    for _ in range(REFUSALS_BEFORE_DOWN * 10):
        reach.refused(0, "connection refused")
    assert not reach.all_down()
