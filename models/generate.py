"""``generate``: one function behind ``humdial-eval generate``, ``humdial-eval run`` and ``humdial_eval.generate``.

Output layout for ``out``: the submission in ``out/HD-Track1/`` (or ``out`` itself when it is named
``HD-Track1``) and, beside it, ``generation/`` with the journal of finished turns, their audio and
``generation.json`` (counts and every failed turn with its reason).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from humdial_eval.inputs import layout
from humdial_eval.benchmark.dialogue import TestSet
from humdial_eval.inputs.loading import UnusableTestSet, load_testset_strictly
from humdial_eval.engine.profiles import ProfileError
from humdial_eval.models.journal import Journal
from humdial_eval.models.profile import build_backend, load_model_profile
from humdial_eval.models.runner import GenerationError, GenerationSummary, progress_bar, run_turn_model

WORK_FOLDER = "generation"
RANKED_TASKS = ("T1", "T2", "T3")


def generate(
    model: str | Path, testset: str | Path, out: str | Path, *, tasks: Sequence[str] = RANKED_TASKS,
    languages: Sequence[str] = layout.LANGUAGES, concurrency: int | None = None, limit: int | None = None,
    fresh: bool = False, retry_failed: bool = False, progress: bool = False,
) -> Path:
    """Play ``testset`` to the model of profile ``model`` and write a submission; returns its ``HD-Track1`` folder.

    Raises ProfileError (bad profile), GenerationError (unusable inputs, a model that refuses every
    request) or journal.JournalError (an output folder made with other settings).
    """
    return generate_submission(
        model, testset, out, tasks=tasks, languages=languages, concurrency=concurrency, limit=limit, fresh=fresh,
        retry_failed=retry_failed, progress=progress,
    ).root


def generate_submission(
    model: str | Path, testset: str | Path, out: str | Path, *, tasks: Sequence[str] = RANKED_TASKS,
    languages: Sequence[str] = layout.LANGUAGES, concurrency: int | None = None, limit: int | None = None,
    fresh: bool = False, retry_failed: bool = False, progress: bool = False,
) -> GenerationSummary:
    if concurrency is not None and not 1 <= concurrency <= 512:
        raise GenerationError("concurrency must be from 1 to 512")
    if limit is not None and limit < 1:
        raise GenerationError("limit must be at least 1")
    out = Path(out)
    root = out if out.name == layout.SUBMISSION_FOLDER else out / layout.SUBMISSION_FOLDER
    workdir = root.parent / WORK_FOLDER
    profile = load_model_profile(model)
    backend = build_backend(profile)
    gold = read_testset(Path(testset), tasks, languages)
    if not hasattr(backend, "answer"):
        return _whole_run(backend, gold, root, fresh, limit, progress)
    if not workdir.exists() and _has_submission(root):
        raise GenerationError(f"{root} already holds a submission not made by `generate`; choose another --out")
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    journal = Journal(workdir, backend.identity())
    try:
        if retry_failed:
            journal.forget_failed()
        return run_turn_model(backend, gold, root, journal, concurrency=concurrency or backend.concurrency,
                              limit=limit, progress=progress)
    finally:
        journal.close()


def read_testset(path: Path, tasks: Sequence[str], languages: Sequence[str]) -> TestSet:
    try:
        return load_testset_strictly(path, tasks, languages)
    except UnusableTestSet as exc:
        raise GenerationError(str(exc)) from None


def _whole_run(backend: object, gold: TestSet, root: Path, fresh: bool, limit: int | None,
               progress: bool) -> GenerationSummary:
    """A backend that answers the whole test set itself (the in-process reference model)."""
    from humdial_eval.inputs.submission_writer import SubmissionExistsError

    dialogues = gold.in_order(limit)
    summary = GenerationSummary(root=root, dialogues=len(dialogues), turns=sum(len(d.turns) for d in dialogues))
    with progress_bar(progress, len(dialogues)) as advance:
        try:
            counts = backend.write(gold, root, overwrite=fresh, limit=limit,  # type: ignore[attr-defined]
                                   on_dialogue=lambda: advance(0))
        except SubmissionExistsError as exc:
            raise GenerationError(f"{exc} (pass --fresh to generate it again)") from None
    summary.answered = summary.asked = counts["turns"]
    return summary


def _has_submission(root: Path) -> bool:
    return root.is_dir() and any(root.glob("*/HD-Track1-T*.jsonl"))


__all__ = ["GenerationError", "ProfileError", "generate", "generate_submission"]
