"""A full-size synthetic test set + submission (150 dialogues per task per language, 900 in all),
made by cycling the bundled sample's dialogues under new ids, with their audio hard-linked or copied.

Used by the benchmarks; run by hand: ``.venv/bin/python benchmarks/synthetic.py OUT_DIR [--per-file 150]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
TASKS = ("T1", "T2", "T3")
LANGUAGES = ("zh", "en")


def build(out: Path, per_file: int = 150) -> tuple[Path, Path]:
    """Write ``out/testset/HD-Track1-Test`` and ``out/submission/HD-Track1``; return both roots."""
    testset = out / "testset" / "HD-Track1-Test"
    submission = out / "submission" / "HD-Track1"
    for language in LANGUAGES:
        for task in TASKS:
            gold = _read(EXAMPLES / "testset" / "HD-Track1-Test" / language / f"HD-Track1-{task}.jsonl")
            answered = {d["dialogue_id"]: d for d in _read(EXAMPLES / "submission" / "HD-Track1" / language / f"HD-Track1-{task}.jsonl")}
            gold_out, sub_out = [], []
            for index in range(per_file):
                source = gold[index % len(gold)]
                new_id = f"{language}_{task.lower()}_{index:04d}"
                gold_out.append(_renamed(source, new_id, task, testset / language, EXAMPLES / "testset" / "HD-Track1-Test" / language, False))
                sub_out.append(_renamed(answered[source["dialogue_id"]], new_id, task, submission / language,
                                        EXAMPLES / "submission" / "HD-Track1" / language, True))
            _write(testset / language / f"HD-Track1-{task}.jsonl", gold_out)
            _write(submission / language / f"HD-Track1-{task}.jsonl", sub_out)
    return testset, submission


def _renamed(dialogue: dict, new_id: str, task: str, dest: Path, source_root: Path, is_submission: bool) -> dict:
    old_id = dialogue["dialogue_id"]
    turns = []
    for turn in dialogue["turns"]:
        turn = dict(turn)
        for key in ("split_audio_file", "response_audio"):
            if key in turn and turn[key]:
                old = source_root / turn[key]
                name = Path(turn[key]).name.replace(old_id, new_id, 1)
                relative = f"HD-Track1-{task}/{name}"
                turn[key] = relative
                if old.is_file():
                    _link(old, dest / relative)
        turns.append(turn)
    return {**dialogue, "dialogue_id": new_id, "turns": turns}


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy(source, target)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-file", type=int, default=150)
    args = parser.parse_args()
    testset, submission = build(args.out, args.per_file)
    print(f"test set: {testset}\nsubmission: {submission}")
