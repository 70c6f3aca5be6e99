"""A judge for the benchmarks: the tests' scripted OpenAI-protocol server, answering after a fixed latency.

It runs in a process of its own, as a real judge server would: in the scoring process it would
compete for the interpreter (the GIL) with the client it is supposed to be timing. It keeps
connections alive (HTTP/1.1), as vLLM does. Run by hand: ``python benchmarks/judge_server.py
--latency 0.05`` prints the base URL; closing its stdin prints the request count and stops it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


class ServedJudge:
    """``with ServedJudge(0.05) as judge:`` starts the server process; ``judge.url``, ``judge.stats()``."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> "ServedJudge":
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--latency", str(self.latency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError(f"the benchmark judge server did not start: {self.url!r}")
        return self

    def stats(self) -> dict[str, Any]:
        """Requests so far, the most in flight at once, and the server's CPU seconds."""
        assert self._process is not None and self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write("stats\n")
        self._process.stdin.flush()
        return json.loads(self._process.stdout.readline())

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.communicate("", timeout=30)


def serve(latency: float) -> None:
    from tests.judges.llm.fake_server import Call, FakeJudgeServer, Scripted, judge_like

    def answer(call: Call) -> Scripted:
        reply = judge_like(call)
        reply.delay = latency
        return reply

    server = FakeJudgeServer(responder=answer, keep_alive=True).start()
    print(server.url, flush=True)
    for _ in sys.stdin:  # one line per stats request; EOF stops the server
        with server._lock:
            calls, peak = len(server.calls), server.max_in_flight
            server.calls.clear()  # the bodies (base64 audio) would pile up over a benchmark
            server.max_in_flight = server.in_flight
        print(json.dumps({"calls": calls, "max_in_flight": peak, "cpu_s": round(time.process_time(), 3)}), flush=True)
    server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before every answer")
    serve(parser.parse_args().latency)
