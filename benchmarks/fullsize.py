"""The full-size benchmark data: the lead's synthetic set (900 dialogues), made distinct dialogue by dialogue.

``synthetic.build`` cycles the bundled sample's few dialogues under new ids, so most of its items
render the very same judge request: the judgment store would answer them from one another and a
benchmark would time far fewer requests than it claims. Here each dialogue's first user turn gets
its number appended, in the test set and the submission alike: every item then renders a request
of its own, while the replies (what the rules and the offline judge read) stay as they were.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.synthetic import build  # noqa: E402


def build_distinct(out: Path, per_file: int = 150) -> tuple[Path, Path]:
    """Write (or reuse, when already built with the same size) the data; return (testset, submission)."""
    marker = out / "distinct.json"
    testset, submission = out / "testset" / "HD-Track1-Test", out / "submission" / "HD-Track1"
    if marker.is_file() and json.loads(marker.read_text()).get("per_file") == per_file:
        return testset, submission
    testset, submission = build(out, per_file)
    for path in sorted(testset.glob("*/*.jsonl")) + sorted(submission.glob("*/*.jsonl")):
        dialogues = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for dialogue in dialogues:
            number = int(dialogue["dialogue_id"].rsplit("_", 1)[1])
            first = dialogue["turns"][0]
            field = "text" if "text" in first else "input_text"
            first[field] = f"{first[field]} ({number})"
        path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues), encoding="utf-8")
    marker.write_text(json.dumps({"per_file": per_file}), encoding="utf-8")
    return testset, submission
