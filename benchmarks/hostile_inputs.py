"""What the hardening of issue 12 costs on ordinary input, and what a hostile reply costs now.

Run by hand from the repository root (about a minute)::

    .venv/bin/python benchmarks/hostile_inputs.py [--data DIR] [--repeats 3]

Measures, on the full-size data (900 dialogues with T3 audio, ``fullsize.py``):

- ``validate`` of the folder and of a zip of it (extraction included), in-process, best of N;
- ``score --no-cache`` (offline judge) of that data, and of a copy where all 150 English T1 replies are
  ``"sad " * 30000`` (120 KB each): the extra time per hostile item, against the mean time per item;
- the offline judge on one ordinary T1 item and on the same item whose reply is ``"sad " * 30000``
  (120 KB; the judge reads its first 4,000 characters), and the emotion-word matcher alone on the
  uncut 120 KB, best of N.

Writes ``benchmarks/results/hostile_inputs.json`` and prints a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fullsize import build_distinct  # noqa: E402
from benchmarks.machine import describe, load_average  # noqa: E402


HOSTILE_REPLIES = 150


def best(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def validate_seconds(submission: Path, testset: Path, repeats: int) -> float:
    from humdial_eval.cli.main import main

    def once() -> None:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["validate", str(submission), "--testset", str(testset)])
        assert code in (0, 1), code

    return best(once, repeats)


def score_seconds(submission: Path, testset: Path, out: Path, repeats: int) -> float:
    def once() -> None:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "humdial_eval.cli.main", "score", str(submission), "--testset", str(testset),
                        "--out", str(out), "--no-cache", "--bootstrap", "100", "--no-progress"],
                       check=True, capture_output=True, cwd=REPO)

    return best(once, repeats)


def with_hostile_replies(submission: Path, target: Path, count: int) -> Path:
    shutil.copytree(submission, target)
    path = target / "en" / "HD-Track1-T1.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    for index in range(min(count, len(lines))):
        record = json.loads(lines[index])
        record["turns"][-1]["response_text"] = "sad " * 30000
        lines[index] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def judge_seconds(repeats: int) -> dict[str, float]:
    from humdial_eval.engine import registry
    from humdial_eval.benchmark.items import ContextTurn, EvalItem
    from humdial_eval.judges.offline_rubric import OfflineRubricJudge
    from humdial_eval.judges.offline_rubric import text_features
    from humdial_eval.judges.offline_rubric.text_features import MAX_ANALYSED_CHARS, find_emotions

    task = registry.task_class("T1")({})
    context = (
        ContextTurn(turn_id=1, user_text="My sister is finally visiting next week!", emotion="happy", response_text="How lovely!"),
        ContextTurn(turn_id=2, user_text="But her flight just got cancelled.", emotion="sad", response_text="Oh no."),
    )
    ordinary = EvalItem(task="T1", language="en", dialogue_id="d", turn_id=3, context=context,
                        question="How have my feelings changed?", question_emotion="neutral",
                        response_text="You were happy about the visit, then sad when the flight was cancelled, "
                                      "because you had been looking forward to it. Maybe call her tonight.")
    hostile = dataclasses.replace(ordinary, response_text="sad " * 30000)
    judge = OfflineRubricJudge("offline-rubric", {})

    def uncached(function: Callable[[], object]) -> Callable[[], object]:
        def call() -> object:  # the judge caches per text; time the work, not the cache
            text_features._find_emotions.cache_clear()
            text_features.content_units.cache_clear()
            return function()
        return call

    return {
        "ordinary_item_s": best(uncached(lambda: asyncio.run(judge.judge(ordinary, task))), repeats),
        "reply_120kb_item_s": best(uncached(lambda: asyncio.run(judge.judge(hostile, task))), repeats),
        "judged_chars_of_120kb_reply": min(len(hostile.response_text), MAX_ANALYSED_CHARS),
        "matcher_uncut_120kb_s": best(uncached(lambda: find_emotions(hostile.response_text, "en")), repeats),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="build the full-size data here once and reuse it")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hd-bench-hostile-"))
    try:
        testset, submission = build_distinct(args.data or work / "data")
        archive = Path(shutil.make_archive(str(work / "team"), "zip", submission.parent, submission.name))
        load_before = load_average()
        result = {
            "machine": describe(),
            "load_average_before": load_before,
            "validate_folder_s": validate_seconds(submission, testset, args.repeats),
            "validate_zip_s": validate_seconds(archive, testset, args.repeats),
            "zip_bytes": archive.stat().st_size,
            "score_s": score_seconds(submission, testset, work / "out", args.repeats),
            "score_with_hostile_replies_s": score_seconds(
                with_hostile_replies(submission, work / "hostile" / "HD-Track1", HOSTILE_REPLIES), testset, work / "out", args.repeats),
            "hostile_replies": HOSTILE_REPLIES,
            "items": sum(1 for path in testset.glob("*/*.jsonl") for line in path.open() if line.strip()),
            **judge_seconds(args.repeats),
            "load_average_after": load_average(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = REPO / "benchmarks" / "results" / "hostile_inputs.json"
    per_item = result["score_s"] / result["items"]
    result["extra_s_per_hostile_item"] = (result["score_with_hostile_replies_s"] - result["score_s"]) / HOSTILE_REPLIES
    result["hostile_item_cost_in_ordinary_items"] = (per_item + result["extra_s_per_hostile_item"]) / per_item
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"validate folder {result['validate_folder_s']:.2f} s, zip {result['validate_zip_s']:.2f} s; offline judge "
          f"ordinary {result['ordinary_item_s'] * 1000:.1f} ms, 120 KB reply {result['reply_120kb_item_s'] * 1000:.1f} ms; "
          f"in score a 120 KB reply costs {result['hostile_item_cost_in_ordinary_items']:.1f} ordinary items "
          f"-> {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
