"""Judging overhead and warm re-score: what the harness adds on top of the judge's own latency.

Scores the full-size synthetic submission (900 dialogues, 150 per task per language, with T3 audio;
see ``fullsize.py``) with an LLM judge profile against a local OpenAI-protocol server that answers
every request after a fixed latency (``judge_server.py``, its own process). For each concurrency
the judging phase (``run_judging``: items, rules, cache keys, store, requests) is timed from a fresh
store and compared with the ideal ``requests x latency / concurrency``; a ratio of 1.00 means the
harness costs nothing. Two one-off costs of a process are paid before that clock starts (the
language-ID model and the ``openai`` import, ~0.4 s each) and counted in the command timings. Then the whole command, ``humdial-eval score``, is run as a user runs it:
once from a fresh store, then again with every judgment cached (the warm re-score), timing the
process from start to exit and reading its peak RSS.

Run by hand from the repository root (about three minutes at the default settings)::

    .venv/bin/python benchmarks/judging_overhead.py [--latency 0.05[,0.2,...]] [--concurrency 1,8,32,64]
        [--repeats 3] [--c1-per-file 150] [--no-command] [--data DIR] [--name judging_overhead]

With several latencies, each gets its own server and sweep; the command runs use the first.

Writes ``benchmarks/results/<name>.json`` and prints a one-line summary. On a shared machine the
load average is recorded around every run; the best of ``--repeats`` runs is the figure quoted,
the median beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fullsize import build_distinct  # noqa: E402
from benchmarks.judge_server import ServedJudge  # noqa: E402
from benchmarks.machine import describe, load_average  # noqa: E402
from humdial_eval.benchmark.language import language_mismatch  # noqa: E402
from humdial_eval.engine.profiles import build_judges  # noqa: E402
from humdial_eval.engine.registry import task_class  # noqa: E402
from humdial_eval.engine.runner import run_judging  # noqa: E402
from humdial_eval.engine.store import JudgmentStore  # noqa: E402
from humdial_eval.inputs.validation import open_inputs  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
GOAL_RATIO_AT_32 = 1.10
GOAL_WARM_S = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", default="0.05", help="the server's answer time(s), seconds, comma-separated")
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--repeats", type=int, default=3, help="runs per concurrency above 1 (best and median kept)")
    parser.add_argument("--c1-per-file", type=int, default=150, help="dialogues per file for the concurrency-1 run")
    parser.add_argument("--cli-concurrency", type=int, default=32, help="concurrency of the end-to-end command runs")
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--no-command", action="store_true", help="skip the end-to-end command runs")
    parser.add_argument("--data", type=Path, help="where to build (or reuse) the data (default: a temporary folder)")
    parser.add_argument("--name", default="judging_overhead", help="result file name")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="humdial-bench-") as scratch_name:
        scratch = Path(scratch_name)
        data = args.data or scratch / "data"
        testset, submission = build_distinct(data / "full", 150)
        result: dict[str, Any] = {
            "benchmark": "judging_overhead", "machine": describe(), "command_line": sys.argv[1:],
            "data": "benchmarks/fullsize.py: 900 dialogues (150 per task per language), T3 audio; "
                    "74 replies are in the wrong language (scored by rule, no request): 826 requests",
            "sweeps": [],
        }
        for index, latency in enumerate(float(x) for x in args.latency.split(",")):
            with ServedJudge(latency) as server:
                sweep = []
                for concurrency in (int(c) for c in args.concurrency.split(",")):
                    if concurrency == 1 and args.c1_per_file != 150:
                        sub_testset, sub_submission = build_distinct(data / f"c1-{args.c1_per_file}", args.c1_per_file)
                    else:
                        sub_testset, sub_submission = testset, submission
                    runs = [judging_phase(server, sub_testset, sub_submission, concurrency, scratch)
                            for _ in range(1 if concurrency == 1 else args.repeats)]
                    sweep.append(best_of(concurrency, runs))
                    print(json.dumps({"latency_s": latency, **sweep[-1]["best"]}), flush=True)
                result["sweeps"].append({"latency_s": latency, "judging_phase": sweep})
                if index == 0 and not args.no_command:
                    result["command"] = command_runs(server, testset, submission, scratch, args)
                    result["command"]["latency_s"] = latency
    result["goals"] = goals(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(summary_line(result))
    return 0


def judging_phase(server: ServedJudge, testset: Path, submission: Path, concurrency: int, scratch: Path) -> dict[str, Any]:
    """One timed ``run_judging`` from an empty store; the inputs are loaded (and validated) before the clock starts."""
    tasks = [task_class(t)() for t in ("T1", "T2", "T3")]
    profile = write_profile(scratch, server.url, concurrency)
    # One-offs of every process, timed in `command`: the language model (~0.4 s), the client library (~0.4 s).
    language_mismatch("warm up the language model once", "en")
    import openai  # noqa: F401
    with open_inputs(submission, testset, tasks, ["zh", "en"]) as inputs:
        judges = build_judges(str(profile))
        store_path = scratch / f"store-{time.monotonic_ns()}.sqlite"
        server_cpu = server.stats()["cpu_s"]
        load_before, cpu_before, start = load_average(), time.process_time(), time.perf_counter()
        with JudgmentStore(store_path) as store:
            results = run_judging(inputs, tasks, judges, store)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_before
        served = server.stats()
        server_cpu = served["cpu_s"] - server_cpu
    store_path.unlink()
    judged = [r for r in results if r.judge != "(none)" and "language_rule" not in r.flags]
    failed = sum(r.status != "ok" for r in results)
    ideal = served["calls"] * server.latency / concurrency
    return {
        "concurrency": concurrency, "dialogues": len(results), "requests": served["calls"], "judged_items": len(judged),
        "failed": failed, "wall_s": round(wall, 3), "ideal_s": round(ideal, 3), "ratio": round(wall / ideal, 3) if ideal else None,
        "client_cpu_s": round(cpu, 3), "server_cpu_s": round(server_cpu, 3), "server_max_in_flight": served["max_in_flight"],
        "load_before": load_before, "load_after": load_average(),
    }


def goals(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's goals, per latency for the ratio at concurrency 32."""
    out: dict[str, Any] = {"ratio_at_32": []}
    for sweep in result["sweeps"]:
        at_32 = next((e for e in sweep["judging_phase"] if e["concurrency"] == 32), None)
        if at_32 is not None:
            ratio = at_32["best"]["ratio"]
            out["ratio_at_32"].append({"latency_s": sweep["latency_s"], "goal": GOAL_RATIO_AT_32, "best": ratio,
                                       "median": at_32["median_ratio"], "met": ratio <= GOAL_RATIO_AT_32})
    if "command" in result:
        warm = result["command"]["warm_best_s"]
        out["warm_rescore_s"] = {"goal": GOAL_WARM_S, "best": warm, "median": result["command"]["warm_median_s"],
                                 "met": warm < GOAL_WARM_S}
    return out


def best_of(concurrency: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    ratios = [run["ratio"] for run in runs]
    best = min(runs, key=lambda run: run["ratio"])
    return {"concurrency": concurrency, "best": best, "median_ratio": round(statistics.median(ratios), 3), "runs": runs}


def command_runs(server: ServedJudge, testset: Path, submission: Path, scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``humdial-eval score`` end to end: a cold run into a fresh store, then warm re-scores from it."""
    profile = write_profile(scratch, server.url, args.cli_concurrency)
    store = scratch / "command-store.sqlite"
    base = [sys.executable, "-m", "humdial_eval.cli.main", "score", str(submission), "--testset", str(testset),
            "--judge", str(profile), "--cache", str(store), "--no-progress"]
    server.stats()
    cold = timed_process([*base, "--out", str(scratch / "cold")], scratch / "cold.log")
    cold["requests"] = server.stats()["calls"]
    warm = []
    for index in range(args.warm_runs):
        run = timed_process([*base, "--out", str(scratch / f"warm{index}")], scratch / f"warm{index}.log")
        run["requests"] = server.stats()["calls"]  # must be 0: everything is in the store
        warm.append(run)
    same = all(same_summary(scratch / "cold", scratch / f"warm{i}") for i in range(args.warm_runs))
    return {
        "concurrency": args.cli_concurrency, "bootstrap_resamples": 2000, "cold": cold, "warm": warm,
        "warm_best_s": min(run["wall_s"] for run in warm), "warm_median_s": round(statistics.median(r["wall_s"] for r in warm), 3),
        "warm_summaries_identical_to_cold": same,
    }


def timed_process(command: list[str], log: Path) -> dict[str, Any]:
    """Wall time from spawn to exit and peak RSS (``ru_maxrss`` of the child, from ``wait4``)."""
    load_before = load_average()
    with log.open("w") as handle:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: see {log.read_text()[-2000:]}")
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "load_before": load_before, "load_after": load_average()}


def same_summary(first: Path, second: Path) -> bool:
    a, b = (json.loads((folder / "summary.json").read_text()) for folder in (first, second))
    return a == b


def write_profile(scratch: Path, url: str, concurrency: int) -> Path:
    """The official judge's settings (Qwen3-Omni over vLLM), pointed at the benchmark server."""
    path = scratch / f"bench-judge-c{concurrency}.yaml"
    path.write_text(yaml.safe_dump({
        "backend": "openai", "model": "Qwen3-Omni-30B-A3B-Instruct", "base_url": url, "audio": True,
        "temperature": 0.6, "top_p": 0.95, "top_k": 20, "seed": 0, "concurrency": concurrency,
        "request_timeout": 60, "max_retries": 2,
    }), encoding="utf-8")
    return path


def summary_line(result: dict[str, Any]) -> str:
    parts = []
    for sweep in result["sweeps"]:
        ratios = ", ".join(f"c={e['concurrency']} {e['best']['ratio']:.2f}" for e in sweep["judging_phase"])
        parts.append(f"{sweep['latency_s'] * 1000:g} ms latency, wall/ideal: {ratios}")
    line = "judging overhead: " + "; ".join(parts)
    met = [g for g in result["goals"]["ratio_at_32"] if g["met"]]
    where = ", ".join(f"{g['latency_s'] * 1000:g} ms" for g in met) or "no latency tried"
    line += f" (goal <= {GOAL_RATIO_AT_32} at c=32: met at {where})"
    if "command" in result:
        command = result["command"]
        line += (f"; warm re-score {command['warm_best_s']:.2f} s (goal < {GOAL_WARM_S:g} s: "
                 f"{'met' if result['goals']['warm_rescore_s']['met'] else 'missed'}); cold command "
                 f"{command['cold']['wall_s']:.1f} s, peak RSS {command['cold']['peak_rss_mb']:.0f} MB")
    return line + f"; {result['machine']['nproc']} cores, load {result['machine']['load_average'][0]}"


if __name__ == "__main__":
    sys.exit(main())
