"""What a slow or bloated server costs now: wall time and peak memory of `generate` and of an LLM judge.

Run by hand from the repository root (about a minute)::

    .venv/bin/python benchmarks/hostile_servers.py

Starts the test suite's hostile server (tests/humdial_eval/llm/hostile_server.py) on 127.0.0.1 in two modes:
``drip`` (headers, then one byte every 2 s) and ``bomb`` (a ~520 KB gzip body that inflates to 512 MiB, the red
team's case), and runs, each in a child process whose peak RSS is read from ``getrusage``:

- ``generate`` of the small test set (4 dialogues, T1, en) with ``request_timeout: 3`` and ``max_retries: 0``
  and the default ``max_response_bytes`` (96 MiB);
- one judgment of the built-in T1 sample by an ``openai`` judge with the same settings.

Writes ``benchmarks/results/hostile_servers.json`` and prints it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.machine import describe, load_average  # noqa: E402
from tests.humdial_eval.llm.hostile_server import HostileServer, gzip_of_zeros  # noqa: E402

SETTINGS = {"request_timeout": 3, "max_retries": 0, "concurrency": 4}
JUDGE = """
import asyncio, sys
from humdial_eval.engine.profiles import build_judges
from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm.samples import sample_item
(judge,) = build_judges(sys.argv[1])
async def go():
    try:
        return await judge.judge(sample_item("T1"), task_class("T1")())
    finally:
        await judge.aclose()
print((asyncio.run(go()).error or "")[:120])
"""


# A fresh wrapper process per command, so that its children's peak RSS is that command's alone.
MEASURE = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
           "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)")


def child(command: list[str]) -> dict[str, object]:
    """Run ``command``; its wall time, peak RSS (MiB) and the line saying why the request failed."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, cwd=REPO,
                          timeout=300)
    lines = (done.stdout + done.stderr).strip().splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("PEAK_KIB"))
    said = next((line for line in lines if "failed:" in line or "exceeds" in line or "within" in line), "")
    return {"seconds": round(time.monotonic() - started, 2), "exit": done.returncode,
            "peak_rss_mib": round(peak / 1024, 1), "said": said}


def main() -> None:
    from tests.models.conftest import build_goldset

    results: dict[str, object] = {"machine": describe(), "load_average": load_average(), "settings": SETTINGS}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        gold = build_goldset(root / "gold")
        gzip_of_zeros(512 << 20)  # made before the server starts, so that no request waits for it
        for mode in ("drip", "bomb"):
            server = HostileServer(mode, interval=2.0, inflated=512 << 20).start()
            try:
                model = root / f"model-{mode}.yaml"
                model.write_text(json.dumps({"backend": "openai", "model": "m", "base_url": server.url, **SETTINGS}))
                judge = root / f"judge-{mode}.yaml"
                judge.write_text(json.dumps({"backend": "openai", "model": "m", "base_url": server.url, **SETTINGS}))
                results[f"generate_{mode}"] = child([
                    sys.executable, "-m", "humdial_eval", "generate", "--model", str(model), "--testset", str(gold.path),
                    "--out", str(root / f"out-{mode}"), "--tasks", "T1", "--languages", "en", "--no-progress"])
                results[f"judge_{mode}"] = child([sys.executable, "-c", JUDGE, str(judge)])
            finally:
                server.stop()
    out = REPO / "benchmarks" / "results" / "hostile_servers.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
