"""Run folders for the viewer's tests: the bundled sample scored for real, a changed copy of it, hostile runs."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

from humdial_eval.cli.main import main

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
# Texts that a careless page would run or render as markup, or show reordered.
HOSTILE = {
    "script": "<script>window.__pwned = 'script'</script>",
    "img": "<img src=x onerror=\"window.__pwned = 'img'\">",
    "link": "<a href=\"javascript:window.__pwned = 'link'\">click me</a>",
    "bidi": "abc\u202edcba\u2066x\u2069",
    "close": "</script><script>window.__pwned = 'close'</script><!--",
}


def score(submission: Path, testset: Path, out: Path, *extra: str) -> Path:
    """`humdial-eval score` in a thread of its own: Playwright's sync API keeps an event loop running in the
    test's thread, and the judging loop (asyncio.run) cannot start inside it."""
    codes: list[int] = []
    args = ["score", str(submission), "--testset", str(testset), "--out", str(out), "--no-cache", "--bootstrap", "200",
            *extra]
    worker = threading.Thread(target=lambda: codes.append(main(args)))
    worker.start()
    worker.join()
    assert codes == [0], codes
    return out


def sample_run(tmp_path: Path) -> Path:
    return score(EXAMPLES / "submission", EXAMPLES / "testset", tmp_path / "sample-run")


def changed_submission(tmp_path: Path) -> Path:
    """The sample submission with every English T1/T2 reply shortened: a second system over the same test set."""
    copy = tmp_path / "changed" / "submission"
    shutil.copytree(EXAMPLES / "submission", copy)
    for task in ("T1", "T2"):
        path = copy / "HD-Track1" / "en" / f"HD-Track1-{task}.jsonl"
        dialogues = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for dialogue in dialogues:
            dialogue["turns"][-1]["response_text"] = "I see. You felt happy and then sad because of what happened."
        path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues), encoding="utf-8")
    return copy


def hostile_submission(tmp_path: Path) -> Path:
    """The sample submission with hostile texts in English T3 replies (the evaluated turn and an earlier one)."""
    copy = tmp_path / "hostile" / "submission"
    shutil.copytree(EXAMPLES / "submission", copy)
    path = copy / "HD-Track1" / "en" / "HD-Track1-T3.jsonl"
    dialogues = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for dialogue in dialogues:
        for turn in dialogue["turns"]:
            turn["response_text"] = "I am sorry you feel this way. " + " ".join(HOSTILE.values())
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues), encoding="utf-8")
    return copy


def records(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "items.jsonl").read_text(encoding="utf-8").splitlines() if line]


def hand_differences(base: Path, other: Path) -> dict[tuple[str, str, str], float]:
    """(task, dimension, "all") -> mean of other - base over the items both scored: computed from items.jsonl alone."""
    def scores(run: Path) -> dict[tuple[str, str, str, int, str], float]:
        return {(r["task"], r["language"], r["dialogue_id"], r["turn_id"], dim): value
                for r in records(run) if r["status"] == "ok" for dim, value in r["scores"].items()}

    a, b = scores(base), scores(other)
    sums: dict[tuple[str, str, str], list[float]] = {}
    for key in a.keys() & b.keys():
        sums.setdefault((key[0], key[4], "all"), []).append(b[key] - a[key])
    return {key: sum(v) / len(v) for key, v in sums.items()}
