"""CPU per judgment on the scoring side: the harness's own work, and the HTTP client library's.

Where the judging overhead goes when the judge is fast (``judging_overhead.py``): the judging phase of
the full-size run (826 requests) at concurrency 32, timed in CPU seconds, twice:

- against the benchmark server with no latency (``judge_server.py``): everything a judgment costs the
  scoring process (items, rules, cache key, prompt, audio, store, the ``openai`` client and HTTP);
- with the transport replaced by one that answers at once without the network: only the harness's
  own work (the request body is still built, the answer still parsed and stored).

The difference is the client library and HTTP. The server's CPU per request is recorded too (it runs
on the same machine here; a real judge server does not).

Run by hand from the repository root (under a minute)::

    .venv/bin/python benchmarks/client_cost.py [--repeats 3] [--data DIR]

Writes ``benchmarks/results/client_cost.json`` and prints a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fullsize import build_distinct  # noqa: E402
from benchmarks.judge_server import ServedJudge  # noqa: E402
from benchmarks.judging_overhead import judging_phase, write_profile  # noqa: E402
from benchmarks.machine import describe, load_average  # noqa: E402
from humdial_eval.engine.profiles import build_judges  # noqa: E402
from humdial_eval.engine.registry import task_class  # noqa: E402
from humdial_eval.engine.runner import run_judging  # noqa: E402
from humdial_eval.engine.store import JudgmentStore  # noqa: E402
from humdial_eval.inputs.validation import open_inputs  # noqa: E402
from humdial_eval.judges.llm.base import Reply  # noqa: E402
from humdial_eval.judges.llm.openai_backend import OpenAITransport  # noqa: E402
from tests.judges.llm.fake_server import Call, judge_like  # noqa: E402

CONCURRENCY = 32


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, help="where to build (or reuse) the data (default: a temporary folder)")
    args = parser.parse_args()
    machine = describe()  # at the start: the date and load the runs began with
    with tempfile.TemporaryDirectory(prefix="humdial-bench-") as scratch_name:
        scratch = Path(scratch_name)
        testset, submission = build_distinct((args.data or scratch / "data") / "full", 150)
        real, harness = [], []
        with ServedJudge(0.0) as server:
            for _ in range(args.repeats):
                run = judging_phase(server, testset, submission, CONCURRENCY, scratch)
                real.append({"client_ms": 1000 * run["client_cpu_s"] / run["requests"],
                             "server_ms": 1000 * run["server_cpu_s"] / run["requests"], **run})
                harness.append(without_network(testset, submission, scratch, server.url))
                print(json.dumps({"with_client_library_ms": round(real[-1]["client_ms"], 3),
                                  "harness_only_ms": round(harness[-1]["client_ms"], 3)}), flush=True)
    best_real = min(real, key=lambda r: r["client_ms"])
    best_harness = min(harness, key=lambda r: r["client_ms"])
    result = {
        "benchmark": "client_cost", "machine": machine, "command_line": sys.argv[1:], "concurrency": CONCURRENCY,
        "per_request_cpu_ms": {
            "scoring_process": round(best_real["client_ms"], 3),
            "harness_only": round(best_harness["client_ms"], 3),
            "client_library_and_http": round(best_real["client_ms"] - best_harness["client_ms"], 3),
            "benchmark_server": round(min(r["server_ms"] for r in real), 3),
        },
        "note": "best of the repeats; per request = CPU seconds of the judging phase / requests (items, rules and "
                "the language rule of the 74 requestless dialogues included)",
        "runs": {"with_client_library": real, "harness_only": harness},
    }
    out = REPO / "benchmarks" / "results" / "client_cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    cost = result["per_request_cpu_ms"]
    print(f"client cost per judgment (CPU ms, c={CONCURRENCY}): scoring process {cost['scoring_process']:.2f} = harness "
          f"{cost['harness_only']:.2f} + client library and HTTP {cost['client_library_and_http']:.2f}; benchmark server "
          f"{cost['benchmark_server']:.2f}; {result['machine']['nproc']} cores, load {result['machine']['load_average'][0]}")
    return 0


def without_network(testset: Path, submission: Path, scratch: Path, url: str) -> dict[str, Any]:
    """The judging phase with a transport that builds the request body and answers at once."""
    tasks = [task_class(t)() for t in ("T1", "T2", "T3")]
    original = OpenAITransport.send
    answered = 0

    async def answer_at_once(self: OpenAITransport, prompt: str, audio: Any, seed: int | None, endpoint: int,
                             *, audio_last: bool = False) -> Reply:
        nonlocal answered
        body = self.arguments(prompt, audio, seed, audio_last=audio_last)
        answered += 1
        return Reply(text=judge_like(Call("/v1/chat/completions", {}, body)).content, served_model=body["model"])

    OpenAITransport.send = answer_at_once  # type: ignore[method-assign]
    try:
        with open_inputs(submission, testset, tasks, ["zh", "en"]) as inputs:
            judges = build_judges(str(write_profile(scratch, url, CONCURRENCY)))
            store_path = scratch / f"store-{time.monotonic_ns()}.sqlite"
            load_before, cpu_before, start = load_average(), time.process_time(), time.perf_counter()
            with JudgmentStore(store_path) as store:
                results = run_judging(inputs, tasks, judges, store)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu_before
        store_path.unlink()
    finally:
        OpenAITransport.send = original  # type: ignore[method-assign]
    assert all(r.status == "ok" for r in results)
    return {"requests": answered, "client_cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
            "client_ms": 1000 * cpu / answered, "load_before": load_before, "load_after": load_average()}


if __name__ == "__main__":
    sys.exit(main())
