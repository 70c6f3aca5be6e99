"""Memory and statistics of a full-size scoring run: peak RSS of ``humdial-eval score``, and the time of
the bootstrap intervals with 10,000 resamples.

Memory: the whole command on the full-size synthetic submission (900 dialogues with T3 audio, see
``fullsize.py``), as a user runs it, with the offline rubric judge and with an LLM judge profile
against the local benchmark server (``judge_server.py``, no latency), once into a fresh store and
once more from it. Peak RSS is the child's ``ru_maxrss`` (from ``wait4``), in MiB. No neural acoustic
model is loaded in any of these runs.

Statistics: ``summarise`` (every mean, task average and final with its percentile bootstrap interval,
dialogues resampled within each task and language) timed in-process on each run's ``items.jsonl``.
The LLM run scores every dimension, so it computes every interval, finals included: the heaviest case.

Run by hand from the repository root (about a minute)::

    .venv/bin/python benchmarks/scoring_footprint.py [--resamples 10000] [--repeats 5] [--data DIR]

Writes ``benchmarks/results/scoring_footprint.json`` and prints a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
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
from benchmarks.judging_overhead import timed_process, write_profile  # noqa: E402
from benchmarks.machine import describe, load_average  # noqa: E402
from humdial_eval.engine.profiles import build_judges  # noqa: E402
from humdial_eval.engine.registry import task_class  # noqa: E402
from humdial_eval.benchmark.results import read_items  # noqa: E402
from humdial_eval.outputs.scoring import BootstrapSettings, summarise  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
GOAL_RSS_MB = 500
GOAL_BOOTSTRAP_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5, help="timings of summarise per run (best and median kept)")
    parser.add_argument("--data", type=Path, help="where to build (or reuse) the data (default: a temporary folder)")
    args = parser.parse_args()
    machine = describe()  # at the start: the date and load the runs began with
    with tempfile.TemporaryDirectory(prefix="humdial-bench-") as scratch_name:
        scratch = Path(scratch_name)
        testset, submission = build_distinct((args.data or scratch / "data") / "full", 150)
        runs: dict[str, dict[str, Any]] = {}
        with ServedJudge(0.0) as server:
            judges = {"offline-rubric": "offline-rubric", "llm": str(write_profile(scratch, server.url, 32))}
            for name, judge in judges.items():
                base = [sys.executable, "-m", "humdial_eval.cli.main", "score", str(submission), "--testset", str(testset),
                        "--judge", judge, "--cache", str(scratch / f"{name}.sqlite"), "--no-progress"]
                for phase in ("cold", "warm"):
                    out = scratch / f"{name}-{phase}"
                    runs[f"{name} ({phase})"] = timed_process([*base, "--out", str(out)], scratch / f"{name}-{phase}.log")
                    print(json.dumps({"run": f"{name} ({phase})", **runs[f"{name} ({phase})"]}), flush=True)
        bootstrap = {name: time_summaries(scratch / f"{name}-cold" / "items.jsonl", judge, args)
                     for name, judge in judges.items()}
        for name, timing in bootstrap.items():
            print(json.dumps({"bootstrap": name, **{k: v for k, v in timing.items() if k != "seconds"}}), flush=True)
    peak = max(run["peak_rss_mb"] for run in runs.values())
    slowest = max(timing["best_s"] for timing in bootstrap.values())
    result = {
        "benchmark": "scoring_footprint", "machine": machine, "command_line": sys.argv[1:],
        "data": "benchmarks/fullsize.py: 900 dialogues (150 per task per language), T3 audio",
        "command_runs": runs, "bootstrap": bootstrap,
        "goals": {
            "peak_rss_mb": {"goal": GOAL_RSS_MB, "measured": peak, "met": peak < GOAL_RSS_MB},
            "bootstrap_s": {"goal": GOAL_BOOTSTRAP_S, "resamples": args.resamples, "measured": slowest,
                            "met": slowest < GOAL_BOOTSTRAP_S},
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scoring_footprint.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"scoring footprint: peak RSS {peak:.0f} MB over {len(runs)} full-size runs (goal < {GOAL_RSS_MB} MB: "
          f"{'met' if peak < GOAL_RSS_MB else 'missed'}); bootstrap, {args.resamples} resamples: "
          + ", ".join(f"{name} {t['best_s']:.2f} s ({t['intervals']} intervals)" for name, t in bootstrap.items())
          + f" (goal < {GOAL_BOOTSTRAP_S:g} s: {'met' if slowest < GOAL_BOOTSTRAP_S else 'missed'}); "
          f"{result['machine']['nproc']} cores, load {result['machine']['load_average'][0]}")
    return 0


def time_summaries(items: Path, judge: str, args: argparse.Namespace) -> dict[str, Any]:
    """``summarise`` on a run's items, ``--repeats`` times; how many intervals it computed."""
    results = read_items(items)
    tasks = [task_class(t)() for t in ("T1", "T2", "T3")]
    judges = build_judges(judge)
    settings = BootstrapSettings(resamples=args.resamples)
    seconds, load_before = [], load_average()
    for _ in range(args.repeats):
        start = time.perf_counter()
        summary = summarise(results, tasks, judges, ["zh", "en"], settings)
        seconds.append(time.perf_counter() - start)
    return {"items": len(results), "resamples": args.resamples, "intervals": count_intervals(summary),
            "final": summary["final"], "best_s": round(min(seconds), 3), "median_s": round(statistics.median(seconds), 3),
            "seconds": [round(s, 3) for s in seconds], "load_before": load_before, "load_after": load_average()}


def count_intervals(value: Any) -> int:
    if isinstance(value, dict):
        return sum((k.endswith("_ci") and v is not None) + count_intervals(v) for k, v in value.items())
    return 0


if __name__ == "__main__":
    sys.exit(main())
