"""Does a trained reference baseline speak whole replies, and do its submissions validate?

Runs what a user runs on a finished training run, each as its own command: ``baseline infer`` (which
validates what it wrote), ``humdial-eval validate --json``, ``baseline evaluate`` (whole-reply coverage,
trajectory accuracy, emotion and attributes from audio, consistency) and, with ``--score``,
``humdial-eval score`` with the offline judge. Writes ``results/<name>.json`` with the machine record,
the commands, their times and the figures, and prints a one-line summary.

    .venv/bin/python benchmarks/baseline_whole_replies.py --checkpoint CKPT --testset DIR --name NAME [--score]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--testset", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--score", action="store_true", help="also score the submission with the offline judge")
    parser.add_argument("--work", type=Path, help="folder for the submission and reports (a temporary one by default)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="whole_replies_"))
    cli = [sys.executable, "-m", "humdial_eval"]
    submission, report = work / "submission", work / "evaluate.json"
    result: dict[str, Any] = {"machine": machine.describe(), "checkpoint": str(args.checkpoint),
                              "testset": str(args.testset), "commands": [], "seconds": {}}

    def run(label: str, command: list[str]) -> subprocess.CompletedProcess[str]:
        started = time.time()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        result["seconds"][label] = round(time.time() - started, 1)
        result["commands"].append({"label": label, "argv": command[3:], "exit": done.returncode,
                                   "load_after": machine.load_average()})
        return done

    infer = run("infer", cli + ["baseline", "infer", "--checkpoint", str(args.checkpoint), "--testset", str(args.testset),
                                "--out", str(submission), "--no-progress"])
    result["infer_output"] = (infer.stdout + infer.stderr).strip().splitlines()[-25:]
    validate = run("validate", cli + ["validate", str(submission), "--testset", str(args.testset), "--json"])
    result["validate"] = _validation(validate.stdout)
    evaluate = run("evaluate", cli + ["baseline", "evaluate", "--checkpoint", str(args.checkpoint), "--testset",
                                      str(args.testset), "--no-progress", "--out", str(report)])
    if evaluate.returncode != 0:
        result["evaluate_error"] = evaluate.stderr.strip()[-2000:]
    else:
        result["evaluate"] = json.loads(report.read_text(encoding="utf-8"))
    if args.score:
        scores = work / "scores"
        run("score", cli + ["score", str(submission), "--testset", str(args.testset), "--out", str(scores), "--no-cache",
                            "--no-progress"])
        summary = scores / "summary.json"
        result["score_summary"] = json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    whole = result.get("evaluate", {}).get("whole_replies", {})
    print(f"{args.name}: infer exit {infer.returncode}, validate exit {validate.returncode} "
          f"({result['validate'].get('errors')} errors), spoken replies {whole.get('n')}, cut {whole.get('cut')}, "
          f"duration implausible {whole.get('duration_implausible')}, coverage min {whole.get('coverage_min')}")
    return 0


def _validation(stdout: str) -> dict[str, Any]:
    """Counts per severity and code from ``validate --json`` (one JSON object per issue and line)."""
    codes: dict[str, int] = {}
    for line in stdout.splitlines():
        try:
            issue = json.loads(line)
        except json.JSONDecodeError:
            continue  # the closing verdict line
        if isinstance(issue, dict):
            key = f"{issue.get('severity')}:{issue.get('code')}"
            codes[key] = codes.get(key, 0) + 1
    errors = sum(n for k, n in codes.items() if k.startswith("error:"))
    return {"errors": errors, "warnings": sum(codes.values()) - errors, "codes": codes}


if __name__ == "__main__":
    raise SystemExit(main())
