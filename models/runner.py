"""Playing a test set to a turn-by-turn model: the dialogue loop, the journal, and the submission.

Dialogues run concurrently (at most ``concurrency`` at once); the turns of one dialogue run in order,
each with the conversation so far. Every finished turn goes to the journal at once, so a killed run
resumes where it stopped. A turn that fails after the backend's retries is recorded as failed with its
reason and left empty in the submission (validation reports it); it is never filled in. An error that
would fail every later request too (a wrong key, an unknown model) stops the run, recording nothing
for the turn, so that a rerun after the fix picks up exactly there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from humdial_eval.benchmark.dialogue import Dialogue, TestSet
from humdial_eval.inputs.submission_writer import Response, SubmissionWriter
from humdial_eval.judges.llm.retry import CallError
from humdial_eval.models.conversation import PastReply
from humdial_eval.models.journal import FAILED, OK, Journal, TurnRecord

SUMMARY_NAME = "generation.json"


class GenerationError(RuntimeError):
    """The run cannot go on (the model refuses every request, the inputs are unusable); the message says why."""


class TurnModel(Protocol):
    concurrency: int

    def identity(self) -> dict[str, Any]: ...

    async def answer(self, dialogue: Dialogue, index: int, past: dict[int, PastReply]) -> Any: ...

    async def aclose(self) -> None: ...


@dataclass
class GenerationSummary:
    root: Path
    dialogues: int = 0
    turns: int = 0
    answered: int = 0
    failed: int = 0
    asked: int = 0
    resumed: int = 0
    requests: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def run_turn_model(
    model: TurnModel, testset: TestSet, root: Path, journal: Journal, *, concurrency: int, limit: int | None = None,
    progress: bool = False,
) -> GenerationSummary:
    """Answer every selected dialogue (resuming from the journal), then write the submission into ``root``."""
    dialogues = testset.in_order(limit)
    summary = GenerationSummary(root=root, dialogues=len(dialogues), turns=sum(len(d.turns) for d in dialogues))
    try:
        asyncio.run(_run_all(model, dialogues, journal, concurrency, summary, progress))
    finally:
        _write_summary(journal, summary)
    write_submission(dialogues, root, journal, summary)
    _write_summary(journal, summary)
    return summary


async def _run_all(
    model: TurnModel, dialogues: Sequence[Dialogue], journal: Journal, concurrency: int, summary: GenerationSummary,
    progress: bool,
) -> None:
    gate = asyncio.Semaphore(concurrency)
    with progress_bar(progress, len(dialogues)) as advance:
        async def one(dialogue: Dialogue) -> None:
            async with gate:
                await _dialogue(model, dialogue, journal, summary)
            advance(summary.failed)

        try:
            async with asyncio.TaskGroup() as group:
                for dialogue in dialogues:
                    group.create_task(one(dialogue))
        except* GenerationError as errors:
            raise errors.exceptions[0] from None
        except* Exception as errors:  # a bug, not a model failure: show the first one, not a group of them
            raise errors.exceptions[0]
        finally:
            await model.aclose()


async def _dialogue(model: TurnModel, dialogue: Dialogue, journal: Journal, summary: GenerationSummary) -> None:
    done = {r.turn_id: r for r in journal.dialogue(dialogue.language, dialogue.task, dialogue.dialogue_id)}
    past: dict[int, PastReply] = {}
    for index, turn in enumerate(dialogue.turns):
        record = done.get(turn.turn_id)
        if record is None:
            record = await _ask(model, dialogue, index, past, journal)
            summary.asked += 1
            summary.requests += record.requests
        else:
            summary.resumed += 1
        if record.status == FAILED:
            summary.failed += 1
        past[turn.turn_id] = PastReply(turn.turn_id, record.text if record.status == OK else None)


async def _ask(model: TurnModel, dialogue: Dialogue, index: int, past: dict[int, PastReply], journal: Journal) -> TurnRecord:
    turn = dialogue.turns[index]
    where = dict(language=dialogue.language, task=dialogue.task, dialogue_id=dialogue.dialogue_id, turn_id=turn.turn_id)
    try:
        answer = await model.answer(dialogue, index, past)
    except TurnFailed as exc:
        if exc.fatal:
            raise GenerationError(
                f"the model server refused a request ({str(exc)}); every later request would fail "
                "the same way, so the run stopped. Fix the profile or the key and run the same command again: "
                "finished turns are kept"
            ) from None
        return journal.record(TurnRecord(**where, status=FAILED, error=str(exc), requests=exc.requests))
    audio = answer.audio
    return journal.record(
        TurnRecord(**where, status=OK, text=answer.text, requests=answer.requests, sent=answer.sent),
        audio=None if audio is None else audio.samples,
        sample_rate=16000 if audio is None else audio.sample_rate,
    )


class TurnFailed(Exception):
    """A turn's request failed for good (after retries); ``fatal``: every other request would fail too."""

    def __init__(self, message: str, *, requests: int, fatal: bool = False) -> None:
        super().__init__(message)
        self.requests = requests
        self.fatal = fatal

    @classmethod
    def from_call_error(cls, error: CallError, requests: int, secret: str | None = None) -> "TurnFailed":
        """Server messages may quote the key they refused: it never reaches the journal or the screen."""
        message = str(error)
        if secret and len(secret) >= 8:
            message = message.replace(secret, "[key]")
        return cls(message, requests=requests, fatal=error.fatal)


def write_submission(dialogues: Sequence[Dialogue], root: Path, journal: Journal, summary: GenerationSummary) -> None:
    """The official layout from the journal: answered turns with their text (and audio), failed ones empty."""
    summary.answered = summary.failed = 0
    summary.failures = []
    with SubmissionWriter(root, overwrite=True) as writer:
        for dialogue in dialogues:
            responses = []
            for record in journal.dialogue(dialogue.language, dialogue.task, dialogue.dialogue_id):
                if record.status == OK:
                    summary.answered += 1
                    responses.append(Response(record.turn_id, record.text, journal.audio(record), 16000))
                else:
                    summary.failed += 1
                    summary.failures.append({k: getattr(record, k) for k in
                                             ("language", "task", "dialogue_id", "turn_id", "error", "requests")})
            writer.add(dialogue, responses)


def _write_summary(journal: Journal, summary: GenerationSummary) -> None:
    path = journal.folder / SUMMARY_NAME
    path.write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@contextlib.contextmanager
def progress_bar(show: bool, total: int) -> Iterator[Any]:
    if not show:
        yield lambda failed: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("dialogues"), BarColumn(), MofNCompleteColumn(),
               TextColumn("failed turns: {task.fields[failed]}"), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("generate", total=total, failed=0)
        yield lambda failed: bar.update(task, advance=1, failed=failed)
