"""Training throughput (samples/s) and peak memory of the reference model's tiny configuration.

Run by hand from the repository root::

    .venv/bin/python benchmarks/train_throughput.py [--steps 40] [--threads 2] [--data DIR]

Without ``--data`` it generates the default synthetic training set (``baseline data`` defaults:
40 dialogues per task and language, numpy voice) in a temporary folder. It then runs the real
training loop (``humdial_eval.reference_model.training.train``) with the tiny config, ``--steps`` steps per stage,
and reads the per-step throughput the loop logs. The first step of each stage is left out (warm-up).
Data preparation is timed separately. Peak memory is the process's maximum resident set size
(data preparation included) and, on a GPU, torch's peak allocated memory. Results go to
``benchmarks/results/train_throughput.json``; the machine's load average is recorded, because
on a shared machine it changes the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from humdial_eval.reference_model.cli import CONFIG_DIR  # noqa: E402
from humdial_eval.reference_model.config import load_config  # noqa: E402
from humdial_eval.reference_model.prepare import prepare  # noqa: E402
from humdial_eval.reference_model.synthetic.generate import generate_dataset  # noqa: E402
from humdial_eval.reference_model.synthetic.voice import NumpyVoice  # noqa: E402
from humdial_eval.reference_model.training import train  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "train_throughput.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="training steps per stage (40)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (2)")
    parser.add_argument("--data", type=Path, help="training data folder (default: generate the default synthetic set)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    config = load_config(CONFIG_DIR / "tiny.yaml")
    config.train.num_threads = args.threads
    config.train.log_every = 1
    config.train.checkpoint_every = 10**9
    for stage in (config.stages.stage1, config.stages.stage2):
        stage.steps = args.steps
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data
        if data is None:
            generate_dataset(Path(scratch) / "data", NumpyVoice(), seed=0)
            data = Path(scratch) / "data" / "train"
        out = Path(scratch) / "run"
        started = time.perf_counter()
        prepared = prepare(config, data, out / "prepared", log=lambda m: None)
        prepare_seconds = time.perf_counter() - started
        samples = sum(len(d.turns) for d in prepared.dialogues)
        started = time.perf_counter()
        train(config, data, out, log=lambda m: None)
        train_seconds = time.perf_counter() - started
        records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    stages = {}
    for number in (1, 2):
        rates = [r["samples_per_s"] for r in records if r["stage"] == number and r["step"] > 1]
        settings = config.stage(number)
        stages[f"stage{number}"] = {
            "steps_measured": len(rates),
            "batch_size": settings.batch_size * settings.grad_accum,
            "losses": sorted(k for k, w in settings.losses.items() if w > 0),
            "samples_per_s_median": statistics.median(rates),
            "samples_per_s_mean": statistics.fmean(rates),
            "seconds_per_step_median": settings.batch_size * settings.grad_accum / statistics.median(rates),
        }
    result = {
        "benchmark": "train_throughput",
        "config": "tiny",
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "torch_threads": args.threads,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "training_samples": samples,
        "prepare_seconds": round(prepare_seconds, 1),
        "train_seconds_both_stages": round(train_seconds, 1),
        "stages": stages,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_cuda_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1) if torch.cuda.is_available() else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
