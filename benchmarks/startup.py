"""Start-up and short commands: what a user waits for before anything useful happens.

Times, as separate processes from spawn to exit (median of ``--runs``, best beside it):

- a bare ``python -c pass`` with the same interpreter (the floor any Python CLI pays);
- ``humdial-eval --help`` (the ratio to the bare start is the figure of the issue: goal <= 6x);
- ``humdial-eval validate`` of the bundled sample (goal < 1 s);
- the warm re-score of the full-size synthetic set (``fullsize.py``: 900 dialogues, T3 audio) with an
  LLM judge whose every judgment is already in the store (goal < 1.5 s); the store is filled first by
  one cold run against the local benchmark judge (``judge_server.py``, no latency).

Run by hand from the repository root (about a minute)::

    .venv/bin/python benchmarks/startup.py [--runs 15] [--warm-runs 7] [--data DIR] [--name startup]

Writes ``benchmarks/results/<name>.json``; the load average is recorded around every timed run, as the
machine is shared and a loaded run is slower than the code is.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
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
from benchmarks.machine import describe, load_average  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
GOALS = {"help_ratio": 6.0, "validate_sample_s": 1.0, "warm_rescore_s": 1.5}
# ``python -m`` rather than the ``humdial-eval`` script: the same code (the script imports the same module),
# and it runs the tree the benchmark sits in, so that a checkout of older code can be measured beside it.
CLI = [sys.executable, "-m", "humdial_eval.cli.main"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each short command (median and best kept)")
    parser.add_argument("--warm-runs", type=int, default=7, help="warm re-scores of the full-size set")
    parser.add_argument("--data", type=Path, help="where to build (or reuse) the full-size data (default: temporary)")
    parser.add_argument("--name", default="startup", help="result file name")
    args = parser.parse_args()
    sample = REPO / "examples"
    result: dict[str, Any] = {"benchmark": "startup", "machine": describe(), "command_line": sys.argv[1:]}
    bare = repeat([sys.executable, "-c", "pass"], args.runs)
    help_run = repeat([*CLI, "--help"], args.runs)
    validate = repeat([*CLI, "validate", str(sample / "submission"), "--testset", str(sample / "testset")], args.runs)
    result["bare_python"] = bare
    result["help"] = {**help_run, "ratio_median": round(help_run["median_s"] / bare["median_s"], 2),
                      "ratio_best": round(help_run["best_s"] / bare["best_s"], 2)}
    result["validate_sample"] = validate
    with tempfile.TemporaryDirectory(prefix="humdial-startup-") as scratch_name:
        scratch = Path(scratch_name)
        testset, submission = build_distinct((args.data or scratch / "data") / "full", 150)
        result["warm_rescore"] = warm_rescore(testset, submission, scratch, args.warm_runs)
    result["goals"] = {
        "help_ratio": {"goal": GOALS["help_ratio"], "median": result["help"]["ratio_median"],
                       "met": result["help"]["ratio_median"] <= GOALS["help_ratio"]},
        "validate_sample_s": {"goal": GOALS["validate_sample_s"], "median": validate["median_s"],
                              "met": validate["median_s"] < GOALS["validate_sample_s"]},
        "warm_rescore_s": {"goal": GOALS["warm_rescore_s"], "median": result["warm_rescore"]["median_s"],
                           "met": result["warm_rescore"]["median_s"] < GOALS["warm_rescore_s"]},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"bare python {bare['median_s']:.3f} s; --help {help_run['median_s']:.3f} s "
          f"({result['help']['ratio_median']}x); validate sample {validate['median_s']:.3f} s; warm re-score "
          f"{result['warm_rescore']['median_s']:.2f} s, CPU {result['warm_rescore']['cpu_median_s']:.2f} s (medians); "
          f"{result['machine']['nproc']} cores, "
          f"load {result['machine']['load_average'][0]}")
    return 0


def warm_rescore(testset: Path, submission: Path, scratch: Path, runs: int) -> dict[str, Any]:
    """Fill a store with one cold LLM-judged run, then time ``score`` again with every judgment stored."""
    profile = scratch / "judge.yaml"
    store = scratch / "store.sqlite"
    with ServedJudge(0.0) as server:
        profile.write_text(json.dumps({
            "backend": "openai", "model": "Qwen3-Omni-30B-A3B-Instruct", "base_url": server.url, "audio": True,
            "temperature": 0.6, "top_p": 0.95, "top_k": 20, "seed": 0, "concurrency": 32,
            "request_timeout": 60, "max_retries": 2,
        }), encoding="utf-8")
        base = [*CLI, "score", str(submission), "--testset", str(testset), "--judge", str(profile),
                "--cache", str(store), "--no-progress"]
        cold = timed([*base, "--out", str(scratch / "cold")])
        server.stats()
        timings = repeat([*base, "--out", str(scratch / "warm")], runs)
        requests = server.stats()["calls"]
    same = json.loads((scratch / "cold" / "summary.json").read_text()) == json.loads(
        (scratch / "warm" / "summary.json").read_text())
    return {**timings, "cold_s": cold, "requests_during_warm_runs": requests, "summary_identical_to_cold": same}


def repeat(command: list[str], runs: int) -> dict[str, Any]:
    times, cpus, loads = [], [], []
    for _ in range(runs):
        loads.append(load_average())
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(timed(command))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    # CPU seconds (user + system) of the command: on a shared machine the wall time also holds the time the
    # process waited for a core, which the CPU time does not.
    return {"command": " ".join(Path(c).name if c == sys.executable else c for c in command[:6]),
            "runs": runs, "median_s": round(statistics.median(times), 4), "best_s": round(min(times), 4),
            "all_s": [round(t, 4) for t in times], "cpu_median_s": round(statistics.median(cpus), 4),
            "cpu_all_s": [round(c, 4) for c in cpus], "load_before_runs": loads, "load_after": load_average()}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"})
    wall = time.perf_counter() - start
    if completed.returncode not in (0,):
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}: {completed.stderr.decode()[-2000:]}")
    return wall


if __name__ == "__main__":
    sys.exit(main())
