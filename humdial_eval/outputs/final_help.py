"""Why a run has no final, and the command that would give it one.

A first run with the default (offline) judge scores no T3 D2/D3, so its final is missing: the summary,
console, report and summary.csv say which dimensions no judge of the profile scored and how to score
them, instead of leaving a bare ``n/a``. The suggestions are shipped profile names (data, checked by a
test against what those profiles really score), so the core still imports no judge.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from humdial_eval.benchmark.task import Task

# Shipped judge profiles that score the audio dimensions, with what a user needs to know to pick one.
AUDIO_PROFILES: tuple[tuple[str, str], ...] = (
    ("qwen3-omni-vllm", "the official judge: Qwen3-Omni served by vLLM, which hears the reply audio; see "
                        "docs/llm-judges.md"),
    ("offline-plus-acoustic-approx", "offline approximations of D2/D3 by emotion2vec and prosody, not comparable with "
                                     "human ratings; needs a local emotion2vec model in HUMDIAL_EMOTION2VEC_DIR; see "
                                     "docs/acoustic.md"),
)


def explain(
    summary: dict[str, Any],
    tasks: Sequence[Task],
    profile: str,
    command: Sequence[str],
) -> dict[str, Any] | None:
    """``summary["final_help"]``: the dimensions of the formula no judge of ``profile`` scored, why, and the
    commands that complete the final (``command`` is this run's own, less its ``--judge``; the report, which
    may be shared, names only the profile). None when the final exists or is missing for another reason (one
    language only)."""
    if summary.get("final") is not None:
        return None
    unscored = sorted({name for entry in summary["languages"].values() for name in entry.get("final_missing", [])})
    if not unscored:
        return None
    ran = {task.id for task in tasks}
    not_run = [name for name in unscored if name.split(".")[0] not in ran]
    unjudged = [name for name in unscored if name not in not_run]
    by_audio = _audio_dimensions(tasks)
    reasons = []
    if unjudged:
        names = [judge["name"] for judge in summary.get("judges", [])]
        members = f" ({', '.join(names)})" if names and names != [profile] else ""
        reason = f"no judge of profile {profile!r}{members} scores {', '.join(unjudged)}"
        if all(name in by_audio for name in unjudged):
            reason += ": they are judged from the reply audio, which its judges do not score"
        reasons.append(reason)
    if not_run:
        missing_tasks = sorted({name.split(".")[0] for name in not_run})
        reasons.append(f"{', '.join(missing_tasks)} {'was' if len(missing_tasks) == 1 else 'were'} not in this "
                       "run's tasks (--tasks)")
    why = "; ".join(reasons)
    complete = [
        {"command": shlex.join([*command, "--judge", name]), "judge": name, "about": about}
        for name, about in AUDIO_PROFILES
        if name != profile
    ] if any(name in by_audio for name in unjudged) else []
    if complete:  # what the challenge's final did: human raters for the audio dimensions
        complete.append({"command": shlex.join([*command, "--judge", profile, "--human-ratings", "RATINGS.csv"]),
                         "judge": profile, "about": "ratings of a human panel for the dimensions it rated (the `human "
                         "import` CSV), as in the challenge's final; see docs/organisers.md"})
    return {"unscored": unscored, "why": why, "complete_with": complete}


def score_command(submission: Path, testset: Path) -> list[str]:
    """The `score` command line of a run, as a user would type it again (without ``--judge``). The output
    folder is left to choose (``DIR``): the report must not depend on where it was written."""
    return ["humdial-eval", "score", str(submission), "--testset", str(testset), "--out", "DIR"]


def _audio_dimensions(tasks: Sequence[Task]) -> set[str]:
    return {f"{task.id}.{d.key}" for task in tasks for d in task.rubric.dimensions if d.needs_audio}
