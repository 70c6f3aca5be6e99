"""What ``humdial-eval generate`` costs beyond the model's own latency, on a full-size test set.

Run by hand from the repository root::

    .venv/bin/python benchmarks/generation_overhead.py [--latency 0.2] [--concurrency 32] [--data DIR]

The model is the scripted audio server of the tests (tests/models/audio_server.py) on 127.0.0.1, answering
every request after ``--latency`` seconds with text and 0.4 s of 24 kHz speech for the speaking tasks. The
ideal wall time is the busiest schedule the harness could keep: the turns of a dialogue are sequential, so
``sum(turns of each dialogue) x latency / concurrency`` (when the dialogues are many). Measured: the whole
generation (journal, audio checks and conversion, assembly of the submission) from the first request to the
written submission, then a second run of the same command, which finds every turn in the journal and only
rewrites the submission. The server runs in the same process, so the CPU time per turn includes its work
(building and parsing JSON, encoding WAVs): an upper bound of the harness's own. Results go to ``benchmarks/results/generation_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import machine  # noqa: E402
from benchmarks.fullsize import build_distinct  # noqa: E402
from humdial_eval.models.generate import generate_submission  # noqa: E402
from tests.models.audio_server import AudioModelServer, Fault  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--data", type=Path, help="build the test set here once and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data or Path(scratch) / "data"
        testset, _ = build_distinct(data)
        turns = _turns_per_dialogue(testset)
        server = AudioModelServer({}, fault=lambda label, attempt: Fault(delay=args.latency)).start()
        profile = Path(scratch) / "model.yaml"
        profile.write_text(f"backend: openai\nmodel: scripted\nbase_url: {server.url}\ninput: audio\n"
                           f"output_audio: true\nrequest_timeout: 60\nconcurrency: {args.concurrency}\n")
        out = Path(scratch) / "out"
        before = machine.describe()
        start, cpu = time.perf_counter(), time.process_time()
        first = generate_submission(profile, testset, out)
        cold, cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        second = generate_submission(profile, testset, out)
        resumed = time.perf_counter() - start
        server.stop()
    ideal = sum(turns) * args.latency / args.concurrency
    result = {
        "machine_before": before, "load_after": machine.describe()["load_average"],
        "latency_s": args.latency, "concurrency": args.concurrency, "dialogues": len(turns), "turns": sum(turns),
        "requests": len(server.requests), "failed": first.failed, "wall_s": round(cold, 2), "ideal_s": round(ideal, 2),
        "wall_over_ideal": round(cold / ideal, 3),
        "cpu_s": round(cpu, 2), "cpu_ms_per_turn_server_included": round(1000 * cpu / sum(turns), 2), "rerun_all_journaled_s": round(resumed, 2),
        "rerun_asked": second.asked,
    }
    target = REPO / "benchmarks" / "results" / "generation_overhead.json"
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{sum(turns)} turns of {len(turns)} dialogues at {args.latency:g} s, concurrency {args.concurrency}: "
          f"{cold:.1f} s (ideal {ideal:.1f} s, x{cold / ideal:.2f}), {1000 * cpu / sum(turns):.1f} ms CPU per turn "
          f"(server included); rerun from the journal {resumed:.1f} s, "
          f"{second.asked} asked -> {target}")


def _turns_per_dialogue(testset: Path) -> list[int]:
    counts = []
    for path in sorted(testset.glob("*/HD-Track1-T*.jsonl")):
        counts += [len(json.loads(line)["turns"]) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return counts


if __name__ == "__main__":
    main()
